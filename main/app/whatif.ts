/**
 * What-if: the city with edited or pasted policies, previewed and never applied. Reports the
 * workload pairs newly allowed or denied, the observed flows the change would drop, and a map
 * whose changed roads carry whatif-allowed / whatif-denied flags.
 */
import type { City } from '../city/city.js';
import { createEngineView } from '../city/policy-adapter.js';
import { buildMapModel } from '../map/build.js';
import { toWireMap } from '../map/model.js';
import { parseManifestText, convertObjects, formatManifestError } from '../manifests/index.js';
import { policyKey } from '../model/ids.js';
import { isEnforceablePolicy, STAGED_POLICY_KINDS, type PolicyObject, type Protocol, type Snapshot } from '../model/types.js';
import { promoteStaged, semanticsOfRoadBuilder, whatIf } from '../policy/index.js';
import { enforcedPolicyKinds, roadBuilderLabel } from '../cluster/cni-detect.js';
import type { ResultOf } from '../api/contract.js';

export async function whatIfPreview(city: City, yaml: string): Promise<ResultOf<'whatif.preview'>> {
  const parsed = parseManifestText(yaml, 'what-if.yaml');
  const set = convertObjects(parsed.objects, { defaultNamespace: 'default' });
  const errors = [...parsed.errors, ...set.errors].map(formatManifestError);
  // A pasted Calico staged policy previews as the policy it stages (stagedAction Delete: its removal).
  const staged = promoteStaged(set.policies);
  const upserts: PolicyObject[] = [...set.policies.filter((p) => !STAGED_POLICY_KINDS[p.kind]), ...staged.upsert];
  if (upserts.length === 0 && !staged.remove?.length && errors.length === 0) errors.push('No policy found in the YAML: paste NetworkPolicy, AdminNetworkPolicy, Cilium or Calico policy documents.');
  return previewChange(city, upserts, staged.remove ?? [], errors);
}

/** What-if of the city's own Calico staged policies: what enforcing them would change (they are never enforced). */
export async function whatIfStaged(city: City): Promise<ResultOf<'whatif.staged'>> {
  const change = promoteStaged(city.snapshot.policies);
  const errors = change.upsert.length || change.remove?.length ? [] : ['This city has no Calico staged policy (StagedNetworkPolicy, StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy).'];
  return previewChange(city, change.upsert, change.remove ?? [], errors);
}

async function previewChange(city: City, upserts: PolicyObject[], removals: string[], errors: string[]): Promise<ResultOf<'whatif.preview'>> {
  const base = city.snapshot;
  const existing = new Set(base.policies.map((p) => policyKey(p.kind, p.name, p.namespace)));
  const changes: ResultOf<'whatif.preview'>['policies'] = upserts.map((p) => {
    const key = policyKey(p.kind, p.name, p.namespace);
    return { key, change: existing.has(key) ? ('changed' as const) : ('added' as const) };
  });
  for (const key of removals) if (existing.has(key)) changes.push({ key, change: 'removed' });
  const keys = new Set([...changes.map((c) => c.key)]);
  const next: Snapshot = { ...base, policies: [...base.policies.filter((p) => !keys.has(policyKey(p.kind, p.name, p.namespace))), ...upserts] };

  const input = { namespaces: base.namespaces, pods: base.pods, nodes: base.nodes, policies: base.policies, services: base.services };
  // As analyze and the map see it: kinds the road builder does not enforce change nothing.
  const engineOpts = { enforcedKinds: enforcedPolicyKinds(base.roadBuilder), semantics: semanticsOfRoadBuilder(base.roadBuilder) };
  const diff = upserts.length || removals.length ? whatIf(input, { upsert: upserts, remove: removals }, {}, engineOpts) : { newlyAllowed: [], newlyDenied: [] };
  const notEnforced = upserts.filter((p) => engineOpts.enforcedKinds && !engineOpts.enforcedKinds.includes(p.kind) && isEnforceablePolicy(p.kind));
  if (notEnforced.length)
    errors.push(
      `Not enforced by ${roadBuilderLabel(base.roadBuilder)}, so no change to the verdicts: ${notEnforced.map((p) => policyKey(p.kind, p.name, p.namespace)).join(', ')}`,
    );
  const fmt = (ports: Record<string, string>) =>
    Object.entries(ports)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const newlyAllowed = diff.newlyAllowed.map((c) => ({ src: c.src, dst: c.dst, ports: fmt(c.ports) }));
  const newlyDenied = diff.newlyDenied.map((c) => ({ src: c.src, dst: c.dst, ports: fmt(c.ports) }));

  // Observed flows that the new policies would drop.
  const after = createEngineView(next);
  const flowsDropped: { road: string; count: number }[] = [];
  for (const r of base.roads) {
    if (r.verdict !== 'FORWARDED' || r.port === undefined || !['TCP', 'UDP', 'SCTP'].includes(r.protocol)) continue;
    if (city.engine.verdict(r.src, r.dst, r.protocol as Protocol, r.port) === 'denied') continue;
    if (after.verdict(r.src, r.dst, r.protocol as Protocol, r.port) === 'denied') flowsDropped.push({ road: `${r.src} → ${r.dst} ${r.protocol} ${r.port}`, count: r.count });
  }
  flowsDropped.sort((x, y) => y.count - x.count);

  const map = buildMapModel(next, { policy: after, cityId: city.id });
  const allowedPairs = new Set(newlyAllowed.map((c) => `${c.src}->${c.dst}`));
  const deniedPairs = new Set(newlyDenied.map((c) => `${c.src}->${c.dst}`));
  for (const e of map.edges) {
    const pair = `${e.source}->${e.target}`;
    if (allowedPairs.has(pair)) e.flags.push('whatif-allowed');
    if (deniedPairs.has(pair)) e.flags.push('whatif-denied');
  }
  return { policies: changes, newlyAllowed, newlyDenied, flowsDropped, errors, map: toWireMap(map) };
}
