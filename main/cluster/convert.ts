/** Pure conversion of Kubernetes API objects (plain JSON) into the snapshot model. */
import type {
  ContainerPort,
  Labels,
  NamespaceInfo,
  NodeInfo,
  OwnerRef,
  PodInfo,
  PodPhase,
  PolicyKind,
  PolicyObject,
  ServiceEndpoint,
  ServiceInfo,
  WorkloadInfo,
} from '../model/types.js';
import { containerPorts as portsOfPodSpec, protocolOf, serviceAccountOf } from '../model/k8s-fields.js';

type Obj = Record<string, any>;

const labelsOf = (o: Obj): Labels => ({ ...(o?.metadata?.labels ?? {}) });
const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed']);

export function toNamespace(o: Obj): NamespaceInfo {
  return { name: o.metadata.name, labels: labelsOf(o) };
}

export function toNode(o: Obj): NodeInfo {
  const spec = o.spec ?? {};
  const podCIDRs: string[] = spec.podCIDRs?.length ? [...spec.podCIDRs] : spec.podCIDR ? [spec.podCIDR] : [];
  const ready = (o.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
  return {
    name: o.metadata.name,
    labels: labelsOf(o),
    addresses: (o.status?.addresses ?? []).map((a: Obj) => ({ type: String(a.type), address: String(a.address) })),
    podCIDRs,
    ready: ready ? ready.status === 'True' : undefined,
  };
}

/**
 * Walks a direct owner up to the top controller. `lookup` returns the owner of a ReplicaSet or
 * Job when that object is known; when it is not (not permitted, not yet listed) the naming
 * conventions decide: a ReplicaSet named <deploy>-<pod-template-hash> belongs to <deploy>, a Job
 * named <cronjob>-<scheduled minutes> to <cronjob>.
 */
export function topOwner(
  direct: OwnerRef | undefined,
  podLabels: Labels,
  lookup: (kind: string, name: string) => OwnerRef | null | undefined,
): OwnerRef | undefined {
  let current = direct;
  for (let depth = 0; current && depth < 5; depth++) {
    const up = lookup(current.kind, current.name);
    if (up === undefined) {
      // Unknown object: infer from the name.
      if (current.kind === 'ReplicaSet') {
        const hash = podLabels['pod-template-hash'];
        if (hash && current.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: current.name.slice(0, -hash.length - 1) };
      }
      if (current.kind === 'Job') {
        const m = current.name.match(/^(.+)-\d{8,10}$/);
        if (m) return { kind: 'CronJob', name: m[1] };
      }
      return current;
    }
    if (up === null) return current; // known object without an owner: it is the top
    current = up;
  }
  return current;
}

/** Declared ports of a pod spec (shared with the manifests reader). */
export const containerPorts = (spec: Obj): ContainerPort[] => portsOfPodSpec(spec);

export function toPod(o: Obj, owner: OwnerRef | undefined): PodInfo {
  const status = o.status ?? {};
  const ips: string[] = (status.podIPs ?? []).map((x: Obj) => String(x.ip)).filter(Boolean);
  if (ips.length === 0 && status.podIP) ips.push(String(status.podIP));
  const pod: PodInfo = {
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    labels: labelsOf(o),
    ips,
    node: o.spec?.nodeName || undefined,
    phase: (PHASES.has(status.phase) ? status.phase : 'Unknown') as PodPhase,
    hostNetwork: o.spec?.hostNetwork === true,
    ports: containerPorts(o.spec),
    serviceAccount: serviceAccountOf(o.spec),
  };
  if (owner) pod.owner = owner;
  return pod;
}

/** A top-level controller object (Deployment, StatefulSet, DaemonSet, CronJob, owner-less Job/ReplicaSet). */
export function toWorkload(kind: string, o: Obj): WorkloadInfo {
  const template = kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
  const w: WorkloadInfo = {
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    kind,
    labels: labelsOf(o),
    podLabels: { ...(template?.metadata?.labels ?? {}) },
  };
  const replicas = kind === 'DaemonSet' ? o.status?.desiredNumberScheduled : o.spec?.replicas;
  if (typeof replicas === 'number') w.replicas = replicas;
  return w;
}

/** A service without its endpoints (they come from EndpointSlices). */
export function toService(o: Obj): Omit<ServiceInfo, 'endpoints'> {
  const spec = o.spec ?? {};
  const clusterIPs: string[] = spec.clusterIPs?.length
    ? spec.clusterIPs.filter((ip: string) => ip && ip !== 'None')
    : spec.clusterIP && spec.clusterIP !== 'None'
      ? [spec.clusterIP]
      : [];
  const s: Omit<ServiceInfo, 'endpoints'> = {
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    type: spec.type ?? 'ClusterIP',
    clusterIPs,
    ports: (spec.ports ?? []).map((p: Obj) => ({
      ...(p.name ? { name: String(p.name) } : {}),
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol: protocolOf(p.protocol),
      ...(typeof p.nodePort === 'number' ? { nodePort: p.nodePort } : {}),
    })),
  };
  if (spec.selector && Object.keys(spec.selector).length) s.selector = { ...spec.selector };
  if (spec.externalName) s.externalName = spec.externalName;
  return s;
}

export interface SliceInfo {
  service?: string;
  endpoints: ServiceEndpoint[];
}

export function toEndpointSlice(o: Obj): SliceInfo {
  const endpoints: ServiceEndpoint[] = [];
  for (const ep of o.endpoints ?? []) {
    const ref = ep.targetRef?.kind === 'Pod' ? `${ep.targetRef.namespace ?? o.metadata.namespace}/${ep.targetRef.name}` : undefined;
    for (const ip of ep.addresses ?? []) {
      endpoints.push({
        ip: String(ip),
        ...(ref ? { pod: ref } : {}),
        ...(ep.nodeName ? { node: ep.nodeName } : {}),
        ready: ep.conditions?.ready !== false,
      });
    }
  }
  return { service: o.metadata?.labels?.['kubernetes.io/service-name'], endpoints };
}

/** The policy as found, its manifest kept without managedFields or status noise. */
export function toPolicy(kind: PolicyKind, o: Obj): PolicyObject {
  const meta: Obj = { ...o.metadata };
  for (const k of ['managedFields', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink']) delete meta[k];
  if (meta.annotations) {
    meta.annotations = { ...meta.annotations };
    delete meta.annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  const manifest: Obj = { apiVersion: o.apiVersion, kind: o.kind, metadata: meta };
  for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) manifest[k] = o[k];
  const p: PolicyObject = { kind, apiVersion: o.apiVersion, name: o.metadata.name, manifest };
  if (o.metadata.namespace) p.namespace = o.metadata.namespace;
  return p;
}
