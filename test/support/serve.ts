/** Starts `netcity serve` (the built CLI) as a child process and returns its URL; stops it on close. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Served {
  url: string;
  origin: string;
  configDir: string;
  output: () => string;
  stop(): Promise<void>;
}

export const ROOT = join(__dirname, '..', '..');

export async function startServe(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const configDir = mkdtempSync(join(tmpdir(), 'netcity-e2e-'));
  // The tests' user allowed the fixtures and this run's config folder (API paths are confined to allowed folders).
  const allow = ['--allow', join(ROOT, 'test', 'e2e', 'fixtures'), '--allow', configDir];
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'netcity.mjs'), 'serve', '--config-dir', configDir, ...allow, ...args], {
    cwd: ROOT,
    env: { ...process.env, HOME: configDir, KUBECONFIG: join(configDir, 'none'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`netcity serve did not print its URL within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`netcity serve exited with ${code}:\n${out}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    configDir,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
