/** The analyze output formats of a connectivity matrix: txt, json, csv, md, dot, mermaid. */
import { csvCell } from '../export/csv.js';
import { dotString } from '../export/dot.js';
import { mermaidText } from '../export/mermaid.js';
import type { AnalyzeConnection, AnalyzePeer, AnalyzeResult } from './matrix.js';
import { describePorts, fromPortLists, PROTOCOLS, type PortLists } from './ports.js';

export const ANALYZE_FORMATS = ['txt', 'json', 'csv', 'md', 'dot', 'mermaid'] as const;
export type AnalyzeFormat = (typeof ANALYZE_FORMATS)[number];

/** Explanations per connection, keyed `${src}|${dst}`: one line per protocol explained. */
export type Explanations = Map<string, string[]>;

/** "shop/cart[Deployment]", "shop/cart-1[Pod]", "10.0.0.0/8", "0.0.0.0-9.255.255.255". */
export function peerName(p: AnalyzePeer | undefined, id: string): string {
  if (!p) return id;
  if (p.type === 'ipRange') return id.startsWith('ip:') ? id.slice(3) : id;
  return `${p.namespace}/${p.name}[${p.kind}]`;
}

export function portsText(l: PortLists): string {
  return describePorts(fromPortLists(l));
}

function sorted(r: AnalyzeResult, name: (id: string) => string): AnalyzeConnection[] {
  // Keys computed once: a comparator building strings would run n log n times.
  const keys = r.connections.map((c) => `${name(c.src)}\u0000${name(c.dst)}`);
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  return order.map((i) => r.connections[i]);
}

/** The whole output as one string (small results; see formatMatrixChunks for large ones). */
export function formatMatrix(r: AnalyzeResult, format: AnalyzeFormat, explanations?: Explanations): string {
  return [...formatMatrixChunks(r, format, explanations)].join('');
}

/** The output piece by piece, so millions of connections never need one giant string. */
export function* formatMatrixChunks(r: AnalyzeResult, format: AnalyzeFormat, explanations?: Explanations): Generator<string, void, undefined> {
  if (format === 'json') {
    // One peer or connection per line: valid JSON, diffable, and written in pieces.
    yield '{\n  "peers": [';
    for (let i = 0; i < r.peers.length; i++) yield `${i ? ',' : ''}\n    ${JSON.stringify(r.peers[i])}`;
    yield `${r.peers.length ? '\n  ' : ''}],\n  "connections": [`;
    for (let i = 0; i < r.connections.length; i++) yield `${i ? ',' : ''}\n    ${JSON.stringify(r.connections[i])}`;
    yield `${r.connections.length ? '\n  ' : ''}]\n}\n`;
    return;
  }
  const byId = new Map(r.peers.map((p) => [p.id, p]));
  const name = (id: string) => peerName(byId.get(id), id);
  const conns = sorted(r, name);
  const unknownText = (c: AnalyzeConnection) => (c.unknown ? portsText(c.unknown) : '');
  const why = (c: AnalyzeConnection) => explanations?.get(`${c.src}|${c.dst}`) ?? [];
  // Ports open only because the road builder does not enforce their policies (--road-builder).
  const unenforcedText = (c: AnalyzeConnection) => (c.unenforced ? portsText(c.unenforced) : '');
  const anyUnenforced = conns.some((c) => c.unenforced);
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
      const lines = [
        `| Source | Destination | Allowed | Unknown |${anyUnenforced ? ' Unenforced |' : ''}${explanations ? ' Why |' : ''}`,
        `|---|---|---|---|${anyUnenforced ? '---|' : ''}${explanations ? '---|' : ''}`,
      ];
      for (const c of conns)
        lines.push(
          `| ${cell(name(c.src))} | ${cell(name(c.dst))} | ${cell(portsText(c.allowed))} | ${cell(unknownText(c))} |${anyUnenforced ? ` ${cell(unenforcedText(c))} |` : ''}${explanations ? ` ${cell(why(c).join('<br>'))} |` : ''}`,
        );
      for (const l of lines) yield `${l}\n`;
      return;
    }
    case 'dot': {
      const used = new Set(conns.flatMap((c) => [c.src, c.dst]));
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
      for (const c of conns) {
        const u = unknownText(c);
        lines.push(`  ${dotString(c.src)} -> ${dotString(c.dst)} [label=${dotString((portsText(c.allowed) || (u ? '' : 'nothing allowed')) + (u ? ` (unknown: ${u})` : '') + marker(c))}${portsText(c.allowed) ? '' : ', style=dotted'}];`);
      }
      lines.push('}');
      for (const l of lines) yield `${l}\n`;
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
      const used = new Set(conns.flatMap((c) => [c.src, c.dst]));
      for (const p of r.peers) if (used.has(p.id)) lines.push(`  ${idOf(p.id)}[${mermaidText(name(p.id))}]`);
      for (const c of conns) {
        const label = (portsText(c.allowed) || (unknownText(c) ? `unknown: ${unknownText(c)}` : 'nothing allowed')) + marker(c);
        lines.push(`  ${idOf(c.src)} ${portsText(c.allowed) ? '-->' : '-.->'}|${mermaidText(label)}| ${idOf(c.dst)}`);
      }
      for (const l of lines) yield `${l}\n`;
      return;
    }
  }
}
