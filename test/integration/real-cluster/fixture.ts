/**
 * Shared set-up for the real-cluster suite: which cluster (NETCITY_TEST_KUBECONFIG), the CRDs
 * NetCity reads, and the demo city applied with server-side apply. Every step is idempotent, so
 * each test file can call prepareCluster() in beforeAll and files may run in any order.
 *
 * The suite runs against test/cluster/up.sh's control plane (kwok nodes, contexts netcity-admin
 * and netcity-restricted) or any cluster a kubeconfig names; tests that need something only the
 * local control plane has (the restricted user, the fake relay port-forward) skip elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { scenarioManifests, type Manifest } from './scenario-manifests.js';

export const KUBECONFIG_ENV = 'NETCITY_TEST_KUBECONFIG';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
export const FIELD_MANAGER = 'netcity-test';

/** Why the suite cannot run here, or undefined when a cluster is named. Printed once per file. */
export function skipReason(): string | undefined {
  if (process.env[KUBECONFIG_ENV]) return undefined;
  return `${KUBECONFIG_ENV} is not set: real-cluster tests skipped (run \`npm run test:cluster\`, or start test/cluster/up.sh and source test/cluster/env.sh)`;
}

export function announceSkip(file: string): boolean {
  const reason = skipReason();
  if (reason) console.warn(`[${path.basename(file)}] ${reason}`);
  return reason !== undefined;
}

export const kubeconfigPath = (): string => process.env[KUBECONFIG_ENV] ?? '';
/** Context names as up.sh writes them; on another cluster the admin context is the current one. */
export const adminContext = (): string | undefined => process.env.NETCITY_TEST_ADMIN_CONTEXT;
export const restrictedContext = (): string | undefined => process.env.NETCITY_TEST_RESTRICTED_CONTEXT;
export const restrictedNamespace = (): string => process.env.NETCITY_TEST_RESTRICTED_NS ?? 'shop';
export const fakeRelayPort = (): number | undefined =>
  process.env.NETCITY_FAKE_RELAY_PORT ? Number(process.env.NETCITY_FAKE_RELAY_PORT) : undefined;
/** True on test/cluster/up.sh's control plane (kwok nodes), where pods never run real processes. */
export const isLocalControlPlane = (): boolean => process.env.NETCITY_TEST_CLUSTER_KIND === 'netcity-local';
/** etcd's HTTP gateway of the local control plane (loopback), for compaction. */
export const etcdUrl = (): string | undefined => process.env.NETCITY_TEST_ETCD_URL;

/** Compacts etcd's history up to its current revision; returns that revision. */
export async function compactEtcd(): Promise<number> {
  const base = etcdUrl();
  if (!base) throw new Error('NETCITY_TEST_ETCD_URL is not set: etcd compaction needs the local control plane (test/cluster/up.sh)');
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as { header?: { revision?: string } };
  };
  const revision = Number((await post('/v3/kv/range', { key: 'AA==' })).header?.revision);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

/**
 * Runs `body` while holding the fake relay port: kwok forwards every hubble-relay port-forward to
 * that one port, so test files that listen there take turns even when vitest runs files in
 * parallel. The lock is a directory holding the owner's pid; a dead owner's lock is taken over.
 */
export async function withFakeRelayPort<T>(body: (port: number) => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const held = await acquireFakeRelayPort(timeoutMs);
  try {
    return await body(held.port);
  } finally {
    held.release();
  }
}

