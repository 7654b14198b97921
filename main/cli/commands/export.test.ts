import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../model/scenario/demo.js';
import { saveSnapshot } from '../../store/index.js';
import { UsageError, type CliIO } from '../command.js';
import exportCommand, { parseExportArgs } from './export.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-export-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeIO(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd: dir,
    signal: new AbortController().signal,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    progress: (phase: string) => void (io.stderr += `${phase}\n`),
  };
  return io;
}

describe('netcity export', () => {
  it('exports the demo city as SVG to a file and says what it wrote', async () => {
    const io = fakeIO();
    expect(await exportCommand.run(['--demo', '--format', 'svg', '--out', 'city.svg'], io)).toBe(0);
    const svg = fs.readFileSync(path.join(dir, 'city.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml/);
    expect(svg).toContain('class="legend"');
    expect(io.stdout).toMatch(/^wrote .*city\.svg \(svg, [\d.]+ KiB\)\n$/);
    expect(io.stderr).toContain('export: writing svg');
  });

  it('exports a saved .netcity snapshot, redacted, with a default file name', async () => {
    const snap = demoSnapshot();
    const file = path.join(dir, 'shop.netcity');
    saveSnapshot(file, snap);
    const io = fakeIO();
    expect(await exportCommand.run([file, '-f', 'json', '--redact', '-q'], io)).toBe(0);
    expect(io.stderr).toBe('');
    const written = io.stdout.match(/^wrote (.*) \(json/)![1];
    expect(path.basename(written)).toMatch(/^netcity-demo-\d{8}-\d{4}\.json$/);
    const doc = JSON.parse(fs.readFileSync(written, 'utf8'));
    expect(doc.redacted).toBe(true);
    expect(doc.nodes.length).toBeGreaterThan(10);
    const text = JSON.stringify(doc);
    for (const pod of snap.pods) expect(text).not.toContain(pod.name);
  });

  it('writes text formats to standard output with --out -', async () => {
    const io = fakeIO();
    expect(await exportCommand.run(['--demo', '-f', 'mermaid', '-o', '-', '--select', 'ns:payments', '-q'], io)).toBe(0);
    expect(io.stdout).toMatch(/^---\ntitle: /);
    expect(io.stdout).toContain('flowchart LR');
    expect(io.stdout).toContain('"payments"');
  });

  it('names a missing snapshot file and the way out', async () => {
    await expect(exportCommand.run(['nope.netcity', '-f', 'svg'], fakeIO())).rejects.toThrow(/snapshot .*nope\.netcity: no such file .*--demo/);
  });

  it('refuses a file that is not a snapshot with the store’s explanation', async () => {
    const bad = path.join(dir, 'bad.netcity');
    fs.writeFileSync(bad, 'this is not sqlite');
    await expect(exportCommand.run([bad, '-f', 'svg'], fakeIO())).rejects.toThrow(/bad\.netcity/);
  });

  it('says what to install when PNG needs a Chromium that is not there', async () => {
    const saved = process.env.NETCITY_CHROMIUM;
    process.env.NETCITY_CHROMIUM = path.join(dir, 'no-chromium');
    try {
      await expect(exportCommand.run(['--demo', '-f', 'png', '-o', 'x.png', '-q'], fakeIO())).rejects.toThrow(/NETCITY_CHROMIUM=.*no-chromium does not exist/);
      expect(fs.existsSync(path.join(dir, 'x.png'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NETCITY_CHROMIUM;
      else process.env.NETCITY_CHROMIUM = saved;
    }
  });

  it('names an unknown selection id', async () => {
    await expect(exportCommand.run(['--demo', '-f', 'svg', '-o', '-', '--select', 'wl:nowhere/Deployment/x'], fakeIO())).rejects.toThrow(/'wl:nowhere\/Deployment\/x' not in the map/);
  });

  it('refuses to write into a folder or a missing folder', async () => {
    await expect(exportCommand.run(['--demo', '-f', 'dot', '-o', dir, '-q'], fakeIO())).rejects.toThrow(/is a folder; give a file name/);
    await expect(exportCommand.run(['--demo', '-f', 'dot', '-o', 'missing/x.dot', '-q'], fakeIO())).rejects.toThrow(/folder .*missing does not exist/);
  });

  it('rejects bad arguments as usage errors that say what is expected', () => {
    const bad: Array<[string[], RegExp]> = [
      [['-f', 'svg'], /give a snapshot file \(FILE\.netcity\) or --demo/],
      [['--demo', 'a.netcity', '-f', 'svg'], /not both/],
      [['--demo'], /--format is required \(one of: svg, png/],
      [['--demo', '-f', 'gif'], /unknown format "gif"/],
      [['--demo', '-f', 'png', '--scale', '9'], /--scale: expected a number from 1 to 4, got "9"/],
      [['--demo', '-f', 'svg', '--scale', '2'], /--scale only applies to --format png/],
      [['--demo', '-f', 'png', '--background', 'pink'], /white or transparent, got "pink"/],
      [['--demo', '-f', 'pdf', '-o', '-'], /pdf is binary/],
      [['a.netcity', 'b.netcity', '-f', 'svg'], /one snapshot at a time/],
      [['--demo', '-f', 'svg', '--roads', 'streets'], /--roads: blocks, districts or auto, got "streets"/],
      [['--demo', '-f', 'csv-flows', '--roads', 'blocks'], /--roads only applies to drawn and graph formats \(svg, png/],
    ];
    for (const [args, message] of bad) {
      expect(() => parseExportArgs(args), args.join(' ')).toThrow(UsageError);
      expect(() => parseExportArgs(args), args.join(' ')).toThrow(message);
    }
    expect(parseExportArgs(['--demo', '-f', 'png', '--scale', '3', '--no-flows']).args).toMatchObject({ format: 'png', scale: 3, overlays: { policy: true, flows: false, probes: true } });
  });
});
