// The API test server's own contract, checked with client-node's Watch and generated clients,
// so other modules (probes, serve e2e) can rely on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';
import { parseFieldSelector, parseLabelSelector } from '../../fakes/kube-api-server/selectors.js';

const demo = demoSnapshot();
let api: KubeApiServer;
let kc: KubeConfig;

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demo, bookmarkIntervalMs: 50 });
  kc = new KubeConfig();
  kc.loadFromFile(writeTestKubeconfig(api));
});
afterAll(async () => {
  await api?.close();
});

function watchEvents(path: string, params: Record<string, string>, stopAfter: (events: { type: string; obj: any }[]) => boolean) {
  return new Promise<{ type: string; obj: any }[]>((resolve, reject) => {
    const events: { type: string; obj: any }[] = [];
    let ctl: AbortController | undefined;
    new Watch(kc)
      .watch(
        path,
        params,
        (type, obj) => {
          events.push({ type, obj });
          if (stopAfter(events)) {
            ctl?.abort();
            resolve(events);
          }
        },
        (err) => (err && err.name !== 'AbortError' ? reject(err) : resolve(events)),
      )
      .then((c) => (ctl = c), reject);
  });
}

describe('kube API test server', () => {
  it('serves discovery with the policy APIs the snapshot needs', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    expect((await core.getAPIResources()).resources.map((r) => r.name)).toEqual(expect.arrayContaining(['pods', 'services', 'namespaces', 'nodes', 'pods/exec', 'pods/portforward']));
    const anps = await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'adminnetworkpolicies' });
    expect((anps as any).items.map((i: any) => i.metadata.name)).toEqual(['allow-monitoring-scrape']);
  });

  it('watches from a resourceVersion with bookmarks and live events', async () => {
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop' });
    const rv = list.metadata!.resourceVersion!;
    const done = watchEvents('/api/v1/namespaces/shop/pods', { resourceVersion: rv, allowWatchBookmarks: 'true' }, (ev) =>
      ev.some((e) => e.type === 'BOOKMARK') && ev.some((e) => e.type === 'DELETED'),
    );
    await new Promise((r) => setTimeout(r, 30));
    api.addPod({ ...demo.pods[0], namespace: 'shop', name: 'watch-me' });
    api.addPod({ ...demo.pods[0], namespace: 'payments', name: 'other-namespace' });
    api.remove('pods', 'shop', 'watch-me');
    const events = await done;
    const live = events.filter((e) => e.type !== 'BOOKMARK');
    expect(live.map((e) => `${e.type} ${e.obj.metadata.name}`)).toEqual(['ADDED watch-me', 'DELETED watch-me']);
    expect(Number(live[1].obj.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    expect(live[0].obj).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
  });

  it('answers a watch from a compacted resourceVersion with a 410 Expired ERROR event', async () => {
    const rv = String(api.store.rv);
    api.addPod({ ...demo.pods[0], name: 'after-rv' });
    api.compact();
    const events = await watchEvents('/api/v1/pods', { resourceVersion: rv }, (ev) => ev.some((e) => e.type === 'ERROR'));
    expect(events.at(-1)).toMatchObject({ type: 'ERROR', obj: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('replays missed events to a watch that resumes from an older (not compacted) resourceVersion', async () => {
    const rv = String(api.store.rv);
    api.addPod({ ...demo.pods[0], name: 'missed-1' });
    api.addPod({ ...demo.pods[0], name: 'missed-2' });
    const events = await watchEvents('/api/v1/pods', { resourceVersion: rv }, (ev) => ev.length >= 2);
    expect(events.map((e) => e.obj.metadata.name)).toEqual(['missed-1', 'missed-2']);
  });

  it('refuses unknown and expired tokens with 401 Status objects', async () => {
    const https = await import('node:https');
    const get = (token: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        https
          .get(`${api.url}/api/v1/nodes`, { ca: api.caPem, headers: { Authorization: `Bearer ${token}` } }, (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
          })
          .on('error', reject);
      });
    expect(await get('who-knows')).toMatchObject({ status: 401, body: { kind: 'Status', reason: 'Unauthorized', code: 401 } });
    expect((await get('expired-token')).body.message).toMatch(/token has expired/);
    expect((await get('restricted-token')).body).toMatchObject({ code: 403, reason: 'Forbidden', message: expect.stringMatching(/User "restricted" cannot list resource "nodes"/) });
    expect((await get('admin-token')).status).toBe(200);
  });
});

describe('selectors', () => {
  it.each([
    ['app=cart', { app: 'cart' }, true],
    ['app==cart,tier', { app: 'cart', tier: 'x' }, true],
    ['app!=cart', { app: 'web' }, true],
    ['app!=cart', {}, true],
    ['!canary', { canary: 'y' }, false],
    ['env in (prod, staging)', { env: 'staging' }, true],
    ['env notin (prod)', { env: 'prod' }, false],
    ['env notin (prod)', {}, true],
  ])('label selector %s on %j = %s', (sel, labels, want) => {
    expect(parseLabelSelector(sel)(labels)).toBe(want);
  });

  it('field selectors and bad input', () => {
    const pod = { metadata: { name: 'a', namespace: 'n' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
    expect(parseFieldSelector('metadata.name=a,status.phase!=Failed')(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=n2')(pod)).toBe(false);
    expect(() => parseFieldSelector('spec.bogus=1')).toThrow(/not supported/);
    expect(() => parseLabelSelector('a in b')).toThrow(/unable to parse/);
  });
});
