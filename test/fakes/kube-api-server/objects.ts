/** Turns a Snapshot (the generator's output) into the API objects a real cluster would hold. */
import type { PodInfo, Snapshot, WorkloadInfo } from '../../../main/model/types.js';

type Obj = Record<string, any>;

export interface SeedObject {
  /** Store key (see resources.ts): "pods", "apps/deployments"... */
  resource: string;
  object: Obj;
}

const hashOf = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36).padStart(7, '0').slice(0, 7);
};

const ownerRef = (apiVersion: string, kind: string, name: string): Obj => ({
  apiVersion,
  kind,
  name,
  uid: `uid-${kind}-${name}`,
  controller: true,
  blockOwnerDeletion: true,
});

const POD_ONLY = ['pod-template-hash', 'statefulset.kubernetes.io/pod-name'];

/** The pod manifest for a model pod; `direct` is the controller that owns it (RS for a Deployment). */
export function podObject(p: PodInfo, direct?: { apiVersion: string; kind: string; name: string }): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { ...p.labels },
      ...(direct ? { ownerReferences: [ownerRef(direct.apiVersion, direct.kind, direct.name)] } : {}),
    },
    spec: {
      nodeName: p.node,
      hostNetwork: p.hostNetwork || undefined,
      ...(p.serviceAccount && p.serviceAccount !== 'default' ? { serviceAccountName: p.serviceAccount } : {}),
      containers: [
        {
          name: 'main',
          image: 'registry.invalid/app:1',
          ports: p.ports.map((c) => ({ ...(c.name ? { name: c.name } : {}), containerPort: c.containerPort, protocol: c.protocol })),
        },
      ],
    },
    status: {
      phase: p.phase,
      ...(p.ips.length ? { podIP: p.ips[0], podIPs: p.ips.map((ip) => ({ ip })) } : {}),
    },
  };
}

function workloadObjects(w: WorkloadInfo, pods: PodInfo[]): { objects: SeedObject[]; directOf: (p: PodInfo) => { apiVersion: string; kind: string; name: string } | undefined } {
  const podLabels = { ...w.podLabels };
  for (const l of POD_ONLY) delete podLabels[l];
  const template = { metadata: { labels: podLabels }, spec: { containers: [{ name: 'main', image: 'registry.invalid/app:1' }] } };
  const meta = { name: w.name, namespace: w.namespace, labels: { ...w.labels } };
  const selector = { matchLabels: podLabels };
  const objects: SeedObject[] = [];
  switch (w.kind) {
    case 'Deployment': {
      const hash = pods[0]?.labels['pod-template-hash'] ?? hashOf(`${w.namespace}/${w.name}`);
      const rsName = `${w.name}-${hash}`;
      objects.push({ resource: 'apps/deployments', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { replicas: w.replicas ?? pods.length, selector, template } } });
      objects.push({
        resource: 'apps/replicasets',
        object: {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: rsName, namespace: w.namespace, labels: { ...podLabels, 'pod-template-hash': hash }, ownerReferences: [ownerRef('apps/v1', 'Deployment', w.name)] },
          spec: { replicas: w.replicas ?? pods.length, selector, template },
        },
      });
      return { objects, directOf: () => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName }) };
    }
    case 'StatefulSet':
    case 'DaemonSet': {
      const plural = w.kind === 'StatefulSet' ? 'statefulsets' : 'daemonsets';
      const spec: Obj = { selector, template };
      if (w.kind === 'StatefulSet') spec.replicas = w.replicas ?? pods.length;
      objects.push({
        resource: `apps/${plural}`,
        object: { apiVersion: 'apps/v1', kind: w.kind, metadata: meta, spec, status: w.kind === 'DaemonSet' ? { desiredNumberScheduled: w.replicas ?? pods.length } : {} },
      });
      return { objects, directOf: () => ({ apiVersion: 'apps/v1', kind: w.kind, name: w.name }) };
    }
    case 'Job':
      objects.push({ resource: 'batch/jobs', object: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { template } } });
      return { objects, directOf: () => ({ apiVersion: 'batch/v1', kind: 'Job', name: w.name }) };
    case 'CronJob': {
      objects.push({ resource: 'batch/cronjobs', object: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } } });
      const jobs = new Set<string>();
      const jobOf = (p: PodInfo): string => p.name.replace(/-[a-z0-9]+$/, '');
      for (const p of pods) {
        const job = jobOf(p);
        if (jobs.has(job)) continue;
        jobs.add(job);
        objects.push({
          resource: 'batch/jobs',
          object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: job, namespace: w.namespace, ownerReferences: [ownerRef('batch/v1', 'CronJob', w.name)] }, spec: { template } },
        });
      }
      return { objects, directOf: (p) => ({ apiVersion: 'batch/v1', kind: 'Job', name: jobOf(p) }) };
    }
    default:
      return { objects, directOf: () => undefined };
  }
}

