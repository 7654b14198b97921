/**
 * Builders shared by the demo city and the synthetic generator: they turn a compact description
 * (namespaces, workloads, services, policies) into the snapshot model with consistent owners,
 * IPs, endpoints and ids.
 */
import { podId, workloadId } from '../ids.js';
import type {
  ContainerPort,
  FlowEndpoint,
  Labels,
  NodeInfo,
  PodInfo,
  PodPhase,
  PolicyKind,
  PolicyObject,
  RoadBuilder,
  ServiceInfo,
  WorkloadInfo,
  WorkloadKind,
} from '../types.js';
import { CALICO_MANIFEST_KINDS } from '../types.js';

export interface WorkloadSpec {
  namespace: string;
  name: string;
  kind: WorkloadKind;
  replicas: number;
  labels: Labels;
  ports: ContainerPort[];
  hostNetwork?: boolean;
  phase?: PodPhase;
}

/** Hands out pod IPs from each node's pod CIDR (x.y.N.0/24 -> .2 .. .254, then the next /16 octet). */
export class IpAllocator {
  private next = new Map<string, number>();

  constructor(private readonly nodes: NodeInfo[]) {}

  podIp(nodeIndex: number): string {
    const node = this.nodes[nodeIndex % this.nodes.length];
    const cidr = node.podCIDRs[0];
    const used = this.next.get(node.name) ?? 0;
    this.next.set(node.name, used + 1);
    const [a, b, c] = cidr.split('/')[0].split('.').map(Number);
    // Spill over into following /24s so large synthetic nodes never run out.
    const host = 2 + (used % 250);
    const third = (c + Math.floor(used / 250)) % 256;
    const second = (b + Math.floor((c + Math.floor(used / 250)) / 256)) % 256;
    return `${a}.${second}.${third}.${host}`;
  }
}

export function nodeIp(node: NodeInfo): string {
  return node.addresses.find((a) => a.type === 'InternalIP')?.address ?? '';
}

/** Pod name suffixes that look like the real thing: deployment pods get a template hash and a random tail. */
function podNames(w: WorkloadSpec, nodes: NodeInfo[], hashOf: (s: string) => string): string[] {
  const names: string[] = [];
  const hash = hashOf(`${w.namespace}/${w.name}`).slice(0, 9);
  for (let i = 0; i < w.replicas; i++) {
    switch (w.kind) {
      case 'StatefulSet':
        names.push(`${w.name}-${i}`);
        break;
      case 'DaemonSet':
        names.push(`${w.name}-${hashOf(`${w.name}${nodes[i % nodes.length].name}`).slice(0, 5)}`);
        break;
      case 'CronJob':
        names.push(`${w.name}-2938${40 + i}-${hashOf(`${w.name}${i}`).slice(0, 5)}`);
        break;
      case 'Job':
        names.push(`${w.name}-${hashOf(`${w.name}${i}`).slice(0, 5)}`);
        break;
      case 'Pod':
        names.push(w.name);
        break;
      default:
        names.push(`${w.name}-${hash}-${hashOf(`${w.name}${i}`).slice(0, 5)}`);
    }
  }
  return names;
}

/** A short, deterministic, DNS-safe hash (FNV-1a, base36). */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const a = (h >>> 0).toString(36);
  let h2 = h ^ 0x5bd1e995;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0x5bd1e995);
  return (a + (h2 >>> 0).toString(36)).replace(/[^a-z0-9]/g, 'x').padEnd(10, 'z');
}

export function buildWorkloads(
  specs: WorkloadSpec[],
  nodes: NodeInfo[],
  ips: IpAllocator,
): { workloads: WorkloadInfo[]; pods: PodInfo[] } {
  const workloads: WorkloadInfo[] = [];
  const pods: PodInfo[] = [];
  let nodeCursor = 0;
  for (const w of specs) {
    workloads.push({
      namespace: w.namespace,
      name: w.name,
      kind: w.kind,
      labels: { ...w.labels },
      podLabels: { ...w.labels },
      replicas: w.replicas,
    });
    const names = podNames(w, nodes, shortHash);
    names.forEach((name, i) => {
      const nodeIndex = w.kind === 'DaemonSet' ? i : nodeCursor++;
      const node = nodes[nodeIndex % nodes.length];
      const podLabels: Labels = { ...w.labels };
      if (w.kind === 'Deployment') podLabels['pod-template-hash'] = shortHash(`${w.namespace}/${w.name}`).slice(0, 9);
      if (w.kind === 'StatefulSet') podLabels['statefulset.kubernetes.io/pod-name'] = name;
      pods.push({
        namespace: w.namespace,
        name,
        labels: podLabels,
        ips: [w.hostNetwork ? nodeIp(node) : ips.podIp(nodeIndex)],
        node: node.name,
        phase: w.phase ?? 'Running',
        hostNetwork: w.hostNetwork ?? false,
        owner: w.kind === 'Pod' ? undefined : { kind: w.kind, name: w.name },
        ports: w.ports.map((p) => ({ ...p })),
      });
    });
  }
  return { workloads, pods };
}

