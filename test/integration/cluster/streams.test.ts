import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, Exec, KubeConfig } from '@kubernetes/client-node';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { forwardPort } from '../../../main/cluster/port-forward.js';
import { captureLiveSnapshot } from '../../../main/cluster/live-snapshot.js';
import { ClusterConnection } from '../../../main/cluster/connection.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

const demo = demoSnapshot();
const shopPod = demo.pods.find((p) => p.namespace === 'shop')!;
let api: KubeApiServer;
let kubeconfig: string;
let echo: net.Server;
let echoPort = 0;

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as net.AddressInfo).port;
  api = await startKubeApiServer({
    snapshot: demo,
    portForwardTarget: (_ns, _pod, port) => (port === 8080 ? echoPort : undefined),
    exec: ({ command, pod }) =>
      command[0] === 'nc' ? { stdout: `connected from ${pod}\n`, exitCode: 0 } : { stderr: 'nc: timeout\n', exitCode: 1 },
  });
  kubeconfig = writeTestKubeconfig(api);
});
afterAll(async () => {
  await api?.close();
  await new Promise((r) => echo.close(r));
});

const roundTrip = (port: number, text: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (got.length >= text.length) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.write(text);
  });

describe('port-forward', () => {
  it('forwards a loopback port to a pod port (echo)', async () => {
    const fwd = await forwardPort('test-admin', { namespace: 'shop', pod: shopPod.name, port: 8080, kubeconfig: { path: kubeconfig, searchPath: '' } });
    try {
      expect(fwd.host).toBe('127.0.0.1');
      expect(await roundTrip(fwd.port, 'hello through the API server')).toBe('hello through the API server');
      // A second connection gets its own stream.
      expect(await roundTrip(fwd.port, 'again')).toBe('again');
    } finally {
      await fwd.close();
    }
  });

  it("forwards with a live connection's own credentials", async () => {
    const conn = new ClusterConnection();
    await conn.connect('test-restricted', { kubeconfig: { path: kubeconfig, searchPath: '' } });
    const fwd = await conn.forwardPort({ namespace: 'shop', pod: shopPod.name, port: 8080 });
    try {
      expect(await roundTrip(fwd.port, 'via the connection')).toBe('via the connection');
      // Outside the user's namespace the API server refuses the upgrade (403).
      const payments = demo.pods.find((p) => p.namespace === 'payments')!;
      const denied = await conn.forwardPort({ namespace: 'payments', pod: payments.name, port: 8080 });
      const s = net.connect(denied.port, '127.0.0.1');
      await new Promise((r) => s.on('close', r));
      expect(denied.errors.join('\n')).toMatch(/port-forward to payments\/.*failed: .*403/);
      await denied.close();
    } finally {
      await fwd.close();
      conn.close();
    }
  });

  it('reports the API server error when nothing listens on the pod port', async () => {
    const fwd = await forwardPort('test-admin', { namespace: 'shop', pod: shopPod.name, port: 9999, kubeconfig: { path: kubeconfig, searchPath: '' } });
    try {
      const s = net.connect(fwd.port, '127.0.0.1');
      await new Promise((r) => s.on('close', r));
      expect(fwd.errors.join('\n')).toMatch(/port 9999.*nothing listens/);
    } finally {
      await fwd.close();
    }
  });
});

describe('exec, logs, create/delete (what probes need), with the real client-node', () => {
  const kc = (): KubeConfig => {
    const k = new KubeConfig();
    k.loadFromFile(kubeconfig);
    return k;
  };

  it('runs a scripted exec over v4.channel.k8s.io with its exit status', async () => {
    const run = (command: string[]) =>
      new Promise<{ out: string; status: any }>((resolve, reject) => {
        const out = new PassThrough();
        let text = '';
        out.on('data', (d) => (text += d.toString()));
        new Exec(kc())
          .exec('shop', shopPod.name, 'main', command, out, new PassThrough(), null, false, (status) => resolve({ out: text, status }))
          .catch(reject);
      });
    const ok = await run(['nc', '-z', 'cart', '8080']);
    expect(ok.out).toBe(`connected from ${shopPod.name}\n`);
    expect(ok.status.status).toBe('Success');
    const bad = await run(['curl', 'http://x']);
    expect(bad.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
    expect(bad.status.details.causes[0]).toEqual({ reason: 'ExitCode', message: '1' });
  });

  it('creates and deletes namespaces and pods, reads logs, refuses duplicates and other namespaces', async () => {
    const core = kc().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'netcity-probe' } } });
    const pod = await core.createNamespacedPod({ namespace: 'netcity-probe', body: { metadata: { name: 'probe-1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^10\.250\./);
    expect(await core.readNamespacedPodLog({ namespace: 'netcity-probe', name: 'probe-1' })).toContain('probe-1');
    await expect(core.createNamespace({ body: { metadata: { name: 'netcity-probe' } } })).rejects.toMatchObject({ code: 409 });
    await core.deleteNamespace({ name: 'netcity-probe' });
    expect(api.store.get('pods', 'netcity-probe/probe-1')).toBeUndefined();

    const restricted = new KubeConfig();
    restricted.loadFromFile(kubeconfig);
    restricted.setCurrentContext('test-restricted');
    const err = await restricted.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'payments' }).catch((e: any) => e);
    expect(err.code).toBe(403);
    expect(JSON.parse(err.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
  });

  it('serves label and field selectors and paginates with limit/continue', async () => {
    const core = kc().makeApiClient(CoreV1Api);
    const byLabel = await core.listPodForAllNamespaces({ labelSelector: 'app in (cart,frontend)' });
    expect(byLabel.items.length).toBe(demo.pods.filter((p) => ['cart', 'frontend'].includes(p.labels.app)).length);
    const byField = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${shopPod.node}` });
    expect(byField.items.every((p) => p.spec?.nodeName === shopPod.node)).toBe(true);
    const names: string[] = [];
    let cont: string | undefined;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 7, _continue: cont });
      expect(page.items.length).toBeLessThanOrEqual(7);
      names.push(...page.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`));
      cont = page.metadata?._continue;
    } while (cont);
    expect(new Set(names).size).toBe(api.store.table('pods').size);
  });
});

describe('captureLiveSnapshot', () => {
  it('reads a complete snapshot for a context, limited to namespaces when asked', async () => {
    const snap = await captureLiveSnapshot({ context: 'test-admin', kubeconfigPath: kubeconfig, namespaces: ['data'] });
    expect(snap.cluster.source).toBe('live');
    expect(snap.namespaces.map((n) => n.name)).toEqual(['data']);
    expect(snap.pods.map((p) => p.name).sort()).toEqual(demo.pods.filter((p) => p.namespace === 'data').map((p) => p.name).sort());
    expect(JSON.stringify(snap)).not.toContain('admin-token');
  });
});
