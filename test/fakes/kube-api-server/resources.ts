/** What the test API server serves: group, version, plural, kind, scope. Independent of the app's table on purpose. */
export interface ServedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const RW = ['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'];

export const CORE: ServedResource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, verbs: RW },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, verbs: RW },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, verbs: RW },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, verbs: RW },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: RW },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, verbs: RW },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, verbs: RW },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, verbs: RW },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, verbs: RW },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true, verbs: RW },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true, verbs: RW },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true, verbs: RW },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, verbs: RW },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, verbs: RW },
];

/** Policy APIs served only when enabled (CRDs / alpha APIs). */
export const OPTIONAL: Record<'anp' | 'cnp' | 'cilium' | 'calico', ServedResource[]> = {
  anp: [
    { group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'adminnetworkpolicies', kind: 'AdminNetworkPolicy', namespaced: false, verbs: RW },
    { group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'baselineadminnetworkpolicies', kind: 'BaselineAdminNetworkPolicy', namespaced: false, verbs: RW },
  ],
  cnp: [{ group: 'policy.networking.k8s.io', version: 'v1alpha2', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false, verbs: RW }],
  cilium: [
    { group: 'cilium.io', version: 'v2', plural: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true, verbs: RW },
    { group: 'cilium.io', version: 'v2', plural: 'ciliumclusterwidenetworkpolicies', kind: 'CiliumClusterwideNetworkPolicy', namespaced: false, verbs: RW },
  ],
  calico: [
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'globalnetworkpolicies', kind: 'GlobalNetworkPolicy', namespaced: false, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'tiers', kind: 'Tier', namespaced: false, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'stagednetworkpolicies', kind: 'StagedNetworkPolicy', namespaced: true, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'stagedglobalnetworkpolicies', kind: 'StagedGlobalNetworkPolicy', namespaced: false, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'stagedkubernetesnetworkpolicies', kind: 'StagedKubernetesNetworkPolicy', namespaced: true, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'networksets', kind: 'NetworkSet', namespaced: true, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'globalnetworksets', kind: 'GlobalNetworkSet', namespaced: false, verbs: RW },
    { group: 'crd.projectcalico.org', version: 'v1', plural: 'hostendpoints', kind: 'HostEndpoint', namespaced: false, verbs: RW },
  ],
};

export type OptionalApi = keyof typeof OPTIONAL;

/** Store key of a resource: "pods", "apps/deployments", "cilium.io/ciliumnetworkpolicies". */
export const resourceKey = (r: { group: string; plural: string }): string => (r.group ? `${r.group}/${r.plural}` : r.plural);
export const apiVersionOf = (r: ServedResource): string => (r.group ? `${r.group}/${r.version}` : r.version);
