/** The what-if preview honours the road builder like analyze and the map: kinds it does not enforce change nothing. */
import { describe, expect, it } from 'vitest';
import { City } from '../city/city.js';
import { namedRoadBuilder } from '../cluster/cni-detect.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { Snapshot } from '../model/types.js';
import { whatIfPreview } from './whatif.js';

const DENY_EGRESS =
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress]}\n';
const CILIUM_DENY =
  'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: deny-egress, namespace: shop}\nspec: {endpointSelector: {}, egressDeny: [{toEntities: [all]}]}\n';

const cityWith = (rb: string | undefined): City => {
  const snap: Snapshot = demoSnapshot();
  return new City({ id: `demo-${rb}`, kind: 'demo', snapshot: rb ? { ...snap, roadBuilder: namedRoadBuilder(rb) } : snap });
};

describe('what-if preview and the road builder', () => {
  it('under Flannel a new NetworkPolicy changes no verdict, and says why', async () => {
    const r = await whatIfPreview(cityWith('flannel'), DENY_EGRESS);
    expect(r.newlyDenied).toEqual([]);
    expect(r.newlyAllowed).toEqual([]);
    expect(r.flowsDropped).toEqual([]);
    expect(r.errors).toEqual(['Not enforced by Flannel, so no change to the verdicts: NetworkPolicy/shop/deny-egress']);
  });

  it('under Cilium the same policy denies (the kinds it enforces count)', async () => {
    const r = await whatIfPreview(cityWith('cilium'), DENY_EGRESS);
    expect(r.errors).toEqual([]);
    expect(r.newlyDenied.some((c) => c.src.startsWith('wl:shop/'))).toBe(true);
    expect(r.flowsDropped.length).toBeGreaterThan(0);
  });

  it('under Calico a Cilium policy is not enforced; a NetworkPolicy is', async () => {
    const c = cityWith('calico');
    const cil = await whatIfPreview(c, CILIUM_DENY);
    expect(cil.newlyDenied).toEqual([]);
    expect(cil.errors).toEqual(['Not enforced by Calico, so no change to the verdicts: CiliumNetworkPolicy/shop/deny-egress']);
    expect((await whatIfPreview(c, DENY_EGRESS)).newlyDenied.length).toBeGreaterThan(0);
  });
});
