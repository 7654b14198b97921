/**
 * Verdicts under a road builder that enforces only some policy kinds (none for Flannel): the
 * applied engine, built from the enforced policies, answers verdicts, ports and the matrix; the
 * engine as written answers fences and selections, and tells which connections are open only
 * because their policies are not enforced ("allowed — policy not enforced by Flannel").
 */
import type { Decision, PolicyEngine } from './index.js';
import type { Cidr } from './ip.js';
import type { AnalyzeResult, MatrixOptions } from './matrix.js';
import { fromPortLists, isEmpty, subtract, toPortLists } from './ports.js';

export function unenforcedEngine(written: PolicyEngine, applied: PolicyEngine, writtenCidrs: Cidr[], ignored: Set<string>, by: string): PolicyEngine {
  // Both matrices cut the address space at the written policies' CIDRs, so their peers are the same.
  const cut = (o: MatrixOptions = {}): MatrixOptions => ({ ...o, extraCidrs: [...(o.extraCidrs ?? []), ...writtenCidrs] });
  const evaluate = (...args: Parameters<PolicyEngine['evaluate']>): Decision => {
    const d = applied.evaluate(...args);
    if (d.verdict !== 'allowed') return d;
    const w = written.evaluate(...args);
    if (w.verdict === 'allowed') return d;
    const policies = [...new Set(w.steps.map((s) => s.policy).filter((k): k is string => k !== undefined && ignored.has(k)))];
    return { ...w, verdict: 'allowed', l7: d.l7, summary: `allowed — policy not enforced by ${by}: as written, ${w.summary}`, unenforced: { verdict: w.verdict, policies, by } };
  };
  return {
    asWritten: written,
    warnings: written.warnings,
    evaluate,
    allowedPorts: (src, dst) => applied.allowedPorts(src, dst),
    portVerdicts: (src, dst) => applied.portVerdicts(src, dst),
    fences: (pod) => written.fences(pod),
    policiesSelecting: (pod) => written.policiesSelecting(pod),
    policySubjects: (key) => written.policySubjects(key),
    workloadMatrix(o) {
      const r: AnalyzeResult = applied.workloadMatrix(cut(o));
      const asWritten = new Map(written.workloadMatrix(o).connections.map((c) => [`${c.src}|${c.dst}`, c.allowed]));
      for (const c of r.connections) {
        const w = asWritten.get(`${c.src}|${c.dst}`);
        const open = w ? subtract(fromPortLists(c.allowed), fromPortLists(w)) : fromPortLists(c.allowed);
        if (!isEmpty(open)) c.unenforced = toPortLists(open);
      }
      return r;
    },
    connectivity: (o) => applied.connectivity(cut(o)),
  };
}
