/**
 * One explanation per pair: the app's why panel, `netcity analyze --explain` and the report show
 * the same text for the same connection and port, and no text names its direction twice.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import analyze from '../../../main/cli/commands/analyze.js';
import { City } from '../../../main/city/city.js';
import { explainRoad } from '../../../main/city/explain.js';
import { computeReportFacts } from '../../../main/export/report-facts.js';
import { loadManifests, manifestsToSnapshot } from '../../../main/manifests/index.js';
import type { RoadAggregate } from '../../../main/model/types.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SRC = 'wl:shop/CronJob/report';
const DST = 'wl:shop/Deployment/cart';

async function analyzeExplain(): Promise<string> {
  let out = '';
  await analyze.run(['shop', '--no-ip-ranges', '--explain', '--focus', 'shop/cart'], { out: (t) => (out += t), err: () => {}, cwd: FIX, signal: new AbortController().signal });
  return out;
}

function road(src: string, dst: string, port: number): RoadAggregate {
  return {
    key: `${src}|${dst}|TCP|${port}|FORWARDED`, src, dst, protocol: 'TCP', port, verdict: 'FORWARDED', dropReasons: {}, count: 3,
    firstSeen: 1, lastSeen: 2, allowedBy: [], deniedBy: [], sources: ['hubble'],
  };
}

describe('explanations', () => {
  it('are the same text in the app, analyze --explain and the report', async () => {
    const set = await loadManifests([`${FIX}shop`]);
    const snapshot = manifestsToSnapshot(set, 'shop', 1);
    // Traffic the policies deny was seen flowing: the report lists the mismatch with its why.
    snapshot.roads = [road(SRC, DST, 7070)];
    const city = new City({ id: 'c1', kind: 'manifests', snapshot });
    const map = city.map();
    const edge = map.edges.find((e) => e.source === SRC && e.target === DST && e.kind === 'road');
    expect(edge, 'the observed road is on the map').toBeDefined();

    const app = explainRoad(city.snapshot, map, city.engine, edge!.id).ports.find((p) => p.protocol === 'TCP' && p.port === 7070)!;
    expect(app.predicted).toBe('denied');
    const text = app.summary;
    expect(text).toMatch(/^denied: egress: denied: source isolated by CiliumNetworkPolicy shop\/report-egress/);

    const cli = await analyzeExplain();
    expect(cli).toContain(`shop/report[CronJob] => shop/cart[Deployment] : nothing allowed\n    TCP/7070: ${text}\n`);

    const facts = computeReportFacts(city.snapshot, map, city.snapshot.roads);
    const row = facts.mismatches.find((m) => m.src === 'shop/report' && m.dst === 'shop/cart');
    expect(row?.detail).toContain(`Policies: ${text}`);
  });

  it('name each direction once, in the summary and beside each step', async () => {
    const cli = await analyzeExplain();
    expect(cli).not.toMatch(/(ingress|egress): (ingress|egress):/);
    const set = await loadManifests([`${FIX}shop`]);
    const city = new City({ id: 'c2', kind: 'manifests', snapshot: manifestsToSnapshot(set, 'shop', 1) });
    const v = city.engine.explain(SRC, DST, 'TCP', 7070);
    for (const s of v.steps) expect(s.text).not.toMatch(/^(ingress|egress):/);
    expect(v.summary).toBe(`denied: ${v.steps.map((s) => `${s.direction}: ${s.text}`).join('; ')}`);
  });
});
