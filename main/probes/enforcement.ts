/**
 * "Does my road builder enforce the rules?" In two temporary namespaces, a server (TCP 8080 named
 * "http", TCP 8081, UDP 5353 echo) and two clients (same namespace, other namespace) are probed
 * step by step: baseline, default-deny ingress, an allow rule by namespace selector on the named
 * port, then default-deny egress on the other namespace. Each capability is answered yes, no or
 * inconclusive, with the evidence. Everything is removed at the end (the runner's finally).
 */
import { podId } from '../model/ids.js';
import type { ProbeOutcome, ProbeResult, Protocol } from '../model/types.js';
import { execCheck } from './check.js';
import { newRunId, peerNamespace, probeNamespace, ROLE, runSelector } from './labels.js';
import {
  DEFAULT_PROBE_IMAGE,
  enforcementClientPod,
  enforcementServerPod,
  networkPolicy,
  probeNamespaceObject,
  SERVER_PORTS,
  type RunObjectContext,
} from './manifests.js';
import { ProbePlan, type PlannedPermission } from './plan.js';
import { sleep, waitForReadyPods, type KubeObject, type ProbeCluster } from './probe-cluster.js';
import { runConfirmedPlan, type CleanupReport, type RunOptions } from './run.js';

export type Capability = 'ingress-isolation' | 'egress-isolation' | 'namespace-selector' | 'named-port' | 'udp';
export type Answer = 'yes' | 'no' | 'inconclusive';

export interface CapabilityResult {
  capability: Capability;
  answer: Answer;
  evidence: string;
}

export interface EnforcementReport {
  runId: string;
  /** Overall: does NetworkPolicy isolate pods at all? */
  enforces: boolean | 'unknown';
  capabilities: CapabilityResult[];
  probes: ProbeResult[];
  cleanup?: CleanupReport;
}

export interface EnforcementOptions {
  image?: string;
  /** Whole run, cleanup not included. Default 5 minutes. */
  timeLimitMs?: number;
  /** How long a policy may take to take effect. Default 20 s. */
  settleMs?: number;
  /** Extra checks confirming a block (so one flaky timeout is not taken for enforcement). Default 2. */
  confirmations?: number;
  /** nc wait per check. Default 2 s. */
  waitSeconds?: number;
  /** Pause between repeated checks. Default 1 s. */
  pollMs?: number;
  /** Time for the pods to become ready. Default 120 s. */
  podReadyTimeoutMs?: number;
  now?: () => number;
}

interface Built {
  ctx: RunObjectContext;
  nsA: string;
  nsB: string;
  namespaces: KubeObject[];
  pods: KubeObject[];
  denyIngress: KubeObject;
  allowFromB: KubeObject;
  denyEgress: KubeObject;
  maxRunSeconds: number;
}

function build(runId: string, opts: EnforcementOptions, now: number): Built {
  const timeLimitMs = opts.timeLimitMs ?? 300_000;
  const maxRunSeconds = Math.ceil(timeLimitMs / 1000) + 60;
  const ctx: RunObjectContext = {
    runId,
    kind: 'enforcement',
    expiresAt: new Date(now + timeLimitMs + 120_000).toISOString(),
    image: opts.image ?? DEFAULT_PROBE_IMAGE,
  };
  const nsA = probeNamespace(runId);
  const nsB = peerNamespace(runId);
  const serverSel = { matchLabels: { [ROLE]: 'server' } };
  return {
    ctx,
    nsA,
    nsB,
    maxRunSeconds,
    namespaces: [probeNamespaceObject(ctx, nsA, 'restricted'), probeNamespaceObject(ctx, nsB, 'restricted')],
    pods: [
      enforcementServerPod(ctx, nsA, maxRunSeconds),
      enforcementClientPod(ctx, nsA, 'client-a', maxRunSeconds),
      enforcementClientPod(ctx, nsB, 'client-b', maxRunSeconds),
    ],
    denyIngress: networkPolicy(ctx, nsA, 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    allowFromB: networkPolicy(ctx, nsA, 'allow-http-from-peer-namespace', {
      podSelector: serverSel,
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': nsB } } }],
          ports: [{ protocol: 'TCP', port: SERVER_PORTS.http.name }],
        },
      ],
    }),
    denyEgress: networkPolicy(ctx, nsB, 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
  };
}

const perm = (verb: string, group: string, resource: string, why: string, namespace?: string, subresource?: string): PlannedPermission => ({
  verb,
  group,
  resource,
  why,
  ...(namespace ? { namespace } : {}),
  ...(subresource ? { subresource } : {}),
});

