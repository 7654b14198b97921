/**
 * The Electron shell (issue #21 item 10): openExternal refuses URLs carrying credentials and
 * anything but https; the packaged app has its fuses set (packaging/fuses.json, flipped by
 * scripts/package.mjs), checked here on the config and on a stand-in binary that carries
 * Electron's fuse wire with its default values; the page's pick requests open only known dialogs.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isExternalHttps, pickDialog } from '../../main/electron/trust.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-electron-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openExternal', () => {
  it('opens plain https links only', () => {
    expect(isExternalHttps('https://kubernetes.io/docs/')).toBe(true);
    expect(isExternalHttps('https://user:pw@example.com/')).toBe(false);
    expect(isExternalHttps('https://token@example.com/')).toBe(false);
    expect(isExternalHttps('https://:pw@example.com/')).toBe(false);
    expect(isExternalHttps('http://example.com/')).toBe(false);
    expect(isExternalHttps('file:///etc/passwd')).toBe(false);
    expect(isExternalHttps('javascript:alert(1)')).toBe(false);
    expect(isExternalHttps('not a url')).toBe(false);
  });
});

describe('native dialogs asked for by the page', () => {
  it('only the three known kinds open a dialog', () => {
    expect(pickDialog('snapshot')).toMatchObject({ property: 'openFile', grant: 'file' });
    expect(pickDialog('flows')).toMatchObject({ property: 'openFile', grant: 'file' });
    expect(pickDialog('folder')).toMatchObject({ property: 'openDirectory', grant: 'folder' });
    for (const bad of ['save', '', undefined, { kind: 'folder' }, '__proto__']) expect(pickDialog(bad)).toBeUndefined();
  });
});

const FUSES = ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar', 'LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges'];
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

describe('Electron fuses of the packaged app', () => {
  const spec = JSON.parse(readFileSync(join(ROOT, 'packaging', 'fuses.json'), 'utf8')) as { version: string; fuses: Record<string, boolean> };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };

  it('the config turns off running as Node, NODE_OPTIONS and --inspect, turns on cookie encryption, ASAR integrity and ASAR-only loading', () => {
    expect(spec.version).toBe('1');
    expect(spec.fuses).toMatchObject({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
    });
    for (const name of Object.keys(spec.fuses)) expect(FUSES).toContain(name);
    expect(pkg.scripts.package).toBe('npm run build && node scripts/package.mjs');
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['@electron/fuses', '@electron/packager']));
  });

  let hasFuses = true;
  try {
    createRequire(join(ROOT, 'package.json')).resolve('@electron/fuses');
  } catch {
    hasFuses = false;
  }
  // `npm ci` installs @electron/fuses (a devDependency); a node_modules from before it was added lacks it.
  it.skipIf(!hasFuses)('scripts/package.mjs flips exactly those fuses in an Electron binary', () => {
    // Electron's defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on; the rest off; a ninth fuse left alone.
    const defaults = '101100011';
    const exe = join(dir, 'electron');
    writeFileSync(exe, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(SENTINEL), Buffer.from([1, defaults.length]), Buffer.from(defaults), Buffer.alloc(4096, 7)]));
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--flip', exe], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const bytes = readFileSync(exe);
    const at = bytes.indexOf(SENTINEL) + SENTINEL.length;
    const wire = bytes.subarray(at + 2, at + 2 + defaults.length).toString('latin1');
    const want = FUSES.map((f) => (spec.fuses[f] ? '1' : '0')).join('') + defaults.slice(FUSES.length);
    expect(wire).toBe(want);
    expect(wire.slice(0, 6)).toBe('010011');
  });
});
