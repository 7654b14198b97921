/**
 * Kubernetes objects -> the shared model, as `kubectl apply` would create them: namespaces, nodes,
 * pods, workloads (pods grouped under their top controller; a template stands for one
 * representative pod when none of its pods are given), services and every policy kind.
 */
import type {
  Labels,
  NamespaceInfo,
  NodeInfo,
  OwnerRef,
  PodInfo,
  PodPhase,
  PolicyKind,
  PolicyObject,
  ServiceInfo,
  ServicePort,
  WorkloadInfo,
} from '../model/types.js';
import { CALICO_CLUSTER_SCOPED, CALICO_MANIFEST_KINDS } from '../model/types.js';
import { policyKey } from '../model/ids.js';
import type { ManifestError, ManifestLocation, ManifestObject } from './parse.js';
import { containerPorts, controllerOf, protocolOf, serviceAccountOf } from '../model/k8s-fields.js';

export interface ManifestSet {
  namespaces: NamespaceInfo[];
  nodes: NodeInfo[];
  workloads: WorkloadInfo[];
  pods: PodInfo[];
  services: ServiceInfo[];
  policies: PolicyObject[];
  /** Documents that could not be used (bad YAML, unknown kinds, missing fields...). */
  errors: ManifestError[];
  /** Used, but worth a look (duplicates, namespaces defaulted...). */
  warnings: ManifestError[];
  /** Where each policy came from, by policyKey. */
  policySources: Record<string, ManifestLocation>;
  /** Files read, in order. */
  files: string[];
  /**
   * The objects that tell which CNI the folder installs (DaemonSets, Deployments, ConfigMaps, CRDs,
   * Nodes, tigera operator and Helm resources), as read: the road builder detector's input.
   */
  cniObjects: Record<string, unknown>[];
}

