/**
 * The pods a policy set is evaluated over, grouped into equivalence classes: pods with the same
 * namespace (so the same namespace labels), the same labels, named ports and service account get the
 * same verdicts from every policy kind, so selectors and verdicts are computed per class.
 */
import type { ContainerPort, Labels, NamespaceInfo, NodeInfo, PodInfo, ServiceInfo } from '../model/types.js';
import { Bitset } from './bitset.js';
import { cutAddressSpace, parseIp, type Cidr, type IpAddr } from './ip.js';

export const NS_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface PodClass {
  id: number;
  ns: string;
  nsLabels: Labels;
  labels: Labels;
  /** Container ports that carry a name, for named-port rules. */
  namedPorts: ContainerPort[];
  /** The pods' service account (Calico serviceAccounts matches); undefined when not known. */
  serviceAccount?: string;
  pods: PodInfo[];
  /**
   * With ipBlocks matching pod IPs: the first pod's addresses. Pods of one class sit in the same
   * policy CIDRs (the class key says which), so address rules answer alike for all of them.
   */
  ips: IpAddr[];
}

export interface UniverseInput {
  namespaces: NamespaceInfo[];
  pods: PodInfo[];
  nodes: NodeInfo[];
  services?: ServiceInfo[];
}

export interface UniverseOptions {
  /** Host-network pods are ordinary pods (selected by policies) instead of their node. */
  hostNetworkAsPod?: boolean;
  /** Address rules match pod IPs: pods are told apart by which of these CIDRs hold their IPs. */
  podIpCidrs?: Cidr[];
}

function labelsKey(l: Labels): string {
  return Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join('\u0001');
}

export class Universe {
  /** Namespace labels, always including the automatic kubernetes.io/metadata.name. */
  readonly nsLabels = new Map<string, Labels>();
  readonly nsNames: string[];
  readonly classes: PodClass[] = [];
  /** Classes of a namespace are contiguous: [from, to). */
  readonly nsRange = new Map<string, [number, number]>();
  readonly podClass = new Map<string, PodClass>();
  readonly pods = new Map<string, PodInfo>();
  readonly nodes = new Map<string, NodeInfo>();
  readonly nodeIps = new Map<string, IpAddr[]>();
  /** Pod IP -> "ns/name" and node IP -> node name, to resolve ip: peers. */
  readonly ipOwner = new Map<string, { pod?: string; node?: string }>();
  readonly apiserverIps: IpAddr[] = [];
  readonly services: ServiceInfo[];

  readonly hostNetworkAsPod: boolean;
  readonly podIpsMatter: boolean;

