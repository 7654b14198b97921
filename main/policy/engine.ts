/** The policy engine: compiled policies over a pod universe, answering verdicts, ports and fences. */
import type { NamespaceInfo, NodeInfo, PeerId, PodInfo, PolicyObject, Protocol, ServiceInfo } from '../model/types.js';
import { parsePeerId, workloadOfPod } from '../model/ids.js';
import { compilePolicies, podIpRuleCidrs } from './compile.js';
import { byText, DEFAULT_SEMANTICS, type CniSemantics } from './cni-semantics.js';
import { buildPlan, evalDirection, type DirPlan, type DirResult } from './evaluate.js';
import { stepsFor, summaryOf, type ExplanationStep } from './explain.js';
import { parseCidr, parseIp, type Cidr, type IpAddr } from './ip.js';
import type { CompiledPolicy, Direction, Endpoint, PolicyWarning } from './ir.js';
import { hasPort, intersect, NO_PORTS, portSetOf, subtract, union, type PortSet } from './ports.js';
import { Universe, type PodClass } from './universe.js';

export interface PolicyEngineInput {
  namespaces: NamespaceInfo[];
  pods: PodInfo[];
  nodes: NodeInfo[];
  policies: PolicyObject[];
  services?: ServiceInfo[];
}

export type DecisionVerdict = 'allowed' | 'denied' | 'unknown';

export interface Decision {
  verdict: DecisionVerdict;
  /** Allowed at L3/L4 with L7 rules on top (Cilium): "allowed with L7 rules". */
  l7?: boolean;
  summary: string;
  steps: ExplanationStep[];
  /**
   * Allowed only because the road builder does not enforce the policies that would decide it:
   * the verdict as written and those policies (policy keys); steps and summary are as written.
   */
  unenforced?: { verdict: DecisionVerdict; policies: string[]; by: string };
}

export interface Fences {
  ingress: { isolated: boolean; by: string[] };
  egress: { isolated: boolean; by: string[] };
}

/** A concrete end of a connection: the endpoint the rules see, and the pod behind it if any. */
export interface ResolvedPeer {
  ep: Endpoint;
  pod?: PodInfo;
  /** Shown in texts: "pod shop/cart-1", "world", "node n1". */
  label: string;
  /** Set when the pod is host-networked: policies do not apply to it. */
  hostNetwork?: boolean;
}

export interface PairResult {
  allowed: PortSet;
  unknown: PortSet;
  l7: PortSet;
  egress?: { plan: DirPlan; res: DirResult };
  ingress?: { plan: DirPlan; res: DirResult };
  notes: ExplanationStep[];
}

/** Owner workload id of a pod: its top controller, or the pod itself as kind Pod. */
export { workloadOfPod };

export class PolicyEngineCore {
  readonly u: Universe;
  readonly compiled: CompiledPolicy[];
  readonly warnings: PolicyWarning[];
  readonly cidrs: Cidr[];
  private readonly plans: Record<Direction, (DirPlan | undefined)[]>;
  readonly workloads = new Map<PeerId, PodInfo[]>();

  readonly semantics: CniSemantics;

  constructor(
    readonly input: PolicyEngineInput,
    semantics: CniSemantics = DEFAULT_SEMANTICS,
  ) {
    this.semantics = semantics;
    const podIpCidrs = semantics.ipBlockPodIps === 'match' ? podIpRuleCidrs(input.policies) : [];
    this.u = new Universe(input, { hostNetworkAsPod: semantics.hostNetwork === 'as-pod', podIpCidrs: podIpCidrs.length ? podIpCidrs : undefined });
    const c = compilePolicies(this.u, input.policies);
    this.compiled = c.compiled;
    this.warnings = c.warnings;
    this.cidrs = c.cidrs;
    this.plans = { ingress: new Array(this.u.size), egress: new Array(this.u.size) };
    for (const p of input.pods) {
      const w = workloadOfPod(p);
      let list = this.workloads.get(w);
      if (!list) this.workloads.set(w, (list = []));
      list.push(p);
    }
  }

