/** Text renderings of a SnapshotDiff: plain text for terminals, Markdown for reviews, JSON for tools. */
import { parsePeerId, peerDisplayName } from '../model/ids.js';
import type { ConnectivityChange, EntityChange, FieldChange, PolicyChange, RoadChange, SnapshotDiff } from './types.js';

export type DiffFormat = 'txt' | 'md' | 'json';
export const DIFF_FORMATS: readonly DiffFormat[] = ['txt', 'md', 'json'];

const SIGN: Record<string, string> = {
  added: '+',
  removed: '-',
  changed: '~',
  new: '+',
  vanished: '-',
  'verdict-flipped': '~',
  'newly-allowed': '+',
  'newly-denied': '-',
  'newly-unknown': '?',
};

const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
const fieldText = (f: FieldChange): string => `${f.field}: ${show(f.before)} -> ${show(f.after)}`;
const portsText = (p: ConnectivityChange['ports']): string =>
  (['TCP', 'UDP', 'SCTP'] as const)
    .filter((k) => p[k])
    .map((k) => `${k} ${p[k]}`)
    .join(', ');
const roadText = (r: RoadChange): string => {
  const path = `${r.src} -> ${r.dst} ${r.protocol}${r.port !== undefined ? `/${r.port}` : ''}`;
  if (r.change === 'verdict-flipped') return `${path}: ${r.before!.verdicts.join('+')} -> ${r.after!.verdicts.join('+')}`;
  const s = r.after ?? r.before!;
  return `${path} (${s.verdicts.join('+')}, ${s.count} flows)`;
};
const when = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

interface Section {
  title: string;
  lines: { sign: string; text: string; sub: string[] }[];
}

function sections(d: SnapshotDiff): Section[] {
  const entity = (title: string, list: EntityChange[]): Section => ({
    title,
    lines: list.map((e) => ({ sign: SIGN[e.change], text: `${e.id} ${e.change}`, sub: e.fields.map(fieldText) })),
  });
  const policies: Section = {
    title: 'Policies',
    lines: d.policies.map((p: PolicyChange) => ({ sign: SIGN[p.change], text: `${p.key} ${p.summary}`, sub: p.rules.map((r) => r.description) })),
  };
  const roads: Section = { title: 'Roads (observed)', lines: d.roads.map((r) => ({ sign: SIGN[r.change], text: `${r.change}: ${roadText(r)}`, sub: [] })) };
  const conn: Section = {
    title: 'Connectivity (policy engine)',
    lines: d.connectivity.changes.map((c) => ({
      sign: SIGN[c.change],
      text: `${c.change}: ${c.src} -> ${c.dst} ${portsText(c.ports)}`,
      sub: [`because: ${c.because}`],
    })),
  };
  return [
    entity('Namespaces', d.namespaces),
    entity('Nodes', d.nodes),
    entity('Workloads', d.workloads),
    entity('Pods', d.pods),
    entity('Services', d.services),
    policies,
    conn,
    roads,
  ];
}

/** One row of the diff as a table (the app's diff view): grouped by section, then namespace. */
export interface DiffRow {
  section: string;
  /** added / removed / changed, new / vanished / verdict-flipped, newly-allowed / newly-denied / newly-unknown. */
  change: string;
  /** The namespace the row belongs to ('' for cluster-wide objects). */
  namespace: string;
  subject: string;
  details: string[];
}

const namespaceOf = (id: string): string => parsePeerId(id).namespace ?? (id.startsWith('ns:') ? id.slice(3) : '');