  constructor(input: UniverseInput, opts: UniverseOptions = {}) {
    this.hostNetworkAsPod = opts.hostNetworkAsPod === true;
    this.podIpsMatter = opts.podIpCidrs !== undefined;
    // The address space cut at every policy CIDR: addresses in one piece are in the same CIDRs, so
    // pods whose addresses are in the same pieces are alike to every address rule.
    const pieces = cutAddressSpace(opts.podIpCidrs ?? []);
    const pieceOf = (ip: IpAddr): number => {
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        const r = pieces[mid];
        if (Number(r.v6) > Number(ip.v6) || (r.v6 === ip.v6 && r.start > ip.value)) hi = mid - 1;
        else lo = mid;
      }
      return lo;
    };
    const ipKey = (ips: IpAddr[]): string => (ips.length === 0 ? '?' : [...new Set(ips.map(pieceOf))].sort((a, b) => a - b).join('|'));
    this.services = input.services ?? [];
    for (const ns of input.namespaces) this.nsLabels.set(ns.name, { ...ns.labels, [NS_NAME_LABEL]: ns.name });
    for (const p of input.pods)
      if (!this.nsLabels.has(p.namespace)) this.nsLabels.set(p.namespace, { [NS_NAME_LABEL]: p.namespace });
    this.nsNames = [...this.nsLabels.keys()].sort();
    const byNs = new Map<string, PodInfo[]>();
    for (const p of input.pods) {
      this.pods.set(`${p.namespace}/${p.name}`, p);
      for (const ip of p.ips) this.ipOwner.set(ip, { pod: `${p.namespace}/${p.name}` });
      if (p.hostNetwork && !this.hostNetworkAsPod) continue; // host-network pods are their node to every policy kind
      let list = byNs.get(p.namespace);
      if (!list) byNs.set(p.namespace, (list = []));
      list.push(p);
    }
    for (const ns of this.nsNames) {
      const from = this.classes.length;
      const byKey = new Map<string, PodClass>();
      for (const p of byNs.get(ns) ?? []) {
        const named = p.ports.filter((cp) => cp.name);
        const ips = this.podIpsMatter ? p.ips.map(parseIp).filter((x): x is IpAddr => x !== undefined) : [];
        const key = `${labelsKey(p.labels)}\u0000${named.map((cp) => `${cp.name}/${cp.protocol}/${cp.containerPort}`).sort().join(',')}\u0000${p.serviceAccount ?? '\u0001'}${this.podIpsMatter ? `\u0000${ipKey(ips)}` : ''}`;
        let cls = byKey.get(key);
        if (!cls) {
          cls = { id: this.classes.length, ns, nsLabels: this.nsLabels.get(ns)!, labels: p.labels, namedPorts: named, ...(p.serviceAccount !== undefined ? { serviceAccount: p.serviceAccount } : {}), pods: [], ips };
          byKey.set(key, cls);
          this.classes.push(cls);
        }
        cls.pods.push(p);
        this.podClass.set(`${p.namespace}/${p.name}`, cls);
      }
      this.nsRange.set(ns, [from, this.classes.length]);
    }
    for (const n of input.nodes) {
      this.nodes.set(n.name, n);
      const ips: IpAddr[] = [];
      for (const a of n.addresses) {
        const ip = parseIp(a.address);
        if (ip) {
          ips.push(ip);
          this.ipOwner.set(a.address, { node: n.name });
        }
      }
      this.nodeIps.set(n.name, ips);
    }
    // The API server's addresses come from the default/kubernetes service when it is known.
    const k = this.services.find((s) => s.namespace === 'default' && s.name === 'kubernetes');
    for (const a of [...(k?.clusterIPs ?? []), ...(k?.endpoints.map((e) => e.ip) ?? [])]) {
      const ip = parseIp(a);
      if (ip) this.apiserverIps.push(ip);
    }
  }

  get size(): number {
    return this.classes.length;
  }

  /** Classes of one namespace whose pod labels pass podTest. */
  selectIn(ns: string, podTest: ((cls: PodClass) => boolean) | null): Bitset {
    const bits = new Bitset(this.classes.length);
    const r = this.nsRange.get(ns);
    if (!r) return bits;
    if (!podTest) bits.setRange(r[0], r[1]);
    else for (let i = r[0]; i < r[1]; i++) if (podTest(this.classes[i])) bits.set(i);
    return bits;
  }

  private nsByLabel?: Map<string, string[]>;
  /** Namespaces carrying a label (key, value), in namespace order. */
  private namespacesWith(key: string, value: string): string[] {
    if (!this.nsByLabel) {
      this.nsByLabel = new Map();
      for (const ns of this.nsNames)
        for (const [k, v] of Object.entries(this.nsLabels.get(ns)!)) {
          const kv = `${k}\u0000${v}`;
          let l = this.nsByLabel.get(kv);
          if (!l) this.nsByLabel.set(kv, (l = []));
          l.push(ns);
        }
    }
    return this.nsByLabel.get(`${key}\u0000${value}`) ?? [];
  }

  /**
   * Classes in namespaces passing nsTest whose pod labels pass podTest. `nsRequired`: a label
   * every namespace passing nsTest carries (only those are tested).
   */
  select(nsTest: ((ns: string, labels: Labels) => boolean) | string | null, podTest: ((cls: PodClass) => boolean) | null, nsRequired?: [string, string]): Bitset {
    if (typeof nsTest === 'string') return this.selectIn(nsTest, podTest);
    const bits = new Bitset(this.classes.length);
    for (const ns of nsTest && nsRequired ? this.namespacesWith(nsRequired[0], nsRequired[1]) : this.nsNames) {
      if (nsTest && !nsTest(ns, this.nsLabels.get(ns)!)) continue;
      const [from, to] = this.nsRange.get(ns)!;
      if (!podTest) bits.setRange(from, to);
      else for (let i = from; i < to; i++) if (podTest(this.classes[i])) bits.set(i);
    }
    return bits;
  }

  private allCache?: Bitset;
  /** Every class (shared: never change a bitset the universe hands out). */
  all(): Bitset {
    return (this.allCache ??= this.select(null, null));
  }

  private readonly selections = new Map<string, Bitset>();
  /**
   * select() remembered by a key that stands for both tests (e.g. the selectors' JSON): policies
   * repeat selectors, and each fresh selection tests every class.
   */
  selectOnce(what: unknown[], nsTest: Parameters<Universe['select']>[0], podTest: Parameters<Universe['select']>[1], nsRequired?: [string, string]): Bitset {
    let key: string;
    try {
      key = JSON.stringify(what, (_k, v: unknown) => (v === undefined ? '\u0000undefined' : v));
    } catch {
      return this.select(nsTest, podTest, nsRequired); // not JSON (a manifest read by other means): not remembered
    }
    let bits = this.selections.get(key);
    if (!bits) this.selections.set(key, (bits = this.select(nsTest, podTest, nsRequired)));
    return bits;
  }

  none(): Bitset {
    return new Bitset(this.classes.length);
  }
}
