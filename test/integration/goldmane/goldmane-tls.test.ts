// Mutual TLS to Goldmane, as operator installs serve it: the client and `netcity snapshot
// --goldmane-ca/--goldmane-cert/--goldmane-key` against the fake Goldmane with test certificates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snapshotCommand from '../../../main/cli/commands/snapshot.js';
import { GoldmaneClient } from '../../../main/flows/goldmane-client.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { openSnapshot } from '../../../main/store/index.js';
import { FakeGoldmane, goldmaneFlow } from '../../fakes/goldmane/fake-goldmane.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

const SERVER_NAME = 'goldmane.calico-system.svc';
function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())('Goldmane over mutual TLS', () => {
  let dir: string;
  let fake: FakeGoldmane;
  let port: number;
  let api: KubeApiServer;
  let kubeconfig: string;
  const f = (n: string) => readFileSync(join(dir, n));
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netcity-goldmane-tls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=tigera-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
    for (const [name, cn, ext] of [
      ['server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`],
      ['client', 'netcity', 'extendedKeyUsage=clientAuth\n'],
    ]) {
      writeFileSync(join(dir, `${name}.ext`), ext);
      run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
    }
    fake = new FakeGoldmane({ tls: { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') } });
    port = await fake.start();
    fake.emit([goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8080, action: 'Allow', start: Math.floor(Date.now() / 1000) - 30 })]);
    api = await startKubeApiServer({ snapshot: demoSnapshot() });
    kubeconfig = writeTestKubeconfig(api);
  }, 60_000);
  afterAll(async () => {
    await fake?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists with the CA and a client certificate; refuses without the certificate', async () => {
    const tls = { ca: f('ca.crt'), cert: f('client.crt'), key: f('client.key'), serverName: SERVER_NAME };
    expect(await new GoldmaneClient({ address: `127.0.0.1:${port}`, tls }).list({ startTimeGte: -120 })).toHaveLength(1);
    await expect(new GoldmaneClient({ address: `127.0.0.1:${port}`, tls: { ca: f('ca.crt'), serverName: SERVER_NAME }, connectTimeoutMs: 3000 }).list({ startTimeGte: -120 })).rejects.toThrow(/Goldmane at 127\.0\.0\.1/);
  });

  it('netcity snapshot --flows with --goldmane-ca/--goldmane-cert/--goldmane-key', async () => {
    const file = join(dir, 'tls.netcity');
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += t), cwd: dir, signal: new AbortController().signal };
    const pump = setInterval(() => fake.emit([goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 9090, action: 'Allow' })]), 250);
    try {
      const code = await snapshotCommand.run(
        ['--context', 'test-admin', '--kubeconfig', kubeconfig, '--flows', '2s', '--goldmane-address', `127.0.0.1:${port}`, '--goldmane-ca', 'ca.crt', '--goldmane-cert', 'client.crt', '--goldmane-key', 'client.key', '--out', file],
        io,
      );
      expect(code, err).toBe(0);
    } finally {
      clearInterval(pump);
    }
    expect(err).not.toMatch(/warning: Goldmane/);
    expect(openSnapshot(file).roads.some((r) => r.port === 9090 && r.sources.includes('goldmane'))).toBe(true);
    await expect(snapshotCommand.run(['--context', 'test-admin', '--kubeconfig', kubeconfig, '--flows', '1s', '--goldmane-cert', 'client.crt', '--out', file], io)).rejects.toThrow('--goldmane-cert and --goldmane-key go together');
  });
});
