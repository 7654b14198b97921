/**
 * Public API of the policy engine. Pure: give it namespaces, pods, nodes, policies (and services
 * for the API server's address); ask verdicts with explanations, allowed ports, fences, the
 * connectivity matrix, and what a change of policies would do.
 */
import { CALICO_MANIFEST_KINDS, isEnforceablePolicy, STAGED_POLICY_KINDS, type PeerId, type PodInfo, type PolicyKind, type PolicyObject, type Protocol, type ServiceInfo, type ServicePort } from '../model/types.js';
import { unenforcedEngine } from './enforcement.js';
import type { CniSemantics } from './cni-semantics.js';
import { parsePeerId, podId, policyKey, serviceId } from '../model/ids.js';
import { PolicyEngineCore, type Decision, type Fences, type PolicyEngineInput, type ResolvedPeer } from './engine.js';
import type { PolicyWarning } from './ir.js';
import { computeConnectivity, computeMatrix, type AnalyzeResult, type ConnectivityMatrix, type MatrixOptions, type PairPorts } from './matrix.js';
import { ALL_PORTS, fromPortLists, hasPort, isEmpty, NO_PORTS, portSetOf, subtract, toPortLists, union, type PortLists, type PortSet } from './ports.js';

export type { Decision, Fences, PolicyEngineInput } from './engine.js';
export type { ExplanationStep, StepLayer, StepOutcome } from './explain.js';
export { calicoRuleText } from './explain.js';
export type { PolicyWarning } from './ir.js';
export type { AnalyzeConnection, AnalyzePeer, AnalyzeResult, MatrixOptions, PairPorts } from './matrix.js';
export { ConnectivityMatrix } from './matrix.js';
export type { PortLists } from './ports.js';
export { describePorts, fromPortLists, toPortLists } from './ports.js';
export { workloadOfPod } from './engine.js';
export { podIpRuleCidrs } from './compile.js';
export {
  cniSemantics,
  DEFAULT_SEMANTICS,
  describeSemantics,
  HOST_NETWORK_MODES,
  IPBLOCK_POD_IPS_MODES,
  semanticsOfRoadBuilder,
  type CniSemantics,
  type HostNetworkMode,
  type IpBlockPodIpsMode,
} from './cni-semantics.js';

export interface PolicyEngine {
  /**
   * Verdict and explanation for one connection. Peers: pod:, wl: (all its pods), ip:, node:, world,
   * host, remote-node, kube-apiserver; svc: as destination (its port mapped to each backend's target port).
   */
  evaluate(src: PeerId, dst: PeerId, protocol: Protocol, port: number): Decision;
  /** Ports allowed from src to dst ("80,8080-8090", "1-65535", ""); for workloads, the union over their pods. */
  allowedPorts(src: PeerId, dst: PeerId): PortLists;
  /** Like allowedPorts, plus the ports whose verdict is unknown to a static check. */
  portVerdicts(src: PeerId, dst: PeerId): { allowed: PortLists; unknown: PortLists };
  /** Whether a pod is isolated (default deny) per direction, and by which policies (policy keys). */
  fences(pod: PeerId): Fences;
  /** Policy keys of every policy whose subject includes the pod (any kind, any tier). */
  policiesSelecting(pod: PeerId): string[];
  /** Pods a policy applies to ([] for "policy selects nothing"). */
  policySubjects(policyKey: string): PeerId[];
  /** The connectivity matrix in the `netcity analyze --format json` shape. */
  workloadMatrix(opts?: MatrixOptions): AnalyzeResult;
  /** The same matrix in compact form (fast, little memory): pair(src, dst) lookups, toResult(). */
  connectivity(opts?: MatrixOptions): ConnectivityMatrix;
  /** Invalid selectors, CIDRs, ports... found while reading the policies, by policy key. */
  readonly warnings: PolicyWarning[];
  /** When the road builder ignores some policies: the engine of every policy as written (which tells what is open only for that reason). */
  readonly asWritten?: PolicyEngine;
}

const CAP = 64; // concrete pairs evaluated for one workload pair; more would repeat the same classes

/**
 * Distinct ends only: pods of one class behave alike, unless the other end is a node (or a
 * host-network pod taken as one): then a pod's own node tells them apart (traffic from it is
 * always allowed; Cilium's host vs remote-node).
 */
