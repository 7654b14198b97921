/** `serve --host-network / --ipblock-pod-ips`: the choices are recorded with the opened city's road builder and its engine uses them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Backend } from './backend.js';
import { openInitialCity } from './startup.js';

let dir: string;
let b: Backend;
afterEach(async () => {
  await b.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('openInitialCity with CNI choices', () => {
  it('records them on the demo city; a host-network pod becomes an ordinary pod to its engine', async () => {
    dir = mkdtempSync(join(tmpdir(), 'netcity-startup-'));
    b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'none') });
    await openInitialCity(b, { demo: true, paths: [], cwd: dir, log: () => {}, cniChoices: { hostNetwork: 'as-pod' } });
    const city = b.city('demo');
    expect(city.snapshot.roadBuilder.details['host-network']).toBe('as-pod');
    const exporter = city.snapshot.pods.find((p) => p.hostNetwork)!;
    const other = city.snapshot.pods.find((p) => !p.hostNetwork)!;
    const d = city.engine.raw.evaluate(`pod:${other.namespace}/${other.name}`, `pod:${exporter.namespace}/${exporter.name}`, 'TCP', 9100);
    expect(d.summary).toContain('host-network pod: treated as an ordinary pod (--host-network as-pod)');
  });

  it('leaves the road builder alone without choices', async () => {
    dir = mkdtempSync(join(tmpdir(), 'netcity-startup-'));
    b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'none') });
    await openInitialCity(b, { demo: true, paths: [], cwd: dir, log: () => {} });
    expect(b.city('demo').snapshot.roadBuilder.details['host-network']).toBeUndefined();
  });
});
