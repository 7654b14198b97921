/**
 * Graphviz DOT: districts as clusters, blocks/highways/outskirts as nodes, house roads folded onto
 * their blocks. Same verdict language as the map: allowed solid, denied dashed with a tee (the bar),
 * unknown dotted; evidence spelt out on the edge label with the legend's glyphs.
 */
import type { MapModel, MapNode } from '../map/model.js';
import { AUTO_DISTRICT_ROADS, graphPlan, NodeIndex, resolveOverlays, type EdgeEvidence, type ExportOverlays, type FoldedEdge } from './encoding.js';
import { escapeXml } from './escape.js';
import { AREA, EVIDENCE, EVIDENCE_GLYPH, ROAD, roadWidth, TEXT, UNENFORCED_ROAD } from './draw-style.js';

export interface GraphOptions {
  title: string;
  lines: string[];
  overlays?: ExportOverlays;
  /** Blocks in district clusters, districts only, or auto (districts above AUTO_DISTRICT_ROADS roads). */
  roads?: 'auto' | 'blocks' | 'districts';
}

/** A DOT double-quoted string: backslash and quote escaped, newlines as \n. */
export function dotString(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this strips
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n').replace(/[\u0000-\u001F]/g, '')}"`;
}

export function evidenceText(ev: EdgeEvidence): string {
  return [ev.observed && `${EVIDENCE_GLYPH.observed}${ev.observed}`, ev.predicted && `${EVIDENCE_GLYPH.predicted}${ev.predicted}`, ev.probed && `${EVIDENCE_GLYPH.probed}${ev.probed}`]
    .filter(Boolean)
    .join(' ');
}

/** Graphviz names for the target markers: arrow, bar (tee), hollow circle. */
const DOT_ARROW = { triangle: 'normal', tee: 'tee', circle: 'odot' } as const;

export function* dotChunks(map: MapModel, opts: GraphOptions): Generator<string, void, undefined> {
  const o = resolveOverlays(opts.overlays);
  const index = new NodeIndex(map);
  const font = TEXT.font.split(',')[0];
  yield `digraph netcity {\n`;
  yield `  graph [rankdir=LR, compound=true, fontname=${dotString(font)}, labelloc=t, labeljust=l, fontsize=16, label=${dotString([opts.title, ...opts.lines].join('\n'))}];\n`;
  yield `  node [shape=box, style="rounded,filled", fillcolor="#FFFFFF", color=${dotString(AREA.block.stroke)}, fontname=${dotString(font)}, fontsize=10];\n`;
  yield `  edge [fontname=${dotString(font)}, fontsize=8, arrowsize=0.7];\n`;
  const plan = graphPlan(map, index, o, { roads: opts.roads });
  if (plan.level === 'districts') {
    yield `  // ${map.counts.roads} block roads aggregated between districts (more than ${AUTO_DISTRICT_ROADS}); export with roads=blocks for all\n`;
    // dot's layered layout takes minutes on a graph this dense; sfdp lays it out in seconds.
    yield `  graph [layout=sfdp, overlap=prism, splines=false];\n`;
  }
  let ci = 0;
  for (const { district: d, nodes } of plan.clusters) {
    yield `  subgraph cluster_${ci++} {\n    label=${dotString(d.label)}; style="filled,rounded"; fillcolor=${dotString(AREA.district.fill)}; color=${dotString(AREA.district.stroke)}; fontsize=13;\n`;
    for (const n of nodes) yield `    ${dotNode(n)}\n`;
    yield `  }\n`;
  }
  for (const n of plan.loose) yield `  ${dotNode(n)}\n`;
  for (const e of plan.edges) yield `  ${dotEdge(e, o.flows, plan.level === 'blocks')}\n`;
  yield* dotLegend(o.flows, plan.edges.some((e) => e.verdict === 'allowed' && e.unenforced));
  yield `}\n`;
}

export function renderDot(map: MapModel, opts: GraphOptions): string {
  return [...dotChunks(map, opts)].join('');
}

