/** The app's what-if for Calico staged policies: the city's own (whatif.staged) or pasted ones (whatif.preview). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';

const FIX = fileURLToPath(new URL('../fixtures/calico-tiers/', import.meta.url));
let b: Backend;
beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'netcity-staged-'));
  b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'no-kubeconfig'), allow: [FIX] });
});
afterEach(async () => {
  await b.dispose();
});

describe('what-if of staged policies', () => {
  it("previews the city's staged policies as enforced; the city itself is unchanged", async () => {
    const city = await b.call('manifests.open', { paths: [FIX], roadBuilder: 'calico' });
    const r = await b.call('whatif.staged', { cityId: city.id });
    expect(r.errors).toEqual([]);
    expect(r.policies).toEqual([{ key: 'CalicoNetworkPolicy/shop/security.web-lockdown', change: 'added' }]);
    expect(r.newlyDenied.map((c) => `${c.src} -> ${c.dst}`)).toContain('wl:shop/Deployment/web -> wl:shop/Deployment/db');
    expect(r.newlyAllowed).toEqual([]);
    expect(b.city(city.id).engine.verdict('wl:shop/Deployment/web', 'wl:shop/Deployment/db', 'TCP', 5432)).toBe('allowed');
  });

  it('a pasted staged policy previews as the policy it stages; stagedAction Delete previews a removal', async () => {
    const city = await b.call('manifests.open', { paths: [FIX], roadBuilder: 'calico' });
    const yaml = readFileSync(join(FIX, 'city.yaml'), 'utf8').split('\n---\n').find((d) => d.includes('kind: StagedNetworkPolicy'))!;
    const pasted = await b.call('whatif.preview', { cityId: city.id, yaml });
    expect(pasted.newlyDenied.map((c) => `${c.src} -> ${c.dst}`)).toContain('wl:shop/Deployment/web -> wl:shop/Deployment/db');
    const del = await b.call('whatif.preview', {
      cityId: city.id,
      yaml: 'apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: security.protect-db, namespace: shop}\nspec: {stagedAction: Delete}\n',
    });
    expect(del.policies).toEqual([{ key: 'CalicoNetworkPolicy/shop/security.protect-db', change: 'removed' }]);
    expect(del.errors).toEqual([]);
  });

  it('says so when there is nothing staged', async () => {
    b.openDemo();
    const r = await b.call('whatif.staged', { cityId: 'demo' });
    expect(r.errors[0]).toMatch(/no Calico staged policy/);
    expect(r.newlyDenied).toEqual([]);
  });
});