  private selectingCache: CompiledPolicy[][] | undefined;
  /** Policies whose subjects include each class, computed once from the subject bitsets. */
  private selectingAsked = 0;
  selecting(cls: PodClass): CompiledPolicy[] {
    // A few questions: test each policy. Many (the matrix, a map overlay): index every class once.
    if (!this.selectingCache && ++this.selectingAsked > 64) this.indexSelecting();
    if (!this.selectingCache) return this.compiled.filter((c) => c.subjects.has(cls.id));
    return this.selectingCache[cls.id];
  }

  indexSelecting(): void {
    if (this.selectingCache) return;
    const lists: CompiledPolicy[][] = Array.from({ length: this.u.size }, () => []);
    for (const c of this.compiled) c.subjects.forEach((i) => lists[i].push(c));
    this.selectingCache = lists;
  }

  private readonly planIds = new Map<string, number>();
  plan(cls: PodClass, dir: Direction): DirPlan {
    let p = this.plans[dir][cls.id];
    if (!p) {
      p = buildPlan(this.selecting(cls), cls, dir);
      let id = this.planIds.get(p.key);
      if (id === undefined) this.planIds.set(p.key, (id = this.planIds.size));
      p.id = id;
      this.plans[dir][cls.id] = p;
    }
    return p;
  }

  private nodeEndpoint(name: string | undefined, local?: boolean): Endpoint {
    return { t: 'node', name, ips: name ? (this.u.nodeIps.get(name) ?? []) : [], local };
  }

  /** Whether a pod is its node to the policies (host network, as the road builder treats it). */
  asNode(p: PodInfo): boolean {
    return p.hostNetwork && this.semantics.hostNetwork === 'as-node';
  }

  /**
   * A host-network pod's node: its addresses from the Node object, else the pod's own
   * (status.podIPs of a host-network pod are its node's addresses, status.hostIP).
   */
  hostNetworkEndpoint(p: PodInfo): Extract<Endpoint, { t: 'node' }> {
    const ips = p.node ? (this.u.nodeIps.get(p.node) ?? []) : [];
    return { t: 'node', name: p.node, ips: ips.length ? ips : p.ips.map((a) => parseIp(a)).filter((x): x is IpAddr => x !== undefined) };
  }

  private podPeer(p: PodInfo): ResolvedPeer {
    if (this.asNode(p)) {
      return { ep: this.hostNetworkEndpoint(p), pod: p, label: `host-network pod ${p.namespace}/${p.name}`, hostNetwork: true };
    }
    return { ep: { t: 'pod', cls: this.u.podClass.get(`${p.namespace}/${p.name}`)!, pod: p }, pod: p, label: `pod ${p.namespace}/${p.name}` };
  }

  /** A peer id as the concrete ends it stands for (a workload is its pods). Throws on unknown ids. */
  resolve(id: PeerId): ResolvedPeer[] {
    const p = parsePeerId(id);
    switch (p.type) {
      case 'pod': {
        const pod = this.u.pods.get(`${p.namespace}/${p.name}`);
        if (!pod) throw new Error(`unknown pod ${p.namespace}/${p.name}`);
        return [this.podPeer(pod)];
      }
      case 'workload': {
        const pods = this.workloads.get(id);
        if (!pods?.length) throw new Error(`unknown workload ${p.namespace}/${p.kind}/${p.name} (no pods and no template for it)`);
        return pods.map((x) => this.podPeer(x));
      }
      case 'node': {
        if (!this.u.nodes.has(p.name)) throw new Error(`unknown node ${p.name}`);
        return [{ ep: this.nodeEndpoint(p.name), label: `node ${p.name}` }];
      }
      case 'ip': {
        const owner = this.u.ipOwner.get(p.name);
        if (owner?.pod) return [this.podPeer(this.u.pods.get(owner.pod)!)];
        if (owner?.node) return [{ ep: this.nodeEndpoint(owner.node), label: `node ${owner.node}` }];
        const ip: IpAddr | undefined = parseIp(p.name) ?? rangeStart(p.name);
        if (!ip) throw new Error(`'${p.name}' is not an IP address, CIDR or range`);
        return [{ ep: { t: 'ext', ip, text: p.name }, label: p.name }];
      }
      case 'service': {
        const svc = this.u.services.find((s) => s.namespace === p.namespace && s.name === p.name);
        if (!svc) throw new Error(`unknown service ${p.namespace}/${p.name}`);
        const pods = [...this.u.pods.values()].filter(
          (x) => x.namespace === svc.namespace && svc.selector && Object.keys(svc.selector).length > 0 && Object.entries(svc.selector).every(([k, v]) => x.labels[k] === v),
        );
        if (!pods.length) throw new Error(`service ${p.namespace}/${p.name} selects no known pod`);
        return pods.map((x) => this.podPeer(x));
      }
      case 'dns':
        // Known by name only: name rules can match it; address rules cannot tell.
        return [{ ep: { t: 'ext', text: p.name, fqdn: p.name }, label: p.name }];
      case 'reserved':
        switch (id) {
          case 'world':
            return [{ ep: { t: 'ext', text: 'world' }, label: 'world' }];
          case 'host':
            return [{ ep: { t: 'node', ips: [], local: true }, label: 'host' }];
          case 'remote-node':
            return [{ ep: { t: 'node', ips: [], local: false }, label: 'remote-node' }];
          case 'kube-apiserver':
            return [{ ep: { t: 'apiserver', ips: this.u.apiserverIps }, label: 'kube-apiserver' }];
        }
        throw new Error(`unknown peer '${id}'`);
      default:
        throw new Error(`peer '${id}' cannot take part in a connection (use pod:, wl:, svc:, node:, ip:, dns:, world, host, remote-node, kube-apiserver)`);
    }
  }

