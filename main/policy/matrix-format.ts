/** The analyze output formats of a connectivity matrix: txt, json, csv, md, dot, mermaid. */
import { csvCell } from '../export/csv.js';
import { dotString } from '../export/dot.js';
import { mermaidText } from '../export/mermaid.js';
import { ConnectivityMatrix, type AnalyzeConnection, type AnalyzePeer, type AnalyzeResult } from './matrix.js';
import { describePorts, fromPortLists, PROTOCOLS, type PortLists } from './ports.js';

export const ANALYZE_FORMATS = ['txt', 'json', 'csv', 'md', 'dot', 'mermaid'] as const;
export type AnalyzeFormat = (typeof ANALYZE_FORMATS)[number];

/** The explanation lines of a connection (one per protocol explained), asked as it is written. */
export type Explanations = (c: AnalyzeConnection) => string[];

/**
 * What the formats read: a result in memory, or a matrix streamed a source row at a time (any
 * size: connections are formatted as they are computed, never all held).
 */
export type MatrixSource = AnalyzeResult | ConnectivityMatrix;

/** "shop/cart[Deployment]", "shop/cart-1[Pod]", "10.0.0.0/8", "0.0.0.0-9.255.255.255". */
export function peerName(p: AnalyzePeer | undefined, id: string): string {
  if (!p) return id;
  if (p.type === 'ipRange') return id.startsWith('ip:') ? id.slice(3) : id;
  return `${p.namespace}/${p.name}[${p.kind}]`;
}

export function portsText(l: PortLists): string {
  return describePorts(fromPortLists(l));
}

/** Connections by source name, then destination name. */
function sorted(r: MatrixSource, name: (id: string) => string): Iterable<AnalyzeConnection> {
  if (r instanceof ConnectivityMatrix) {
    // Peer names are unique: sources then destinations in name order is the same order.
    const names = r.peers.map((p) => name(p.id));
    const order = names.map((_, i) => i).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    return { [Symbol.iterator]: () => r.connections(order) };
  }
  // Keys computed once: a comparator building strings would run n log n times.
  const keys = r.connections.map((c) => `${name(c.src)}\u0000${name(c.dst)}`);
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  return order.map((i) => r.connections[i]);
}

function usedPeers(conns: Iterable<AnalyzeConnection>): Set<string> {
  const used = new Set<string>();
  for (const c of conns) used.add(c.src).add(c.dst);
  return used;
}

/** The whole output as one string (small results; see formatMatrixChunks for large ones). */
export function formatMatrix(r: MatrixSource, format: AnalyzeFormat, explanations?: Explanations): string {
  return [...formatMatrixChunks(r, format, explanations)].join('');
}