function distinct(list: ResolvedPeer[], byNode: boolean): ResolvedPeer[] {
  const seen = new Set<unknown>();
  const out: ResolvedPeer[] = [];
  for (const r of list) {
    const k =
      r.ep.t === 'pod'
        ? byNode
          ? `pod:${r.ep.cls.id}:${r.pod?.node ?? ''}`
          : r.ep.cls
        : r.ep.t === 'node'
          ? `node:${r.ep.name}:${r.pod?.node}:${r.ep.ips.map((ip) => ip.value).join(',')}`
          : r;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

function pairs(core: PolicyEngineCore, src: PeerId, dst: PeerId): [ResolvedPeer, ResolvedPeer][] {
  const rs = core.resolve(src);
  const rd = core.resolve(dst);
  const s = distinct(rs, rd.some((r) => r.ep.t === 'node'));
  const d = distinct(rd, rs.some((r) => r.ep.t === 'node'));
  const out: [ResolvedPeer, ResolvedPeer][] = [];
  for (const a of s)
    for (const b of d) {
      if (a.pod && b.pod && a.pod === b.pod && s.length * d.length > 1) continue;
      out.push([a, b]);
      if (out.length >= CAP) return out;
    }
  return out;
}

export interface EngineOptions {
  /**
   * The policy kinds the road builder enforces (all when absent): the others have no effect on
   * verdicts, ports and the matrix, and are recorded as "not enforced" where they would have decided.
   */
  enforcedKinds?: readonly PolicyKind[];
  /** Named in texts: "allowed — policy not enforced by Flannel". */
  roadBuilder?: string;
  /**
   * What the API leaves to the CNI (host-network pods, ipBlock vs pod IPs): `cniSemantics(name,
   * engine, overrides)`; today's choice (as-node, ignore) when absent.
   */
  semantics?: CniSemantics;
}

export function createPolicyEngine(input: PolicyEngineInput, opts: EngineOptions = {}): PolicyEngine {
  const enforced = opts.enforcedKinds && new Set(opts.enforcedKinds);
  // Tiers, network sets and staged previews are never "not enforced": they are not policies that decide.
  const kept = (p: PolicyObject) => enforced!.has(p.kind) || !isEnforceablePolicy(p.kind);
  const ignored = enforced ? input.policies.filter((p) => !kept(p)) : [];
  if (!enforced || ignored.length === 0) return engineOver(new PolicyEngineCore(input, opts.semantics));
  const written = new PolicyEngineCore(input, opts.semantics);
  const applied = new PolicyEngineCore({ ...input, policies: input.policies.filter(kept) }, opts.semantics);
  return unenforcedEngine(engineOver(written), engineOver(applied), written.cidrs, new Set(ignored.map((p) => policyKey(p.kind, p.name, p.namespace))), opts.roadBuilder ?? 'the road builder');
}

function engineOver(core: PolicyEngineCore): PolicyEngine {
  const podClassOf = (pod: PeerId) => {
    const r = core.resolve(pod);
    if (r.length !== 1 || !r[0].pod) throw new Error(`'${pod}' is not a pod (use pod:<ns>/<name>)`);
    return r[0].ep.t === 'pod' ? r[0].ep.cls : null;
  };
  const verdicts = (src: PeerId, dst: PeerId): { allowed: PortSet; unknown: PortSet } => {
    let allowed = NO_PORTS;
    let unknown = NO_PORTS;
    for (const [a, b] of pairs(core, src, dst)) {
      const r = core.evalPair(a, b, ALL_PORTS, false);
      allowed = union(allowed, r.allowed);
      unknown = union(unknown, r.unknown);
    }
    return { allowed, unknown: subtract(unknown, allowed) };
  };
  // A service as destination: its port maps to each backend's target port (by number or name).
  const serviceOf = (id: PeerId): ServiceInfo | undefined => {
    const p = parsePeerId(id);
    if (p.type !== 'service') return undefined;
    const svc = core.u.services.find((x) => x.namespace === p.namespace && x.name === p.name);
    if (!svc) throw new Error(`unknown service ${p.namespace}/${p.name}`);
    return svc;
  };
  const targetPort = (sp: ServicePort, pod: PodInfo): number | undefined =>
    typeof sp.targetPort === 'number' ? sp.targetPort : /^\d+$/.test(sp.targetPort) ? Number(sp.targetPort) : pod.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
  const backends = (svc: ServiceInfo): PodInfo[] =>
    core.resolve(serviceId(svc.namespace, svc.name)).flatMap((r) => (r.pod ? [r.pod] : []));

  const evaluateService = (src: PeerId, svc: ServiceInfo, protocol: Protocol, port: number): Decision => {
    const sp = svc.ports.find((x) => x.port === port && x.protocol === protocol);
    const name = `service ${svc.namespace}/${svc.name}`;
    if (!sp) return { verdict: 'unknown', summary: `unknown: ${name} has no ${protocol} port ${port} (have: ${svc.ports.map((x) => `${x.protocol}/${x.port}`).join(', ') || 'none'})`, steps: [] };
    const decisions = backends(svc).map((pod) => {
      const t = targetPort(sp, pod);
      if (t === undefined) return { pod, d: { verdict: 'unknown', summary: `unknown: pod ${pod.namespace}/${pod.name} has no port named '${sp.targetPort}'`, steps: [] } as Decision };
      return { pod, t, d: evaluatePeers(src, podId(pod.namespace, pod.name), protocol, t) };
    });
    const first = decisions[0];
    const same = decisions.every((x) => x.d.verdict === first.d.verdict);
    const via = `${name} ${protocol}/${port} -> pod ${first.pod.namespace}/${first.pod.name} port ${'t' in first ? first.t : sp.targetPort}`;
    if (same) return { ...first.d, summary: `${via}: ${first.d.summary}` };
    return {
      verdict: 'unknown',
      summary: `differs between the backends of ${name}: ${decisions.map((x) => `${x.pod.namespace}/${x.pod.name}: ${x.d.verdict}`).join('; ')}`,
      steps: decisions.flatMap((x) => x.d.steps),
    };
  };

  const serviceVerdicts = (src: PeerId, svc: ServiceInfo): { allowed: PortSet; unknown: PortSet } => {
    let allowed = NO_PORTS;
    let unknown = NO_PORTS;
    for (const pod of backends(svc)) {
      const v = verdicts(src, podId(pod.namespace, pod.name));
      for (const sp of svc.ports) {
        const t = targetPort(sp, pod);
        if (t === undefined) continue;
        if (hasPort(v.allowed, sp.protocol, t)) allowed = union(allowed, portSetOf(sp.protocol, sp.port));
        else if (hasPort(v.unknown, sp.protocol, t)) unknown = union(unknown, portSetOf(sp.protocol, sp.port));
      }
    }
    return { allowed, unknown: subtract(unknown, allowed) };
  };

  const evaluatePeers = (src: PeerId, dst: PeerId, protocol: Protocol, port: number): Decision => {
    const ps = pairs(core, src, dst);
    const decisions = ps.map(([a, b]) => core.decide(a, b, protocol, port));
    const first = decisions[0];
    if (decisions.every((d) => d.verdict === first.verdict)) return first;
    const parts = decisions.map((d, i) => `${ps[i][0].label} -> ${ps[i][1].label}: ${d.verdict}`);
    return {
      verdict: 'unknown',
      summary: `differs between pods: ${[...new Set(parts)].join('; ')}`,
      steps: decisions.flatMap((d) => d.steps),
    };
  };

  return {
    warnings: core.warnings,
    evaluate(src, dst, protocol, port) {
      const svc = serviceOf(dst);
      if (svc) return evaluateService(src, svc, protocol, port);
      return evaluatePeers(src, dst, protocol, port);
    },
    allowedPorts(src, dst) {
      const svc = serviceOf(dst);
      return toPortLists((svc ? serviceVerdicts(src, svc) : verdicts(src, dst)).allowed);
    },
    portVerdicts(src, dst) {
      const svc = serviceOf(dst);
      const v = svc ? serviceVerdicts(src, svc) : verdicts(src, dst);
      return { allowed: toPortLists(v.allowed), unknown: toPortLists(v.unknown) };
    },
    fences(pod) {
      return core.fences(podClassOf(pod));
    },
    policiesSelecting(pod) {
      const cls = podClassOf(pod);
      if (!cls) return [];
      return [...new Set(core.selecting(cls).map((c) => c.key))];
    },
    policySubjects(key) {
      const list = core.compiled.filter((c) => c.key === key);
      const out: PeerId[] = [];
      for (const cls of core.u.classes) if (list.some((c) => c.subjects.has(cls.id))) for (const p of cls.pods) out.push(podId(p.namespace, p.name));
      return out.sort();
    },
    workloadMatrix(opts) {
      return computeMatrix(core, opts);
    },
    connectivity(opts) {
      return computeConnectivity(core, opts);
    },
  };
}

export interface PortChange {
  src: PeerId;
  dst: PeerId;
  /** Port lists per protocol that changed. */
  ports: PortLists;
}

export interface WhatIfResult {
  newlyAllowed: PortChange[];
  newlyDenied: PortChange[];
  /** Pairs whose verdict becomes or stops being unknown. */
  newlyUnknown: PortChange[];
  before: { connections: number };
  after: { connections: number };
  /** Warnings of the changed policy set (the ones about the new policies matter most). */
  warnings: PolicyWarning[];
}

export interface PolicyChange {
  upsert: PolicyObject[];
  /** policyKeys to remove. */
  remove?: string[];
}

// The base side of what-if is the same cluster and policies call after call: keep its engine
// and matrix for as long as the caller keeps the policies array (a snapshot's).
const baseCores = new WeakMap<PolicyObject[], { input: PolicyEngineInput; key: string; core: PolicyEngineCore }>();
const baseMatrices = new WeakMap<PolicyEngineCore, Map<string, ConnectivityMatrix>>();
function baseCore(input: PolicyEngineInput, eo: WhatIfEngineOptions): PolicyEngineCore {
  const hit = baseCores.get(input.policies);
  const key = engineKey(eo);
  const same = (a: PolicyEngineInput) =>
    a.namespaces === input.namespaces && a.pods === input.pods && a.nodes === input.nodes && a.services === input.services;
  if (hit && hit.key === key && same(hit.input)) return hit.core;
  const core = new PolicyEngineCore({ ...input, policies: enforcedOnly(input.policies, eo) }, eo.semantics);
  baseCores.set(input.policies, { input, key, core });
  return core;
}

/** As createPolicyEngine takes them: the road builder's enforced kinds and CNI semantics. */
export interface WhatIfEngineOptions {
  enforcedKinds?: readonly PolicyKind[];
  semantics?: CniSemantics;
}

const engineKey = (eo: WhatIfEngineOptions) => `${eo.enforcedKinds ? eo.enforcedKinds.join(',') : '*'}|${eo.semantics ? `${eo.semantics.hostNetwork}/${eo.semantics.ipBlockPodIps}` : ''}`;

/** The policies that decide verdicts under the road builder (tiers, network sets, staged kinds are kept: they are not enforced policies). */
function enforcedOnly(policies: PolicyObject[], eo: WhatIfEngineOptions): PolicyObject[] {
  if (!eo.enforcedKinds) return policies;
  const kinds = new Set(eo.enforcedKinds);
  return policies.filter((p) => kinds.has(p.kind) || !isEnforceablePolicy(p.kind));
}

/**
 * Calico staged policies as the change they preview: each StagedNetworkPolicy,
 * StagedGlobalNetworkPolicy and StagedKubernetesNetworkPolicy becomes the enforced kind of the same
 * name (`stagedAction: Delete` removes it instead). Pass the result to whatIf for "what the staged
 * policies would do"; the engine itself never enforces a staged policy.
 */
export function promoteStaged(policies: readonly PolicyObject[]): PolicyChange {
  const upsert: PolicyObject[] = [];
  const remove: string[] = [];
  for (const p of policies) {
    const kind = STAGED_POLICY_KINDS[p.kind];
    if (!kind) continue;
    const spec = (p.manifest.spec ?? {}) as Record<string, unknown>;
    if (spec.stagedAction === 'Delete') {
      remove.push(policyKey(kind, p.name, p.namespace));
      continue;
    }
    const { stagedAction: _drop, ...rest } = spec;
    void _drop;
    const manifestKind = CALICO_MANIFEST_KINDS[kind] ?? kind;
    const apiVersion = kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : p.apiVersion;
    upsert.push({ ...p, kind, apiVersion, manifest: { ...p.manifest, apiVersion, kind: manifestKind, spec: rest } });
  }
  return { upsert, remove };
}

/** What the staged policies of `input` would do once enforced: whatIf of promoteStaged. */
export function stagedPreview(input: PolicyEngineInput, opts: MatrixOptions = {}, eo: WhatIfEngineOptions = {}): WhatIfResult & { staged: number } {
  const change = promoteStaged(input.policies);
  return { ...whatIf(input, change, opts, eo), staged: change.upsert.length + (change.remove?.length ?? 0) };
}

/**
 * What a change of policies would do to the workload matrix (IP ranges included). With `eo`, as the
 * road builder has it: policy kinds it does not enforce change nothing (on either side), and
 * host-network pods / ipBlock follow its semantics.
 */
export function whatIf(input: PolicyEngineInput, change: PolicyChange, opts: MatrixOptions = {}, eo: WhatIfEngineOptions = {}): WhatIfResult {
  const k = (p: PolicyObject) => policyKey(p.kind, p.name, p.namespace);
  const drop = new Set([...(change.remove ?? []), ...change.upsert.map(k)]);
  const policies = enforcedOnly([...input.policies.filter((p) => !drop.has(k(p))), ...change.upsert], eo);
  const beforeCore = baseCore(input, eo);
  const afterCore = new PolicyEngineCore({ ...input, policies }, eo.semantics);
  // Both sides cut the address space at the CIDRs of both, so their peers are the same.
  const cutKey = `${JSON.stringify({ ...opts, extraCidrs: undefined })}|${afterCore.cidrs.map((c) => c.text).sort().join(',')}`;
  let before = baseMatrices.get(beforeCore)?.get(cutKey);
  if (!before) {
    before = computeConnectivity(beforeCore, { ...opts, extraCidrs: afterCore.cidrs });
    // One entry per base is enough: the what-if panel asks again with the same base.
    baseMatrices.set(beforeCore, new Map([[cutKey, before]]));
  }
  const after = computeConnectivity(afterCore, { ...opts, extraCidrs: beforeCore.cidrs });
  const out: WhatIfResult = {
    newlyAllowed: [],
    newlyDenied: [],
    newlyUnknown: [],
    before: { connections: 0 },
    after: { connections: 0 },
    warnings: afterCore.warnings,
  };
  const parsed = new Map<PortLists, PortSet>();
  const set = (l: PortLists | undefined): PortSet => {
    if (!l) return NO_PORTS;
    let p = parsed.get(l);
    if (!p) parsed.set(l, (p = fromPortLists(l)));
    return p;
  };
  // Result ids are per matrix: map both to one numbering by content, then compare numbers.
  const contentIds = new Map<string, number>([['', 0]]); // 0: nothing allowed, nothing unknown
  const unify = (m: ConnectivityMatrix) => {
    const memo = new Map<number, number>();
    return (id: number): number => {
      let u = memo.get(id);
      if (u === undefined) {
        const p = m.portsOf(id);
        const key = p ? `${p.allowed.TCP}|${p.allowed.UDP}|${p.allowed.SCTP}|${p.unknown?.TCP ?? ''}|${p.unknown?.UDP ?? ''}|${p.unknown?.SCTP ?? ''}` : '';
        u = contentIds.get(key);
        if (u === undefined) contentIds.set(key, (u = contentIds.size));
        memo.set(id, u);
      }
      return u;
    };
  };
  const ub = unify(before);
  const ua = unify(after);
  const diffs = new Map<number, { gained: PortSet; lost: PortSet; unk: PortSet } | null>();
  const diffOf = (x: PairPorts | null, y: PairPorts | null, key: number) => {
    let d = diffs.get(key);
    if (d === undefined) {
      const xa = set(x?.allowed);
      const ya = set(y?.allowed);
      const gained = subtract(ya, xa);
      const lost = subtract(subtract(xa, ya), set(y?.unknown));
      const unk = subtract(set(y?.unknown), set(x?.unknown));
      d = isEmpty(gained) && isEmpty(lost) && isEmpty(unk) ? null : { gained, lost, unk };
      diffs.set(key, d);
    }
    return d;
  };
  const peers = after.peers;
  const idx = new Map(before.peers.map((p, i) => [p.id, i]));
  const bIndex = peers.map((p) => idx.get(p.id) ?? -1);
  for (let s = 0; s < peers.length; s++) {
    const bs = bIndex[s];
    for (let d = 0; d < peers.length; d++) {
      if (s === d) continue;
      const bd = bIndex[d];
      const xid = bs < 0 || bd < 0 ? -1 : before.cellId(bs, bd);
      const yid = after.cellId(s, d);
      const x = xid < 0 ? null : before.portsOf(xid);
      const y = yid < 0 ? null : after.portsOf(yid);
      if (x) out.before.connections++;
      if (y) out.after.connections++;
      const cx = xid < 0 ? 0 : ub(xid);
      const cy = yid < 0 ? 0 : ua(yid);
      if (cx === cy) continue;
      const diff = diffOf(x, y, cx * 1_000_003 + cy);
      if (!diff) continue;
      const src = peers[s].id;
      const dst = peers[d].id;
      if (!isEmpty(diff.gained)) out.newlyAllowed.push({ src, dst, ports: toPortLists(diff.gained) });
      if (!isEmpty(diff.lost)) out.newlyDenied.push({ src, dst, ports: toPortLists(diff.lost) });
      if (!isEmpty(diff.unk)) out.newlyUnknown.push({ src, dst, ports: toPortLists(diff.unk) });
    }
  }
  return out;
}
