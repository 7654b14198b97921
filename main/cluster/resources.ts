/** The API resources the live inventory reads, and how to address them. */
import type { PolicyKind } from '../model/types.js';

export type ResourceId =
  | 'namespaces'
  | 'nodes'
  | 'pods'
  | 'services'
  | 'endpointslices'
  | 'networkpolicies'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'replicasets'
  | 'jobs'
  | 'cronjobs'
  | 'adminnetworkpolicies'
  | 'baselineadminnetworkpolicies'
  | 'clusternetworkpolicies'
  | 'ciliumnetworkpolicies'
  | 'ciliumclusterwidenetworkpolicies'
  | 'calico-networkpolicies'
  | 'calico-globalnetworkpolicies'
  | 'calico-stagednetworkpolicies'
  | 'calico-stagedglobalnetworkpolicies'
  | 'calico-stagedkubernetesnetworkpolicies'
  | 'calico-tiers'
  | 'calico-networksets'
  | 'calico-globalnetworksets'
  | 'calico-hostendpoints';

export interface ResourceSpec {
  id: ResourceId;
  group: string;
  /** Versions to try, preferred first; discovery picks the one served. */
  versions: string[];
  plural: string;
  kind: string;
  namespaced: boolean;
  policyKind?: PolicyKind;
  /** Only read when discovery says the cluster serves it (CRDs, alpha APIs). */
  optional?: boolean;
  /** Needed only to walk owners or to detect the CNI: its absence degrades, never fails. */
  auxiliary?: boolean;
}

export const RESOURCES: readonly ResourceSpec[] = [
  { id: 'namespaces', group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { id: 'nodes', group: '', versions: ['v1'], plural: 'nodes', kind: 'Node', namespaced: false },
  { id: 'pods', group: '', versions: ['v1'], plural: 'pods', kind: 'Pod', namespaced: true },
  { id: 'services', group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true },
  { id: 'endpointslices', group: 'discovery.k8s.io', versions: ['v1'], plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  { id: 'networkpolicies', group: 'networking.k8s.io', versions: ['v1'], plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, policyKind: 'NetworkPolicy' },
  { id: 'deployments', group: 'apps', versions: ['v1'], plural: 'deployments', kind: 'Deployment', namespaced: true, auxiliary: true },
  { id: 'statefulsets', group: 'apps', versions: ['v1'], plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, auxiliary: true },
  { id: 'daemonsets', group: 'apps', versions: ['v1'], plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, auxiliary: true },
  { id: 'replicasets', group: 'apps', versions: ['v1'], plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, auxiliary: true },
  { id: 'jobs', group: 'batch', versions: ['v1'], plural: 'jobs', kind: 'Job', namespaced: true, auxiliary: true },
  { id: 'cronjobs', group: 'batch', versions: ['v1'], plural: 'cronjobs', kind: 'CronJob', namespaced: true, auxiliary: true },
  { id: 'adminnetworkpolicies', group: 'policy.networking.k8s.io', versions: ['v1alpha1'], plural: 'adminnetworkpolicies', kind: 'AdminNetworkPolicy', namespaced: false, policyKind: 'AdminNetworkPolicy', optional: true },
  { id: 'baselineadminnetworkpolicies', group: 'policy.networking.k8s.io', versions: ['v1alpha1'], plural: 'baselineadminnetworkpolicies', kind: 'BaselineAdminNetworkPolicy', namespaced: false, policyKind: 'BaselineAdminNetworkPolicy', optional: true },
  { id: 'clusternetworkpolicies', group: 'policy.networking.k8s.io', versions: ['v1alpha2', 'v1alpha1'], plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false, policyKind: 'ClusterNetworkPolicy', optional: true },
  { id: 'ciliumnetworkpolicies', group: 'cilium.io', versions: ['v2'], plural: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true, policyKind: 'CiliumNetworkPolicy', optional: true },
  { id: 'ciliumclusterwidenetworkpolicies', group: 'cilium.io', versions: ['v2'], plural: 'ciliumclusterwidenetworkpolicies', kind: 'CiliumClusterwideNetworkPolicy', namespaced: false, policyKind: 'CiliumClusterwideNetworkPolicy', optional: true },
  { id: 'calico-networkpolicies', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, policyKind: 'CalicoNetworkPolicy', optional: true },
  { id: 'calico-globalnetworkpolicies', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'globalnetworkpolicies', kind: 'GlobalNetworkPolicy', namespaced: false, policyKind: 'CalicoGlobalNetworkPolicy', optional: true },
  { id: 'calico-stagednetworkpolicies', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'stagednetworkpolicies', kind: 'StagedNetworkPolicy', namespaced: true, policyKind: 'CalicoStagedNetworkPolicy', optional: true },
  { id: 'calico-stagedglobalnetworkpolicies', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'stagedglobalnetworkpolicies', kind: 'StagedGlobalNetworkPolicy', namespaced: false, policyKind: 'CalicoStagedGlobalNetworkPolicy', optional: true },
  { id: 'calico-stagedkubernetesnetworkpolicies', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'stagedkubernetesnetworkpolicies', kind: 'StagedKubernetesNetworkPolicy', namespaced: true, policyKind: 'CalicoStagedKubernetesNetworkPolicy', optional: true },
  { id: 'calico-tiers', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'tiers', kind: 'Tier', namespaced: false, policyKind: 'CalicoTier', optional: true },
  { id: 'calico-networksets', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'networksets', kind: 'NetworkSet', namespaced: true, policyKind: 'CalicoNetworkSet', optional: true },
  { id: 'calico-globalnetworksets', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'globalnetworksets', kind: 'GlobalNetworkSet', namespaced: false, policyKind: 'CalicoGlobalNetworkSet', optional: true },
  { id: 'calico-hostendpoints', group: 'crd.projectcalico.org', versions: ['v1'], plural: 'hostendpoints', kind: 'HostEndpoint', namespaced: false, policyKind: 'CalicoHostEndpoint', optional: true },
];

export const resourceSpec = (id: ResourceId): ResourceSpec => RESOURCES.find((r) => r.id === id)!;

/** The REST path of a collection: /api/v1/pods, /apis/apps/v1/namespaces/shop/deployments. */
export function collectionPath(spec: ResourceSpec, version: string, namespace?: string): string {
  const base = spec.group ? `/apis/${spec.group}/${version}` : `/api/${version}`;
  return spec.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${spec.plural}` : `${base}/${spec.plural}`;
}

/** Resource name as RBAC and users know it: "pods", "networkpolicies.networking.k8s.io". */
export const resourceLabel = (spec: ResourceSpec): string => (spec.group ? `${spec.plural}.${spec.group}` : spec.plural);
