/**
 * What flows alone say about a cluster: namespaces, workloads and pods seen as flow endpoints
 * (with their Kubernetes labels from Hubble identities), and the nodes that observed them. Gives
 * an imported capture without an inventory a city to draw. Grows with distinct pods only.
 */
import { parsePeerId, podId, workloadId, workloadOfPod } from '../model/ids.js';
import type { FlowEndpoint, FlowRecord, Labels, NamespaceInfo, NodeInfo, PodInfo, Snapshot, WorkloadInfo } from '../model/types.js';
import type { WorkloadResolver } from './hubble-flow.js';

// Identity labels Cilium adds that are not the pod's own labels.
const NOT_POD_LABEL = /^(io\.cilium\.|io\.kubernetes\.pod\.namespace$)/;

/** "k8s:app=cart" -> ["app", "cart"]; other sources (reserved:, cidr:, fqdn:) and Cilium's own keys give nothing. */
function podLabelsOf(labels: string[] | undefined): Labels {
  const out: Labels = {};
  if (!labels) return out;
  for (const l of labels) {
    if (!l.startsWith('k8s:')) continue;
    const kv = l.slice(4);
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    if (NOT_POD_LABEL.test(key)) continue;
    out[key] = eq < 0 ? '' : kv.slice(eq + 1);
  }
  return out;
}

export class FlowInventory {
  private readonly namespaces = new Set<string>();
  private readonly pods = new Map<string, PodInfo>();
  private readonly workloads = new Map<string, WorkloadInfo>();
  private readonly nodes = new Set<string>();

  add(f: FlowRecord): void {
    this.endpoint(f.src);
    this.endpoint(f.dst);
    if (f.node) this.nodes.add(f.node);
  }

  addMany(flows: Iterable<FlowRecord>): void {
    for (const f of flows) this.add(f);
  }

  private endpoint(e: FlowEndpoint): void {
    const p = parsePeerId(e.peer);
    if (p.type !== 'pod' || !p.namespace) return;
    this.namespaces.add(p.namespace);
    let pod = this.pods.get(e.peer);
    if (!pod) {
      pod = { namespace: p.namespace, name: p.name, labels: podLabelsOf(e.labels), ips: [], phase: 'Unknown', hostNetwork: false, ports: [] };
      if (e.workload) {
        const w = parsePeerId(e.workload);
        if (w.type === 'workload' && w.kind) {
          pod.owner = { kind: w.kind, name: w.name };
          if (!this.workloads.has(e.workload)) {
            this.workloads.set(e.workload, { namespace: p.namespace, name: w.name, kind: w.kind, labels: {}, podLabels: { ...pod.labels } });
          }
        }
      }
      this.pods.set(e.peer, pod);
    } else if (Object.keys(pod.labels).length === 0 && e.labels) {
      pod.labels = podLabelsOf(e.labels);
    }
    if (e.ip && !pod.ips.includes(e.ip) && pod.ips.length < 4) pod.ips.push(e.ip);
  }

  /** The inventory parts of a snapshot, sorted for stable output. */
  parts(): Pick<Snapshot, 'namespaces' | 'workloads' | 'pods' | 'nodes'> {
    const byName = <T extends { namespace?: string; name: string }>(a: T, b: T) =>
      (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
    return {
      namespaces: [...this.namespaces].sort().map((name): NamespaceInfo => ({ name, labels: {} })),
      workloads: [...this.workloads.values()].sort(byName),
      pods: [...this.pods.values()].sort(byName),
      nodes: [...this.nodes].sort().map((name): NodeInfo => ({ name, labels: {}, addresses: [], podCIDRs: [] })),
    };
  }
}

/** Resolves pods to their workload from a snapshot's inventory (pods with an owner). */
/** Every pod of an inventory to its workload, bare pods included (as their own `Pod` workload). */
export function resolverFromInventory(snap: Pick<Snapshot, 'pods'>): WorkloadResolver {
  const byPod = new Map(snap.pods.map((p) => [podId(p.namespace, p.name), workloadOfPod(p)]));
  return (ns, pod) => byPod.get(podId(ns, pod));
}

export function resolverFromSnapshot(snap: Pick<Snapshot, 'pods'>): WorkloadResolver | undefined {
  const owners = new Map<string, string>();
  for (const p of snap.pods) if (p.owner) owners.set(`${p.namespace}/${p.name}`, workloadId(p.namespace, p.owner.kind, p.owner.name));
  if (owners.size === 0) return undefined;
  return (ns, pod) => owners.get(`${ns}/${pod}`);
}