export interface ConvertOptions {
  /** Namespace for namespaced objects without one (kubectl's -n). Default "default". */
  defaultNamespace?: string;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController']);
/** Kinds kubectl would apply that say nothing about the network: skipped quietly. */
const IGNORED_KINDS = new Set([
  'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Ingress', 'IngressClass',
  'PersistentVolumeClaim', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'HorizontalPodAutoscaler',
  'PodDisruptionBudget', 'Endpoints', 'EndpointSlice', 'LimitRange', 'ResourceQuota', 'PriorityClass', 'PodTemplate',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'APIService', 'Lease', 'Event', 'CSIDriver', 'RuntimeClass', 'VolumeAttachment', 'Gateway', 'GatewayClass', 'HTTPRoute', 'GRPCRoute',
  'ReferenceGrant', 'CiliumIdentity', 'CiliumEndpoint', 'CiliumNode', 'CiliumLoadBalancerIPPool', 'CiliumCIDRGroup', 'IPPool',
  'FelixConfiguration', 'BGPConfiguration', 'BGPPeer', 'KubeControllersConfiguration',
]);
/** Read for the road builder only (see cniObjects). */
const CNI_INPUT_KINDS = new Set(['DaemonSet', 'Deployment', 'ConfigMap', 'CustomResourceDefinition', 'Node']);
/** Operator and Helm resources: nothing to analyse as traffic, but they name the CNI (Installation, HelmChartConfig...). */
const CNI_INPUT_GROUPS = new Set(['operator.tigera.io', 'helm.cattle.io', 'helm.toolkit.fluxcd.io']);

function policyKindOf(apiVersion: string, kind: string): PolicyKind | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'networking.k8s.io' && kind === 'NetworkPolicy') return 'NetworkPolicy';
  if (group === 'policy.networking.k8s.io' && (kind === 'AdminNetworkPolicy' || kind === 'BaselineAdminNetworkPolicy' || kind === 'ClusterNetworkPolicy'))
    return kind;
  if (group === 'cilium.io' && (kind === 'CiliumNetworkPolicy' || kind === 'CiliumClusterwideNetworkPolicy')) return kind;
  if (group === 'projectcalico.org' || group === 'crd.projectcalico.org') return CALICO_KIND_OF.get(kind);
  return undefined;
}
/** Calico kinds by manifest kind: policies, staged policies, tiers, network sets, host endpoints. */
const CALICO_KIND_OF = new Map(Object.entries(CALICO_MANIFEST_KINDS).map(([pk, k]) => [k, pk as PolicyKind]));
const CLUSTER_SCOPED: ReadonlySet<PolicyKind> = new Set<PolicyKind>([
  'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy', 'CiliumClusterwideNetworkPolicy', ...CALICO_CLUSTER_SCOPED,
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function labelsOf(v: unknown): Labels {
  const out: Labels = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}



function templateOf(kind: string, spec: Obj): Obj | undefined {
  if (kind === 'CronJob') return obj(obj(obj(spec.jobTemplate).spec).template);
  return isObj(spec.template) ? spec.template : undefined;
}


const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/** Converts parsed objects; parse errors are passed in so one result holds them all. */
export function convertObjects(objects: ManifestObject[], opts: ConvertOptions = {}, parseErrors: ManifestError[] = [], files: string[] = []): ManifestSet {
  const defaultNs = opts.defaultNamespace ?? 'default';
  const errors: ManifestError[] = [...parseErrors];
  const warnings: ManifestError[] = [];
  const nsLabels = new Map<string, Labels>();
  const nodes = new Map<string, NodeInfo>();
  const pods = new Map<string, PodInfo & { ref?: OwnerRef }>();
  const workloadObjs = new Map<string, { kind: string; ns: string; name: string; meta: Obj; spec: Obj; at: ManifestLocation }>();
  const services = new Map<string, { o: Obj; ns: string; name: string }>();
  const policies = new Map<string, PolicyObject>();
  const policySources: Record<string, ManifestLocation> = {};
  const seen = new Map<string, ManifestLocation>();
  const usedNs = new Set<string>();
  const cniObjects: Obj[] = [];

  for (const m of objects) {
    const o = m.obj;
    const at: ManifestLocation = { file: m.file, document: m.document, ...(m.item !== undefined ? { item: m.item } : {}) };
    const kind = o.kind;
    const apiVersion = o.apiVersion;
    const meta = obj(o.metadata);
    const name = meta.name;
    if (typeof kind !== 'string' || !kind || typeof apiVersion !== 'string' || !apiVersion) {
      errors.push({ ...at, ...(typeof kind === 'string' && kind ? { kind } : {}), message: `missing ${typeof kind !== 'string' || !kind ? 'kind' : 'apiVersion'}: not a Kubernetes object` });
      continue;
    }
    if (typeof name !== 'string' || !name) {
      errors.push({ ...at, kind, message: 'missing metadata.name (generateName is not supported offline)' });
      continue;
    }
    const badRef = arr(meta.ownerReferences).findIndex((r) => typeof obj(r).kind !== 'string' || !obj(r).kind || typeof obj(r).name !== 'string');
    if (badRef >= 0) {
      const field = typeof obj(arr(meta.ownerReferences)[badRef]).kind !== 'string' ? 'kind' : 'name';
      errors.push({ ...at, kind, name, message: `metadata.ownerReferences[${badRef}].${field} is missing: the API server would refuse this object; add the owner's ${field} and run again` });
      continue;
    }
    if (CNI_INPUT_GROUPS.has(apiVersion.slice(0, Math.max(0, apiVersion.indexOf('/'))))) {
      cniObjects.push(o);
      continue;
    }
    const pk = policyKindOf(apiVersion, kind);
    const clusterScoped = kind === 'Namespace' || kind === 'Node' || (pk !== undefined && CLUSTER_SCOPED.has(pk));
    const ns = clusterScoped ? undefined : typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNs;
    if (ns) usedNs.add(ns);
    const id = `${pk ?? kind}/${ns ?? ''}/${name}`;
    const prev = seen.get(id);
    if (prev) warnings.push({ ...at, kind, name, message: `also defined in ${prev.file} document ${prev.document}; this later one is used` });
    seen.set(id, at);
    const spec = obj(o.spec);
    if (CNI_INPUT_KINDS.has(kind)) cniObjects.push(o);

    if (pk) {
      const manifest = structuredClone(o) as Obj;
      const mm = obj(manifest.metadata);
      delete mm.managedFields;
      if (ns) mm.namespace = ns;
      manifest.metadata = mm;
      const key = policyKey(pk, name, ns);
      policies.set(key, { kind: pk, apiVersion, ...(ns ? { namespace: ns } : {}), name, manifest });
      policySources[key] = at;
      continue;
    }
    switch (kind) {
      case 'Namespace':
        nsLabels.set(name, { ...labelsOf(meta.labels), 'kubernetes.io/metadata.name': name });
        break;
      case 'Node':
        nodes.set(name, {
          name,
          labels: labelsOf(meta.labels),
          addresses: arr(obj(o.status).addresses)
            .map(obj)
            .filter((a) => typeof a.address === 'string')
            .map((a) => ({ type: String(a.type ?? 'InternalIP'), address: String(a.address) })),
          podCIDRs: Array.isArray(spec.podCIDRs) ? spec.podCIDRs.map(String) : typeof spec.podCIDR === 'string' ? [spec.podCIDR] : [],
        });
        break;
      case 'Pod': {
        const status = obj(o.status);
        const ips = arr(status.podIPs)
          .map((x) => obj(x).ip)
          .filter((x): x is string => typeof x === 'string');
        if (ips.length === 0 && typeof status.podIP === 'string') ips.push(status.podIP);
        // A host-network pod's addresses are its node's: status.hostIPs / hostIP when podIPs are absent.
        if (ips.length === 0 && spec.hostNetwork === true) {
          for (const x of arr(status.hostIPs)) if (typeof obj(x).ip === 'string') ips.push(obj(x).ip as string);
          if (ips.length === 0 && typeof status.hostIP === 'string') ips.push(status.hostIP);
        }
        const phase = typeof status.phase === 'string' && PHASES.has(status.phase) ? (status.phase as PodPhase) : 'Unknown';
        pods.set(`${ns}/${name}`, {
          namespace: ns!,
          name,
          labels: labelsOf(meta.labels),
          ips,
          ...(typeof spec.nodeName === 'string' ? { node: spec.nodeName } : {}),
          phase,
          hostNetwork: spec.hostNetwork === true,
          ports: containerPorts(spec),
          serviceAccount: serviceAccountOf(spec),
          ref: controllerOf(meta),
        });
        break;
      }
      case 'Service':
        services.set(`${ns}/${name}`, { o, ns: ns!, name });
        break;
      default:
        if (WORKLOAD_KINDS.has(kind)) {
          if (!templateOf(kind, spec)) {
            errors.push({ ...at, kind, name, message: `no pod template (spec.${kind === 'CronJob' ? 'jobTemplate.spec.template' : 'template'}): workload skipped` });
            break;
          }
          workloadObjs.set(`${ns}/${kind}/${name}`, { kind, ns: ns!, name, meta, spec, at });
        } else if (!IGNORED_KINDS.has(kind))
          errors.push({ ...at, kind, name, message: `unknown kind ${kind} (${apiVersion}): not analysed; remove it or check the apiVersion` });
    }
  }

  // Walk owners up through the objects we have: Deployment over ReplicaSet, CronJob over Job.
  const topOf = (ns: string, ref: OwnerRef): OwnerRef => {
    let cur = ref;
    for (let i = 0; i < 5; i++) {
      const w = workloadObjs.get(`${ns}/${cur.kind}/${cur.name}`);
      const up = w && controllerOf(w.meta);
      if (!up || !workloadObjs.has(`${ns}/${up.kind}/${up.name}`)) break;
      cur = up;
    }
    return cur;
  };
  const outPods: PodInfo[] = [];
  const podsOf = new Map<string, number>();
  const bareWorkloads: WorkloadInfo[] = [];
  const bareKeys = new Set<string>();
  for (const p of pods.values()) {
    const { ref, ...pod } = p;
    if (ref) {
      pod.owner = topOf(pod.namespace, ref);
      const k = `${pod.namespace}/${pod.owner.kind}/${pod.owner.name}`;
      podsOf.set(k, (podsOf.get(k) ?? 0) + 1);
      if (!workloadObjs.has(k) && !bareKeys.has(k)) {
        bareKeys.add(k);
        bareWorkloads.push({ namespace: pod.namespace, name: pod.owner.name, kind: pod.owner.kind, labels: {}, podLabels: pod.labels });
      }
    } else bareWorkloads.push({ namespace: pod.namespace, name: pod.name, kind: 'Pod', labels: pod.labels, podLabels: pod.labels });
    outPods.push(pod);
  }
  const workloads: WorkloadInfo[] = [...bareWorkloads];
  for (const [k, w] of workloadObjs) {
    const up = controllerOf(w.meta);
    if (up && workloadObjs.has(`${w.ns}/${up.kind}/${up.name}`)) continue; // not top-level
    const tpl = templateOf(w.kind, w.spec)!;
    const tplMeta = obj(tpl.metadata);
    const tplSpec = obj(tpl.spec);
    const podLabels = labelsOf(tplMeta.labels);
    workloads.push({
      namespace: w.ns,
      name: w.name,
      kind: w.kind,
      labels: labelsOf(w.meta.labels),
      podLabels,
      ...(typeof w.spec.replicas === 'number' ? { replicas: w.spec.replicas } : {}),
    });
    if (!podsOf.has(k)) {
      // No pod of it given: its template stands for one representative pod.
      outPods.push({
        namespace: w.ns,
        name: `${w.name}-template`,
        labels: podLabels,
        ips: [],
        phase: 'Unknown',
        hostNetwork: tplSpec.hostNetwork === true,
        owner: { kind: w.kind, name: w.name },
        ports: containerPorts(tplSpec),
        serviceAccount: serviceAccountOf(tplSpec),
        representative: true,
      });
    }
  }

  const outServices: ServiceInfo[] = [];
  const podsByNs = new Map<string, PodInfo[]>();
  for (const p of outPods) {
    const list = podsByNs.get(p.namespace);
    if (list) list.push(p);
    else podsByNs.set(p.namespace, [p]);
  }
  for (const { o, ns, name } of services.values()) {
    const spec = obj(o.spec);
    const selector = isObj(spec.selector) ? labelsOf(spec.selector) : undefined;
    const clusterIPs = (Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(String) : typeof spec.clusterIP === 'string' ? [spec.clusterIP] : []).filter(
      (ip) => ip && ip !== 'None',
    );
    const ports: ServicePort[] = arr(spec.ports)
      .map(obj)
      .filter((p) => typeof p.port === 'number')
      .map((p) => ({
        ...(typeof p.name === 'string' ? { name: p.name } : {}),
        port: p.port as number,
        targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : (p.port as number),
        protocol: protocolOf(p.protocol),
        ...(typeof p.nodePort === 'number' ? { nodePort: p.nodePort } : {}),
      }));
    const backends =
      selector && Object.keys(selector).length
        ? (podsByNs.get(ns) ?? []).filter((p) => p.ips.length > 0 && Object.entries(selector).every(([k, v]) => p.labels[k] === v))
        : [];
    outServices.push({
      namespace: ns,
      name,
      type: typeof spec.type === 'string' ? spec.type : 'ClusterIP',
      clusterIPs,
      ...(typeof spec.externalName === 'string' ? { externalName: spec.externalName } : {}),
      ports,
      ...(selector ? { selector } : {}),
      endpoints: backends.map((p) => ({ ip: p.ips[0], pod: `${p.namespace}/${p.name}`, ...(p.node ? { node: p.node } : {}), ready: p.phase === 'Running' })),
    });
  }

  for (const ns of usedNs) if (!nsLabels.has(ns)) nsLabels.set(ns, { 'kubernetes.io/metadata.name': ns });
  const namespaces = [...nsLabels.entries()].map(([name, labels]) => ({ name, labels })).sort((a, b) => (a.name < b.name ? -1 : 1));
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.document - b.document || (a.item ?? 0) - (b.item ?? 0)));
  return {
    namespaces,
    nodes: [...nodes.values()],
    workloads,
    pods: outPods,
    services: outServices,
    policies: [...policies.values()],
    errors,
    warnings,
    policySources,
    files,
    cniObjects,
  };
}
