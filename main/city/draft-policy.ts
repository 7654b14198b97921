/**
 * "Draft a policy that allows this": for a road the policies deny but traffic uses, the
 * NetworkPolicies that would allow it — ingress at the destination when it is fenced for
 * ingress, egress at the source when it is fenced for egress — selecting the pods by their stable
 * labels. The draft is checked with the policy engine before it is offered: if it would not make
 * the road allowed (say an AdminNetworkPolicy denies it), there is no draft and the reason says so.
 */
import { stringify } from 'yaml';
import { parsePeerId, workloadOfPod } from '../model/ids.js';
import type { Labels, PeerId, PodInfo, PolicyObject, Protocol, Snapshot } from '../model/types.js';
import { createEngineView, type EngineView } from './policy-adapter.js';
import { parseManifestText, convertObjects } from '../manifests/index.js';

export interface PolicyDraft {
  yaml: string;
  /** What it does, in a sentence. */
  summary: string;
}

/** Labels that change with every rollout, useless in a selector. */
const VOLATILE = /(^|\/)(pod-template-hash|controller-revision-hash|pod-template-generation|statefulset\.kubernetes\.io\/pod-name|batch\.kubernetes\.io\/controller-uid|controller-uid|job-name|batch\.kubernetes\.io\/job-name)$/;

function podsOf(s: Snapshot, peer: PeerId): PodInfo[] {
  const p = parsePeerId(peer);
  if (p.type === 'pod') return s.pods.filter((x) => x.namespace === p.namespace && x.name === p.name);
  if (p.type === 'workload') return s.pods.filter((x) => workloadOfPod(x) === peer);
  return [];
}

/** The labels every pod of the peer shares, without volatile ones; `app`-style names alone when present. */
function selectorOf(pods: PodInfo[]): Labels | undefined {
  if (!pods.length) return undefined;
  const shared: Labels = {};
  for (const [k, v] of Object.entries(pods[0].labels)) if (!VOLATILE.test(k) && pods.every((p) => p.labels[k] === v)) shared[k] = v;
  for (const k of ['app.kubernetes.io/name', 'app', 'k8s-app', 'name']) if (shared[k]) return { [k]: shared[k] };
  return Object.keys(shared).length ? shared : undefined;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);

export function draftAllowPolicy(
  s: Snapshot,
  engine: EngineView,
  src: PeerId,
  dst: PeerId,
  ports: { protocol: Protocol; port: number }[],
): PolicyDraft | { refused: string } {
  const srcPods = podsOf(s, src);
  const dstPods = podsOf(s, dst);
  const srcSel = selectorOf(srcPods);
  const dstSel = selectorOf(dstPods);
  const srcNs = srcPods[0]?.namespace;
  const dstNs = dstPods[0]?.namespace;
  const world = src === 'world' || dst === 'world';
  const portList = ports.map((p) => ({ protocol: p.protocol, port: p.port }));
  const peerOf = (ns: string | undefined, sel: Labels | undefined, isWorld: boolean) =>
    isWorld ? { ipBlock: { cidr: '0.0.0.0/0' } } : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns! } }, podSelector: { matchLabels: sel! } };
  const docs: Record<string, unknown>[] = [];
  const what: string[] = [];
  const name = (a: string, b: string) => slug(`allow-${a}-to-${b}`);
  const srcName = src === 'world' ? 'world' : parsePeerId(src).name;
  const dstName = dst === 'world' ? 'world' : parsePeerId(dst).name;

  if (dstPods.length && dstSel && (srcSel || src === 'world') && engine.fences(`pod:${dstNs}/${dstPods[0].name}`).ingress.isolated) {
    docs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: name(srcName, dstName), namespace: dstNs },
      spec: { podSelector: { matchLabels: dstSel }, policyTypes: ['Ingress'], ingress: [{ from: [peerOf(srcNs, srcSel, src === 'world')], ports: portList }] },
    });
    what.push(`ingress to ${dstNs}/${dstName}`);
  }
  if (srcPods.length && srcSel && (dstSel || dst === 'world') && engine.fences(`pod:${srcNs}/${srcPods[0].name}`).egress.isolated) {
    docs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${name(srcName, dstName)}-egress`.slice(0, 63), namespace: srcNs },
      spec: { podSelector: { matchLabels: srcSel }, policyTypes: ['Egress'], egress: [{ to: [peerOf(dstNs, dstSel, dst === 'world')], ports: portList }] },
    });
    what.push(`egress from ${srcNs}/${srcName}`);
  }
  if (!docs.length) {
    if (!srcPods.length && !world) return { refused: `${src} is not a pod or workload: write the rule by hand (an ipBlock for IPs outside the cluster).` };
    if (!dstPods.length && !world) return { refused: `${dst} is not a pod or workload: write the rule by hand.` };
    return { refused: 'Neither end is fenced by a NetworkPolicy: what denies this road is not a NetworkPolicy (an admin or Cilium policy), so a NetworkPolicy cannot allow it.' };
  }
  const yaml = docs.map((d) => stringify(d)).join('---\n');

  // Check it: with the draft applied, every port must be allowed.
  const parsed = parseManifestText(yaml, 'draft.yaml');
  const drafted: PolicyObject[] = convertObjects(parsed.objects, { defaultNamespace: 'default' }).policies;
  const after = createEngineView({ ...s, policies: [...s.policies, ...drafted] });
  const still = ports.filter((p) => after.verdict(src, dst, p.protocol, p.port) !== 'allowed');
  if (still.length)
    return { refused: `A NetworkPolicy cannot allow ${still.map((p) => `${p.protocol} ${p.port}`).join(', ')} here: a policy of higher precedence (AdminNetworkPolicy, Cilium or Calico deny) denies it.` };
  const portText = ports.map((p) => `${p.protocol} ${p.port}`).join(', ');
  return { yaml, summary: `Allows ${portText} from ${srcName} to ${dstName}: ${what.join(' and ')}.` };
}
