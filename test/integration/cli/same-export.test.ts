/**
 * One export implementation (issue #14): `export.render` in the app and `netcity export` on the same
 * snapshot give the same file, format by format (both open the city through app/cities.ts and
 * export through app/export.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../../main/api/backend.js';
import type { ExportArgs } from '../../../main/api/contract.js';
import type { CliIO } from '../../../main/cli/command.js';
import exportCommand from '../../../main/cli/commands/export.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { saveSnapshot } from '../../../main/store/index.js';

let dir: string;
let file: string;
let b: Backend;
let cityId: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-same-export-'));
  file = join(dir, 'demo.netcity');
  saveSnapshot(file, demoSnapshot());
  b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'no-kubeconfig'), allow: [dir] });
  cityId = (await b.call('snapshots.open', { path: file })).id;
});
afterAll(async () => {
  await b.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const io = (): CliIO => ({ out: () => undefined, err: () => undefined, cwd: dir, signal: new AbortController().signal });

async function cliExport(args: string[], out: string): Promise<string> {
  expect(await exportCommand.run([file, ...args, '--out', out, '-q'], io())).toBe(0);
  return readFileSync(join(dir, out), 'utf8');
}

/** The moment of the export is the one thing that may differ. */
const timeless = (text: string) => text.replace(/"exportedAt": "[^"]+"/, '"exportedAt": "-"');

describe('the app and the CLI export the same snapshot identically', () => {
  it.each<[string[], ExportArgs]>([
    [['-f', 'svg'], { format: 'svg' }],
    [['-f', 'json'], { format: 'json' }],
    [['-f', 'csv-matrix'], { format: 'csv-matrix' }],
    [['-f', 'csv-flows'], { format: 'csv-flows' }],
    [['-f', 'dot', '--roads', 'blocks'], { format: 'dot', roads: 'blocks' }],
    [['-f', 'mermaid', '--select', 'ns:shop'], { format: 'mermaid', selection: ['ns:shop'] }],
    [['-f', 'svg', '--no-possible-roads', '--no-probes', '--background', 'transparent', '--title', 'Shop'], { format: 'svg', possibleRoads: false, overlays: { policy: true, flows: true, probes: false }, background: 'transparent', title: 'Shop' }],
  ])('netcity export %j = export.render %j', async (cli, app) => {
    const fromCli = await cliExport(cli, `cli.${app.format}`);
    const fromApp = await b.call('export.render', { cityId, ...app });
    expect(fromApp.encoding).toBe('utf8');
    expect(fromCli.length).toBeGreaterThan(200);
    expect(timeless(fromApp.data)).toBe(timeless(fromCli));
  });

  it('differs when the options differ (the comparison can fail)', async () => {
    const all = await b.call('export.render', { cityId, format: 'svg' });
    const seen = await b.call('export.render', { cityId, format: 'svg', possibleRoads: false });
    expect(seen.data).not.toBe(all.data);
  });
});