export function planEnforcement(context: string, opts: EnforcementOptions = {}, runId = newRunId()): ProbePlan {
  const now = (opts.now ?? Date.now)();
  const b = build(runId, opts, now);
  const none = ['none: non-root, all capabilities dropped, read-only root filesystem'];
  const permissions: PlannedPermission[] = [
    perm('create', '', 'namespaces', 'two temporary namespaces hold every test object'),
    perm('delete', '', 'namespaces', 'removing them removes everything the run created'),
    perm('list', '', 'namespaces', 'finding leftovers of this run to remove'),
  ];
  for (const ns of [b.nsA, b.nsB]) {
    permissions.push(
      perm('create', '', 'pods', 'test server / client pods', ns),
      perm('list', '', 'pods', 'waiting for the test pods to be ready', ns),
      perm('create', 'networking.k8s.io', 'networkpolicies', 'the policies under test', ns),
      perm('create', '', 'pods', 'running nc in the client pods', ns, 'exec'),
      perm('get', '', 'pods', 'exec over WebSocket is authorised as get on older API servers', ns, 'exec'),
    );
  }
  return new ProbePlan({
    runId,
    kind: 'enforcement',
    context,
    timeLimitMs: opts.timeLimitMs ?? 300_000,
    expiresAt: b.ctx.expiresAt,
    objects: [
      { object: b.namespaces[0], purpose: 'server and same-namespace client; ingress policies', privileges: ['Pod Security "restricted" enforced'] },
      { object: b.namespaces[1], purpose: 'other-namespace client; egress policy', privileges: ['Pod Security "restricted" enforced'] },
      { object: b.pods[0], purpose: `echo server on TCP ${SERVER_PORTS.http.port} ("http"), TCP ${SERVER_PORTS.alt.port}, UDP ${SERVER_PORTS.udp.port}`, privileges: none },
      { object: b.pods[1], purpose: 'client in the same namespace', privileges: none },
      { object: b.pods[2], purpose: 'client in the other namespace', privileges: none },
      { object: b.denyIngress, purpose: 'step 2: default-deny ingress', privileges: ['affects only the temporary namespace'] },
      { object: b.allowFromB, purpose: 'step 3: allow by namespace selector on the named port "http"', privileges: ['affects only the temporary namespace'] },
      { object: b.denyEgress, purpose: 'step 4: default-deny egress', privileges: ['affects only the temporary namespace'] },
    ],
    permissions,
    notes: [`Pods and namespaces are deleted at the end; pods also stop by themselves after ${b.maxRunSeconds} s (activeDeadlineSeconds).`],
    estimate: { checks: 14, seconds: Math.round(30 + 4 * ((opts.settleMs ?? 20_000) / 1000)) },
  });
}

/** The objects exactly as planned (and shown to the user), found back by kind and name. */
function fromPlan(plan: ProbePlan): Pick<Built, 'nsA' | 'nsB' | 'namespaces' | 'pods' | 'denyIngress' | 'allowFromB' | 'denyEgress'> {
  const nsA = probeNamespace(plan.runId);
  const nsB = peerNamespace(plan.runId);
  const find = (kind: string, name: string, namespace?: string): KubeObject => {
    const hit = plan.objects.find((o) => o.object.kind === kind && o.object.metadata.name === name && o.object.metadata.namespace === namespace);
    if (!hit) throw new Error(`enforcement plan ${plan.runId}: ${kind} ${namespace ? `${namespace}/` : ''}${name} missing`);
    return hit.object;
  };
  return {
    nsA,
    nsB,
    namespaces: [find('Namespace', nsA), find('Namespace', nsB)],
    pods: [find('Pod', 'server', nsA), find('Pod', 'client-a', nsA), find('Pod', 'client-b', nsB)],
    denyIngress: find('NetworkPolicy', 'default-deny-ingress', nsA),
    allowFromB: find('NetworkPolicy', 'allow-http-from-peer-namespace', nsA),
    denyEgress: find('NetworkPolicy', 'default-deny-egress', nsB),
  };
}

type Expect = 'open' | 'blocked';
interface CheckSpec {
  id: string;
  client: 'client-a' | 'client-b';
  protocol: Protocol;
  port: number;
}

const CHECKS: Record<string, CheckSpec> = {
  aHttp: { id: 'aHttp', client: 'client-a', protocol: 'TCP', port: SERVER_PORTS.http.port },
  bHttp: { id: 'bHttp', client: 'client-b', protocol: 'TCP', port: SERVER_PORTS.http.port },
  bAlt: { id: 'bAlt', client: 'client-b', protocol: 'TCP', port: SERVER_PORTS.alt.port },
  aUdp: { id: 'aUdp', client: 'client-a', protocol: 'UDP', port: SERVER_PORTS.udp.port },
};

