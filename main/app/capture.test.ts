import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeRelay, tsOfMs } from '../../test/fakes/hubble-relay/fake-relay.js';
import { syntheticFlowBody } from '../../test/fakes/hubble-relay/synthetic.js';
import { Backend } from '../api/backend.js';

let dir: string;
let b: Backend;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-capture-'));
  b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'no-kubeconfig') });
  b.openDemo();
});
afterEach(async () => {
  await b.dispose();
});

const library = () => (existsSync(join(dir, 'snapshots')) ? readdirSync(join(dir, 'snapshots')).filter((f) => f.endsWith('.netcity')) : []);
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
const closedPort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('capture states', () => {
  it('a closed port: connecting, then unreachable with the reason and a retry time; stopped without a file', async () => {
    const port = await closedPort();
    await b.call('capture.start', { cityId: 'demo', source: 'hubble', address: `127.0.0.1:${port}` });
    expect((await capture())?.state).toBe('connecting');
    const c = await until('unreachable', async () => ((await capture())?.state === 'unreachable' ? capture() : undefined));
    expect(c!.reason).toMatch(/127\.0\.0\.1|refused|unavailable/i);
    expect(c!.retryAt).toBeGreaterThan(c!.startedAt);
    expect(c!.file).toBeUndefined();
    await b.call('capture.stop', { cityId: 'demo' });
    const stopped = await capture();
    expect(stopped).toMatchObject({ state: 'stopped', flows: 0 });
    expect(stopped!.reason).toContain('nothing was saved');
    expect(library()).toEqual([]);
  });

  it('a relay: capturing, flows counted, the file created with the first flow, stopped', async () => {
    const relay = new FakeRelay({ nodes: ['node-a'] });
    const port = await relay.start();
    try {
      await b.call('capture.start', { cityId: 'demo', source: 'hubble', address: `127.0.0.1:${port}` });
      await until('capturing', async () => ((await capture())?.state === 'capturing' ? true : undefined));
      expect(library()).toEqual([]);
      await until('the follow request', async () => (relay.requests.length ? true : undefined));
      const now = Date.now();
      relay.emit(Array.from({ length: 20 }, (_, k) => ({ flow: { ...syntheticFlowBody(k), time: tsOfMs(now + k), uuid: `t-${k}` } })));
      const c = await until('20 flows', async () => ((await capture())!.flows >= 20 ? capture() : undefined));
      expect(c!.file).toBeDefined();
      expect(library()).toHaveLength(1);
      await b.call('capture.stop', { cityId: 'demo' });
      expect((await capture())!.state).toBe('stopped');
    } finally {
      await relay.stop();
    }
  });
});
