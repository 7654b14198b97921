/**
 * The built `netcity` command and `npm start` as a user meets them in a shell: pipe-safe output,
 * progress only where it belongs, and a clear line instead of Electron's advice when its binary
 * is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/serve.js';

const NETCITY = join(ROOT, 'bin', 'netcity.mjs');
let dir: string;

/** Namespaces of pods with no policy: every pair is allowed, so the matrix is far larger than a pipe's buffer. */
function writeOpenCity(folder: string, namespaces: number, podsPerNamespace: number): void {
  const docs: string[] = [];
  for (let n = 0; n < namespaces; n++) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${n}\n`);
    for (let p = 0; p < podsPerNamespace; p++)
      docs.push(
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app-${p}\n  namespace: ns-${n}\n  labels:\n    app: app-${p}\n` +
          `spec:\n  containers:\n    - name: c\n      image: nginx\n      ports:\n        - containerPort: 8080\n` +
          `status:\n  phase: Running\n  podIP: 10.${n}.0.${p + 10}\n`,
      );
  }
  writeFileSync(join(folder, 'city.yaml'), docs.join('---\n'));
}

const bash = (script: string, env: Record<string, string> = {}) =>
  spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-cli-'));
  writeOpenCity(dir, 20, 15);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netcity in a shell', () => {
  it('ends quietly with exit 0 when the reader of its output goes away (| head -1)', () => {
    const r = bash(`node "${NETCITY}" analyze "${dir}" | head -1`);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/=>/);
  });

  it('prints the whole matrix when nobody stops reading', () => {
    const r = bash(`node "${NETCITY}" analyze "${dir}" --no-ip-ranges | wc -l`);
    expect(r.status).toBe(0);
    expect(Number(r.stdout.trim())).toBe(300 * 299);
  });

  it('keeps stderr free of progress when it is not a terminal, unless --progress asks for it', () => {
    const plain = bash(`node "${NETCITY}" analyze "${dir}" --format json > /dev/null`);
    expect(plain.status).toBe(0);
    expect(plain.stderr).toBe('');
    const quiet = bash(`node "${NETCITY}" analyze "${dir}" --format json --progress --quiet > /dev/null`);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});

describe('npm start without a usable Electron', () => {
  it('says why in one line and points to browser mode, exit non-zero, no stack trace', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'no-electron-here') },
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/desktop app cannot start: .*binary .* missing.*npm run serve/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the shipped build', () => {
  it('holds no test or benchmark code (out/cli, out/main, out/preload, out/renderer)', () => {
    const shipped = ['cli', 'main', 'preload', 'renderer'].map((d) => join(ROOT, 'out', d));
    const files = shipped.flatMap((d) => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)));
    expect(files.length).toBeGreaterThan(10);
    const rel = files.map((f) => f.slice(join(ROOT, 'out').length + 1));
    expect(rel.filter((f) => /(^|\/)(test|bench)\//.test(f) || /\.test\.js$/.test(f))).toEqual([]);
    const mentions = files.filter((f) => /\.(c?js)$/.test(f) && /FakeProbeCluster|KubeApiServer|fake-relay|test\/fakes\//.test(readFileSync(f, 'utf8')));
    expect(mentions.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
  });

  it('a renderer built for users has no test hooks; the test build (what these suites drive) has them', { timeout: 180_000 }, async () => {
    // The same renderer build as electron-vite's, into a scratch folder, without NETCITY_TEST_HOOKS.
    const outDir = mkdtempSync(join(tmpdir(), 'netcity-renderer-'));
    const { build } = await import('vite');
    const { svelte } = await import('@sveltejs/vite-plugin-svelte');
    const env = process.env.NETCITY_TEST_HOOKS;
    delete process.env.NETCITY_TEST_HOOKS;
    try {
      const config = (await import(join(ROOT, 'electron.vite.config.ts'))).default as { renderer: { define: Record<string, string> } };
      await build({ root: join(ROOT, 'renderer'), base: './', configFile: false, logLevel: 'silent', plugins: [svelte({ configFile: join(ROOT, 'svelte.config.js') })], define: config.renderer.define, build: { outDir, emptyOutDir: true } });
      const js = (dir: string) => readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, 'assets', f), 'utf8')).join('\n');
      expect(js(outDir)).not.toContain('__netcity');
      expect(js(join(ROOT, 'out', 'renderer'))).toContain('__netcity');
    } finally {
      if (env !== undefined) process.env.NETCITY_TEST_HOOKS = env;
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
