/**
 * Exec credential plugins (issue #21 items 1 and 8): the app runs a kubeconfig's plugin only after
 * the user allowed that file + command in the Connect dialog; a hanging plugin is killed on
 * timeout, an endless one on its output cap. Plugins are small shell scripts; the "cluster" is a
 * closed loopback port.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';
import { resolveContext } from '../../main/cluster/kubeconfig.js';
import { runExecPlugin } from '../../main/cluster/exec-plugins.js';

const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-exec-'));

function plugin(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function kubeconfig(name: string, command: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:9" } }]',
      `users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: "${command}", args: [] } } }]`,
      'contexts: [{ name: ctx, context: { cluster: c, user: u } }]',
      'current-context: ctx',
      '',
    ].join('\n'),
  );
  return file;
}

const credential = `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t0k"}}'`;

describe('an exec plugin needs the user to allow it (app and browser mode)', () => {
  it('cluster.connect alone never runs it', async () => {
    const marker = join(dir, 'ran-connect');
    const config = kubeconfig('connect', plugin('touch-connect.sh', `touch ${marker}\n${credential}`));
    const backend = new Backend({ mode: 'browser', version: 'test', configDir: join(dir, 'cfg1') });
    await expect(backend.call('cluster.connect', { context: 'ctx', kubeconfigPath: config })).rejects.toThrow(/runs it only after you allow it in the Connect dialog/);
    expect(existsSync(marker)).toBe(false);
    await backend.dispose();
  });

  it('runs once allowed for the digest shown; a changed file asks again', async () => {
    const marker = join(dir, 'ran-allowed');
    const config = kubeconfig('allowed', plugin('touch-allowed.sh', `touch ${marker}\n${credential}`));
    const backend = new Backend({ mode: 'browser', version: 'test', configDir: join(dir, 'cfg2') });
    const listed = (await backend.call('contexts.list', { kubeconfigPath: config })).contexts[0];
    expect(listed.execDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(listed.execAllowed).toBe(false);
    await expect(backend.call('cluster.allowExec', { context: 'ctx', kubeconfigPath: config, digest: 'a'.repeat(64) })).rejects.toThrow(/changed since it was shown/);
    await backend.call('cluster.allowExec', { context: 'ctx', kubeconfigPath: config, digest: listed.execDigest! });
    expect((await backend.call('contexts.list', { kubeconfigPath: config })).contexts[0].execAllowed).toBe(true);
    const { kubeConfig } = await resolveContext('ctx', backend.kubeconfigSource(config));
    const opts: { headers?: Record<string, string> } = {};
    await kubeConfig.applyToHTTPSOptions(opts);
    expect(opts.headers?.Authorization).toBe('Bearer t0k');
    expect(existsSync(marker)).toBe(true);
    // The same path with one byte more (a new command line) is a different confirmation.
    writeFileSync(config, readFileSync(config, 'utf8') + '# edited\n');
    await expect(resolveContext('ctx', backend.kubeconfigSource(config))).rejects.toThrow(/allow it in the Connect dialog/);
    await backend.dispose();
  });

  it('the CLI (which the user typed) runs it without the dialog', async () => {
    const config = kubeconfig('cli', plugin('cred.sh', credential));
    const { kubeConfig } = await resolveContext('ctx', { path: config });
    const opts: { headers?: Record<string, string> } = {};
    await kubeConfig.applyToHTTPSOptions(opts);
    expect(opts.headers?.Authorization).toBe('Bearer t0k');
  });
});

describe('exec plugin limits', () => {
  /** Running (a zombie left for a container's init to reap counts as stopped). */
  const alive = (pid: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  it('a hanging plugin is stopped at the timeout, with its child', async () => {
    const pidFile = join(dir, 'hang.pid');
    const config = kubeconfig('hang', plugin('hang.sh', `sleep 300 &\necho $! > ${pidFile}\nwait`));
    const { kubeConfig } = await resolveContext('ctx', { path: config, exec: { timeoutMs: 500 } });
    await expect(kubeConfig.applyToHTTPSOptions({})).rejects.toThrow(/did not finish within 1 s and was stopped/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it('a plugin printing without end is stopped at the output cap', async () => {
    const spec = { command: plugin('yes.sh', 'exec yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), args: [], env: [] };
    await expect(runExecPlugin(spec, { maxOutputBytes: 1024 * 1024 })).rejects.toThrow(/printed more than 1048576 bytes and was stopped/);
  });

  it('a failing plugin reports its exit code and stderr, not a stack', async () => {
    const spec = { command: plugin('fail.sh', 'echo "please log in" >&2; exit 3'), args: [], env: [] };
    await expect(runExecPlugin(spec)).rejects.toThrow(/failed \(exit code 3\): please log in/);
  });
});

describe('a malformed kubeconfig', () => {
  it('binary bytes are not printed back', async () => {
    const file = join(dir, 'binary.yaml');
    writeFileSync(file, Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0xfe, 0x3a, 0x0a, 0x07, 0x1b, 0x5d, 0x30, 0x3b]));
    const err = await resolveContext('ctx', { path: file }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/not a text file/);
    expect([...(err as Error).message].every((ch) => ch >= ' ' && ch !== '\ufffd')).toBe(true);
  });
});
