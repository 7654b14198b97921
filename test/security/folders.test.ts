/**
 * Manifest folders (issue #21 items 4 and 7): a folder with symlinks to itself and to its parent
 * is walked once (each real file read once), a 500 MB manifest gets a clear size error instead of
 * an out-of-memory abort (a sparse file: no disk or memory used), devices are not read, and a load
 * stops on Ctrl-C (the CLI) or Cancel (the app's manifests.open task). Every wait is bounded.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';
import { main } from '../../main/cli/cli.js';
import { loadManifests, ManifestLimitError, ManifestsCancelledError } from '../../main/manifests/load.js';

const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-folders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {app: ${name}}}\nspec: {containers: [{name: c, image: nginx}]}\n`;

/** Fails (instead of hanging the suite) when `p` has not settled within `ms`. */
function bounded<T>(p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

function cli(argv: string[], signal = new AbortController().signal) {
  let out = '';
  let err = '';
  return main(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd: dir, signal }).then((code) => ({ code, out, err }));
}

describe('a folder with symlink loops', () => {
  const root = join(dir, 'loops');
  mkdirSync(join(root, 'a', 'deeper'), { recursive: true });
  writeFileSync(join(root, 'a', 'web.yaml'), pod('web'));
  writeFileSync(join(root, 'a', 'deeper', 'db.yaml'), pod('db'));
  symlinkSync('.', join(root, 'a', 'self'));
  symlinkSync('..', join(root, 'a', 'deeper', 'up'));
  symlinkSync(root, join(root, 'a', 'deeper', 'root'));
  symlinkSync('web.yaml', join(root, 'a', 'same-web.yaml'));
  symlinkSync('missing', join(root, 'a', 'dangling.yaml'));
  symlinkSync('loop-b.yaml', join(root, 'a', 'loop-a.yaml'));
  symlinkSync('loop-a.yaml', join(root, 'a', 'loop-b.yaml'));

  it('is walked once: it ends, and each real file is read once', async () => {
    let total = 0;
    const set = await bounded(loadManifests([root], { onProgress: (_, t) => (total = t) }));
    expect(total).toBe(2);
    expect(set.pods.map((p) => p.name).sort()).toEqual(['db', 'web']);
    // The dangling link and the link cycle are reported, not followed.
    expect(set.errors.map((e) => e.file.slice(root.length + 1)).sort()).toEqual(['a/dangling.yaml', 'a/loop-a.yaml', 'a/loop-b.yaml']);
  });

  it('the CLI reads it in one pass too', async () => {
    const r = await bounded(cli(['analyze', root, '--format', 'json']));
    expect(JSON.parse(r.out).peers.filter((p: { type: string }) => p.type === 'workload')).toHaveLength(2);
  });
});

describe('size caps', () => {
  const big = join(dir, 'big', 'huge.yaml');
  mkdirSync(join(dir, 'big'));
  writeFileSync(big, pod('huge'));
  truncateSync(big, 500 * 1024 * 1024); // sparse: 500 MB long, nothing on disk

  it('a 500 MB manifest gets a clear error naming the file, the cap and the flag', async () => {
    const err = await bounded(loadManifests([join(dir, 'big')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestLimitError);
    expect((err as Error).message).toBe(`${big}: the file is 500 MiB, over the 64 MiB cap for one manifest file; nothing was read. Split it, or raise the cap with --max-file-mb N.`);
    const r = await bounded(cli(['analyze', join(dir, 'big')]));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/huge\.yaml: the file is 500 MiB, over the 64 MiB cap .*--max-file-mb N/);
    const s = await bounded(cli(['snapshot', '--manifests', join(dir, 'big'), '--out', join(dir, 'x.netcity')]));
    expect(s.code).toBe(1);
    expect(s.err).toMatch(/over the 64 MiB cap/);
  });

  it('the total of a load has a cap of its own; both caps can be raised', async () => {
    const many = join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 3; i++) writeFileSync(join(many, `p${i}.yaml`), pod(`p${i}`) + `# ${'x'.repeat(700 * 1024)}\n`);
    const err = await loadManifests([many], { maxTotalMB: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestLimitError);
    expect((err as Error).message).toMatch(/p1\.yaml: the manifests read so far add up to 1\.4 MiB with this file, over the 1\.0 MiB cap for one load; nothing was read\. .*--max-total-mb N/);
    expect((await loadManifests([many], { maxTotalMB: 3 })).pods).toHaveLength(3);
    const r = await cli(['analyze', many, '--max-total-mb', '1']);
    expect(r.err).toMatch(/over the 1\.0 MiB cap for one load/);
    expect((await cli(['analyze', many, '--max-file-mb', 'lots'])).code).toBe(2);
  });

  it('a device named as a file is refused, not read', async () => {
    const set = await bounded(loadManifests(['/dev/zero']));
    expect(set.errors[0].message).toMatch(/not a regular file/);
  });

  it('manifests.open in the app: the same error, with the setting to raise it', async () => {
    const backend = new Backend({ mode: 'browser', version: 'test', configDir: mkdtempSync(join(dir, 'cfg-')), allow: [dir] });
    try {
      const err = (await bounded(backend.call('manifests.open', { paths: [big] })).catch((e: unknown) => e)) as ManifestLimitError;
      expect(err.code).toBe('too-large');
      expect(err.message).toMatch(/over the 64 MiB cap .*Settings: maxManifestFileMB \(or `netcity serve --max-file-mb N`\)/);
      expect(backend.cities.size).toBe(0);
    } finally {
      await backend.dispose();
    }
  });
});

describe('cancelling a load', () => {
  const tree = join(dir, 'tree');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(tree, `ns${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) writeFileSync(join(tree, `ns${d}`, `p${f}.yaml`), pod(`p${d}-${f}`));
  }

  it('stops the parse part-way when the signal aborts (Ctrl-C)', async () => {
    const ctl = new AbortController();
    let last = 0;
    const err = await bounded(
      loadManifests([tree], {
        signal: ctl.signal,
        onProgress: (done) => {
          last = done;
          if (done === 5) ctl.abort();
        },
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestsCancelledError);
    expect(last).toBeLessThan(400);
  });

  it('stops the walk itself (a symlink maze is not walked to its end)', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(loadManifests([join(dir, 'loops')], { signal: ctl.signal })).rejects.toBeInstanceOf(ManifestsCancelledError);
  });

  it('the CLI exits 130 with "stopped" on Ctrl-C', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const r = await bounded(cli(['analyze', tree], ctl.signal));
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/netcity analyze: stopped: reading manifests was cancelled/);
    expect(r.out).toBe('');
  });

  it("the app's manifests.open is a task that Cancel stops", async () => {
    const backend = new Backend({ mode: 'browser', version: 'test', configDir: mkdtempSync(join(dir, 'cfg-')), allow: [dir] });
    const seen: string[] = [];
    backend.on((e) => {
      if (e.event !== 'task.progress') return;
      const t = e.data as { taskId: string; label: string; state: string; cancellable: boolean };
      seen.push(`${t.label}: ${t.state}`);
      if (t.state === 'running' && t.cancellable && /^Reading manifests/.test(t.label)) void backend.call('tasks.cancel', { taskId: t.taskId });
    });
    try {
      const err = (await bounded(backend.call('manifests.open', { paths: [tree] })).catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toBe('aborted');
      expect(seen).toContain('Reading manifests tree: cancelled');
      expect(backend.cities.size).toBe(0);
    } finally {
      await backend.dispose();
    }
  });
});
