/**
 * The city's view of the policy engine: what the map, the findings and the side panel ask of it,
 * with answers cached per query (a map redraw asks the same questions many times).
 */
import type { ExplanationStepView, PortVerdict } from '../api/contract.js';
import type { FenceInfo, PolicyView } from '../map/policy-view.js';
import type { PeerId, Protocol, Snapshot } from '../model/types.js';
import { createPolicyEngine, semanticsOfRoadBuilder, type ConnectivityMatrix, type PolicyEngine } from '../policy/index.js';
import { fromPortLists, isEmpty, subtract, toPortLists, type PortLists } from '../policy/ports.js';
import { enforcedPolicyKinds, roadBuilderLabel } from '../cluster/cni-detect.js';

export interface EngineView extends PolicyView {
  explain(src: PeerId, dst: PeerId, protocol: Protocol, port: number): PortVerdict;
  policiesSelecting(pod: PeerId): string[];
  policySubjects(policyKey: string): PeerId[];
  warnings: { policy: string; message: string }[];
  raw: PolicyEngine;
  /** Computes the full matrix now (it is cached); the map's background task calls it to report progress. */
  matrix(): ConnectivityMatrix;
}

export function createEngineView(s: Snapshot): EngineView {
  // Policy kinds the road builder does not enforce have no effect (all count when it is unknown).
  const input = { namespaces: s.namespaces, pods: s.pods, nodes: s.nodes, policies: s.policies, services: s.services };
  const enforcedKinds = enforcedPolicyKinds(s.roadBuilder);
  // Host-network pods and ipBlock vs pod IPs as the road builder (or the user's choice recorded with it) has them.
  const semantics = semanticsOfRoadBuilder(s.roadBuilder);
  const engine = createPolicyEngine(input, { enforcedKinds, roadBuilder: roadBuilderLabel(s.roadBuilder), semantics });
  // When the road builder ignores some of the policies, the policies as written tell which of the
  // open connections are open only for that reason (drawn as "allowed — not enforced").
  const asWritten = engine.asWritten;
  const fenceCache = new Map<PeerId, FenceInfo>();
  const verdictCache = new Map<string, { verdict: 'allowed' | 'denied' | 'unknown'; unenforced: boolean }>();
  const portsCache = new Map<string, Record<Protocol, string>>();
  const subjectsCache = new Map<string, PeerId[]>();
  let matrix: ConnectivityMatrix | undefined;
  let writtenAllowed: Map<string, PortLists> | undefined;
  const matrixNow = () => {
    matrix ??= engine.connectivity({ level: 'workload', includeIpRanges: false });
    if (asWritten && !writtenAllowed) {
      writtenAllowed = new Map();
      asWritten.connectivity({ level: 'workload', includeIpRanges: false }).forEachConnection((src, dst, ports) => {
        if (src.type === 'workload' && dst.type === 'workload') writtenAllowed!.set(`${src.id}|${dst.id}`, ports.allowed);
      });
    }
    return matrix;
  };
  const decide = (src: PeerId, dst: PeerId, protocol: Protocol, port: number) => {
    const key = `${src}|${dst}|${protocol}|${port}`;
    let v = verdictCache.get(key);
    if (!v) {
      try {
        const d = engine.evaluate(src, dst, protocol, port);
        v = { verdict: d.verdict, unenforced: !!d.unenforced };
      } catch {
        v = { verdict: 'unknown', unenforced: false };
      }
      verdictCache.set(key, v);
    }
    return v;
  };
  return {
    raw: engine,
    matrix: matrixNow,
    forEachConnection(fn) {
      const m = matrixNow();
      m.forEachConnection((src, dst, ports) => {
        if (src.type !== 'workload' || dst.type !== 'workload') return;
        if (!writtenAllowed) return fn(src.id, dst.id, ports.allowed);
        const w = writtenAllowed.get(`${src.id}|${dst.id}`);
        const open = subtract(fromPortLists(ports.allowed), w ? fromPortLists(w) : fromPortLists({ TCP: '', UDP: '', SCTP: '' }));
        fn(src.id, dst.id, ports.allowed, isEmpty(open) ? undefined : toPortLists(open));
      });
    },
    warnings: engine.warnings.map((w) => ({ policy: w.policy, message: w.message })),
    fences(pod) {
      let f = fenceCache.get(pod);
      if (!f) {
        f = engine.fences(pod);
        fenceCache.set(pod, f);
      }
      return f;
    },
    verdict(src, dst, protocol, port) {
      return decide(src, dst, protocol, port).verdict;
    },
    unenforced(src, dst, protocol, port) {
      return decide(src, dst, protocol, port).unenforced;
    },
    allowedPorts(src, dst) {
      const key = `${src}|${dst}`;
      let p = portsCache.get(key);
      if (!p) {
        p = engine.allowedPorts(src, dst);
        portsCache.set(key, p);
      }
      return p;
    },
    explain(src, dst, protocol, port) {
      const d = engine.evaluate(src, dst, protocol, port);
      const steps: ExplanationStepView[] = d.steps.map((st) => ({
        direction: st.direction,
        layer: st.layer,
        policy: st.policy,
        ...(st.tier ? { tier: st.tier } : {}),
        rule: st.rule ? `${st.rule.section} #${st.rule.index}${st.rule.name ? ` '${st.rule.name}'` : ''}` : undefined,
        effect: st.outcome,
        text: st.text,
      }));
      return { protocol, port, predicted: d.verdict, l7: d.l7, ...(d.unenforced ? { unenforced: d.unenforced } : {}), summary: d.summary, steps };
    },
    policiesSelecting(pod) {
      return engine.policiesSelecting(pod);
    },
    policySubjects(key) {
      let s = subjectsCache.get(key);
      if (!s) {
        s = engine.policySubjects(key);
        subjectsCache.set(key, s);
      }
      return s;
    },
  };
}
