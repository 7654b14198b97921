/** The why panel's words: namespaced peer names, policy mentions split out, and the Markdown copy. */
import type { RoadExplanation } from '../../../main/api/contract';

/** "shop/recommendation" for wl:shop/Deployment/recommendation, "world" for world. */
export function peerTitle(p: { id: string; label: string }): string {
  const m = /^(?:wl:([^/]+)\/[^/]+\/(.+)|(?:pod|svc):([^/]+)\/(.+))$/.exec(p.id);
  if (m) return `${m[1] ?? m[3]}/${m[2] ?? m[4]}`;
  return p.label;
}

export type Segment = { text: string; policy?: string };

/** Splits a step's text at each mention of a policy ("NetworkPolicy payments/default-deny"). */
export function segments(text: string, policies: RoadExplanation['policies']): Segment[] {
  const names = policies.map((p) => ({ key: p.key, mention: `${p.kind} ${p.name}` })).sort((a, b) => b.mention.length - a.mention.length);
  const out: Segment[] = [];
  let rest = text;
  for (;;) {
    let best: { at: number; key: string; len: number } | undefined;
    for (const n of names) {
      const at = rest.indexOf(n.mention);
      if (at >= 0 && !/[\w.-]/.test(rest[at + n.mention.length] ?? '') && (!best || at < best.at)) best = { at, key: n.key, len: n.mention.length };
    }
    if (!best) break;
    if (best.at) out.push({ text: rest.slice(0, best.at) });
    out.push({ text: rest.slice(best.at, best.at + best.len), policy: best.key });
    rest = rest.slice(best.at + best.len);
  }
  if (rest) out.push({ text: rest });
  return out;
}

const time = (t?: number) => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '—');

/** The panel as Markdown, for a ticket or a chat. */
export function roadMarkdown(x: RoadExplanation): string {
  const lines = [`### ${peerTitle(x.source)} → ${peerTitle(x.target)}`, ''];
  if (x.observed) {
    const reasons = Object.entries(x.observed.dropReasons).map(([k, v]) => `${k} (${v})`).join(', ');
    lines.push(`**Observed:** ${x.observed.verdict}, ${x.observed.count} flows${x.observed.dropped ? `, ${x.observed.dropped} dropped` : ''} (${time(x.observed.firstSeen)} → ${time(x.observed.lastSeen)})${reasons ? `; drop reasons: ${reasons}` : ''}`, '');
  }
  for (const p of x.probed ?? []) lines.push(`**Probed:** ${p.protocol} ${p.port} ${p.outcome}${p.latencyMs !== undefined ? ` in ${p.latencyMs} ms` : ''} (${time(p.time)})`);
  if (x.probed?.length) lines.push('');
  for (const p of x.ports) {
    const verdict = p.unenforced ? `allowed — policy not enforced by ${p.unenforced.by} (as written: ${p.unenforced.verdict})` : `${p.predicted}${p.l7 ? ' (with L7 rules)' : ''}`;
    lines.push(`**${p.protocol} ${p.port}: ${verdict}**`, '');
    for (const s of p.steps) lines.push(`- ${s.direction}: ${s.text}`);
    lines.push('');
  }
  if (x.disagreements.length) lines.push('**Sources disagree:**', ...x.disagreements.map((d) => `- ${d}`), '');
  if (x.policies.length) lines.push('**Policies:** ' + x.policies.map((p) => `\`${p.key}\``).join(', '), '');
  if (x.draft && 'yaml' in x.draft) lines.push(`**A policy that would allow it** (${x.draft.summary}):`, '', '```yaml', x.draft.yaml.trimEnd(), '```', '');
  return lines.join('\n').trimEnd() + '\n';
}