function dotNode(n: MapNode): string {
  if (n.kind === 'district') return `${dotString(n.id)} [label=${dotString(n.label)}, fillcolor=${dotString(AREA.district.fill)}, color=${dotString(AREA.district.stroke)}, fontsize=12];`;
  if (n.kind === 'highway') return `${dotString(n.id)} [label=${dotString(n.label)}, shape=cds, fillcolor=${dotString(AREA.highway.fill)}, color=${dotString(AREA.highway.stroke)}, fontcolor="#FFFFFF"];`;
  if (n.kind === 'outskirt') return `${dotString(n.id)} [label=${dotString(n.label)}, shape=ellipse, fillcolor=${dotString(AREA.outskirt.fill)}, color=${dotString(AREA.outskirt.stroke)}];`;
  return `${dotString(n.id)} [label=${dotString(n.label)}];`;
}

function dotEdge(e: FoldedEdge, byVolume: boolean, labelled = true): string {
  if (e.kind === 'highway-link') return `${dotString(e.source)} -> ${dotString(e.target)} [color=${dotString(AREA.highwayLink.colour)}, arrowhead=vee];`;
  const unenforced = e.verdict === 'allowed' && e.unenforced;
  const st = unenforced ? UNENFORCED_ROAD : ROAD[e.verdict];
  const label = [e.labels.slice(0, 3).join(', ') + (e.labels.length > 3 ? ` +${e.labels.length - 3}` : ''), evidenceText(e.evidence)].filter(Boolean).join('\n');
  const attrs = [
    `style=${st.dotStyle}`,
    `color=${dotString(st.colour)}`,
    // Graphviz dashes have a fixed length, so a thick dashed line reads as dotted: cap patterned roads.
    `penwidth=${(byVolume ? Math.min(roadWidth(e.volume), st.dotStyle === 'solid' ? Infinity : 2.5) : 1.5).toFixed(2)}`,
    `arrowhead=${unenforced ? 'empty' : DOT_ARROW[st.targetMarker]}`,
    // Aggregated district roads carry their ports as a tooltip: hundreds of labels would bury the graph.
    labelled ? `label=${dotString(label)}` : `tooltip=${dotString(label)}`,
    `fontcolor=${dotString(st.colour)}`,
  ];
  return `${dotString(e.source)} -> ${dotString(e.target)} [${attrs.join(', ')}];`;
}

/**
 * The legend as one HTML-like table node: each verdict row has a cell whose bottom border is drawn in
 * that verdict's line style, so the key holds no edges that would stretch the layout.
 */
function* dotLegend(byVolume: boolean, unenforced: boolean): Generator<string> {
  const row = (cell: string, text: string) => `<TR>${cell}<TD ALIGN="LEFT">${escapeXml(text)}</TD></TR>`;
  const line = (v: 'allowed' | 'denied' | 'unknown') =>
    `<TD WIDTH="48" HEIGHT="8" SIDES="B" BORDER="2" STYLE="${ROAD[v].dotStyle === 'solid' ? 'solid' : ROAD[v].dotStyle}" COLOR="${ROAD[v].colour}"> </TD>`;
  const rows = [
    row(line('allowed'), ROAD.allowed.label),
    row(line('denied'), ROAD.denied.label),
    row(line('unknown'), ROAD.unknown.label),
    unenforced ? row(`<TD WIDTH="48" HEIGHT="8" SIDES="B" BORDER="2" STYLE="dashed" COLOR="${UNENFORCED_ROAD.colour}"> </TD>`, UNENFORCED_ROAD.label) : '',
    row(`<TD>${EVIDENCE_GLYPH.observed} ${EVIDENCE_GLYPH.predicted} ${EVIDENCE_GLYPH.probed}</TD>`, `on labels: ${EVIDENCE.observed.label}, ${EVIDENCE.predicted.label}, ${EVIDENCE.probed.label} (ok / blocked / mismatch)`),
    byVolume ? row('<TD>━</TD>', 'line width = observed flows (dashed and dotted roads capped)') : '',
    row(`<TD BGCOLOR="${AREA.highway.fill}"><FONT COLOR="#FFFFFF">cds</FONT></TD>`, AREA.highway.label),
    row(`<TD BGCOLOR="${AREA.outskirt.fill}">ellipse</TD>`, AREA.outskirt.label),
    row('<TD BORDER="1">box</TD>', `${AREA.block.label}; frames: ${AREA.district.label}`),
  ];
  yield `  subgraph cluster_legend {\n    label="Legend"; style="rounded"; color="#BBBBBB"; fontsize=12;\n`;
  yield `    "legend" [shape=plaintext, style="", label=<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="2">${rows.join('')}</TABLE>>];\n  }\n`;
}
