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
  return [...r.connections].sort((a, b) => {
    const x = name(a.src) + '\u0000' + name(a.dst);
    const y = name(b.src) + '\u0000' + name(b.dst);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function formatMatrix(r: AnalyzeResult, format: AnalyzeFormat, explanations?: Explanations): string {
  if (format === 'json') return JSON.stringify({ peers: r.peers, connections: r.connections }, null, 2) + '\n';
  const byId = new Map(r.peers.map((p) => [p.id, p]));
  const name = (id: string) => peerName(byId.get(id), id);
  const conns = sorted(r, name);
  const unknownText = (c: AnalyzeConnection) => (c.unknown ? portsText(c.unknown) : '');
  const why = (c: AnalyzeConnection) => explanations?.get(`${c.src}|${c.dst}`) ?? [];
  switch (format) {
    case 'txt': {
      const lines: string[] = [];
      for (const c of conns) {
        const allowed = portsText(c.allowed);
        const u = unknownText(c);
        lines.push(`${name(c.src)} => ${name(c.dst)} : ${allowed || (u ? 'nothing certain' : 'nothing allowed')}${u ? ` (unknown: ${u})` : ''}`);
        for (const w of why(c)) lines.push(`    ${w}`);
      }
      return lines.join('\n') + (lines.length ? '\n' : '');
    }
    case 'csv': {
      const head = ['src', 'dst', ...PROTOCOLS, ...PROTOCOLS.map((p) => `unknown ${p}`), ...(explanations ? ['explanation'] : [])];
      const rows = [head.map(csvCell).join(',')];
      for (const c of conns)
        rows.push(
          [name(c.src), name(c.dst), ...PROTOCOLS.map((p) => c.allowed[p]), ...PROTOCOLS.map((p) => c.unknown?.[p] ?? ''), ...(explanations ? [why(c).join(' | ')] : [])]
            .map(csvCell)
            .join(','),
        );
      return rows.join('\r\n') + '\r\n';
    }
    case 'md': {
      const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
      const lines = [`| Source | Destination | Allowed | Unknown |${explanations ? ' Why |' : ''}`, `|---|---|---|---|${explanations ? '---|' : ''}`];
      for (const c of conns)
        lines.push(
          `| ${cell(name(c.src))} | ${cell(name(c.dst))} | ${cell(portsText(c.allowed))} | ${cell(unknownText(c))} |${explanations ? ` ${cell(why(c).join('<br>'))} |` : ''}`,
        );
      return lines.join('\n') + '\n';
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
        lines.push(`  ${dotString(c.src)} -> ${dotString(c.dst)} [label=${dotString(portsText(c.allowed) + (u ? ` (unknown: ${u})` : ''))}${portsText(c.allowed) ? '' : ', style=dotted'}];`);
      }
      lines.push('}');
      return lines.join('\n') + '\n';
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
        const label = portsText(c.allowed) || `unknown: ${unknownText(c)}`;
        lines.push(`  ${idOf(c.src)} ${portsText(c.allowed) ? '-->' : '-.->'}|${mermaidText(label)}| ${idOf(c.dst)}`);
      }
      return lines.join('\n') + '\n';
    }
  }
}
