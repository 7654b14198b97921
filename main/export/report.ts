/**
 * The report: one self-contained HTML file (inline CSS, the map as inline SVG, no scripts, a CSP
 * that forbids any request) that prints to PDF as it reads on screen: the map on the first page,
 * the findings after it.
 */
import type { Snapshot } from '../model/types.js';
import { escapeXml as h, formatTime, formatWindow } from './escape.js';
import type { ReportFacts } from './report-facts.js';
import { PROBE, ROAD, TEXT } from './draw-style.js';

export interface ReportInput {
  title: string;
  snapshot: Snapshot;
  facts: ReportFacts;
  /** The map as a standalone SVG document (its XML declaration is dropped when inlined). */
  svg: string;
  redacted: boolean;
  selection?: string[];
  generatedAt: number;
  /** Rows per table before "and N more" (keeps a 10,000-pod report readable and bounded). */
  maxRows?: number;
}

const CSS = `
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { font-family: ${TEXT.font}; color: ${TEXT.colour}; margin: 0; padding: 16px 24px; font-size: 12px; line-height: 1.4; background: #FFFFFF; }
header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #333; padding-bottom: 8px; margin-bottom: 12px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 6px; border-bottom: 1px solid #CCC; padding-bottom: 3px; }
.meta { color: ${TEXT.muted}; }
.badge { display: inline-block; padding: 3px 8px; border-radius: 4px; background: #222; color: #FFF; font-weight: bold; font-size: 11px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 12px; }
.card { border: 1px solid #CCC; border-radius: 4px; padding: 6px 10px; min-width: 90px; }
.card b { display: block; font-size: 18px; }
figure.map { margin: 0; break-inside: avoid; }
figure.map svg { width: 100%; height: auto; max-height: 165mm; display: block; }
section.first { break-before: page; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border: 1px solid #DDD; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #F2F2F2; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev-critical { font-weight: bold; color: ${ROAD.denied.colour}; }
.sev-critical::before { content: '▲ '; }
.sev-warning { font-weight: bold; color: #8A6100; }
.sev-warning::before { content: '● '; }
.sev-info::before { content: '○ '; }
.verdict-denied { color: ${ROAD.denied.colour}; font-weight: bold; }
.mismatch { color: #8E3B73; font-weight: bold; }
.empty { color: ${TEXT.muted}; font-style: italic; }
.more { color: ${TEXT.muted}; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
dt { font-weight: bold; }
dd { margin: 0; }
footer { margin-top: 16px; color: ${TEXT.muted}; font-size: 10px; }
`;