/** Every API object of a snapshot: namespaces, nodes, controllers, pods, services with EndpointSlices, policies. */
export function objectsFromSnapshot(s: Snapshot): SeedObject[] {
  const out: SeedObject[] = [];
  for (const n of s.namespaces) out.push({ resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels: { ...n.labels } } } });
  for (const n of s.nodes)
    out.push({
      resource: 'nodes',
      object: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n.name, labels: { ...n.labels } },
        spec: { podCIDR: n.podCIDRs[0], podCIDRs: [...n.podCIDRs] },
        status: { addresses: n.addresses.map((a) => ({ ...a })), conditions: [{ type: 'Ready', status: n.ready === false ? 'False' : 'True' }] },
      },
    });
  const podsByOwner = new Map<string, PodInfo[]>();
  for (const p of s.pods) {
    const k = `${p.namespace}/${p.owner?.kind ?? 'Pod'}/${p.owner?.name ?? p.name}`;
    const list = podsByOwner.get(k);
    if (list) list.push(p);
    else podsByOwner.set(k, [p]);
  }
  const directByPod = new Map<string, { apiVersion: string; kind: string; name: string } | undefined>();
  for (const w of s.workloads) {
    const pods = podsByOwner.get(`${w.namespace}/${w.kind}/${w.name}`) ?? [];
    const { objects, directOf } = workloadObjects(w, pods);
    out.push(...objects);
    for (const p of pods) directByPod.set(`${p.namespace}/${p.name}`, directOf(p));
  }
  for (const p of s.pods) out.push({ resource: 'pods', object: podObject(p, directByPod.get(`${p.namespace}/${p.name}`)) });
  for (const svc of s.services) {
    out.push({
      resource: 'services',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: svc.name, namespace: svc.namespace },
        spec: {
          type: svc.type,
          ...(svc.clusterIPs.length ? { clusterIP: svc.clusterIPs[0], clusterIPs: [...svc.clusterIPs] } : {}),
          ...(svc.selector ? { selector: { ...svc.selector } } : {}),
          ...(svc.externalName ? { externalName: svc.externalName } : {}),
          ports: svc.ports.map((p) => ({ ...p })),
        },
      },
    });
    if (svc.endpoints.length) {
      out.push({
        resource: 'discovery.k8s.io/endpointslices',
        object: {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: `${svc.name}-${hashOf(svc.name).slice(0, 5)}`, namespace: svc.namespace, labels: { 'kubernetes.io/service-name': svc.name } },
          addressType: svc.endpoints[0].ip.includes(':') ? 'IPv6' : 'IPv4',
          endpoints: svc.endpoints.map((e) => ({
            addresses: [e.ip],
            conditions: { ready: e.ready },
            ...(e.node ? { nodeName: e.node } : {}),
            ...(e.pod ? { targetRef: { kind: 'Pod', namespace: e.pod.split('/')[0], name: e.pod.split('/')[1] } } : {}),
          })),
          ports: svc.ports.map((p) => ({ name: p.name ?? '', port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol })),
        },
      });
    }
  }
  const POLICY_RESOURCES: Record<string, string> = {
    NetworkPolicy: 'networking.k8s.io/networkpolicies',
    AdminNetworkPolicy: 'policy.networking.k8s.io/adminnetworkpolicies',
    BaselineAdminNetworkPolicy: 'policy.networking.k8s.io/baselineadminnetworkpolicies',
    ClusterNetworkPolicy: 'policy.networking.k8s.io/clusternetworkpolicies',
    CiliumNetworkPolicy: 'cilium.io/ciliumnetworkpolicies',
    CiliumClusterwideNetworkPolicy: 'cilium.io/ciliumclusterwidenetworkpolicies',
    CalicoNetworkPolicy: 'crd.projectcalico.org/networkpolicies',
    CalicoGlobalNetworkPolicy: 'crd.projectcalico.org/globalnetworkpolicies',
    CalicoTier: 'crd.projectcalico.org/tiers',
    CalicoStagedNetworkPolicy: 'crd.projectcalico.org/stagednetworkpolicies',
    CalicoStagedGlobalNetworkPolicy: 'crd.projectcalico.org/stagedglobalnetworkpolicies',
    CalicoStagedKubernetesNetworkPolicy: 'crd.projectcalico.org/stagedkubernetesnetworkpolicies',
    CalicoNetworkSet: 'crd.projectcalico.org/networksets',
    CalicoGlobalNetworkSet: 'crd.projectcalico.org/globalnetworksets',
    CalicoHostEndpoint: 'crd.projectcalico.org/hostendpoints',
  };
  for (const p of s.policies) out.push({ resource: POLICY_RESOURCES[p.kind], object: structuredClone(p.manifest) as Obj });
  return out;
}
