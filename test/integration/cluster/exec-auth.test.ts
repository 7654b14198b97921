import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { ClusterConnection } from '../../../main/cluster/connection.js';
import { listContexts } from '../../../main/cluster/kubeconfig.js';
import { startKubeApiServer, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

// An exec credential plugin that lives only on the "login shell" PATH we pass, not on the process PATH.
const dir = mkdtempSync(path.join(os.tmpdir(), 'netcity-exec-'));
const bin = path.join(dir, 'bin');
const calls = path.join(dir, 'calls');
let api: KubeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demoSnapshot() });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'netcity-test-login'),
    `#!/bin/sh
echo x >> "${calls}"
# The PATH handed to the plugin must be the login PATH.
case ":$PATH:" in *":${bin}:"*) ;; *) echo "PATH not passed" >&2; exit 3;; esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "$TOKEN" "$EXPIRES"
`,
  );
  chmodSync(path.join(bin, 'netcity-test-login'), 0o755);
  const ca = Buffer.from(api.caPem).toString('base64');
  const user = (name: string, token: string, expires: string) => `- name: ${name}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: netcity-test-login
      args: [--cluster, test]
      env: [{name: TOKEN, value: ${token}}, {name: EXPIRES, value: "${expires}"}]
      interactiveMode: Never`;
  kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
current-context: fresh
clusters:
- name: c
  cluster: {server: ${api.url}, certificate-authority-data: ${ca}}
users:
${user('fresh', 'admin-token', '2999-01-01T00:00:00Z')}
${user('short-lived', 'admin-token', '2000-01-01T00:00:00Z')}
${user('bad', 'expired-token', '2999-01-01T00:00:00Z')}
contexts:
- {name: fresh, context: {cluster: c, user: fresh}}
- {name: short-lived, context: {cluster: c, user: short-lived}}
- {name: bad, context: {cluster: c, user: bad}}
`,
  );
});
afterAll(async () => {
  await api?.close();
});

const count = (): number => {
  try {
    return readFileSync(calls, 'utf8').trim().split('\n').length;
  } catch {
    return 0;
  }
};

describe('exec credential plugins', () => {
  it('shows the command a context runs and finds the plugin on the login PATH', async () => {
    const ctx = (await listContexts({ path: kubeconfig, searchPath: bin })).find((c) => c.name === 'fresh')!;
    expect(ctx).toMatchObject({ auth: 'exec', execCommand: 'netcity-test-login --cluster test' });
    expect(ctx.installHint).toBeUndefined();
    expect(JSON.stringify(ctx)).not.toContain('admin-token');
  });

  it('connects with a plugin token, running the plugin once while the token is valid', async () => {
    const before = count();
    const conn = new ClusterConnection();
    try {
      await conn.connect('fresh', { kubeconfig: { path: kubeconfig, searchPath: bin } });
      expect(conn.snapshot().pods.length).toBeGreaterThan(0);
      expect(count() - before).toBe(1);
    } finally {
      conn.close();
    }
  });

  it('runs the plugin again when its token has expired (refresh)', async () => {
    const before = count();
    const conn = new ClusterConnection();
    try {
      await conn.connect('short-lived', { kubeconfig: { path: kubeconfig, searchPath: bin } });
      expect(count() - before).toBeGreaterThan(5);
    } finally {
      conn.close();
    }
  });

  it('a token the server rejects gives a clear 401', async () => {
    const conn = new ClusterConnection();
    await expect(conn.connect('bad', { kubeconfig: { path: kubeconfig, searchPath: bin } })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a missing plugin fails before any request, with the install hint', async () => {
    const conn = new ClusterConnection();
    await expect(conn.connect('fresh', { kubeconfig: { path: kubeconfig, searchPath: '/nonexistent' } })).rejects.toThrow(
      /credential plugin 'netcity-test-login' was not found on PATH/,
    );
  });
});
