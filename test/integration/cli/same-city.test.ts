/**
 * One implementation per use case (issue #14): the app (Backend API) and the CLI, given the same
 * Hubble capture, make the same city: inventory, road builder, roads, findings and map.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Backend } from '../../../main/api/backend.js';
import type { CliIO } from '../../../main/cli/command.js';
import importFlowsCommand from '../../../main/cli/commands/import-flows.js';
import type { Finding, RoadAggregate, Snapshot } from '../../../main/model/types.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hubble');
const TCP = join(FIXTURES, 'sample-400-tcp-flows.jsonl');
const UDP = join(FIXTURES, 'sample-400-udp-flows.jsonl');

let dir: string;
let b: Backend;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-same-city-'));
  b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'no-kubeconfig'), allow: [dir, FIXTURES] });
});
afterEach(async () => {
  await b.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const io = (): CliIO => ({ out: () => undefined, err: () => undefined, cwd: dir, signal: new AbortController().signal });

const roadsOf = (s: Snapshot) =>
  s.roads
    .map((r: RoadAggregate) => ({ key: r.key, src: r.src, dst: r.dst, protocol: r.protocol, port: r.port, verdict: r.verdict, count: r.count }))
    .sort((x, y) => x.key.localeCompare(y.key));
const inventoryOf = (s: Snapshot) => ({
  namespaces: s.namespaces.map((n) => n.name),
  workloads: s.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`),
  pods: s.pods.map((p) => ({ ns: p.namespace, name: p.name, owner: p.owner, labels: p.labels })),
  nodes: s.nodes.map((n) => n.name),
});
const findingsOf = (f: Finding[]) => f.map((x) => `${x.kind}|${x.id}|${x.title}`).sort();

describe('the app and the CLI give the same city for the same capture', () => {
  it('import into a new city: same pods, road builder, roads, findings and map', async () => {
    // The app: flows.import by path into a new city.
    const imported = await b.call('flows.import', { fileName: 'sample-400-tcp-flows.jsonl', path: TCP });
    const app = b.city(imported.cityId);

    // The CLI: netcity import-flows into a new file, then that file opened in the app.
    expect(await importFlowsCommand.run([TCP, '--out', 'cli.netcity'], io())).toBe(0);
    const opened = await b.call('snapshots.open', { path: join(dir, 'cli.netcity') });
    const cli = b.city(opened.id);

    expect(app.snapshot.pods.length).toBeGreaterThan(0);
    expect(inventoryOf(cli.snapshot)).toEqual(inventoryOf(app.snapshot));
    expect(cli.snapshot.roadBuilder).toEqual(app.snapshot.roadBuilder);
    expect(app.snapshot.roadBuilder.name).toBe('cilium');
    expect(cli.snapshot.name).toBe(app.snapshot.name);
    expect(roadsOf(cli.snapshot)).toEqual(roadsOf(app.snapshot));
    expect(cli.snapshot.window).toEqual(app.snapshot.window);
    const appFindings = (await b.call('city.summary', { cityId: app.id })).findings;
    const cliFindings = (await b.call('city.summary', { cityId: cli.id })).findings;
    expect(appFindings.length).toBeGreaterThan(0);
    expect(findingsOf(cliFindings)).toEqual(findingsOf(appFindings));

    const appMap = await b.call('city.map', { cityId: app.id });
    const cliMap = await b.call('city.map', { cityId: cli.id });
    expect(cliMap.counts).toEqual(appMap.counts);
    expect(cliMap.nodes.map((n) => n.id).sort()).toEqual(appMap.nodes.map((n) => n.id).sort());
  });

  it('import into an existing city: the same roads added', async () => {
    const first = await b.call('flows.import', { fileName: 'tcp.jsonl', path: TCP });
    await b.call('flows.import', { cityId: first.cityId, fileName: 'udp.jsonl', path: UDP });
    const app = b.city(first.cityId);

    expect(await importFlowsCommand.run([TCP, '--out', 'cli.netcity'], io())).toBe(0);
    expect(await importFlowsCommand.run([UDP, '--out', 'cli.netcity'], io())).toBe(0);
    const opened = await b.call('snapshots.open', { path: join(dir, 'cli.netcity') });
    const cli = b.city(opened.id);

    expect(roadsOf(cli.snapshot)).toEqual(roadsOf(app.snapshot));
    expect(inventoryOf(cli.snapshot)).toEqual(inventoryOf(app.snapshot));
    expect(findingsOf((await b.call('city.summary', { cityId: cli.id })).findings)).toEqual(findingsOf((await b.call('city.summary', { cityId: app.id })).findings));
  });
});
