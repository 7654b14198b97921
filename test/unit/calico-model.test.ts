/** Pods carry their service account (manifests and snapshots); manifests mode reads Calico's tiers, staged kinds, network sets and host endpoints. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifests, manifestsToSnapshot } from '../../main/manifests/index.js';
import { createEngineView } from '../../main/city/policy-adapter.js';
import { namedRoadBuilder } from '../../main/cluster/cni-detect.js';
import { demoSnapshot } from '../../main/model/scenario/demo.js';
import { openSnapshot, saveSnapshot } from '../../main/store/snapshot-file.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('service accounts and Calico kinds from manifests', () => {
  it('pods (and templates) carry spec.serviceAccountName, "default" when absent; Tier and staged kinds are read as such', async () => {
    const set = await loadManifests([path.join(FIX, 'calico-tiers')], {});
    expect(set.errors).toEqual([]);
    const sa = Object.fromEntries(set.pods.map((p) => [p.owner?.name, p.serviceAccount]));
    expect(sa).toEqual({ web: 'web', db: 'default', scanner: 'default' });
    expect(set.policies.map((p) => [p.kind, p.namespace ?? null, p.name]).sort()).toEqual(
      [
        ['CalicoGlobalNetworkPolicy', null, 'platform.allow-scanner'],
        ['CalicoNetworkPolicy', 'shop', 'security.protect-db'],
        ['CalicoStagedNetworkPolicy', 'shop', 'security.web-lockdown'],
        ['CalicoTier', null, 'platform'],
        ['CalicoTier', null, 'security'],
        ['NetworkPolicy', 'shop', 'db-from-web'],
      ].sort(),
    );
  });
});

describe('snapshots store the service account', () => {
  it('round-trips PodInfo.serviceAccount (absent stays absent)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-sa-'));
    try {
      const s = demoSnapshot();
      s.pods = s.pods.map((p, i) => (i % 2 ? { ...p, serviceAccount: `sa-${i}` } : p));
      const file = path.join(dir, 'sa.netcity');
      saveSnapshot(file, s);
      const back = openSnapshot(file);
      const byName = new Map(back.pods.map((p) => [`${p.namespace}/${p.name}`, p.serviceAccount]));
      for (const p of s.pods) expect(byName.get(`${p.namespace}/${p.name}`)).toBe(p.serviceAccount);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the why panel on a three-tier Calico city', () => {
  it("names each verdict's tier, policy and rule (the same text as analyze --explain)", async () => {
    const set = await loadManifests([path.join(FIX, 'calico-tiers')], {});
    const city = createEngineView(manifestsToSnapshot(set, 'tiers', 0, namedRoadBuilder('calico')));
    const pv = city.explain('wl:tools/Deployment/scanner', 'wl:shop/Deployment/db', 'TCP', 5432);
    expect(pv.predicted).toBe('allowed');
    expect(pv.steps.find((s) => s.direction === 'ingress')).toMatchObject({ tier: 'platform', policy: 'CalicoGlobalNetworkPolicy/platform.allow-scanner', rule: 'ingress #1', text: 'allowed by tier platform, policy allow-scanner, ingress rule 1: Allow' });
    const web = city.explain('wl:shop/Deployment/web', 'wl:shop/Deployment/db', 'TCP', 5432);
    expect(web.steps.filter((s) => s.direction === 'ingress').map((s) => [s.tier ?? '-', s.effect])).toEqual([
      ['platform', 'passed'],
      ['security', 'tier-pass'],
      ['-', 'allowed'],
    ]);
    expect(web.summary).toContain('allowed by NetworkPolicy shop/db-from-web, ingress rule #1');
  });
});
