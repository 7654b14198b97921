/** Test clusters and policy builders for the policy engine suites. */
import { CALICO_MANIFEST_KINDS, type Labels, type NamespaceInfo, type NodeInfo, type PodInfo, type PolicyKind, type PolicyObject, type Protocol } from '../../../main/model/types.js';
import type { PolicyEngineInput } from '../../../main/policy/index.js';

const API: Record<PolicyKind, string> = {
  NetworkPolicy: 'networking.k8s.io/v1',
  AdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/v1alpha1',
  ClusterNetworkPolicy: 'policy.networking.k8s.io/v1alpha2',
  CiliumNetworkPolicy: 'cilium.io/v2',
  CiliumClusterwideNetworkPolicy: 'cilium.io/v2',
  CalicoNetworkPolicy: 'projectcalico.org/v3',
  CalicoGlobalNetworkPolicy: 'projectcalico.org/v3',
  CalicoStagedNetworkPolicy: 'projectcalico.org/v3',
  CalicoStagedGlobalNetworkPolicy: 'projectcalico.org/v3',
  CalicoStagedKubernetesNetworkPolicy: 'projectcalico.org/v3',
  CalicoTier: 'projectcalico.org/v3',
  CalicoNetworkSet: 'projectcalico.org/v3',
  CalicoGlobalNetworkSet: 'projectcalico.org/v3',
  CalicoHostEndpoint: 'projectcalico.org/v3',
};
const NAMESPACED = new Set<PolicyKind>(['NetworkPolicy', 'CiliumNetworkPolicy', 'CalicoNetworkPolicy', 'CalicoStagedNetworkPolicy', 'CalicoStagedKubernetesNetworkPolicy', 'CalicoNetworkSet']);

export function pol(kind: PolicyKind, name: string, spec: Record<string, unknown>, namespace?: string): PolicyObject {
  const ns = NAMESPACED.has(kind) ? (namespace ?? 'x') : undefined;
  const manifestKind = CALICO_MANIFEST_KINDS[kind] ?? kind;
  return {
    kind,
    apiVersion: API[kind],
    name,
    namespace: ns,
    manifest: { apiVersion: API[kind], kind: manifestKind, metadata: { name, ...(ns ? { namespace: ns } : {}) }, spec },
  };
}

export const np = (name: string, ns: string, spec: Record<string, unknown>) => pol('NetworkPolicy', name, spec, ns);

const PROTOS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

/**
 * The cluster of the upstream Kubernetes network-policy e2e tests: namespaces x, y, z (label ns=<name>),
 * pods a, b, c in each (label pod=<name>), serving ports 80 and 81 over TCP, UDP and SCTP with
 * named ports serve-80-tcp, serve-81-udp...
 */
export function xyz(extraPods: PodInfo[] = []): PolicyEngineInput & { pods: PodInfo[] } {
  const namespaces: NamespaceInfo[] = ['x', 'y', 'z'].map((n) => ({ name: n, labels: { ns: n } }));
  const nodes: NodeInfo[] = [
    { name: 'n1', labels: { zone: 'one' }, addresses: [{ type: 'InternalIP', address: '192.168.0.1' }], podCIDRs: ['10.1.0.0/24'] },
    { name: 'n2', labels: { zone: 'two' }, addresses: [{ type: 'InternalIP', address: '192.168.0.2' }], podCIDRs: ['10.2.0.0/24'] },
  ];
  const pods: PodInfo[] = [];
  let ip = 10;
  for (const ns of ['x', 'y', 'z'])
    for (const p of ['a', 'b', 'c'])
      pods.push({
        namespace: ns,
        name: p,
        labels: { pod: p },
        ips: [`10.1.0.${ip++}`],
        node: ip % 2 ? 'n1' : 'n2',
        phase: 'Running',
        hostNetwork: false,
        ports: [80, 81].flatMap((port) => PROTOS.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol }))),
      });
  return { namespaces, pods: [...pods, ...extraPods], nodes, policies: [] };
}

export const ALL_PODS = ['x', 'y', 'z'].flatMap((n) => ['a', 'b', 'c'].map((p) => `${n}/${p}`));

export function labels(l: Labels): Labels {
  return l;
}
