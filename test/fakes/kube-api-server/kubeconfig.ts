/** Writes a kubeconfig for the test server (one context per user), as a user's file would look. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeApiServer } from './server.js';

export interface WriteKubeconfigOptions {
  /** Context name prefix; contexts are "<prefix>-<user>" (e.g. test-admin, test-restricted). */
  prefix?: string;
  /** Use this CA instead of the server's (TLS error tests). */
  caPem?: string;
  /** Server URL override (unreachable server tests). */
  server?: string;
  currentUser?: string;
  file?: string;
}

export function writeTestKubeconfig(api: KubeApiServer, opts: WriteKubeconfigOptions = {}): string {
  const prefix = opts.prefix ?? 'test';
  const file = opts.file ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'netcity-kubeconfig-')), 'config');
  const ca = Buffer.from(opts.caPem ?? api.caPem).toString('base64');
  const cluster = `${prefix}-cluster`;
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${prefix}-${opts.currentUser ?? api.users[0].name}`,
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    `    server: ${opts.server ?? api.url}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    ...api.users.flatMap((u) => [`- name: ${prefix}-${u.name}`, '  user:', `    token: ${u.token}`]),
    'contexts:',
    ...api.users.flatMap((u) => [
      `- name: ${prefix}-${u.name}`,
      '  context:',
      `    cluster: ${cluster}`,
      `    user: ${prefix}-${u.name}`,
      ...(u.namespaces ? [`    namespace: ${u.namespaces[0]}`] : []),
    ]),
    '',
  ];
  writeFileSync(file, lines.join('\n'), { mode: 0o600 });
  return file;
}