  /** Node endpoints learn whether they are the other pod's own node ("host") or another one. */
  private localize(ep: Endpoint, other: ResolvedPeer): Endpoint {
    if (ep.t !== 'node' || !other.pod || other.hostNetwork) return ep;
    if (ep.local === true && ep.name === undefined && other.pod.node) return this.nodeEndpoint(other.pod.node, true);
    if (ep.name !== undefined && other.pod.node) return { ...ep, local: ep.name === other.pod.node };
    return ep;
  }

  evalPair(src: ResolvedPeer, dst: ResolvedPeer, query: PortSet, explain: boolean): PairResult {
    const notes: ExplanationStep[] = [];
    let eAllowed = query;
    let eUnknown = NO_PORTS;
    let l7 = NO_PORTS;
    let egress: PairResult['egress'];
    let ingress: PairResult['ingress'];
    const dstEp = this.localize(dst.ep, src);
    const srcEp = this.localize(src.ep, dst);
    if (src.ep.t === 'pod') {
      const plan = this.plan(src.ep.cls, 'egress');
      const res = evalDirection(plan, dstEp, dst.ep.t === 'pod' ? dst.ep.cls : null, query, explain);
      egress = { plan, res };
      eAllowed = res.allowed;
      eUnknown = res.unknown;
      l7 = res.l7;
    } else if (explain)
      notes.push({
        direction: 'egress',
        layer: 'none',
        outcome: 'not-applicable',
        text: src.hostNetwork ? `source is a ${this.hostNetworkText(src)}: policies do not apply` : `source ${src.label} is not a pod: no egress policy applies`,
      });
    let iAllowed = query;
    let iUnknown = NO_PORTS;
    if (dst.ep.t === 'pod') {
      if (srcEp.t === 'node' && srcEp.local === true) {
        if (explain)
          notes.push({ direction: 'ingress', layer: 'none', outcome: 'node-local', text: `traffic from the pod's own node is always allowed` });
      } else {
        const plan = this.plan(dst.ep.cls, 'ingress');
        const res = evalDirection(plan, srcEp, dst.ep.cls, query, explain);
        ingress = { plan, res };
        iAllowed = res.allowed;
        iUnknown = res.unknown;
        l7 = union(l7, res.l7);
      }
    } else if (explain)
      notes.push({
        direction: 'ingress',
        layer: 'none',
        outcome: 'not-applicable',
        text: dst.hostNetwork ? `destination is a ${this.hostNetworkText(dst)}: policies do not apply` : `destination ${dst.label} is not a pod: no ingress policy applies`,
      });
    const allowed = intersect(eAllowed, iAllowed);
    const unknown = subtract(intersect(union(eAllowed, eUnknown), union(iAllowed, iUnknown)), allowed);
    return { allowed, unknown, l7: intersect(l7, allowed), egress, ingress, notes };
  }

  /** "host-network pod: treated as node n2 (Cilium)". */
  private hostNetworkText(r: ResolvedPeer): string {
    return `host-network pod: treated as node ${r.pod?.node ?? '(node not known)'} (${byText(this.semantics, 'hostNetwork')})`;
  }