export function buildService(
  namespace: string,
  name: string,
  selector: Labels,
  ports: ServiceInfo['ports'],
  clusterIP: string,
  pods: PodInfo[],
  type: ServiceInfo['type'] = 'ClusterIP',
): ServiceInfo {
  const backing = pods.filter(
    (p) => p.namespace === namespace && Object.entries(selector).every(([k, v]) => p.labels[k] === v),
  );
  return {
    namespace,
    name,
    type,
    clusterIPs: clusterIP ? [clusterIP] : [],
    ports,
    selector,
    endpoints: backing.map((p) => ({
      ip: p.ips[0],
      pod: `${p.namespace}/${p.name}`,
      node: p.node,
      ready: p.phase === 'Running',
    })),
  };
}

const API_VERSIONS: Record<PolicyKind, string> = {
  NetworkPolicy: 'networking.k8s.io/v1',
  AdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  ClusterNetworkPolicy: 'policy.networking.k8s.io/v1alpha2',
  CiliumNetworkPolicy: 'cilium.io/v2',
  CiliumClusterwideNetworkPolicy: 'cilium.io/v2',
  CalicoNetworkPolicy: 'crd.projectcalico.org/v1',
  CalicoGlobalNetworkPolicy: 'crd.projectcalico.org/v1',
  CalicoStagedNetworkPolicy: 'crd.projectcalico.org/v1',
  CalicoStagedGlobalNetworkPolicy: 'crd.projectcalico.org/v1',
  CalicoStagedKubernetesNetworkPolicy: 'crd.projectcalico.org/v1',
  CalicoTier: 'crd.projectcalico.org/v1',
  CalicoNetworkSet: 'crd.projectcalico.org/v1',
  CalicoGlobalNetworkSet: 'crd.projectcalico.org/v1',
  CalicoHostEndpoint: 'crd.projectcalico.org/v1',
};

/** The manifest kind for a policy kind (Calico's are plain NetworkPolicy/GlobalNetworkPolicy... in their group). */
const MANIFEST_KINDS = CALICO_MANIFEST_KINDS;

export function policy(kind: PolicyKind, name: string, namespace: string | undefined, spec: Record<string, unknown>): PolicyObject {
  const apiVersion = API_VERSIONS[kind];
  const metadata: Record<string, unknown> = namespace ? { name, namespace } : { name };
  return {
    kind,
    apiVersion,
    namespace,
    name,
    manifest: { apiVersion, kind: MANIFEST_KINDS[kind] ?? kind, metadata, spec },
  };
}

export function ciliumRoadBuilder(): RoadBuilder {
  return {
    name: 'cilium',
    version: '1.18.4',
    mode: 'overlay (vxlan)',
    enforcesNetworkPolicy: true,
    policyKinds: [
      'NetworkPolicy',
      'CiliumNetworkPolicy',
      'CiliumClusterwideNetworkPolicy',
      'AdminNetworkPolicy',
      'BaselineAdminNetworkPolicy',
    ],
    flowSources: ['hubble', 'probe'],
    details: { hubble: 'enabled', 'hubble-relay': 'kube-system/hubble-relay', 'kube-proxy-replacement': 'true', 'policy-enforcement': 'default' },
    evidence: ['DaemonSet kube-system/cilium (image quay.io/cilium/cilium:v1.18.4)', 'Deployment kube-system/hubble-relay'],
  };
}

/** A flow endpoint for a pod, with its workload peer when it has an owner. */
export function podEndpoint(pod: PodInfo, port?: number): FlowEndpoint {
  return {
    peer: podId(pod.namespace, pod.name),
    workload: workloadId(pod.namespace, pod.owner?.kind ?? 'Pod', pod.owner?.name ?? pod.name),
    ip: pod.ips[0],
    labels: Object.entries(pod.labels)
      .filter(([k]) => k !== 'pod-template-hash')
      .map(([k, v]) => `k8s:${k}=${v}`),
    port,
  };
}
