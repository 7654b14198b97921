// The live inventory reads Calico's tiers, staged policies, network sets and host endpoints (and
// pods' service accounts) from the API, and the engine evaluates the tiers they form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLiveSnapshot } from '../../../main/cluster/live-snapshot.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import type { PolicyKind, PolicyObject, Snapshot } from '../../../main/model/types.js';
import { CALICO_MANIFEST_KINDS } from '../../../main/model/types.js';
import { createPolicyEngine } from '../../../main/policy/index.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

const crd = (kind: PolicyKind, name: string, spec: Record<string, unknown>, namespace?: string, labels?: Record<string, string>): PolicyObject => ({
  kind,
  apiVersion: 'crd.projectcalico.org/v1',
  name,
  ...(namespace ? { namespace } : {}),
  manifest: { apiVersion: 'crd.projectcalico.org/v1', kind: CALICO_MANIFEST_KINDS[kind], metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) }, spec },
});

let api: KubeApiServer;
let kubeconfig: string;
let city: Snapshot;
beforeAll(async () => {
  const s = demoSnapshot();
  city = {
    ...s,
    pods: s.pods.map((p) => (p.namespace === 'shop' ? { ...p, serviceAccount: `${p.owner?.name ?? p.name}-sa` } : p)),
    policies: [
      ...s.policies,
      crd('CalicoTier', 'security', { order: 100 }),
      crd('CalicoGlobalNetworkPolicy', 'security.deny-monitoring', { tier: 'security', order: 1, selector: "projectcalico.org/namespace == 'shop'", ingress: [{ action: 'Deny', source: { namespaceSelector: "projectcalico.org/name == 'monitoring'" } }, { action: 'Pass' }] }),
      crd('CalicoStagedGlobalNetworkPolicy', 'security.staged', { tier: 'security', selector: 'all()' }),
      crd('CalicoGlobalNetworkSet', 'partners', { nets: ['203.0.113.0/24'] }, undefined, { role: 'partner' }),
      crd('CalicoHostEndpoint', 'n1-eth0', { node: s.nodes[0].name, interfaceName: 'eth0' }, undefined, { host: 'one' }),
    ],
  };
  api = await startKubeApiServer({ snapshot: city });
  kubeconfig = writeTestKubeconfig(api);
});
afterAll(async () => api?.close());

describe('live Calico objects', () => {
  it('are read with their kinds; the tier decides', async () => {
    const snap = await captureLiveSnapshot({ context: 'test-admin', kubeconfigPath: kubeconfig });
    const kinds = snap.policies.map((p) => p.kind).filter((k) => k.startsWith('Calico')).sort();
    expect(kinds).toEqual(['CalicoGlobalNetworkPolicy', 'CalicoGlobalNetworkSet', 'CalicoHostEndpoint', 'CalicoStagedGlobalNetworkPolicy', 'CalicoTier']);
    const shop = snap.pods.find((p) => p.namespace === 'shop')!;
    expect(shop.serviceAccount).toBe(`${shop.owner!.name}-sa`);
    expect(snap.pods.find((p) => p.namespace === 'data')!.serviceAccount).toBe('default');
    const mon = snap.pods.find((p) => p.namespace === 'monitoring' && !p.hostNetwork)!;
    const e = createPolicyEngine(snap);
    const d = e.evaluate(`pod:${mon.namespace}/${mon.name}`, `pod:${shop.namespace}/${shop.name}`, 'TCP', 80);
    expect(d.verdict).toBe('denied');
    expect(d.summary).toContain('tier security, policy deny-monitoring, ingress rule 1: Deny');
  });
});