  /**
   * The CNI choices a verdict depends on, as steps: a host-network pod taken as an ordinary pod,
   * an address rule of the plan whose CIDR holds the other pod's IP (matched or not by the CNI).
   */
  private cniNotes(src: ResolvedPeer, dst: ResolvedPeer, r: PairResult): ExplanationStep[] {
    const out: ExplanationStep[] = [];
    const s = this.semantics;
    for (const [dir, me, other] of [
      ['egress', src, dst],
      ['ingress', dst, src],
    ] as const) {
      if (me.pod?.hostNetwork && !me.hostNetwork)
        out.push({ direction: dir, layer: 'none', outcome: 'not-applicable', text: `host-network pod: treated as an ordinary pod (${byText(s, 'hostNetwork')})` });
      const plan = r[dir]?.plan;
      if (!plan || !other.pod || other.hostNetwork) continue;
      const ips = other.pod.ips.map((a) => parseIp(a)).filter((x): x is IpAddr => x !== undefined);
      const seen = new Set<string>();
      for (const rule of plan.all)
        for (const b of rule.peer.podIpBlocks ?? []) {
          if (seen.has(b.text)) continue;
          if (ips.length === 0) {
            if (s.ipBlockPodIps !== 'match') continue;
            seen.add(b.text);
            out.push({ direction: dir, layer: 'none', outcome: 'not-applicable', text: `${b.what} ${b.text} matches pod IPs under ${byText(s, 'ipBlockPodIps')}, and the IP of ${other.label} is not known` });
            continue;
          }
          if (!ips.some(b.contains)) continue;
          seen.add(b.text);
          out.push({
            direction: dir,
            layer: 'none',
            outcome: 'not-applicable',
            text:
              s.ipBlockPodIps === 'match'
                ? `${b.what} ${b.text} matches pod IPs under ${byText(s, 'ipBlockPodIps')} (${other.label} is ${other.pod.ips.join(', ')})`
                : `${b.what} ${b.text} does not match pod IPs under ${byText(s, 'ipBlockPodIps')} (${other.label} is ${other.pod.ips.join(', ')}; pods are matched by selectors only)`,
          });
        }
    }
    return out;
  }

  decide(src: ResolvedPeer, dst: ResolvedPeer, protocol: Protocol, port: number): Decision {
    const q = portSetOf(protocol, port);
    const r = this.evalPair(src, dst, q, true);
    const what = `${protocol}/${port}`;
    const steps: ExplanationStep[] = [];
    const cni = this.cniNotes(src, dst, r);
    steps.push(...r.notes.filter((n) => n.direction === 'egress'));
    if (r.egress) steps.push(...stepsFor('egress', 'source', r.egress.plan, r.egress.res.events ?? [], what));
    steps.push(...cni.filter((n) => n.direction === 'egress'));
    steps.push(...r.notes.filter((n) => n.direction === 'ingress'));
    if (r.ingress) steps.push(...stepsFor('ingress', 'destination', r.ingress.plan, r.ingress.res.events ?? [], what));
    steps.push(...cni.filter((n) => n.direction === 'ingress'));
    const verdict: DecisionVerdict = hasPort(r.allowed, protocol, port) ? 'allowed' : hasPort(r.unknown, protocol, port) ? 'unknown' : 'denied';
    // When egress already denies, the destination's ingress is moot but still shown.
    const l7 = verdict === 'allowed' && hasPort(r.l7, protocol, port);
    return { verdict, l7: l7 || undefined, summary: `${verdict}${l7 ? ' with L7 rules' : ''}: ${summaryOf(steps)}`, steps };
  }

  fences(cls: PodClass | null): Fences {
    if (!cls) return { ingress: { isolated: false, by: [] }, egress: { isolated: false, by: [] } };
    const f = (dir: Direction) => {
      const plan = this.plan(cls, dir);
      return { isolated: plan.isolated, by: [...new Set(plan.isolatedBy.map((p) => p.key))] };
    };
    return { ingress: f('ingress'), egress: f('egress') };
  }
}

function rangeStart(s: string): IpAddr | undefined {
  const c = parseCidr(s);
  if (c) return { v6: c.v6, value: c.start };
  const dash = s.indexOf('-');
  return dash > 0 ? parseIp(s.slice(0, dash)) : undefined;
}