/** The output piece by piece, so millions of connections never need one giant string. */
export function* formatMatrixChunks(r: MatrixSource, format: AnalyzeFormat, explanations?: Explanations): Generator<string, void, undefined> {
  if (format === 'json') {
    // One peer or connection per line: valid JSON, diffable, and written in pieces.
    yield '{\n  "peers": [';
    for (let i = 0; i < r.peers.length; i++) yield `${i ? ',' : ''}\n    ${JSON.stringify(r.peers[i])}`;
    yield `${r.peers.length ? '\n  ' : ''}],\n  "connections": [`;
    let i = 0;
    for (const c of r instanceof ConnectivityMatrix ? r.connections() : r.connections) yield `${i++ ? ',' : ''}\n    ${JSON.stringify(c)}`;
    yield `${i ? '\n  ' : ''}]\n}\n`;
    return;
  }
  // Names and port texts once per peer and per port-list object (connections share them).
  const names = new Map(r.peers.map((p) => [p.id, peerName(p, p.id)]));
  const name = (id: string) => names.get(id) ?? id;
  const texts = new WeakMap<PortLists, string>();
  const portsText = (l: PortLists) => {
    let t = texts.get(l);
    if (t === undefined) texts.set(l, (t = describePorts(fromPortLists(l))));
    return t;
  };
  const conns = sorted(r, name);
  const unknownText = (c: AnalyzeConnection) => (c.unknown ? portsText(c.unknown) : '');
  const why = (c: AnalyzeConnection) => explanations?.(c) ?? [];
  // Ports open only because the road builder does not enforce their policies (--road-builder).
  const unenforcedText = (c: AnalyzeConnection) => (c.unenforced ? portsText(c.unenforced) : '');
  // Only a collected result can carry them (analyze collects it when some policy is not enforced).
  const anyUnenforced = !(r instanceof ConnectivityMatrix) && r.connections.some((c) => c.unenforced);
  const marker = (c: AnalyzeConnection) => (c.unenforced ? ` (unenforced: ${unenforcedText(c)})` : '');
  switch (format) {
    case 'txt': {
      for (const c of conns) {
        const allowed = portsText(c.allowed);
        const u = unknownText(c);
        yield `${name(c.src)} => ${name(c.dst)} : ${allowed || (u ? 'nothing certain' : 'nothing allowed')}${u ? ` (unknown: ${u})` : ''}${marker(c)}\n`;
        for (const w of why(c)) yield `    ${w}\n`;
      }
      return;
    }
    case 'csv': {
      const head = ['src', 'dst', ...PROTOCOLS, ...PROTOCOLS.map((p) => `unknown ${p}`), ...(anyUnenforced ? PROTOCOLS.map((p) => `unenforced ${p}`) : []), ...(explanations ? ['explanation'] : [])];
      yield head.map(csvCell).join(',') + '\r\n';
      for (const c of conns)
        yield [name(c.src), name(c.dst), ...PROTOCOLS.map((p) => c.allowed[p]), ...PROTOCOLS.map((p) => c.unknown?.[p] ?? ''), ...(anyUnenforced ? PROTOCOLS.map((p) => c.unenforced?.[p] ?? '') : []), ...(explanations ? [why(c).join(' | ')] : [])]
          .map(csvCell)
          .join(',') + '\r\n';
      return;
    }
    case 'md': {
      const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
      yield `| Source | Destination | Allowed | Unknown |${anyUnenforced ? ' Unenforced |' : ''}${explanations ? ' Why |' : ''}\n|---|---|---|---|${anyUnenforced ? '---|' : ''}${explanations ? '---|' : ''}\n`;
      for (const c of conns)
        yield `| ${cell(name(c.src))} | ${cell(name(c.dst))} | ${cell(portsText(c.allowed))} | ${cell(unknownText(c))} |${anyUnenforced ? ` ${cell(unenforcedText(c))} |` : ''}${explanations ? ` ${cell(why(c).join('<br>'))} |` : ''}\n`;
      return;
    }
    case 'dot': {
      const used = usedPeers(conns);
      const lines = ['digraph connectivity {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
      const byNs = new Map<string, AnalyzePeer[]>();
      for (const p of r.peers) {
        if (!used.has(p.id)) continue;
        const k = p.namespace ?? '';
        byNs.set(k, [...(byNs.get(k) ?? []), p]);
      }
      let i = 0;
      for (const [ns, peers] of byNs) {
        if (ns) lines.push(`  subgraph cluster_${i++} {`, `    label=${dotString(ns)};`);
        for (const p of peers)
          lines.push(`${ns ? '    ' : '  '}${dotString(p.id)} [label=${dotString(ns ? `${p.name}[${p.kind}]` : name(p.id))}${p.type === 'ipRange' ? ', shape=ellipse' : ''}];`);
        if (ns) lines.push('  }');
      }
      for (const l of lines) yield `${l}\n`;
      for (const c of conns) {
        const u = unknownText(c);
        yield `  ${dotString(c.src)} -> ${dotString(c.dst)} [label=${dotString((portsText(c.allowed) || (u ? '' : 'nothing allowed')) + (u ? ` (unknown: ${u})` : '') + marker(c))}${portsText(c.allowed) ? '' : ', style=dotted'}];\n`;
      }
      yield '}\n';
      return;
    }
    case 'mermaid': {
      const ids = new Map<string, string>();
      const idOf = (peer: string) => {
        let id = ids.get(peer);
        if (!id) ids.set(peer, (id = `n${ids.size}`));
        return id;
      };
      const lines = ['flowchart LR'];
      const used = usedPeers(conns);
      for (const p of r.peers) if (used.has(p.id)) lines.push(`  ${idOf(p.id)}[${mermaidText(name(p.id))}]`);
      for (const l of lines) yield `${l}\n`;
      for (const c of conns) {
        const label = (portsText(c.allowed) || (unknownText(c) ? `unknown: ${unknownText(c)}` : 'nothing allowed')) + marker(c);
        yield `  ${idOf(c.src)} ${portsText(c.allowed) ? '-->' : '-.->'}|${mermaidText(label)}| ${idOf(c.dst)}\n`;
      }
      return;
    }
  }
}
