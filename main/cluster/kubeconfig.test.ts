import { mkdtempSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listContexts, loadKubeconfig, resolveContext, jwtExpiry, redactArgs } from './kubeconfig.js';
import { ClusterError } from './errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netcity-kc-'));
const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const jwt = (exp: number): string =>
  ['e30', Buffer.from(JSON.stringify({ exp })).toString('base64url'), 'sig'].join('.');

const A = write(
  'a.yaml',
  `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: { server: https://127.0.0.1:6443, certificate-authority: ca.crt }
- name: shared
  cluster: { server: https://from-a.invalid:6443, insecure-skip-tls-verify: true, proxy-url: "http://user:pw@127.0.0.1:3128" }
users:
- name: dev-user
  user: { token: secret-token-a }
- name: cert-user
  user: { client-certificate-data: Zm9v, client-key-data: YmFy }
contexts:
- name: dev
  context: { cluster: dev-cluster, user: dev-user, namespace: shop }
- name: staging
  context: { cluster: shared, user: cert-user }
`,
);
const B = write(
  'b.yaml',
  `current-context: ignored
clusters:
- name: shared
  cluster: { server: https://from-b.invalid:6443 }
- name: gke
  cluster: { server: https://127.0.0.2:443 }
users:
- name: gke-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      args: [--verbose, "two words"]
      provideClusterInfo: true
- name: expired
  user: { token: ${jwt(1_000_000)} }
contexts:
- name: gke
  context: { cluster: gke, user: gke-user }
- name: old
  context: { cluster: gke, user: expired }
- name: dev
  context: { cluster: gke, user: gke-user }
`,
);
const env = { KUBECONFIG: [A, B].join(path.delimiter) };

describe('loadKubeconfig / listContexts', () => {
  it('merges KUBECONFIG files, first definition wins, paths relative to their file', async () => {
    const cfg = loadKubeconfig({ env });
    expect(cfg.currentContext).toBe('dev');
    expect(cfg.clusters.get('shared')!.body.server).toBe('https://from-a.invalid:6443');
    expect(cfg.clusters.get('dev-cluster')!.body['certificate-authority']).toBe(path.join(dir, 'ca.crt'));
    const ctxs = await listContexts({ env, searchPath: '' });
    expect(ctxs.map((c) => c.name)).toEqual(['dev', 'staging', 'gke', 'old']);
    const dev = ctxs.find((c) => c.name === 'dev')!;
    expect(dev).toMatchObject({ cluster: 'dev-cluster', server: 'https://127.0.0.1:6443', user: 'dev-user', namespace: 'shop', auth: 'token', current: true });
    const staging = ctxs.find((c) => c.name === 'staging')!;
    expect(staging.auth).toBe('client-cert');
    expect(staging.warnings).toContain('insecure-skip-tls-verify');
    expect(staging.warnings).toContain('proxy-url http://127.0.0.1:3128');
  });

  it('never returns credentials', async () => {
    const text = JSON.stringify(await listContexts({ env, searchPath: '' }));
    expect(text).not.toContain('secret-token-a');
    expect(text).not.toContain('Zm9v');
    expect(text).not.toContain('pw@');
  });

  it('shows the exec command and the install hint when the plugin is missing', async () => {
    const gke = (await listContexts({ env, searchPath: '/nonexistent' })).find((c) => c.name === 'gke')!;
    expect(gke.auth).toBe('exec');
    expect(gke.execCommand).toBe("gke-gcloud-auth-plugin --verbose 'two words'");
    expect(gke.warnings).toContain('exec-plugin-missing gke-gcloud-auth-plugin');
    expect(gke.installHint).toMatch(/gcloud components install gke-gcloud-auth-plugin/);
    await expect(resolveContext('gke', { env, searchPath: '/nonexistent' })).rejects.toThrow(/gke-gcloud-auth-plugin' was not found on PATH.*gcloud components install/);
  });

  it('finds the exec plugin on the given (login shell) PATH and hands that PATH to it', async () => {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const plugin = path.join(bin, 'gke-gcloud-auth-plugin');
    writeFileSync(plugin, '#!/bin/sh\necho "{\\"status\\":{\\"token\\":\\"$PATH\\"}}"\n');
    chmodSync(plugin, 0o755);
    const gke = (await listContexts({ env, searchPath: bin })).find((c) => c.name === 'gke')!;
    expect(gke.installHint).toBeUndefined();
    const { kubeConfig } = await resolveContext('gke', { env, searchPath: bin });
    const opts: { headers?: Record<string, string> } = {};
    await kubeConfig.applyToHTTPSOptions(opts);
    expect(opts.headers?.Authorization).toBe(`Bearer ${bin}`);
  });

  it('hides secret-looking plugin arguments in the command shown', () => {
    expect(redactArgs(['get-token', '--client-secret', 's3cr3t', '--token=abc', '--server-id', 'x', '--password'])).toEqual([
      'get-token', '--client-secret', '***', '--token=***', '--server-id', 'x', '--password',
    ]);
  });

  it('warns about an expired token', async () => {
    const old = (await listContexts({ env, searchPath: '' })).find((c) => c.name === 'old')!;
    expect(old.warnings.some((w) => w.startsWith('token-expired 1970-01-12'))).toBe(true);
    expect(jwtExpiry('not-a-jwt')).toBeUndefined();
  });

  it('names the missing context and the ones there are', async () => {
    const err = await resolveContext('prod', { env, searchPath: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('context-not-found');
    expect((err as Error).message).toMatch(/context 'prod' not found \(have: dev, staging, gke, old\)/);
  });

  it('resolves the current context into a client-node KubeConfig', async () => {
    const { kubeConfig, info } = await resolveContext(undefined, { env, searchPath: '' });
    expect(info.name).toBe('dev');
    expect(kubeConfig.getCurrentCluster()!.server).toBe('https://127.0.0.1:6443');
    expect(kubeConfig.getCurrentUser()!.token).toBe('secret-token-a');
  });

  it.each([
    ['bad YAML', 'clusters: [\n  - name: x\n  cluster: {', /not valid YAML at line \d+/],
    ['not a mapping', '- just\n- a list\n', /expected a mapping/],
    ['clusters not a list', 'clusters: {a: 1}\n', /'clusters' must be a list/],
    ['cluster without server', 'clusters:\n- name: c\n  cluster: {}\n', /cluster 'c' has no server URL/],
    ['context without name', 'contexts:\n- context: {cluster: c}\n', /contexts\[0\] has no name/],
  ])('malformed kubeconfig (%s) names the file and the problem', (_label, text, re) => {
    const p = write(`bad-${Math.random()}.yaml`, text);
    expect(() => loadKubeconfig({ path: p })).toThrow(re);
    expect(() => loadKubeconfig({ path: p })).toThrow(path.basename(p));
  });

  it('reports a chosen file that does not exist and an empty search', () => {
    expect(() => loadKubeconfig({ path: path.join(dir, 'nope.yaml') })).toThrow(/nope.yaml: file not found/);
    expect(() => loadKubeconfig({ env: {}, home: path.join(dir, 'nohome') })).toThrow(/no kubeconfig found.*set KUBECONFIG/);
  });
});
