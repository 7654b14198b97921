/**
 * Graphviz DOT: districts as clusters, blocks/highways/outskirts as nodes, house roads folded onto
 * their blocks. Same verdict language as the map: allowed solid, denied dashed with a tee (the bar),
 * unknown dotted; evidence spelt out on the edge label with the legend's glyphs.
 */
import type { MapModel, MapNode } from '../map/model.js';
import { foldEdges, GRAPH_KINDS, NodeIndex, resolveOverlays, type EdgeEvidence, type ExportOverlays, type FoldedEdge } from './encoding.js';
import { escapeXml } from './escape.js';
import { AREA, ROAD, roadWidth, TEXT } from './style-tokens.js';

export interface GraphOptions {
  title: string;
  lines: string[];
  overlays?: ExportOverlays;
}

/** A DOT double-quoted string: backslash and quote escaped, newlines as \n. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n').replace(/[\u0000-\u001F]/g, '')}"`;
}

export function evidenceText(ev: EdgeEvidence): string {
  return [ev.predicted && `◇${ev.predicted}`, ev.observed && `●${ev.observed}`, ev.probed && `■${ev.probed}`].filter(Boolean).join(' ');
}

export function* dotChunks(map: MapModel, opts: GraphOptions): Generator<string, void, undefined> {
  const o = resolveOverlays(opts.overlays);
  const index = new NodeIndex(map);
  const font = TEXT.font.split(',')[0];
  yield `digraph netcity {\n`;
  yield `  graph [rankdir=LR, compound=true, fontname=${dotString(font)}, labelloc=t, labeljust=l, fontsize=16, label=${dotString([opts.title, ...opts.lines].join('\n'))}];\n`;
  yield `  node [shape=box, style="rounded,filled", fillcolor="#FFFFFF", color=${dotString(AREA.block.stroke)}, fontname=${dotString(font)}, fontsize=10];\n`;
  yield `  edge [fontname=${dotString(font)}, fontsize=8, arrowsize=0.7];\n`;
  const graphNodes = map.nodes.filter((n) => GRAPH_KINDS.has(n.kind));
  const byDistrict = new Map<string, MapNode[]>();
  const loose: MapNode[] = [];
  for (const n of graphNodes) {
    const d = index.districtOf(n.id);
    if (!d) loose.push(n);
    else byDistrict.set(d.id, [...(byDistrict.get(d.id) ?? []), n]);
  }
  let ci = 0;
  for (const d of map.nodes) {
    if (d.kind !== 'district') continue;
    yield `  subgraph cluster_${ci++} {\n    label=${dotString(d.label)}; style="filled,rounded"; fillcolor=${dotString(AREA.district.fill)}; color=${dotString(AREA.district.stroke)}; fontsize=13;\n`;
    for (const n of byDistrict.get(d.id) ?? []) yield `    ${dotNode(n)}\n`;
    yield `  }\n`;
  }
  for (const n of loose) yield `  ${dotNode(n)}\n`;
  for (const e of foldEdges(map, index, o)) yield `  ${dotEdge(e, o.flows)}\n`;
  yield* dotLegend(o.flows);
  yield `}\n`;
}

export function renderDot(map: MapModel, opts: GraphOptions): string {
  return [...dotChunks(map, opts)].join('');
}

function dotNode(n: MapNode): string {
  if (n.kind === 'highway') return `${dotString(n.id)} [label=${dotString(n.label)}, shape=cds, fillcolor=${dotString(AREA.highway.fill)}, color=${dotString(AREA.highway.stroke)}];`;
  if (n.kind === 'outskirt') return `${dotString(n.id)} [label=${dotString(n.label)}, shape=ellipse, fillcolor=${dotString(AREA.outskirt.fill)}, color=${dotString(AREA.outskirt.stroke)}];`;
  return `${dotString(n.id)} [label=${dotString(n.label)}];`;
}

function dotEdge(e: FoldedEdge, byVolume: boolean): string {
  if (e.kind === 'highway-link') return `${dotString(e.source)} -> ${dotString(e.target)} [color=${dotString(AREA.highwayLink.colour)}, arrowhead=vee];`;
  const st = ROAD[e.verdict];
  const label = [e.labels.slice(0, 3).join(', ') + (e.labels.length > 3 ? ` +${e.labels.length - 3}` : ''), evidenceText(e.evidence)].filter(Boolean).join('\n');
  const attrs = [
    `style=${st.dotStyle}`,
    `color=${dotString(st.colour)}`,
    `penwidth=${byVolume ? roadWidth(e.volume).toFixed(2) : '1.5'}`,
    // The bar of a denied road: a tee before the arrowhead.
    `arrowhead=${e.verdict === 'denied' ? 'teenormal' : 'normal'}`,
    `label=${dotString(label)}`,
    `fontcolor=${dotString(st.colour)}`,
  ];
  return `${dotString(e.source)} -> ${dotString(e.target)} [${attrs.join(', ')}];`;
}

/**
 * The legend as one HTML-like table node: each verdict row has a cell whose bottom border is drawn in
 * that verdict's line style, so the key holds no edges that would stretch the layout.
 */
function* dotLegend(byVolume: boolean): Generator<string> {
  const row = (cell: string, text: string) => `<TR>${cell}<TD ALIGN="LEFT">${escapeXml(text)}</TD></TR>`;
  const line = (v: 'allowed' | 'denied' | 'unknown') =>
    `<TD WIDTH="48" HEIGHT="8" SIDES="B" BORDER="2" STYLE="${ROAD[v].dotStyle === 'solid' ? 'solid' : ROAD[v].dotStyle}" COLOR="${ROAD[v].colour}"> </TD>`;
  const rows = [
    row(line('allowed'), ROAD.allowed.label),
    row(line('denied'), `${ROAD.denied.label} (dashed, bar before the arrowhead)`),
    row(line('unknown'), ROAD.unknown.label),
    row('<TD>◇ ● ■</TD>', 'evidence: predicted (policy), observed (flows), probe ok / blocked / mismatch'),
    byVolume ? row('<TD>━</TD>', 'line width = observed flows') : '',
    row(`<TD BGCOLOR="${AREA.highway.fill}">cds</TD>`, 'highway (service)'),
    row(`<TD BGCOLOR="${AREA.outskirt.fill}">ellipse</TD>`, 'outskirts (world, IP ranges, nodes)'),
    row('<TD BORDER="1">box</TD>', 'block (workload); frames are districts (namespaces)'),
  ];
  yield `  subgraph cluster_legend {\n    label="Legend"; style="rounded"; color="#BBBBBB"; fontsize=12;\n`;
  yield `    "legend" [shape=plaintext, style="", label=<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="2">${rows.join('')}</TABLE>>];\n  }\n`;
}