export function renderReportHtml(r: ReportInput): string {
  const s = r.snapshot;
  const f = r.facts;
  const max = r.maxRows ?? 200;
  const svg = r.svg.replace(/^<\?xml[^>]*\?>\s*/, '');
  const rb = s.roadBuilder;
  const enforce = rb.enforcesNetworkPolicy === true ? 'yes' : rb.enforcesNetworkPolicy === false ? 'NO: policies are not enforced' : 'unknown';
  const critical = f.findings.filter((x) => x.severity === 'critical').length;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="NetCity export">
<title>${h(r.title)}</title>
<style>${CSS}</style></head><body>
<header><div><h1>${h(r.title)}</h1>
<div class="meta">Cluster <b>${h(s.cluster.name)}</b>${s.cluster.kubernetesVersion ? ` (Kubernetes ${h(s.cluster.kubernetesVersion)})` : ''} · ${h(formatWindow(s.window))}</div>
<div class="meta">Snapshot ${h(s.name)} taken ${h(formatTime(s.createdAt))} · report generated ${h(formatTime(r.generatedAt))}${r.selection?.length ? ` · selection: ${h(r.selection.join(', '))}` : ''}</div></div>
<div>${r.redacted ? '<span class="badge">REDACTED</span> ' : ''}<span class="badge" title="road builder (CNI)">${h(rb.name)}${rb.version ? ` ${h(rb.version)}` : ''}</span></div></header>
<div class="cards">
${card('pods', f.counts.pods)}${card('workloads', f.counts.workloads)}${card('namespaces', f.counts.namespaces)}${card('policies', f.counts.policies)}
${card('unprotected workloads', f.unprotected.length)}${card('denied roads', f.deniedFlowsTotal)}${card('probe mismatches', f.mismatches.length)}${card('critical findings', critical)}
</div>
<figure class="map" aria-label="City map">${svg}</figure>
`);

  parts.push(`<section class="first"><h2>Findings</h2>`);
  parts.push(table(['severity', 'finding', 'detail', 'where'], f.findings.map((x) => [
    `<span class="sev-${h(x.severity)}">${h(x.severity)}</span>`, h(x.title), h(x.detail), h(x.target ?? ''),
  ]), max, 'No findings recorded with this snapshot; the sections below are computed from it.'));
  parts.push(`</section>`);

  parts.push(`<section><h2>Unprotected workloads</h2><p class="meta">Workloads with pods that no policy isolates for incoming traffic: anything in the cluster can reach them.</p>`);
  parts.push(table(['namespace', 'workload', 'pods', 'not isolated for'], f.unprotected.map((u) => [
    h(u.namespace), h(u.name), numCell(u.pods || '—'), h(u.open.join(' + ')),
  ]), max, 'Every workload is isolated for ingress.'));
  parts.push(`</section>`);

  parts.push(`<section><h2>Top denied flows</h2><p class="meta">Observed roads whose flows were dropped, most flows first${f.deniedFlowsTotal > f.deniedFlows.length ? ` (top ${f.deniedFlows.length} of ${f.deniedFlowsTotal})` : ''}.</p>`);
  parts.push(table(['source', 'destination', 'port', 'flows', 'drop reasons', 'denied by', 'last seen'], f.deniedFlows.map((d) => [
    h(d.src), h(d.dst), h(`${d.protocol}${d.port !== undefined ? ` ${d.port}` : ''}`), numCell(d.count), `<span class="verdict-denied">${h(d.reasons || 'dropped')}</span>`, h(d.deniedBy.join(', ')), h(formatTime(d.lastSeen)),
  ]), max, 'No denied flows observed.'));
  parts.push(`</section>`);

  parts.push(`<section><h2>Probe mismatches</h2><p class="meta">Roads where a probe, or the traffic itself, disagrees with what the policies predict (${h(PROBE.mismatch.label)}).</p>`);
  parts.push(table(['source', 'destination', 'ports', 'predicted', 'found', 'likely cause'], f.mismatches.map((m) => [
    h(m.src), h(m.dst), h(m.ports), h(m.predicted ?? '—'), `<span class="mismatch">${h(m.probed)}</span>`, h(m.detail),
  ]), max, 'No probe or observed flow disagrees with the prediction.'));
  parts.push(`</section>`);

  parts.push(`<section><h2>Policies per namespace</h2>`);
  parts.push(table(['namespace', 'policies', 'by kind'], f.policies.map((p) => [
    h(p.namespace), numCell(p.total), p.byKind.length ? p.byKind.map((k) => `<b>${h(k.kind)}</b>: ${h(k.names.join(', '))}`).join('<br>') : '<span class="empty">none: nothing isolated by a namespaced policy</span>',
  ]), max, 'No namespaces.'));
  parts.push(`</section>`);

  parts.push(`<section><h2>Road builder (CNI)</h2><dl>
${dl('plugin', `${rb.name}${rb.version ? ` ${rb.version}` : ''}`)}${dl('mode', rb.mode ?? 'unknown')}${dl('enforces NetworkPolicy', enforce)}
${dl('policy kinds', rb.policyKinds.join(', ') || 'none')}${dl('flow sources', rb.flowSources.join(', ') || 'none')}${dl('pod CIDRs', rb.podCIDRs?.join(', ') || 'unknown')}
${Object.entries(rb.details).map(([k, v]) => dl(k, v)).join('')}${dl('detected from', rb.evidence.join('; ') || '—')}
</dl></section>`);

  parts.push(`<section><h2>Snapshot</h2><dl>
${dl('name', s.name)}${dl('id', s.id)}${dl('taken', formatTime(s.createdAt))}${dl('time window', formatWindow(s.window))}
${dl('cluster', s.cluster.name)}${dl('context', s.cluster.context ?? '—')}${dl('API server', s.cluster.server ?? '—')}${dl('source', s.cluster.source)}
${Object.entries(f.counts).map(([k, v]) => dl(k, String(v))).join('')}
</dl>`);
  if (s.warnings.length) {
    parts.push(`<h2>Capture warnings</h2>`);
    parts.push(table(['time', 'kind', 'message', 'count'], s.warnings.map((w) => [h(formatTime(w.time)), h(w.kind), h(w.message), numCell(w.count ?? '')]), max, ''));
  }
  parts.push(`</section><footer>Generated by NetCity${r.redacted ? '. IPs, pod and node names and label values are replaced by tokens that are consistent within this report only' : ''}.</footer>
</body></html>
`);
  return parts.join('');
}

function card(label: string, value: number): string {
  return `<div class="card"><b>${value}</b>${h(label)}</div>`;
}

function numCell(v: number | string): { num: string } {
  return { num: h(String(v)) };
}

function dl(k: string, v: string): string {
  return `<dt>${h(k)}</dt><dd>${h(v)}</dd>`;
}

type Cell = string | { num: string };

function table(headers: string[], rows: Cell[][], max: number, empty: string): string {
  if (!rows.length) return `<p class="empty">${h(empty)}</p>`;
  const body = rows
    .slice(0, max)
    .map((r) => `<tr>${r.map((c) => (typeof c === 'string' ? `<td>${c}</td>` : `<td class="num">${c.num}</td>`)).join('')}</tr>`)
    .join('\n');
  const more = rows.length > max ? `<p class="more">… and ${rows.length - max} more (see the JSON or CSV export for all)</p>` : '';
  return `<table><thead><tr>${headers.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>${more}`;
}