const isOpen = (o: ProbeOutcome): boolean => o === 'connected';
/** What counts as blocked: silence, a reject, a reset. A DNS failure or exec error proves nothing. */
const isBlocked = (o: ProbeOutcome): boolean => o === 'timeout' || o === 'refused';

export interface EnforcementProgress {
  step: string;
  done: number;
  total: number;
}

export async function runEnforcement(
  cluster: ProbeCluster,
  plan: ProbePlan,
  opts: EnforcementOptions & RunOptions & { onProgress?: (p: EnforcementProgress) => void } = {},
): Promise<EnforcementReport> {
  if (plan.kind !== 'enforcement') throw new Error(`runEnforcement: plan ${plan.runId} is a '${plan.kind}' plan`);
  const now = opts.now ?? Date.now;
  const b = fromPlan(plan);
  const settleMs = opts.settleMs ?? 20_000;
  const confirmations = opts.confirmations ?? 2;
  const waitSeconds = opts.waitSeconds ?? 2;
  const pollMs = opts.pollMs ?? 1000;
  const probes: ProbeResult[] = [];
  let cleanup: CleanupReport | undefined;
  const steps = ['baseline', 'default-deny-ingress', 'allow-by-namespace-and-named-port', 'default-deny-egress'];
  let done = 0;

  const capabilities = await runConfirmedPlan(
    cluster,
    plan,
    async (run) => {
      for (const ns of b.namespaces) await run.create(ns);
      for (const pod of b.pods) await run.create(pod);
      const ready = { timeoutMs: opts.podReadyTimeoutMs ?? 120_000, signal: run.signal, intervalMs: Math.min(1000, pollMs) };
      const [server] = await waitForReadyPods(cluster, b.nsA, `${runSelector(plan.runId)},${ROLE}=server`, 1, ready);
      await waitForReadyPods(cluster, b.nsA, `${runSelector(plan.runId)},${ROLE}=client`, 1, ready);
      await waitForReadyPods(cluster, b.nsB, `${runSelector(plan.runId)},${ROLE}=client`, 1, ready);
      const serverIp = server.ips[0];

      const once = async (c: CheckSpec, step: string): Promise<ProbeOutcome> => {
        const ns = c.client === 'client-a' ? b.nsA : b.nsB;
        const r = await execCheck(cluster, { namespace: ns, pod: c.client, container: 'probe' }, { protocol: c.protocol, host: serverIp, port: c.port }, { waitSeconds, signal: run.signal });
        probes.push({
          id: `${plan.runId}-${probes.length + 1}`,
          runId: plan.runId,
          kind: 'enforcement',
          time: now(),
          src: podId(ns, c.client),
          dst: podId(b.nsA, 'server'),
          protocol: c.protocol,
          port: c.port,
          outcome: r.outcome,
          ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
          detail: `${step}: ${r.detail}`,
        });
        return r.outcome;
      };

      /**
       * Repeats a check until it shows what the step expects or the policy had `settleMs` to take
       * effect. An open connection is proof at once; a block is confirmed by `confirmations` more
       * blocked checks, so a flaky timeout is not mistaken for enforcement.
       */
      const observe = async (c: CheckSpec, expect: Expect, step: string): Promise<Expect | 'unclear'> => {
        const deadline = Date.now() + settleMs;
        let last: ProbeOutcome = 'error';
        for (;;) {
          last = await once(c, step);
          if (expect === 'open' && isOpen(last)) return 'open';
          if (expect === 'blocked' && isBlocked(last)) {
            for (let i = 0; i < confirmations; i++) {
              await sleep(pollMs, run.signal);
              const again = await once(c, step);
              if (isOpen(again)) return 'open';
            }
            return 'blocked';
          }
          if (Date.now() >= deadline) break;
          await sleep(pollMs, run.signal);
        }
        if (isOpen(last)) return 'open';
        if (isBlocked(last)) return 'blocked';
        return 'unclear';
      };

      const observeAll = async (step: string, expects: [CheckSpec, Expect][]): Promise<Record<string, Expect | 'unclear'>> => {
        opts.onProgress?.({ step, done, total: steps.length });
        const results = await Promise.all(expects.map(([c, e]) => observe(c, e, step)));
        done++;
        return Object.fromEntries(expects.map(([c], i) => [c.id, results[i]]));
      };

      const caps = new Map<Capability, CapabilityResult>();
      const set = (capability: Capability, answer: Answer, evidence: string) => caps.set(capability, { capability, answer, evidence });

      // 1. Baseline: everything must connect, or nothing later can be read.
      const base = await observeAll(steps[0], [
        [CHECKS.aHttp, 'open'],
        [CHECKS.bHttp, 'open'],
        [CHECKS.bAlt, 'open'],
        [CHECKS.aUdp, 'open'],
      ]);
      const baseTcpOk = base.aHttp === 'open' && base.bHttp === 'open' && base.bAlt === 'open';
      if (!baseTcpOk) {
        const why = 'baseline without any policy failed: the test pods cannot reach each other (check CNI health, admission webhooks, or an existing cluster-wide policy)';
        for (const c of ['ingress-isolation', 'egress-isolation', 'namespace-selector', 'named-port', 'udp'] as Capability[]) set(c, 'inconclusive', why);
        return caps;
      }

      // 2. Default-deny ingress on the server's namespace.
      await run.create(b.denyIngress);
      const s2 = await observeAll(steps[1], [
        [CHECKS.aHttp, 'blocked'],
        [CHECKS.bHttp, 'blocked'],
        ...(base.aUdp === 'open' ? ([[CHECKS.aUdp, 'blocked']] as [CheckSpec, Expect][]) : []),
      ]);
      if (s2.aHttp === 'blocked' && s2.bHttp === 'blocked') set('ingress-isolation', 'yes', 'default-deny ingress blocked TCP from the same and another namespace');
      else if (s2.aHttp === 'open' || s2.bHttp === 'open') set('ingress-isolation', 'no', `TCP still connected ${Math.round(settleMs / 1000)} s after a default-deny ingress policy`);
      else set('ingress-isolation', 'inconclusive', 'checks neither connected nor timed out after default-deny ingress');
      if (base.aUdp !== 'open') set('udp', 'inconclusive', 'UDP echo did not answer even without policies');
      else if (s2.aUdp === 'blocked') set('udp', 'yes', 'default-deny ingress blocked UDP');
      else if (s2.aUdp === 'open') set('udp', 'no', 'UDP still answered after default-deny ingress');
      else set('udp', 'inconclusive', 'UDP check gave no clear answer');

      if (caps.get('ingress-isolation')!.answer !== 'yes') {
        const why = 'ingress is not isolated, so allow and egress rules cannot be observed';
        set('namespace-selector', 'inconclusive', why);
        set('named-port', 'inconclusive', why);
        set('egress-isolation', 'inconclusive', why);
        return caps;
      }

      // 3. Allow from the other namespace on the named port only.
      await run.create(b.allowFromB);
      const s3 = await observeAll(steps[2], [
        [CHECKS.bHttp, 'open'],
        [CHECKS.aHttp, 'blocked'],
        [CHECKS.bAlt, 'blocked'],
      ]);
      if (s3.bHttp === 'open' && s3.aHttp === 'blocked') set('namespace-selector', 'yes', 'the allowed namespace connected, the same namespace stayed blocked');
      else if (s3.bHttp !== 'open') set('namespace-selector', 'no', 'an allow rule by namespace selector did not let the other namespace in');
      else set('namespace-selector', 'no', 'a namespace-selector rule also let a non-matching namespace in');
      if (s3.bHttp !== 'open') set('named-port', 'inconclusive', 'the allow rule did not take effect at all');
      else if (s3.bAlt === 'blocked') set('named-port', 'yes', `named port "http" (${SERVER_PORTS.http.port}) allowed, port ${SERVER_PORTS.alt.port} stayed blocked`);
      else set('named-port', 'no', `port ${SERVER_PORTS.alt.port} connected although only the named port "http" was allowed`);

      // 4. Default-deny egress on the client's namespace.
      if (s3.bHttp !== 'open') {
        set('egress-isolation', 'inconclusive', 'the other-namespace client never connected, so blocking its egress cannot be observed');
        return caps;
      }
      await run.create(b.denyEgress);
      const s4 = await observeAll(steps[3], [[CHECKS.bHttp, 'blocked']]);
      if (s4.bHttp === 'blocked') set('egress-isolation', 'yes', 'default-deny egress blocked a connection its peer allowed');
      else if (s4.bHttp === 'open') set('egress-isolation', 'no', 'the client still connected after a default-deny egress policy');
      else set('egress-isolation', 'inconclusive', 'no clear answer after default-deny egress');
      return caps;
    },
    { ...opts, onCleanup: (r) => ((cleanup = r), opts.onCleanup?.(r)) },
  );

  const order: Capability[] = ['ingress-isolation', 'egress-isolation', 'namespace-selector', 'named-port', 'udp'];
  const list = order.map((c) => capabilities.get(c) ?? { capability: c, answer: 'inconclusive' as Answer, evidence: 'not reached' });
  const ingress = capabilities.get('ingress-isolation')?.answer;
  return {
    runId: plan.runId,
    enforces: ingress === 'yes' ? true : ingress === 'no' ? false : 'unknown',
    capabilities: list,
    probes,
    cleanup,
  };
}
