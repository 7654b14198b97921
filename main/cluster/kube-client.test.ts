import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type WatchEvent } from './kube-client.js';
import { ClusterError } from './errors.js';

// Plain HTTP on loopback (skip-tls) so the stream can be cut exactly where a test wants.
let server: http.Server;
let client: KubeClient;
const routes: Record<string, (res: http.ServerResponse) => void> = {
  '/ok': (res) => res.end(JSON.stringify({ kind: 'PodList', items: [] })),
  '/forbidden': (res) => {
    res.writeHead(403, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'pods is forbidden: User "bob" cannot list resource "pods"' }));
  },
  '/truncated-json': (res) => res.end('{"kind":"PodList","items":[{"meta'),
  '/watch-good': (res) => {
    res.writeHead(200);
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"DEL');
    setTimeout(() => res.end('ETED","object":{"metadata":{"name":"a"}}}\n'), 20);
  },
  '/watch-malformed': (res) => {
    res.writeHead(200);
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\nnot json\n');
  },
  '/watch-truncated': (res) => {
    res.writeHead(200);
    res.end('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODIFIED","obj');
  },
  '/watch-gone': (res) => {
    res.writeHead(410, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
  },
};

beforeAll(async () => {
  server = http.createServer((req, res) => (routes[req.url!.split('?')[0]] ?? ((r) => r.writeHead(404).end()))(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  client = new KubeClient(kc, 'ctx');
});
afterAll(() => new Promise((r) => server.close(r)));

const watchAll = async (path: string) => {
  const events: WatchEvent[] = [];
  const err = await client.watch(path, (e) => events.push(e)).then(() => undefined, (e: unknown) => e as ClusterError);
  return { events, err };
};

describe('KubeClient', () => {
  it('returns JSON, maps 403 to a forbidden error with the API message, and rejects truncated JSON', async () => {
    expect(await client.request('/ok')).toEqual({ kind: 'PodList', items: [] });
    const forbidden = await client.request('/forbidden').catch((e: ClusterError) => e);
    expect(forbidden).toMatchObject({ code: 'forbidden', status: 403 });
    expect((forbidden as Error).message).toMatch(/cluster 'ctx'.*GET \/forbidden: forbidden: pods is forbidden: User "bob".*ask for RBAC access/);
    await expect(client.request('/truncated-json')).rejects.toThrow(/not JSON \(truncated\?\)/);
  });

  it('reads watch events split across chunks', async () => {
    const { events, err } = await watchAll('/watch-good');
    expect(err).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('fails on a malformed event and on a stream cut mid-event, after delivering what came before', async () => {
    const bad = await watchAll('/watch-malformed');
    expect(bad.events).toHaveLength(1);
    expect(bad.err?.message).toMatch(/watch \/watch-malformed: malformed event/);
    const cut = await watchAll('/watch-truncated');
    expect(cut.events).toHaveLength(1);
    expect(cut.err?.message).toMatch(/stream ended mid-event/);
  });

  it('maps a 410 watch answer to code gone', async () => {
    expect((await watchAll('/watch-gone')).err?.code).toBe('gone');
  });
});
