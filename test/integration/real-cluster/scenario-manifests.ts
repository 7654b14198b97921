/**
 * Turns a Snapshot (the demo city) into Kubernetes manifests, so the same city the app draws
 * offline can be created in a real cluster and read back through the app's own inventory.
 * Only what a cluster keeps as desired state is written: namespaces, workloads with their pod
 * templates, services and policies. Pods, IPs, endpoints and node names come from the cluster
 * (the scheduler, kwok, the EndpointSlice controller), never from the snapshot.
 */
import type { PodInfo, Snapshot, WorkloadInfo } from '../../../main/model/types.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Marks every object the suite creates, so cleanup and assertions can find exactly those. */
export const SCENARIO_LABEL = 'netcity.test/scenario';

/** Labels the API server adds by itself; writing them again is harmless but noisy. */
const SERVER_LABELS = new Set(['kubernetes.io/metadata.name']);
/** Labels controllers add to pods, which a pod template must not carry. */
const CONTROLLER_POD_LABELS = new Set(['pod-template-hash', 'statefulset.kubernetes.io/pod-name', 'controller-revision-hash']);

function podsOf(snapshot: Snapshot, w: WorkloadInfo): PodInfo[] {
  return snapshot.pods.filter((p) => p.namespace === w.namespace && p.owner?.kind === w.kind && p.owner.name === w.name);
}

function podTemplate(w: WorkloadInfo, sample: PodInfo | undefined, scenario: string) {
  const labels = Object.fromEntries(Object.entries(w.podLabels).filter(([k]) => !CONTROLLER_POD_LABELS.has(k)));
  const ports = (sample?.ports ?? []).map((p) => ({
    containerPort: p.containerPort,
    protocol: p.protocol,
    ...(p.name ? { name: p.name } : {}),
  }));
  return {
    metadata: { labels: { ...labels, [SCENARIO_LABEL]: scenario } },
    spec: {
      ...(sample?.hostNetwork ? { hostNetwork: true } : {}),
      // kwok never pulls or runs the image; the name only has to be valid.
      containers: [{ name: 'main', image: `registry.invalid/netcity/${w.name}:demo`, ...(ports.length ? { ports } : {}) }],
      terminationGracePeriodSeconds: 0,
    },
  };
}

function selectorLabels(w: WorkloadInfo): Record<string, string> {
  return Object.fromEntries(Object.entries(w.podLabels).filter(([k]) => !CONTROLLER_POD_LABELS.has(k)));
}

function workloadManifest(snapshot: Snapshot, w: WorkloadInfo, scenario: string): Manifest | undefined {
  const sample = podsOf(snapshot, w)[0];
  const metadata = { name: w.name, namespace: w.namespace, labels: { ...w.labels, [SCENARIO_LABEL]: scenario } };
  const template = podTemplate(w, sample, scenario);
  const selector = { matchLabels: selectorLabels(w) };
  switch (w.kind) {
    case 'Deployment':
      return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: w.replicas ?? 1, selector, template } };
    case 'StatefulSet':
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata,
        spec: { replicas: w.replicas ?? 1, serviceName: w.name, selector, template, podManagementPolicy: 'Parallel' },
      };
    case 'DaemonSet':
      return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector, template } };
    case 'ReplicaSet':
      return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata, spec: { replicas: w.replicas ?? 1, selector, template } };
    case 'Job':
      return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: { template: withRestart(template, 'Never') } };
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata,
        // Nightly: no run starts during a test; the CronJob itself is what the inventory reads.
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: withRestart(template, 'OnFailure') } } },
      };
    case 'Pod':
      return { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, labels: template.metadata.labels }, spec: template.spec };
    default:
      return undefined; // ReplicationController and unknown kinds: not part of any scenario yet.
  }
}

function withRestart<T extends { spec: Record<string, unknown> }>(template: T, restartPolicy: string): T {
  return { ...template, spec: { ...template.spec, restartPolicy } };
}

/** Manifests for a snapshot, in apply order: namespaces, workloads, services, policies. */
export function scenarioManifests(snapshot: Snapshot, scenario = snapshot.id): Manifest[] {
  const out: Manifest[] = [];
  for (const n of snapshot.namespaces) {
    const labels = Object.fromEntries(Object.entries(n.labels).filter(([k]) => !SERVER_LABELS.has(k)));
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels: { ...labels, [SCENARIO_LABEL]: scenario } } });
  }
  for (const w of snapshot.workloads) {
    const m = workloadManifest(snapshot, w, scenario);
    if (m) out.push(m);
  }
  for (const s of snapshot.services) {
    const ports = s.ports.map((p) => ({
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
      ...(p.name ? { name: p.name } : {}),
    }));
    const spec: Record<string, unknown> =
      s.type === 'ExternalName'
        ? { type: 'ExternalName', externalName: s.externalName }
        : // Cluster IPs are left to the API server: the snapshot's may lie outside its service range.
          { type: s.type, ports, ...(s.selector ? { selector: s.selector } : {}) };
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.namespace, labels: { [SCENARIO_LABEL]: scenario } },
      spec,
    });
  }
  for (const p of snapshot.policies) {
    const manifest = p.manifest as { metadata?: Record<string, unknown>; spec?: unknown; specs?: unknown };
    const metadata = (manifest.metadata ?? {}) as Manifest['metadata'];
    out.push({
      apiVersion: p.apiVersion,
      kind: (p.manifest.kind as string | undefined) ?? p.kind,
      metadata: {
        name: p.name,
        ...(p.namespace ? { namespace: p.namespace } : {}),
        labels: { ...(metadata.labels ?? {}), [SCENARIO_LABEL]: scenario },
        ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
      },
      ...(manifest.spec !== undefined ? { spec: manifest.spec } : {}),
      ...(manifest.specs !== undefined ? { specs: manifest.specs } : {}),
    });
  }
  return out;
}
