/**
 * Mermaid flowchart: a subgraph per district, nodes as blocks/highways/outskirts, links styled by
 * verdict (allowed -->, denied --x dashed, unknown -.->), and a legend subgraph.
 */
import type { MapModel, MapNode, RoadVerdict } from '../map/model.js';
import { graphPlan, NodeIndex, resolveOverlays } from './encoding.js';
import { evidenceText, type GraphOptions } from './dot.js';
import { AREA, EVIDENCE, EVIDENCE_GLYPH, ROAD, UNENFORCED_ROAD } from './draw-style.js';

/** Mermaid quoted text: entity codes for what would end the string or open markup. */
export function mermaidText(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this strips
  const esc = s.replace(/[&"<>#|[\]{}()]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r?\n/g, '<br/>').replace(/[\u0000-\u001F`]/g, ' ');
  return `"${esc}"`;
}

/** Mermaid's default maxEdges is 500; the legend's three sample links count too. */
export const MERMAID_MAX_LINKS = 450;

/** Link ends follow the target markers: arrow (allowed), cross for the bar (denied), circle (unknown, dotted). */
const ARROW: Record<RoadVerdict, string> = { allowed: '-->', denied: '--x', unknown: '-.-o' };

export function* mermaidChunks(map: MapModel, opts: GraphOptions): Generator<string, void, undefined> {
  const o = resolveOverlays(opts.overlays);
  const index = new NodeIndex(map);
  // Mermaid ids must be plain words: peer ids are mapped to n0, n1... and named by their labels.
  const ids = new Map<string, string>();
  const idOf = (peer: string) => {
    let id = ids.get(peer);
    if (!id) ids.set(peer, (id = `n${ids.size}`));
    return id;
  };
  // Front matter is YAML; a JSON string is a valid YAML double-quoted scalar.
  yield `---\ntitle: ${JSON.stringify([opts.title, ...opts.lines].join(' · '))}\n---\n`;
  yield `flowchart LR\n`;
  yield `  classDef block fill:#FFFFFF,stroke:${AREA.block.stroke}\n`;
  yield `  classDef district fill:${AREA.district.fill},stroke:${AREA.district.stroke}\n`;
  yield `  classDef highway fill:${AREA.highway.fill},stroke:${AREA.highway.stroke},color:#FFFFFF\n`;
  yield `  classDef outskirt fill:${AREA.outskirt.fill},stroke:${AREA.outskirt.stroke}\n`;
  // Mermaid renderers refuse more than 500 links (maxEdges, not settable from a diagram): big
  // cities are drawn between districts, and the least telling roads are left out, saying so.
  const plan = graphPlan(map, index, o, { roads: opts.roads, autoAbove: MERMAID_MAX_LINKS, maxEdges: MERMAID_MAX_LINKS });
  if (plan.level === 'districts') yield `  %% ${map.counts.roads} block roads aggregated between districts\n`;
  let di = 0;
  for (const { district: d, nodes } of plan.clusters) {
    yield `  subgraph d${di++}[${mermaidText(d.label)}]\n`;
    for (const n of nodes) yield `    ${mermaidNode(idOf(n.id), n)}\n`;
    yield `  end\n`;
  }
  for (const n of plan.loose) yield `  ${mermaidNode(idOf(n.id), n)}\n`;
  if (plan.omitted) yield `  omitted[${mermaidText(`${plan.omitted} more roads not shown (Mermaid draws at most ${MERMAID_MAX_LINKS}); denied and busiest kept. Use the DOT, CSV or JSON export for all.`)}]\n`;
  const styles: Record<string, number[]> = { allowed: [], denied: [], unknown: [], unenforced: [], link: [] };
  let li = 0;
  for (const e of plan.edges) {
    if (e.kind === 'highway-link') {
      yield `  ${idOf(e.source)} --- ${idOf(e.target)}\n`;
      styles.link.push(li++);
      continue;
    }
    const label = [e.labels.slice(0, 2).join(', '), evidenceText(e.evidence)].filter(Boolean).join(' ');
    yield `  ${idOf(e.source)} ${ARROW[e.verdict]}${label ? `|${mermaidText(label)}|` : ''} ${idOf(e.target)}\n`;
    styles[e.verdict === 'allowed' && e.unenforced ? 'unenforced' : e.verdict].push(li++);
  }
  // Legend: one sample link per verdict.
  yield `  subgraph legend[${mermaidText('Legend')}]\n`;
  for (const v of ['allowed', 'denied', 'unknown'] as const) {
    yield `    lg_${v}_a[${mermaidText(ROAD[v].label)}] ${ARROW[v]} lg_${v}_b[${mermaidText(' ')}]\n`;
    styles[v].push(li++);
  }
  if (styles.unenforced.length) {
    yield `    lg_unenforced_a[${mermaidText(UNENFORCED_ROAD.label)}] ${ARROW.allowed} lg_unenforced_b[${mermaidText(' ')}]\n`;
    styles.unenforced.push(li++);
  }
  yield `    lg_key[${mermaidText(`${EVIDENCE_GLYPH.observed} ${EVIDENCE.observed.label} · ${EVIDENCE_GLYPH.predicted} ${EVIDENCE.predicted.label} · ${EVIDENCE_GLYPH.probed} ${EVIDENCE.probed.label}`)}]\n  end\n`;
  for (const v of ['allowed', 'denied', 'unknown'] as const) {
    if (!styles[v].length) continue;
    const dash = ROAD[v].dash ? `,stroke-dasharray:${ROAD[v].dash}` : '';
    yield `  linkStyle ${styles[v].join(',')} stroke:${ROAD[v].colour},stroke-width:2px${dash}\n`;
  }
  if (styles.unenforced.length) yield `  linkStyle ${styles.unenforced.join(',')} stroke:${UNENFORCED_ROAD.colour},stroke-width:2px,stroke-dasharray:${UNENFORCED_ROAD.dash}\n`;
  if (styles.link.length) yield `  linkStyle ${styles.link.join(',')} stroke:${AREA.highwayLink.colour}\n`;
}

export function renderMermaid(map: MapModel, opts: GraphOptions): string {
  return [...mermaidChunks(map, opts)].join('');
}

function mermaidNode(id: string, n: MapNode): string {
  if (n.kind === 'district') return `${id}[${mermaidText(n.label)}]:::district`;
  if (n.kind === 'highway') return `${id}{{${mermaidText(n.label)}}}:::highway`;
  if (n.kind === 'outskirt') return `${id}([${mermaidText(n.label)}]):::outskirt`;
  return `${id}[${mermaidText(n.label)}]:::block`;
}