/** The lock of withFakeRelayPort, for a hold that spans beforeAll..afterAll. */
export async function acquireFakeRelayPort(timeoutMs = 120_000): Promise<{ port: number; release: () => void }> {
  const port = fakeRelayPort();
  if (port === undefined) throw new Error('NETCITY_FAKE_RELAY_PORT is not set: the fake relay port-forward needs the local control plane (test/cluster/up.sh)');
  const lock = path.join(os.tmpdir(), `netcity-fake-relay-${port}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return { port, release: () => rmSync(lock, { recursive: true, force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // the owner has not written its pid yet
      }
      if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`fake relay port ${port}: still held by pid ${owner} after ${timeoutMs} ms (lock ${lock})`);
      else await sleep(100);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function loadKubeConfig(context = adminContext()): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  if (context) kc.setCurrentContext(context);
  return kc;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value (not undefined), or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(everyMs);
  }
}

/**
 * A namespace just created has no "default" ServiceAccount until the controller manager makes
 * one, and until then the API server refuses pods there (403, "serviceaccount not found").
 */
export async function createNamespaceReady(kc: k8s.KubeConfig, name: string, labels: Record<string, string> = {}): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // Left by an earlier run on the same cluster: reuse it if active, wait it out if terminating.
  const existing = await core.readNamespace({ name }).catch(() => undefined);
  if (existing?.status?.phase === 'Terminating') {
    await waitFor(`namespace ${name} (terminating) to be gone`, async () => ((await core.readNamespace({ name }).catch(() => undefined)) ? undefined : true), 60_000, 200);
  }
  if (existing?.status?.phase !== 'Active') await core.createNamespace({ body: { metadata: { name, labels } } });
  await waitFor(`ServiceAccount ${name}/default`, async () => ((await core.readNamespacedServiceAccount({ namespace: name, name: 'default' })) ? true : undefined), 30_000, 100);
}

/** Exposes client-node's REST path resolution (discovery of plurals and scope) for raw requests. */
class PathResolver extends k8s.KubernetesObjectApi {
  pathOf(spec: k8s.KubernetesObject): Promise<string> {
    return this.specUriPath(spec, 'patch');
  }
}

/**
 * Server-side apply as raw JSON, so re-running the suite converges instead of failing on
 * AlreadyExists. Raw on purpose: client-node's typed serializer drops JSON keys it has no model
 * field for (x-kubernetes-preserve-unknown-fields in a CRD schema), which silently prunes specs.
 */
export async function applyAll(kc: k8s.KubeConfig, manifests: Manifest[] | k8s.KubernetesObject[]): Promise<void> {
  const resolver = kc.makeApiClient(PathResolver);
  const server = kc.getCurrentCluster()!.server;
  for (const m of manifests as k8s.KubernetesObject[]) {
    const meta = m.metadata!;
    const where = `${m.kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`;
    try {
      const url = new URL(`${server}${await resolver.pathOf(m)}`);
      url.searchParams.set('fieldManager', FIELD_MANAGER);
      url.searchParams.set('force', 'true');
      await rawRequest(kc, url, 'PATCH', JSON.stringify(m), 'application/apply-patch+yaml');
    } catch (err) {
      throw new Error(`apply ${where}: ${(err as Error).message}`, { cause: err });
    }
  }
}

async function rawRequest(kc: k8s.KubeConfig, url: URL, method: string, body: string, contentType: string): Promise<unknown> {
  const opts: https.RequestOptions = { method, headers: {} };
  await kc.applyToHTTPSOptions(opts);
  opts.headers = { ...(opts.headers as Record<string, string>), 'Content-Type': contentType, Accept: 'application/json' };
  return new Promise((resolve, reject) => {
    const req = https.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${url.pathname}: HTTP ${res.statusCode}: ${text.slice(0, 400)}`));
        else resolve(text ? JSON.parse(text) : undefined);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname}: timed out after 30 s`)));
    req.end(body);
  });
}

function crdDirectory(): string {
  if (process.env.NETCITY_TEST_CRD_DIR) return process.env.NETCITY_TEST_CRD_DIR;
  // Not started through run.sh: let crds.sh fetch the pinned CRDs (needs Go) and say where.
  return execFileSync('bash', [path.join(REPO, 'test/cluster/crds.sh')], { encoding: 'utf8' }).trim();
}

export function crdManifests(): k8s.KubernetesObject[] {
  const dir = crdDirectory();
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  if (files.length === 0) throw new Error(`CRD directory ${dir} holds no YAML files; run test/cluster/crds.sh`);
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(path.join(dir, f), 'utf8'))
      .map((d) => d.toJS() as k8s.KubernetesObject | null)
      .filter((o): o is k8s.KubernetesObject => !!o && o.kind === 'CustomResourceDefinition'),
  );
}

export async function installCrds(kc: k8s.KubeConfig): Promise<string[]> {
  const crds = crdManifests();
  await applyAll(kc, crds);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const names = crds.map((c) => c.metadata!.name!);
  for (const name of names) {
    await waitFor(`CRD ${name} to be Established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  return names;
}

export interface PreparedCluster {
  kc: k8s.KubeConfig;
  manifests: Manifest[];
  crds: string[];
}

let prepared: Promise<PreparedCluster> | undefined;

/** CRDs, then the demo city; waits until every scenario pod that should run is Running. */
export function prepareCluster(): Promise<PreparedCluster> {
  prepared ??= (async () => {
    const kc = loadKubeConfig();
    const crds = await installCrds(kc);
    const manifests = scenarioManifests(demoSnapshot());
    await applyAll(kc, manifests);
    await waitForScenarioPods(kc, manifests);
    return { kc, manifests, crds };
  })();
  return prepared;
}

/** Expected running pods per workload: replicas, or one per schedulable node for a DaemonSet. */
export async function waitForScenarioPods(kc: k8s.KubeConfig, manifests: Manifest[], timeoutMs = 120_000): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (await core.listNode()).items.filter((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule'));
  let expected = 0;
  for (const m of manifests) {
    const spec = m.spec as { replicas?: number } | undefined;
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet' || m.kind === 'ReplicaSet') expected += spec?.replicas ?? 1;
    else if (m.kind === 'DaemonSet') expected += nodes.length;
    else if (m.kind === 'Pod') expected += 1;
  }
  const namespaces = [...new Set(manifests.filter((m) => m.metadata.namespace).map((m) => m.metadata.namespace!))];
  await waitFor(
    `${expected} scenario pods Running in ${namespaces.join(', ')}`,
    async () => {
      let running = 0;
      for (const ns of namespaces) {
        const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'netcity.test/scenario' });
        running += pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
      }
      return running >= expected ? running : undefined;
    },
    timeoutMs,
    500,
  );
}
