// ClusterConnection (main/cluster/connection.ts) against a real API server: the admin's whole
// city, live changes as batched events, and the restricted user's partial city.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterConnection, type ClusterChange } from '../../../main/cluster/connection.js';
import { policyKey } from '../../../main/model/ids.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import type { Snapshot } from '../../../main/model/types.js';
import {
  adminContext,
  announceSkip,
  applyAll,
  isLocalControlPlane,
  kubeconfigPath,
  prepareCluster,
  restrictedContext,
  restrictedNamespace,
  waitFor,
  type PreparedCluster,
} from './fixture.js';

const skip = announceSkip(import.meta.filename);
const execFileAsync = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// Tuning given explicitly: connect() hands undefined pageSize/backoff/watchTimeoutSeconds on to
// the informers, whose defaults they then override (see 'connects with default options' below).
const connectOpts = () => ({
  kubeconfig: { path: kubeconfigPath(), searchPath: process.env.PATH ?? '' },
  batchMs: 50,
  pageSize: 500,
  backoff: { initialMs: 200, maxMs: 5_000 },
  watchTimeoutSeconds: 300,
});

describe.skipIf(skip)('ClusterConnection against a real API server', () => {
  let env: PreparedCluster;
  beforeAll(async () => {
    env = await prepareCluster();
  }, 240_000);

  describe('as admin', () => {
    const conn = new ClusterConnection();
    const changes: ClusterChange[] = [];
    let snap: Snapshot;
    beforeAll(async () => {
      conn.on('change', (c) => changes.push(c));
      const t0 = Date.now();
      await conn.connect(adminContext(), connectOpts());
      console.info(`[connection.test] admin connect + first full read: ${Date.now() - t0} ms`);
      snap = conn.snapshot();
    }, 60_000);
    afterAll(() => conn.close());

    it('is live and reads the whole demo city with the server version', async () => {
      const status = conn.status();
      expect(status.state).toBe('live');
      expect(status.namespaces).toBeUndefined(); // not limited
      // Watches open just after the first read; then every resource is live.
      await waitFor('every resource watch to be live', async () =>
        conn.status().resources.every((r) => r.state === 'live' || r.state === 'polling') ? true : undefined,
      );
      expect(conn.status().resources.filter((r) => r.error)).toEqual([]);
      expect(snap.cluster.source).toBe('live');
      expect(snap.cluster.kubernetesVersion).toMatch(/^v1\.\d+\.\d+/);
      const demo = demoSnapshot();
      for (const n of demo.namespaces) expect(snap.namespaces.some((x) => x.name === n.name), `namespace ${n.name}`).toBe(true);
      for (const w of demo.workloads) {
        expect(snap.workloads.some((x) => x.namespace === w.namespace && x.kind === w.kind && x.name === w.name), `${w.kind} ${w.name}`).toBe(true);
      }
      const keys = new Set(snap.policies.map((p) => policyKey(p.kind, p.name, p.namespace)));
      for (const p of demo.policies) expect(keys.has(policyKey(p.kind, p.name, p.namespace)), `${p.kind} ${p.name}`).toBe(true);
      expect(snap.nodes.length).toBeGreaterThan(0);
      expect(snap.nodes.every((n) => n.ready)).toBe(true);
      expect(snap.permissions.filter((p) => !p.allowed)).toEqual([]);
      // Snapshots never carry credentials.
      expect(JSON.stringify(snap)).not.toMatch(/"token"|BEGIN (RSA |EC )?PRIVATE KEY/);
    });

    it('sends add, update and delete of a policy as batched changes', async () => {
      const np = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'it-live-change', namespace: 'shop' },
        spec: { podSelector: { matchLabels: { app: 'cart' } }, policyTypes: ['Ingress'] },
      };
      const key = policyKey('NetworkPolicy', 'it-live-change', 'shop');
      const seen = (pick: (c: ClusterChange) => boolean) => waitFor(`a change event for ${key}`, async () => (changes.some(pick) ? true : undefined), 20_000, 50);
      await applyAll(env.kc, [np]);
      await seen((c) => !!c.policies?.added.some((p) => p.name === 'it-live-change'));
      await applyAll(env.kc, [{ ...np, spec: { ...np.spec, policyTypes: ['Ingress', 'Egress'] } }]);
      await seen((c) => !!c.policies?.updated.some((p) => p.name === 'it-live-change' && JSON.stringify(p.manifest).includes('Egress')));
      const net = env.kc.makeApiClient(k8s.NetworkingV1Api);
      await net.deleteNamespacedNetworkPolicy({ namespace: 'shop', name: 'it-live-change' });
      await seen((c) => !!c.policies?.removed.includes(key));
      expect(conn.snapshot().policies.some((p) => p.name === 'it-live-change')).toBe(false);
      // Sequence numbers grow by one per batch.
      expect(changes.map((c) => c.seq)).toEqual(changes.map((_, i) => changes[0].seq + i));
      expect(changes.every((c) => c.context === conn.contextName)).toBe(true);
    });
  });

  // The road builder badge: from the served API groups alone (the CRDs this suite installs), then
  // from Cilium's DaemonSet and ConfigMap once they appear, live, through the watches.
  describe('road builder detection', () => {
    const conn = new ClusterConnection();
    const changes: ClusterChange[] = [];
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'cilium', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' } },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'cilium' } },
        template: {
          metadata: { labels: { 'k8s-app': 'cilium' } },
          spec: { hostNetwork: true, containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.18.4' }], terminationGracePeriodSeconds: 0 },
        },
      },
    };
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cilium-config', namespace: 'kube-system' },
      data: { 'enable-hubble': 'true', 'routing-mode': 'native', 'kube-proxy-replacement': 'true' },
    };
    afterAll(async () => {
      conn.close();
      const apps = env.kc.makeApiClient(k8s.AppsV1Api);
      const core = env.kc.makeApiClient(k8s.CoreV1Api);
      await apps.deleteNamespacedDaemonSet({ namespace: 'kube-system', name: 'cilium' }).catch(() => undefined);
      await core.deleteNamespacedConfigMap({ namespace: 'kube-system', name: 'cilium-config' }).catch(() => undefined);
    });

    it('says Cilium with low confidence from its CRDs, then Cilium with version and mode from its DaemonSet', async () => {
      const apps = env.kc.makeApiClient(k8s.AppsV1Api);
      await apps.deleteNamespacedDaemonSet({ namespace: 'kube-system', name: 'cilium' }).catch(() => undefined);
      // The ConfigMap is read at connect; the DaemonSet arrives through the watch afterwards.
      await applyAll(env.kc, [cm]);
      conn.on('change', (c) => changes.push(c));
      await conn.connect(adminContext(), connectOpts());
      const before = conn.snapshot().roadBuilder;
      expect(before.name).toBe('cilium');
      expect(before.evidence.join(' ')).toMatch(/cilium\.io/);
      expect(before.details.confidence).toMatch(/low/);
      await applyAll(env.kc, [ds]);
      const rb = await waitFor('a change carrying the detected Cilium DaemonSet', async () => changes.map((c) => c.roadBuilder).find((r) => r?.version), 30_000, 100);
      expect(rb).toMatchObject({ name: 'cilium', version: '1.18.4', mode: 'native routing', enforcesNetworkPolicy: true });
      expect(rb.details).toMatchObject({ hubble: 'enabled', 'kube-proxy-replacement': 'true', 'hubble-relay': 'kube-system/hubble-relay' });
      expect(rb.flowSources).toContain('hubble');
      expect(rb.evidence.join(' ')).toMatch(/DaemonSet kube-system\/cilium/);
      expect(conn.snapshot().roadBuilder.version).toBe('1.18.4');
    });
  });

  // Only on the local control plane: the test stops and restarts its API server.
  describe.skipIf(!isLocalControlPlane())('when the API server goes away and comes back', () => {
    const conn = new ClusterConnection();
    const states: string[] = [];
    afterAll(() => conn.close());

    it('marks the city stale with the reason, keeps the last state, and goes live again', async () => {
      conn.on('status', (st) => states.push(st.state));
      await conn.connect(adminContext(), connectOpts());
      await waitFor('every watch live', async () => (conn.status().resources.every((r) => r.state === 'live' || r.state === 'polling') ? true : undefined));
      const podsBefore = conn.snapshot().pods.length;
      const restart = execFileAsync('bash', [path.join(REPO, 'test/cluster/restart.sh'), 'kube-apiserver', '3'], { timeout: 180_000 });
      try {
        const stale = await waitFor('the connection to turn stale', async () => (conn.status().state === 'stale' ? conn.status() : undefined), 60_000, 100);
        expect(stale.lastError?.message).toMatch(/127\.0\.0\.1:\d+/);
        expect(stale.lastError?.code).toMatch(/unreachable|http|timeout/);
        const snap = conn.snapshot();
        expect(snap.pods.length).toBe(podsBefore); // the last known city stays readable
        expect(snap.warnings.some((w) => w.kind === 'stale')).toBe(true);
      } finally {
        await restart;
      }
      await waitFor('the connection to be live again', async () => (conn.status().state === 'live' ? true : undefined), 60_000, 200);
      expect(conn.status().lastError).toBeUndefined();
      expect(states).toEqual(expect.arrayContaining(['live', 'stale']));
      expect(states.lastIndexOf('live')).toBeGreaterThan(states.indexOf('stale'));
      // Watches resumed: a change made now arrives.
      const seen: ClusterChange[] = [];
      conn.on('change', (c) => seen.push(c));
      await applyAll(env.kc, [
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'it-after-restart', namespace: 'data' }, spec: { podSelector: {} } },
      ]);
      try {
        await waitFor('the new policy through the resumed watch', async () => (seen.some((c) => c.policies?.added.some((p) => p.name === 'it-after-restart')) ? true : undefined), 30_000, 100);
      } finally {
        await env.kc.makeApiClient(k8s.NetworkingV1Api).deleteNamespacedNetworkPolicy({ namespace: 'data', name: 'it-after-restart' }).catch(() => undefined);
      }
    }, 240_000);
  });

  describe.skipIf(!restrictedContext())('as the restricted user', () => {
    const conn = new ClusterConnection();
    let snap: Snapshot;
    beforeAll(async () => {
      await conn.connect(restrictedContext(), connectOpts());
      snap = conn.snapshot();
    }, 60_000);
    afterAll(() => conn.close());

    it('shows only the namespace it may read, and says what it could not read', () => {
      const ns = restrictedNamespace();
      const status = conn.status();
      expect(status.state).toBe('live');
      expect(status.namespaces).toEqual([ns]);
      expect(snap.namespaces.map((n) => n.name)).toEqual([ns]);
      expect(snap.pods.length).toBeGreaterThan(0);
      expect(snap.pods.every((p) => p.namespace === ns)).toBe(true);
      expect(snap.services.every((s) => s.namespace === ns)).toBe(true);
      expect(snap.workloads.every((w) => w.namespace === ns)).toBe(true);
      // The namespace's own policies are there; cluster-scoped ones (ANP) are not readable.
      const demo = demoSnapshot();
      const own = demo.policies.filter((p) => p.namespace === ns);
      for (const p of own) expect(snap.policies.some((x) => x.kind === p.kind && x.name === p.name), `${p.kind} ${p.name}`).toBe(true);
      expect(snap.policies.some((p) => p.kind === 'AdminNetworkPolicy')).toBe(false);
      // Nodes are cluster-scoped: refused, recorded as a permission and a warning.
      expect(snap.nodes).toEqual([]);
      expect(snap.permissions).toContainEqual(expect.objectContaining({ resource: 'nodes', allowed: false }));
      expect(snap.warnings.some((w) => w.kind === 'not-permitted' && w.subject === 'nodes')).toBe(true);
      expect(snap.permissions).toContainEqual(expect.objectContaining({ resource: 'pods', namespace: ns, allowed: true }));
    });

    it('resolves Deployment pods to their Deployment within the namespace', () => {
      const frontend = snap.pods.filter((p) => p.owner?.kind === 'Deployment' && p.owner.name === 'frontend');
      expect(frontend.length).toBe(demoSnapshot().workloads.find((w) => w.name === 'frontend')!.replicas);
    });
  });

  // What the app does (no tuning options): every list must still be a valid request.
  it('connects with default options', async () => {
    const conn = new ClusterConnection();
    try {
      await conn.connect(adminContext(), { kubeconfig: { path: kubeconfigPath(), searchPath: process.env.PATH ?? '' } });
      expect(conn.status().state).toBe('live');
      expect(conn.snapshot().pods.length).toBeGreaterThan(0);
    } finally {
      conn.close();
    }
  });
});
