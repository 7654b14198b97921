import http from 'node:http';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { ClusterConnection } from '../../../main/cluster/connection.js';
import { listContexts } from '../../../main/cluster/kubeconfig.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

let api: KubeApiServer;
let proxy: http.Server;
const tunnels: string[] = [];
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demoSnapshot() });
  // A loopback HTTP CONNECT proxy that records where it tunnels to.
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client: net.Socket, head) => {
    tunnels.push(req.url ?? '');
    sockets.add(client);
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = net.connect(Number(port), host, () => {
      sockets.add(upstream);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  await api?.close();
  // Tunnelled sockets are not the HTTP server's to close.
  for (const s of sockets) s.destroy();
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

/** The written kubeconfig with extra cluster fields (proxy-url, insecure-skip-tls-verify). */
function variant(extra: string, dropCa = false): string {
  const file = writeTestKubeconfig(api);
  let text = readFileSync(file, 'utf8');
  if (dropCa) text = text.replace(/^\s+certificate-authority-data: .*\n/m, '');
  text = text.replace(/( {4}server: .*\n)/, `$1${extra}`);
  writeFileSync(file, text);
  return file;
}

describe('transport settings from the kubeconfig', () => {
  it('goes through proxy-url and says so in the context list', async () => {
    const port = (proxy.address() as net.AddressInfo).port;
    const file = variant(`    proxy-url: http://127.0.0.1:${port}\n`);
    const ctx = (await listContexts({ path: file, searchPath: '' }))[0];
    expect(ctx.warnings).toContain(`proxy-url http://127.0.0.1:${port}`);
    const conn = new ClusterConnection();
    try {
      await conn.connect('test-admin', { kubeconfig: { path: file, searchPath: '' } });
      expect(conn.snapshot().pods.length).toBe(demoSnapshot().pods.length);
      expect(tunnels).toContain(`127.0.0.1:${api.port}`);
    } finally {
      conn.close();
    }
  });

  it('connects without a CA when insecure-skip-tls-verify is set, with a warning', async () => {
    const file = variant('    insecure-skip-tls-verify: true\n', true);
    expect((await listContexts({ path: file, searchPath: '' }))[0].warnings).toContain('insecure-skip-tls-verify');
    const conn = new ClusterConnection();
    try {
      await conn.connect('test-admin', { kubeconfig: { path: file, searchPath: '' } });
      expect(conn.status().state).toBe('live');
    } finally {
      conn.close();
    }
  });

  it('without a CA and without skip-verify, the self-signed server is refused as a TLS error', async () => {
    const file = variant('', true);
    const conn = new ClusterConnection();
    await expect(conn.connect('test-admin', { kubeconfig: { path: file, searchPath: '' } })).rejects.toMatchObject({ code: 'tls' });
  });
});
