// The app's live capture with Calico Goldmane as the source: capturing, flows merged into the
// city's roads with Calico's policy trace, auto-saved, stopped; unreachable with the reason.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Backend } from '../../../main/api/backend.js';
import { FakeGoldmane, goldmaneFlow } from '../../fakes/goldmane/fake-goldmane.js';

let dir: string;
let b: Backend;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-gmcapture-'));
  b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'no-kubeconfig') });
  b.openDemo();
});
afterEach(async () => {
  await b.dispose();
});

const capture = async () => (await b.call('city.summary', { cityId: 'demo' })).capture;
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await capture())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('app capture from Goldmane', () => {
  it('captures, merges roads with the policy trace, saves, stops', async () => {
    const fake = new FakeGoldmane();
    const port = await fake.start();
    try {
      await b.call('capture.start', { cityId: 'demo', source: 'goldmane', address: `127.0.0.1:${port}` });
      await until('the stream', async () => (fake.openStreams ? true : undefined));
      await until('capturing', async () => ((await capture())?.state === 'capturing' ? true : undefined));
      const deny = { kind: 'GlobalNetworkPolicy', name: 'security.block-egress', tier: 'security', action: 'Deny', rule_index: '1' };
      fake.emit(Array.from({ length: 5 }, () => goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8080, action: 'Deny', reporter: 'Src', enforced: [deny] })));
      const c = await until('5 flows', async () => ((await capture())!.flows >= 5 ? capture() : undefined));
      expect(c!.file).toBeDefined();
      await b.call('capture.stop', { cityId: 'demo' });
      expect((await capture())!.state).toBe('stopped');
      const city = b.city('demo');
      const road = city.snapshot.roads.find((r) => r.sources.includes('goldmane'))!;
      expect(road).toMatchObject({ src: 'wl:shop/Deployment/frontend', dst: 'wl:shop/Deployment/cart', port: 8080, verdict: 'DROPPED', deniedBy: ['tier security, policy block-egress, egress rule 2: Deny'] });
      expect(existsSync(join(dir, 'snapshots')) && readdirSync(join(dir, 'snapshots')).some((f) => f.endsWith('.netcity'))).toBe(true);
    } finally {
      await fake.stop();
    }
  });

  it('unreachable: the reason names Goldmane and retries', async () => {
    await b.call('capture.start', { cityId: 'demo', source: 'goldmane', address: '127.0.0.1:1' });
    const c = await until('unreachable', async () => ((await capture())?.state === 'unreachable' ? capture() : undefined));
    expect(c!.reason).toMatch(/127\.0\.0\.1:1.*not reachable.*Goldmane is running/);
    await b.call('capture.stop', { cityId: 'demo' });
    expect((await capture())).toMatchObject({ state: 'stopped', flows: 0 });
  });
});
