import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { formatManifestError, loadManifests, manifestsToSnapshot, parseManifestText } from '../../../main/manifests/index.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('parseManifestText', () => {
  it('splits multi-document YAML and skips empty documents', () => {
    const r = parseManifestText('kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n---\n---\nkind: Namespace\napiVersion: v1\nmetadata: {name: b}\n', 'f.yaml');
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => [o.document, (o.obj.metadata as { name: string }).name])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
  });

  it('expands List kinds item by item', () => {
    const r = parseManifestText(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ kind: 'Pod' }, 7] }), 'l.json');
    expect(r.objects).toHaveLength(1);
    expect(r.objects[0].item).toBe(1);
    expect(r.errors).toEqual([{ file: 'l.json', document: 1, item: 2, message: 'list item is not an object' }]);
  });

  it('names file and document for broken YAML and keeps the good documents', () => {
    const r = parseManifestText('kind: A\n---\nfoo: [1, 2\n---\nkind: B\n', 'x.yaml');
    expect(r.objects.map((o) => o.obj.kind)).toEqual(['A', 'B']);
    expect(r.errors).toHaveLength(1);
    expect(formatManifestError(r.errors[0])).toMatch(/^x\.yaml: document 2: not valid YAML\/JSON/);
  });

  it('rejects documents that are not objects', () => {
    const r = parseManifestText('- a\n- b\n', 'list.yaml');
    expect(r.errors[0].message).toMatch(/found a list/);
  });
});

describe('loadManifests', () => {
  it('reads a folder recursively like kubectl apply -R', async () => {
    const m = await loadManifests([join(FIX, 'shop')]);
    expect(m.errors).toEqual([]);
    expect(m.files.map((f) => f.slice(FIX.length))).toEqual([
      'shop/apps/batch.yml',
      'shop/apps/frontend.yaml',
      'shop/apps/nested/cart.json',
      'shop/namespaces.yaml',
      'shop/policies/netpol.yaml',
    ]);
    expect(m.namespaces.map((n) => n.name)).toEqual(['default', 'monitoring', 'shop']);
    expect(m.namespaces.find((n) => n.name === 'shop')!.labels).toEqual({ team: 'retail', 'kubernetes.io/metadata.name': 'shop' });

    const pod = (name: string) => m.pods.find((p) => p.name === name)!;
    // A pod of a ReplicaSet whose Deployment is given belongs to the Deployment.
    expect(pod('cart-5d8f-abcde').owner).toEqual({ kind: 'Deployment', name: 'cart' });
    expect(pod('cart-5d8f-abcde').ips).toEqual(['10.0.0.7']);
    expect(pod('cart-5d8f-abcde').phase).toBe('Running');
    // A ReplicaSet named only in ownerReferences stays a ReplicaSet.
    expect(pod('orphan-rs-pod').owner).toEqual({ kind: 'ReplicaSet', name: 'legacy-77f' });
    // No namespace: default.
    expect(pod('debug').namespace).toBe('default');
    expect(pod('debug').owner).toBeUndefined();
    // Templates without pods stand for one representative pod; CronJob through its jobTemplate.
    expect(pod('frontend-template')).toMatchObject({ representative: true, owner: { kind: 'Deployment', name: 'frontend' }, labels: { app: 'frontend', tier: 'web' } });
    expect(pod('frontend-template').ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(pod('report-template').owner).toEqual({ kind: 'CronJob', name: 'report' });
    // The Deployment has a pod: no representative, and its ReplicaSet is not a workload of its own.
    expect(m.pods.some((p) => p.name === 'cart-template')).toBe(false);
    expect(m.workloads.map((w) => `${w.kind}/${w.name}`).sort()).toEqual([
      'CronJob/report',
      'Deployment/cart',
      'Deployment/frontend',
      'Pod/debug',
      'ReplicaSet/legacy-77f',
    ]);
    expect(m.services).toEqual([
      expect.objectContaining({ namespace: 'shop', name: 'frontend', type: 'ClusterIP', ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] }),
    ]);

    expect(m.policies.map((p) => `${p.kind}/${p.namespace ?? ''}/${p.name}`).sort()).toEqual([
      'AdminNetworkPolicy//block-monitoring',
      'CalicoGlobalNetworkPolicy//calico-log',
      'CiliumNetworkPolicy/shop/report-egress',
      'NetworkPolicy/shop/allow-frontend',
      'NetworkPolicy/shop/default-deny',
    ]);
    const dd = m.policies.find((p) => p.name === 'default-deny')!;
    expect((dd.manifest.metadata as Record<string, unknown>).managedFields).toBeUndefined();
    expect(m.policySources['NetworkPolicy/shop/allow-frontend']).toEqual({ file: join(FIX, 'shop/policies/netpol.yaml'), document: 2 });
  });

  it('puts objects without a namespace where asked', async () => {
    const m = await loadManifests([join(FIX, 'shop/apps/nested/cart.json')], { defaultNamespace: 'scratch' });
    expect(m.pods.find((p) => p.name === 'debug')!.namespace).toBe('scratch');
  });

  it('reports every bad document by file and document, and loads the rest', async () => {
    const m = await loadManifests([join(FIX, 'bad'), join(FIX, 'missing.yaml')]);
    const msgs = m.errors.map((e) => formatManifestError(e).replace(FIX, ''));
    expect(msgs).toEqual([
      'bad/broken.yaml: document 2: not valid YAML/JSON (line 9): Flow sequence in block collection must be sufficiently indented and end with a ]; fix the document and run again',
      'bad/broken.yaml: document 3 (Pod): missing apiVersion: not a Kubernetes object',
      'bad/broken.yaml: document 4 (Widget w1): unknown kind Widget (example.com/v1): not analysed; remove it or check the apiVersion',
      'bad/broken.yaml: document 5: expected a Kubernetes object (a map with apiVersion and kind), found a list',
      'bad/cut.json: document 1: not valid YAML/JSON (line 1): Flow map in block collection must be sufficiently indented and end with a }; fix the document and run again',
      'bad/truncated.yaml: document 1: not valid YAML/JSON (line 5): Missing closing "quote; fix the document and run again',
      'missing.yaml: no such file or folder; check the path',
    ]);
    expect(m.namespaces.map((n) => n.name)).toEqual(['good-one']);
    expect(m.policies.map((p) => p.name)).toEqual(['bad-selector']);
  });

  it('warns when an object is defined twice and uses the later one', async () => {
    const { convertObjects } = await import('../../../main/manifests/convert.js');
    const obj = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels } });
    const m = convertObjects([
      { file: 'one.yaml', document: 1, obj: obj({ v: '1' }) },
      { file: 'two.yaml', document: 3, obj: obj({ v: '2' }) },
    ]);
    expect(m.namespaces[0].labels.v).toBe('2');
    expect(formatManifestError(m.warnings[0])).toBe('two.yaml: document 3 (Namespace a): also defined in one.yaml document 1; this later one is used');
  });

  it('makes a snapshot with an unknown road builder and empty observations', async () => {
    const m = await loadManifests([join(FIX, 'shop')]);
    const s = manifestsToSnapshot(m, 'shop', 1000);
    expect(s.cluster).toEqual({ name: 'shop', source: 'manifests' });
    expect(s.roadBuilder.name).toBe('unknown');
    expect(s.roadBuilder.enforcesNetworkPolicy).toBe('unknown');
    expect([s.flows, s.roads, s.probes, s.findings]).toEqual([[], [], [], []]);
    expect(s.pods).toBe(m.pods);
  });
});
