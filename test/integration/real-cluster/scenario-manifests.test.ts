// Runs without a cluster: the demo city must turn into manifests a real API server accepts and
// whose selectors pick the same pods the snapshot says they do.
import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import type { Snapshot } from '../../../main/model/types.js';
import { SCENARIO_LABEL, scenarioManifests, type Manifest } from './scenario-manifests.js';

type Template = { metadata: { labels: Record<string, string> }; spec: { hostNetwork?: boolean; containers: { ports?: { containerPort: number }[] }[] } };

function templateOf(m: Manifest): Template | undefined {
  const spec = m.spec as Record<string, any>;
  if (m.kind === 'CronJob') return spec.jobTemplate.spec.template;
  if (m.kind === 'Pod') return { metadata: m.metadata as Template['metadata'], spec: spec as Template['spec'] };
  return spec?.template;
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('scenarioManifests(demoSnapshot())', () => {
  const snap = demoSnapshot();
  const manifests = scenarioManifests(snap);

  it('writes one object per namespace, workload, service and policy, namespaces first', () => {
    const kinds = manifests.map((m) => m.kind);
    expect(kinds.filter((k) => k === 'Namespace')).toHaveLength(snap.namespaces.length);
    expect(kinds.filter((k) => k === 'Service')).toHaveLength(snap.services.length);
    const workloadKinds = new Set(snap.workloads.map((w) => w.kind));
    expect(manifests.filter((m) => workloadKinds.has(m.kind))).toHaveLength(snap.workloads.length);
    const lastNamespace = kinds.lastIndexOf('Namespace');
    expect(kinds.slice(0, lastNamespace + 1).every((k) => k === 'Namespace')).toBe(true);
    for (const p of snap.policies) {
      const m = manifests.find((x) => x.kind === (p.manifest.kind ?? p.kind) && x.metadata.name === p.name && x.metadata.namespace === p.namespace);
      expect(m, `${p.kind} ${p.namespace ?? ''}/${p.name}`).toBeDefined();
      expect(m!.spec).toEqual((p.manifest as { spec: unknown }).spec);
      expect(m!.apiVersion).toBe(p.apiVersion);
    }
  });

  it('labels every object with the scenario, and every pod template too', () => {
    for (const m of manifests) {
      expect(m.metadata.labels?.[SCENARIO_LABEL], `${m.kind} ${m.metadata.name}`).toBe(snap.id);
      const t = templateOf(m);
      if (t) expect(t.metadata.labels[SCENARIO_LABEL]).toBe(snap.id);
    }
  });

  it('gives each workload a selector that matches its template and the snapshot pods it stands for', () => {
    for (const w of snap.workloads) {
      const m = manifests.find((x) => x.kind === w.kind && x.metadata.name === w.name && x.metadata.namespace === w.namespace)!;
      const t = templateOf(m)!;
      const selector = (m.spec as { selector?: { matchLabels: Record<string, string> } }).selector?.matchLabels;
      if (selector) {
        expect(matches(selector, t.metadata.labels), `${w.kind} ${w.name}`).toBe(true);
        for (const p of snap.pods.filter((p) => p.owner?.name === w.name && p.namespace === w.namespace)) {
          expect(matches(selector, p.labels), `${w.name} selects ${p.name}`).toBe(true);
        }
      }
      // Controller-added labels would make the API server reject or mismatch the template.
      expect(t.metadata.labels['pod-template-hash']).toBeUndefined();
      expect(t.metadata.labels['statefulset.kubernetes.io/pod-name']).toBeUndefined();
      const pod = snap.pods.find((p) => p.owner?.name === w.name && p.namespace === w.namespace);
      if (pod) {
        expect(t.spec.containers[0].ports?.map((p) => p.containerPort) ?? []).toEqual(pod.ports.map((p) => p.containerPort));
        expect(t.spec.hostNetwork ?? false).toBe(pod.hostNetwork);
      }
    }
  });

  it('leaves cluster-assigned fields to the cluster', () => {
    for (const m of manifests) {
      const spec = (m.spec ?? {}) as Record<string, unknown>;
      expect(spec.clusterIP, m.metadata.name).toBeUndefined();
      expect(spec.clusterIPs, m.metadata.name).toBeUndefined();
      expect(m.status).toBeUndefined();
      expect(templateOf(m)?.spec ?? {}).not.toHaveProperty('nodeName');
    }
  });

  it('puts namespaced objects only in namespaces it creates', () => {
    const namespaces = new Set(manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name));
    for (const m of manifests.filter((x) => x.metadata.namespace)) {
      expect(namespaces.has(m.metadata.namespace!), `${m.kind} ${m.metadata.name} in ${m.metadata.namespace}`).toBe(true);
    }
  });

  it('skips workload kinds it cannot express instead of writing a broken object', () => {
    const odd: Snapshot = {
      ...snap,
      workloads: [{ namespace: 'shop', name: 'legacy', kind: 'ReplicationController', labels: {}, podLabels: { app: 'legacy' }, replicas: 1 }],
      services: [],
      policies: [],
    };
    expect(scenarioManifests(odd).filter((m) => m.kind !== 'Namespace')).toEqual([]);
  });
});