export function diffRows(d: SnapshotDiff): DiffRow[] {
  const rows: DiffRow[] = [];
  const entity = (section: string, list: EntityChange[]) => {
    for (const e of list) rows.push({ section, change: e.change, namespace: namespaceOf(e.id), subject: peerDisplayName(e.id), details: e.fields.map(fieldText) });
  };
  entity('Namespaces', d.namespaces);
  entity('Nodes', d.nodes);
  entity('Workloads', d.workloads);
  entity('Pods', d.pods);
  entity('Services', d.services);
  for (const p of d.policies) rows.push({ section: 'Policies', change: p.change, namespace: p.namespace ?? '', subject: `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`, details: [p.summary, ...p.rules.map((r) => r.description)] });
  for (const c of d.connectivity.changes)
    rows.push({ section: 'Connectivity', change: c.change, namespace: namespaceOf(c.dst), subject: `${peerDisplayName(c.src)} → ${peerDisplayName(c.dst)}`, details: [portsText(c.ports), `because: ${c.because}`] });
  for (const r of d.roads) {
    const side = r.after ?? r.before!;
    const verdicts = r.change === 'verdict-flipped' ? `${r.before!.verdicts.join('+')} → ${r.after!.verdicts.join('+')}` : `${side.verdicts.join('+')}, ${side.count} flows`;
    rows.push({ section: 'Roads', change: r.change, namespace: namespaceOf(r.dst), subject: `${peerDisplayName(r.src)} → ${peerDisplayName(r.dst)}`, details: [`${r.protocol}${r.port !== undefined ? ` ${r.port}` : ''}`, verdicts] });
  }
  // Sections keep their order; inside one, rows go by namespace, then subject.
  const order = new Map<string, number>();
  for (const r of rows) if (!order.has(r.section)) order.set(r.section, order.size);
  return rows.sort((a, b) => order.get(a.section)! - order.get(b.section)! || a.namespace.localeCompare(b.namespace) || a.subject.localeCompare(b.subject));
}

function connectivityNote(d: SnapshotDiff): string | undefined {
  if (d.connectivity.status === 'computed') return undefined;
  return d.connectivity.status === 'skipped' ? 'connectivity not compared (skipped)' : `connectivity not compared: ${d.connectivity.reason ?? 'policy engine unavailable'}`;
}

function countLine(d: SnapshotDiff): string {
  const parts: string[] = [];
  for (const [section, counts] of Object.entries(d.summary)) {
    const c = Object.entries(counts)
      .filter(([, n]) => n)
      .map(([k, n]) => `${n} ${k}`);
    if (c.length) parts.push(`${section}: ${c.join(', ')}`);
  }
  return parts.length ? parts.join('; ') : 'no differences';
}

export function formatDiffText(d: SnapshotDiff): string {
  const out: string[] = [];
  out.push(`A: ${d.a.name} (cluster ${d.a.cluster}, ${when(d.a.createdAt)})${d.a.file ? ` ${d.a.file}` : ''}`);
  out.push(`B: ${d.b.name} (cluster ${d.b.cluster}, ${when(d.b.createdAt)})${d.b.file ? ` ${d.b.file}` : ''}`);
  if (!d.sameCluster) out.push('(two different clusters)');
  out.push(`Summary: ${countLine(d)}`);
  const note = connectivityNote(d);
  if (note) out.push(`Note: ${note}`);
  for (const s of sections(d)) {
    if (!s.lines.length) continue;
    out.push('', `${s.title} (${s.lines.length})`);
    for (const l of s.lines) {
      out.push(`  ${l.sign} ${l.text}`);
      for (const sub of l.sub) out.push(`      ${sub}`);
    }
  }
  return out.join('\n') + '\n';
}

const mdEscape = (s: string): string => s.replace(/([\\`*_[\]<>|])/g, '\\$1');

export function formatDiffMarkdown(d: SnapshotDiff): string {
  const out: string[] = [];
  out.push(`# NetCity diff: ${mdEscape(d.a.name)} → ${mdEscape(d.b.name)}`, '');
  out.push('| | snapshot | cluster | taken |', '|---|---|---|---|');
  out.push(`| A | ${mdEscape(d.a.name)} | ${mdEscape(d.a.cluster)} | ${when(d.a.createdAt)} |`);
  out.push(`| B | ${mdEscape(d.b.name)} | ${mdEscape(d.b.cluster)} | ${when(d.b.createdAt)} |`, '');
  out.push(`**Summary:** ${mdEscape(countLine(d))}`, '');
  const note = connectivityNote(d);
  if (note) out.push(`> ${mdEscape(note)}`, '');
  for (const s of sections(d)) {
    if (!s.lines.length) continue;
    out.push(`## ${s.title} (${s.lines.length})`, '');
    for (const l of s.lines) {
      out.push(`- \`${l.sign}\` ${mdEscape(l.text)}`);
      for (const sub of l.sub) out.push(`  - ${mdEscape(sub)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function formatDiff(d: SnapshotDiff, format: DiffFormat): string {
  if (format === 'json') return JSON.stringify(d, null, 2) + '\n';
  if (format === 'md') return formatDiffMarkdown(d);
  return formatDiffText(d);
}
