/**
 * API file paths are confined (issue #21 item 5): snapshots.save / snapshots.open / flows.import /
 * manifests.open / settings.set { snapshotDir } take only paths in the snapshot library, in a
 * folder the user allowed (`serve --allow`, a path named on the command line, "allowedFolders" in
 * settings.json, a folder picked in the desktop app's dialog) or a file picked in a dialog.
 * Before: `snapshots.save { path }` wrote `<path>.netcity` anywhere the user can write, and the
 * readers opened any file. An API call cannot widen the list.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';
import { PathNotAllowedError } from '../../main/api/paths.js';
import { openInitialCity } from '../../main/api/startup.js';
import { main } from '../../main/cli/cli.js';
import { demoSnapshot } from '../../main/model/scenario/demo.js';
import { saveSnapshot } from '../../main/store/snapshot-file.js';

const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-paths-'));
const allowed = join(dir, 'allowed');
const outside = join(dir, 'outside');
mkdirSync(allowed);
mkdirSync(outside);
const outsideSnapshot = join(outside, 'theirs.netcity');
saveSnapshot(outsideSnapshot, demoSnapshot());
writeFileSync(join(outside, 'flows.jsonl'), '{"flow":{}}\n');
writeFileSync(join(outside, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n');
symlinkSync(outside, join(allowed, 'escape'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let backends: Backend[] = [];
function backendWith(opts: { allow?: string[]; mode?: 'browser' | 'electron'; configDir?: string } = {}): Backend {
  const b = new Backend({ mode: opts.mode ?? 'browser', version: 'test', configDir: opts.configDir ?? mkdtempSync(join(dir, 'cfg-')), allow: opts.allow });
  b.openDemo();
  backends.push(b);
  return b;
}
afterEach(async () => {
  for (const b of backends) await b.dispose();
  backends = [];
});
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as PathNotAllowedError);

describe('API file paths', () => {
  it('snapshots.save writes nowhere outside the library and the allowed folders', async () => {
    const b = backendWith({ allow: [allowed] });
    const targets = [join(outside, 'planted'), join(dir, 'planted'), join(allowed, '..', 'outside', 'planted'), join(allowed, 'escape', 'planted'), '/tmp/netcity-planted-by-api'];
    for (const path of targets) {
      const err = await refusal(b.call('snapshots.save', { cityId: 'demo', path }));
      expect(err, path).toBeInstanceOf(PathNotAllowedError);
      expect(err!.code).toBe('path-not-allowed');
      expect(err!.message).toMatch(/NetCity only uses files in the snapshot library \(.*\), in the folders you allowed \(.*allowed\) or picked in a file dialog\. Start NetCity with `netcity serve --allow FOLDER`/);
    }
    expect(readdirSync(outside).sort()).toEqual(['flows.jsonl', 'pod.yaml', 'theirs.netcity']);
    expect(existsSync('/tmp/netcity-planted-by-api.netcity')).toBe(false);
    // Inside an allowed folder and in the library it works.
    expect((await b.call('snapshots.save', { cityId: 'demo', path: join(allowed, 'mine') })).path).toBe(join(allowed, 'mine.netcity'));
    expect((await b.call('snapshots.save', { cityId: 'demo' })).path.startsWith(b.settings.snapshotDir)).toBe(true);
  });

  it('the readers open nothing outside either (snapshots.open, flows.import, manifests.open)', async () => {
    const b = backendWith({ allow: [allowed] });
    const calls = [
      b.call('snapshots.open', { path: outsideSnapshot }),
      b.call('snapshots.open', { path: join(allowed, 'escape', 'theirs.netcity') }),
      b.call('flows.import', { fileName: 'x', path: join(outside, 'flows.jsonl') }),
      b.call('flows.import', { fileName: 'shadow', path: '/etc/shadow' }),
      b.openDemo() && b.call('flows.inspect', { cityId: 'demo', fileName: 'shadow', path: '/etc/shadow' }),
      b.call('manifests.open', { paths: [outside] }),
      b.call('manifests.open', { paths: [join(allowed, 'escape')] }),
      b.call('manifests.open', { paths: ['/etc'] }),
    ];
    for (const err of await Promise.all(calls.map(refusal))) expect(err?.code).toBe('path-not-allowed');
    expect([...b.cities.keys()]).toEqual(['demo']);
  });

  it('a folder walk does not follow a symlink out of the allowed folders', async () => {
    const b = backendWith({ allow: [allowed] });
    writeFileSync(join(allowed, 'web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c, image: nginx}]}\n');
    const city = await b.call('manifests.open', { paths: [allowed] });
    const snap = b.city(city.id).snapshot;
    expect(snap.pods.map((p) => p.name)).toEqual(['web']);
    expect(snap.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/escape: .*leads outside the folders NetCity may use; not read/)]);
  });

  it('the library cannot be moved out by settings.set, and the allow-list cannot be widened through the API', async () => {
    const b = backendWith({ allow: [allowed] });
    expect((await refusal(b.call('settings.set', { snapshotDir: outside })))?.code).toBe('path-not-allowed');
    await expect(b.call('settings.set', { allowedFolders: [outside] } as never)).rejects.toThrow(/allowedFolders/);
    expect((await b.call('settings.set', { snapshotDir: join(allowed, 'library') })).snapshotDir).toBe(join(allowed, 'library'));
    expect((await refusal(b.call('snapshots.open', { path: outsideSnapshot })))?.code).toBe('path-not-allowed');
  });

  it('folders allowed in settings.json, and paths named on the command line, may be used', async () => {
    const configDir = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(join(configDir, 'settings.json'), JSON.stringify({ allowedFolders: [outside] }));
    const b = backendWith({ configDir, mode: 'electron' });
    expect((await b.call('snapshots.open', { path: outsideSnapshot })).kind).toBe('snapshot');
    const c = backendWith({ mode: 'electron' });
    const err = await refusal(c.call('snapshots.open', { path: outsideSnapshot }));
    expect(err?.message).toMatch(/Choose it with Browse… .*"allowedFolders" in .*settings\.json/);
    await openInitialCity(c, { demo: false, paths: [outsideSnapshot], cwd: dir, log: () => {} });
    expect([...c.cities.values()].some((city) => city.filePath === outsideSnapshot)).toBe(true);
    // Naming one file allows that file, not its folder.
    expect((await refusal(c.call('flows.import', { fileName: 'x', path: join(outside, 'flows.jsonl') })))?.code).toBe('path-not-allowed');
    // A file picked in the desktop app's dialog (granted by the Electron main process).
    c.paths.allowFile(join(outside, 'flows.jsonl'));
    await expect(c.call('flows.import', { fileName: 'x', path: join(outside, 'flows.jsonl') })).resolves.toMatchObject({ cityId: expect.any(String) });
  });

  it('netcity serve --allow takes folders only', async () => {
    let err = '';
    const code = await main(['serve', '--allow', join(outside, 'pod.yaml')], { out: () => {}, err: (t) => (err += t), cwd: dir, signal: new AbortController().signal });
    expect(code).toBe(2);
    expect(err).toMatch(/--allow: .*pod\.yaml is not a folder/);
  });
});
