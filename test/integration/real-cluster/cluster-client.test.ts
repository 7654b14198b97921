// The app's cluster code (main/cluster) against a real API server: kubeconfig contexts, the raw
// JSON client and its error mapping, the informer's list/watch/relist, and the live inventory
// reading the demo city back into the snapshot model.
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../../main/cluster/errors.js';
import { Informer, type ChangeType, type RawObject } from '../../../main/cluster/informer.js';
import { Inventory } from '../../../main/cluster/inventory.js';
import { KubeClient } from '../../../main/cluster/kube-client.js';
import { listContexts, resolveContext } from '../../../main/cluster/kubeconfig.js';
import { RESOURCES, collectionPath, type ResourceId } from '../../../main/cluster/resources.js';
import { podId, policyKey } from '../../../main/model/ids.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import {
  adminContext,
  announceSkip,
  compactEtcd,
  createNamespaceReady,
  isLocalControlPlane,
  kubeconfigPath,
  prepareCluster,
  restrictedContext,
  restrictedNamespace,
  waitFor,
  type PreparedCluster,
} from './fixture.js';

const skip = announceSkip(import.meta.filename);
const opts = () => ({ path: kubeconfigPath(), searchPath: process.env.PATH ?? '' });

async function clientFor(context: string | undefined): Promise<KubeClient> {
  const resolved = await resolveContext(context, opts());
  return new KubeClient(resolved.kubeConfig, resolved.info.name);
}

/** A namespace of its own per test run, so watch events come only from this test. */
const TEST_NS = `netcity-it-${process.pid}`;

describe.skipIf(skip)('main/cluster against a real API server', () => {
  let env: PreparedCluster;
  let admin: KubeClient;
  let core: k8s.CoreV1Api;
  beforeAll(async () => {
    env = await prepareCluster();
    admin = await clientFor(adminContext());
    core = env.kc.makeApiClient(k8s.CoreV1Api);
    await createNamespaceReady(env.kc, TEST_NS, { 'netcity.test/temporary': 'true' });
  }, 240_000);
  afterAll(async () => {
    await core?.deleteNamespace({ name: TEST_NS }).catch(() => undefined);
  });

  describe('kubeconfig contexts', () => {
    it('lists the contexts of the kubeconfig without credentials, and connects through each', async () => {
      const contexts = await listContexts(opts());
      expect(contexts.length).toBeGreaterThan(0);
      // No credential leaves the module: none of the kubeconfig's secrets appear in what it returns.
      const secrets = [...readFileSync(kubeconfigPath(), 'utf8').matchAll(/(?:token|client-key-data|client-certificate-data|password):\s*"?([^"\s]+)/g)].map((m) => m[1]);
      if (isLocalControlPlane()) expect(secrets.length).toBeGreaterThanOrEqual(2);
      const listed = JSON.stringify(contexts);
      for (const secret of secrets) expect(listed.includes(secret)).toBe(false);
      const current = contexts.find((c) => c.current);
      expect(current).toBeDefined();
      if (adminContext()) {
        expect(contexts.map((c) => c.name)).toEqual(expect.arrayContaining([adminContext(), restrictedContext()]));
        expect(contexts.find((c) => c.name === adminContext())?.auth).toBe('token');
        expect(contexts.find((c) => c.name === restrictedContext())?.namespace).toBe(restrictedNamespace());
      }
      const version = await admin.request<{ gitVersion: string }>('/version');
      expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    });

    it('names the missing context and the ones it has', async () => {
      const err = await resolveContext('no-such-context', opts()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).code).toBe('context-not-found');
      expect((err as ClusterError).message).toContain("'no-such-context'");
      const first = (await listContexts(opts()))[0].name;
      expect((err as ClusterError).message).toContain(first);
    });
  });

  describe('KubeClient', () => {
    it('maps a 404 to not-found naming the cluster and the path', async () => {
      const err = await admin.request(`/api/v1/namespaces/${TEST_NS}/pods/does-not-exist`).catch((e: unknown) => e);
      expect((err as ClusterError).code).toBe('not-found');
      expect((err as ClusterError).status).toBe(404);
      expect((err as ClusterError).message).toContain('does-not-exist');
      expect((err as ClusterError).message).toContain(admin.server);
    });

    it.skipIf(!restrictedContext())("maps RBAC's 403 to forbidden, naming the user's next step", async () => {
      const restricted = await clientFor(restrictedContext());
      const err = await restricted.request('/api/v1/pods?limit=1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).code).toBe('forbidden');
      expect((err as ClusterError).message).toMatch(/netcity-restricted/);
      expect((err as ClusterError).message).toMatch(/RBAC|namespace/);
      // The namespace it may read answers.
      const pods = await restricted.request<{ items: unknown[] }>(`/api/v1/namespaces/${restrictedNamespace()}/pods`);
      expect(pods.items.length).toBeGreaterThan(0);
    });

    it('maps a bad token to unauthorized', async () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfigPath());
      if (adminContext()) kc.setCurrentContext(adminContext()!);
      const user = kc.getCurrentUser();
      if (!user?.token) return; // another cluster's auth (exec, certs): nothing to spoil here
      const bad = new k8s.KubeConfig();
      bad.loadFromOptions({
        clusters: [kc.getCurrentCluster()!],
        users: [{ name: 'bad', token: 'not-a-valid-token' }],
        contexts: [{ name: 'bad', cluster: kc.getCurrentCluster()!.name, user: 'bad' }],
        currentContext: 'bad',
      });
      const err = await new KubeClient(bad, 'bad').request('/api/v1/namespaces').catch((e: unknown) => e);
      expect((err as ClusterError).code).toBe('unauthorized');
    });
  });

  describe('Informer', () => {
    const events: { type: ChangeType; name: string; rv: string; phase?: string; labels?: Record<string, string> }[] = [];
    const record = (type: ChangeType, obj: RawObject) =>
      events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, phase: obj.status?.phase, labels: obj.metadata?.labels });
    const podBody = (name: string) => ({
      metadata: { name, labels: { app: 'watched' } },
      spec: { containers: [{ name: 'main', image: 'registry.invalid/netcity/watched:1' }], terminationGracePeriodSeconds: 0 },
    });

    it('reports add, modify and delete of pods as they happen', async () => {
      const abort = new AbortController();
      const errors: ClusterError[] = [];
      const informer = new Informer({
        client: admin,
        path: `/api/v1/namespaces/${TEST_NS}/pods`,
        label: `pods in ${TEST_NS}`,
        signal: abort.signal,
        onChange: record,
        onError: (e) => errors.push(e),
      });
      await informer.list();
      expect(informer.cache.size).toBe(0);
      let live = false;
      const running = informer.run();
      try {
        await waitFor('the watch to open', async () => (informer.resourceVersion ? true : undefined));
        await core.createNamespacedPod({ namespace: TEST_NS, body: podBody('w1') });
        await waitFor('ADDED w1', async () => (events.some((e) => e.type === 'add' && e.name === 'w1') ? true : undefined));
        // kwok (or a kubelet) moves it to Running: a modification the watch delivers.
        await waitFor('w1 Running', async () => (events.some((e) => e.type === 'update' && e.name === 'w1' && e.phase === 'Running') ? true : undefined));
        await core.patchNamespacedPod(
          { namespace: TEST_NS, name: 'w1', body: { metadata: { labels: { app: 'watched', tier: 'gold' } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        await waitFor('label change on w1', async () => (events.some((e) => e.type === 'update' && e.labels?.tier === 'gold') ? true : undefined));
        // The cache keeps a stub per object (the consumer holds the objects), current to the last event.
        const lastUpdate = events.filter((e) => e.name === 'w1' && e.type === 'update').at(-1)!;
        expect(informer.cache.get(`${TEST_NS}/w1`)?.metadata.resourceVersion).toBe(lastUpdate.rv);
        await core.deleteNamespacedPod({ namespace: TEST_NS, name: 'w1', gracePeriodSeconds: 0 });
        await waitFor('DELETED w1', async () => (events.some((e) => e.type === 'delete' && e.name === 'w1') ? true : undefined), 60_000);
        expect(informer.cache.has(`${TEST_NS}/w1`)).toBe(false);
        live = true;
      } finally {
        abort.abort();
        await running;
      }
      expect(live).toBe(true);
      expect(errors).toEqual([]);
      // Resource versions only grow along the stream of one object.
      const rvs = events.filter((e) => e.name === 'w1' && e.type !== 'delete').map((e) => Number(e.rv));
      expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    });

    // A real 410: configmaps bypass the API server's watch cache on the local control plane, and
    // etcd is compacted past the informer's resourceVersion while it is "disconnected".
    it.skipIf(!isLocalControlPlane())('relists after 410 Gone from a compacted resourceVersion, reporting only the difference', async () => {
      const abort = new AbortController();
      const seen: { type: ChangeType; name: string }[] = [];
      const errors: ClusterError[] = [];
      const informer = new Informer({
        client: admin,
        path: `/api/v1/namespaces/${TEST_NS}/configmaps`,
        label: `configmaps in ${TEST_NS}`,
        signal: abort.signal,
        onChange: (type, obj) => seen.push({ type, name: obj.metadata?.name }),
        onError: (e) => errors.push(e),
      });
      await core.createNamespacedConfigMap({ namespace: TEST_NS, body: { metadata: { name: 'before' }, data: { v: '1' } } });
      await informer.list();
      const listedAt = informer.resourceVersion;
      expect(seen.filter((e) => e.name === 'before')).toEqual([{ type: 'add', name: 'before' }]);
      // Changes the informer misses while disconnected...
      await core.createNamespacedConfigMap({ namespace: TEST_NS, body: { metadata: { name: 'after' }, data: { v: '1' } } });
      await core.deleteNamespacedConfigMap({ namespace: TEST_NS, name: 'before' });
      // ...then the history it would resume from is compacted away.
      const compactedTo = await compactEtcd();
      expect(compactedTo).toBeGreaterThan(Number(listedAt) + 1);
      const running = informer.run();
      try {
        await waitFor('the relist to report "after" added and "before" deleted', async () =>
          seen.some((e) => e.name === 'after' && e.type === 'add') && seen.some((e) => e.name === 'before' && e.type === 'delete') ? true : undefined,
        30_000);
      } finally {
        abort.abort();
        await running;
      }
      expect(informer.relists).toBe(1);
      expect(seen.filter((e) => e.name === 'before' && e.type === 'add')).toHaveLength(1);
      expect(seen.filter((e) => e.name === 'after')).toEqual([{ type: 'add', name: 'after' }]);
      expect(Number(informer.resourceVersion)).toBeGreaterThanOrEqual(compactedTo);
      expect([...informer.cache.keys()].filter((k) => k.startsWith(`${TEST_NS}/`))).toContain(`${TEST_NS}/after`);
      expect(informer.cache.has(`${TEST_NS}/before`)).toBe(false);
      expect(errors.filter((e) => e.code !== 'gone')).toEqual([]);
    });

    it.skipIf(!isLocalControlPlane())('gets 410 Gone for a watch from a compacted resourceVersion (what the informer reacts to)', async () => {
      const list = await admin.request<{ metadata: { resourceVersion: string } }>(`/api/v1/namespaces/${TEST_NS}/configmaps`);
      // Two writes: etcd keeps the compaction revision itself, so the resume point (list RV + 1) must lie below it.
      await core.createNamespacedConfigMap({ namespace: TEST_NS, body: { metadata: { name: 'bump-1' } } });
      await core.createNamespacedConfigMap({ namespace: TEST_NS, body: { metadata: { name: 'bump-2' } } });
      expect(await compactEtcd()).toBeGreaterThan(Number(list.metadata.resourceVersion) + 1);
      const events: { type: string; code?: number }[] = [];
      const stop = new AbortController();
      const err = await admin
        .watch(
          `/api/v1/namespaces/${TEST_NS}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
          (ev) => {
            events.push({ type: ev.type, code: ev.object?.code });
            if (ev.type === 'ERROR') stop.abort(); // the stream may stay open after the error event
          },
          { signal: stop.signal, idleMs: 20_000 },
        )
        .catch((e: unknown) => e);
      // The API server reports it either as an HTTP 410 or as an ERROR event with code 410.
      const gone = (err instanceof ClusterError && err.code === 'gone') || events.some((e) => e.type === 'ERROR' && e.code === 410);
      expect(gone, JSON.stringify({ err: String(err), events })).toBe(true);
    });
  });

  describe('Inventory fed by informers', () => {
    let inventory: Inventory;
    const abort = new AbortController();
    const runs: Promise<void>[] = [];
    beforeAll(async () => {
      inventory = new Inventory();
      for (const spec of RESOURCES) {
        if (spec.group === 'crd.projectcalico.org' || spec.id === 'clusternetworkpolicies') continue; // CRDs not installed here
        const informer = new Informer({
          client: admin,
          path: collectionPath(spec, spec.versions[0]),
          label: spec.plural,
          signal: abort.signal,
          onChange: (type, obj) => inventory.apply(spec.id as ResourceId, type, obj),
        });
        await informer.list();
        runs.push(informer.run());
      }
    }, 60_000);
    afterAll(async () => {
      abort.abort();
      await Promise.all(runs);
    });

    it('reads the demo city back: namespaces, workloads through their owners, pods, services with endpoints, policies', () => {
      const demo = demoSnapshot();
      const parts = inventory.parts();
      expect(parts.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(demo.namespaces.map((n) => n.name)));
      for (const n of demo.namespaces) {
        const got = parts.namespaces.find((x) => x.name === n.name)!;
        for (const [k, v] of Object.entries(n.labels)) expect(got.labels[k], `${n.name} label ${k}`).toBe(v);
      }
      for (const w of demo.workloads) {
        const got = parts.workloads.find((x) => x.namespace === w.namespace && x.kind === w.kind && x.name === w.name);
        expect(got, `${w.kind} ${w.namespace}/${w.name}`).toBeDefined();
        for (const [k, v] of Object.entries(w.podLabels)) {
          if (k === 'pod-template-hash' || k.startsWith('statefulset.')) continue;
          expect(got!.podLabels[k], `${w.name} pod label ${k}`).toBe(v);
        }
        if (w.kind !== 'CronJob' && w.kind !== 'DaemonSet') {
          const pods = parts.pods.filter((p) => p.namespace === w.namespace && p.owner?.kind === w.kind && p.owner.name === w.name);
          // Pods of a Deployment are owned by a ReplicaSet: the inventory must name the Deployment.
          expect(pods.length, `pods of ${w.kind} ${w.name}`).toBe(w.replicas);
          for (const p of pods) {
            expect(p.phase).toBe('Running');
            expect(p.ips.length).toBeGreaterThan(0);
            expect(p.node).toBeTruthy();
          }
        }
      }
      const nodeExporters = parts.pods.filter((p) => p.owner?.kind === 'DaemonSet' && p.owner.name === 'node-exporter');
      expect(nodeExporters.length).toBe(parts.nodes.length);
      expect(nodeExporters.every((p) => p.hostNetwork)).toBe(true);
      for (const s of demo.services) {
        const got = parts.services.find((x) => x.namespace === s.namespace && x.name === s.name);
        expect(got, `service ${s.namespace}/${s.name}`).toBeDefined();
        expect(got!.ports.map((p) => [p.port, p.targetPort, p.protocol])).toEqual(s.ports.map((p) => [p.port, p.targetPort, p.protocol]));
        expect(got!.clusterIPs.length).toBe(1);
      }
      const catalog = parts.services.find((x) => x.namespace === 'shop' && x.name === 'catalog')!;
      const catalogPods = new Set(parts.pods.filter((p) => p.owner?.name === 'catalog').map((p) => `${p.namespace}/${p.name}`));
      expect(catalog.endpoints.filter((e) => e.ready).map((e) => e.pod).sort()).toEqual([...catalogPods].sort());
      const keys = new Set(parts.policies.map((p) => policyKey(p.kind, p.name, p.namespace)));
      for (const p of demo.policies) expect(keys.has(policyKey(p.kind, p.name, p.namespace)), `${p.kind} ${p.name}`).toBe(true);
      const cnp = parts.policies.find((p) => p.kind === 'CiliumNetworkPolicy')!;
      expect((cnp.manifest as any).spec).toEqual((demo.policies.find((p) => p.kind === 'CiliumNetworkPolicy')!.manifest as any).spec);
      expect(cnp.manifest).not.toHaveProperty('metadata.managedFields');
    });

    it('turns watch events into incremental changes: a scaled Deployment adds and removes pods', async () => {
      inventory.takeChanges(); // start from a clean slate
      const apps = env.kc.makeApiClient(k8s.AppsV1Api);
      const scale = (replicas: number) =>
        apps.patchNamespacedDeploymentScale(
          { namespace: 'shop', name: 'recommendation', body: { spec: { replicas } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      const podsOf = () => [...inventory.pods.values()].filter((p) => p.namespace === 'shop' && p.owner?.name === 'recommendation');
      const before = new Set(podsOf().map((p) => podId(p.namespace, p.name)));
      const added = new Set<string>();
      const removed = new Set<string>();
      const drain = () => {
        const c = inventory.takeChanges();
        for (const p of c?.pods?.added ?? []) added.add(podId(p.namespace, p.name));
        for (const id of c?.pods?.removed ?? []) removed.add(id);
      };
      try {
        await scale(2);
        await waitFor('a second recommendation pod Running in the inventory', async () => {
          drain();
          return podsOf().filter((p) => p.phase === 'Running').length === 2 ? true : undefined;
        });
        const grown = [...added].filter((id) => !before.has(id));
        expect(grown).toHaveLength(1);
        await scale(1);
        await waitFor('the extra recommendation pod gone from the inventory', async () => {
          drain();
          return podsOf().length === 1 ? true : undefined;
        }, 60_000);
        expect(removed.size).toBe(1);
      } finally {
        await scale(1).catch(() => undefined);
      }
    });
  });
});
