// Probe object lifecycle on a real API server (main/probes with KubeProbeCluster): consent and
// RBAC refusal before anything is created, real admission (Pod Security "restricted") of the
// probe pods, everything removed after the run, leftovers of a crashed run cleaned by expiry,
// and the ephemeral debug container of a path check.
//
// On the local control plane pods never run processes: kwok runs exec'd commands only in its own
// test namespace, so every connectivity check here ends as 'error' and the verdicts are
// 'inconclusive'. That is deliberate: probe commands must never dial the fake pod addresses.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupLeftovers } from '../../../main/probes/cleanup.js';
import { planEnforcement, runEnforcement, type EnforcementProgress } from '../../../main/probes/enforcement.js';
import { KubeProbeCluster } from '../../../main/probes/kube-probe-cluster.js';
import { EXPIRES_AT, MANAGED_BY, MANAGED_BY_VALUE, RUN_ID, ephemeralName, newRunId, runSelector } from '../../../main/probes/labels.js';
import { FlowCapture, planFlows } from '../../../main/probes/flow-capture.js';
import { planPath, runPath } from '../../../main/probes/path-check.js';
import { ProbeRefusedError } from '../../../main/probes/plan.js';
import { ProbeNotConfirmedError } from '../../../main/probes/run.js';
import { adminContext, announceSkip, isLocalControlPlane, loadKubeConfig, prepareCluster, restrictedContext, waitFor, type PreparedCluster } from './fixture.js';

const skip = announceSkip(import.meta.filename);

describe.skipIf(skip)('probe object lifecycle on a real API server', () => {
  let env: PreparedCluster;
  let core: k8s.CoreV1Api;
  let admin: KubeProbeCluster;
  const namespacesOfRun = async (runId: string) =>
    (await core.listNamespace({ labelSelector: runSelector(runId) })).items;
  /** Namespaces of a run that still exist (Terminating ones included). */
  const remaining = async (runId: string) => (await namespacesOfRun(runId)).map((n) => `${n.metadata?.name} (${n.status?.phase})`);

  beforeAll(async () => {
    env = await prepareCluster();
    core = env.kc.makeApiClient(k8s.CoreV1Api);
    admin = new KubeProbeCluster(loadKubeConfig(adminContext()), adminContext() ?? env.kc.getCurrentContext());
  }, 240_000);

  it('refuses an unconfirmed plan, creating nothing', async () => {
    const plan = planEnforcement(admin.context, { timeLimitMs: 30_000 });
    const err = await runEnforcement(admin, plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeNotConfirmedError);
    expect(await remaining(plan.runId)).toEqual([]);
  });

  it.skipIf(!restrictedContext())('refuses a user without the permissions before creating anything, naming what is missing', async () => {
    const restricted = new KubeProbeCluster(loadKubeConfig(restrictedContext()), restrictedContext()!);
    const plan = planEnforcement(restricted.context, { timeLimitMs: 30_000 }).confirm();
    const err = await runEnforcement(restricted, plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeRefusedError);
    const missing = (err as ProbeRefusedError).missing;
    expect(missing.some((p) => p.resource === 'namespaces' && !p.allowed)).toBe(true);
    expect((err as Error).message).toMatch(/namespaces/);
    expect(await remaining(plan.runId)).toEqual([]);
  });

  it('runs the enforcement check: creates its namespaces, pods and policies, then removes them all', async () => {
    const plan = planEnforcement(admin.context, { timeLimitMs: 90_000, podReadyTimeoutMs: 60_000 }).confirm();
    const seenDuringRun: { namespaces: string[]; pods: string[] } = { namespaces: [], pods: [] };
    const progress: EnforcementProgress[] = [];
    const report = await runEnforcement(admin, plan, {
      settleMs: 1_000,
      confirmations: 0,
      pollMs: 300,
      waitSeconds: 1,
      onProgress: (p) => {
        progress.push(p);
        if (progress.length === 1) {
          // Record what exists while the run is under way (asynchronously; checked below).
          void (async () => {
            seenDuringRun.namespaces = (await namespacesOfRun(plan.runId)).map((n) => n.metadata!.name!);
            for (const ns of seenDuringRun.namespaces) {
              const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: runSelector(plan.runId) });
              seenDuringRun.pods.push(...pods.items.filter((p) => p.status?.phase === 'Running').map((p) => `${ns}/${p.metadata!.name}`));
            }
          })();
        }
      },
    });
    expect(progress.length).toBeGreaterThan(0);
    await waitFor('the in-run listing', async () => (seenDuringRun.namespaces.length ? true : undefined), 10_000, 100);
    // Both namespaces existed and the pods passed Pod Security "restricted" admission and ran.
    expect(seenDuringRun.namespaces.sort()).toEqual([`netcity-probe-${plan.runId}`, `netcity-probe-${plan.runId}-b`]);
    expect(seenDuringRun.pods.length).toBe(3);
    if (isLocalControlPlane()) {
      // kwok runs no probe command: nothing can be concluded, and the report says so.
      expect(report.enforces).toBe('unknown');
      expect(report.capabilities.every((c) => c.answer === 'inconclusive')).toBe(true);
      expect(report.probes.length).toBeGreaterThan(0);
      expect(report.probes.every((p) => p.outcome === 'error')).toBe(true);
    }
    expect(report.cleanup?.failed).toEqual([]);
    expect(report.cleanup?.deleted.map((r) => `${r.kind}/${r.name}`)).toEqual(
      expect.arrayContaining([`Namespace/netcity-probe-${plan.runId}`, `Namespace/netcity-probe-${plan.runId}-b`]),
    );
    // Deleting a namespace is asynchronous: the namespace controller empties it, then it is gone.
    await waitFor(`namespaces of run ${plan.runId} to be gone`, async () => ((await remaining(plan.runId)).length === 0 ? true : undefined), 90_000, 500);
  }, 240_000);

  describe('leftovers of a crashed run', () => {
    const expiredRun = newRunId();
    const liveRun = newRunId();
    const leftover = (runId: string, expiresAt: Date) => ({
      metadata: {
        name: `netcity-probe-${runId}`,
        labels: { [MANAGED_BY]: MANAGED_BY_VALUE, [RUN_ID]: runId },
        annotations: { [EXPIRES_AT]: expiresAt.toISOString() },
      },
    });
    beforeAll(async () => {
      await core.createNamespace({ body: leftover(expiredRun, new Date(Date.now() - 60_000)) });
      await core.createNamespace({ body: leftover(liveRun, new Date(Date.now() + 3_600_000)) });
    });
    afterAll(async () => {
      for (const r of [expiredRun, liveRun]) await core.deleteNamespace({ name: `netcity-probe-${r}` }).catch(() => undefined);
    });

    it('removes namespaces past their expiry and keeps those of runs that may be alive', async () => {
      const report = await cleanupLeftovers(admin);
      expect(report.failed).toEqual([]);
      expect(report.deleted.map((r) => r.name)).toContain(`netcity-probe-${expiredRun}`);
      expect(report.deleted.map((r) => r.name)).not.toContain(`netcity-probe-${liveRun}`);
      expect(report.kept.map((r) => r.name)).toContain(`netcity-probe-${liveRun}`);
      await waitFor('the expired leftover to be gone', async () => ((await remaining(expiredRun)).length === 0 ? true : undefined), 60_000, 500);
      expect(await remaining(liveRun)).toHaveLength(1);
      // Forced (the user said so): the live one goes too.
      const forced = await cleanupLeftovers(admin, { force: true });
      expect(forced.deleted.map((r) => r.name)).toContain(`netcity-probe-${liveRun}`);
    });
  });

  it('adds a time-bounded ephemeral debug container for a path check; it stays listed after the run', async () => {
    const pod = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=checkout' })).items.find((p) => p.status?.phase === 'Running')!;
    const target = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=cart' })).items[0];
    const req = {
      source: { namespace: 'shop', pod: pod.metadata!.name! },
      target: { type: 'pod' as const, namespace: 'shop', name: target.metadata!.name! },
      protocol: 'TCP' as const,
      port: 7070,
    };
    const plan = planPath(admin.context, req, { timeLimitMs: 30_000, waitSeconds: 1 }).confirm();
    const result = await runPath(admin, plan, req, { timeLimitMs: 30_000, waitSeconds: 1 }).catch((e: unknown) => e);
    const after = await core.readNamespacedPod({ namespace: 'shop', name: pod.metadata!.name! });
    const debug = after.spec?.ephemeralContainers?.find((c) => c.name === ephemeralName(plan.runId));
    expect(debug, `ephemeral container ${ephemeralName(plan.runId)}`).toBeDefined();
    // It exits by itself: its command is bounded in time, and it runs with nothing extra.
    expect(debug!.command?.[0]).toBe('sleep');
    expect(Number(debug!.command?.[1])).toBeLessThanOrEqual(30 + 120);
    expect(debug!.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(debug!.securityContext?.capabilities?.drop).toContain('ALL');
    expect(after.status?.ephemeralContainerStatuses?.some((s) => s.name === debug!.name)).toBe(true);
    if (isLocalControlPlane()) {
      // No exec in kwok's pods here: the check reports an error instead of a made-up verdict.
      expect(result).toMatchObject({ kind: 'path', outcome: 'error' });
    }
  }, 120_000);

  it('runs flow probes as a DaemonSet on every node in a privileged namespace of its own, and removes it on stop', async () => {
    const plan = planFlows(admin.context, { intervalSeconds: 1, timeLimitMs: 120_000 }).confirm();
    const ns = `netcity-probe-${plan.runId}`;
    const capture = new FlowCapture(admin, plan, { pods: [], nodes: [], services: [] }, { intervalSeconds: 1, podPollMs: 500, timeLimitMs: 120_000 });
    const running = capture.start();
    let summary;
    try {
      const apps = env.kc.makeApiClient(k8s.AppsV1Api);
      const nodes = (await core.listNode()).items.length;
      const ds = await waitFor(`the probe DaemonSet in ${ns} on all ${nodes} nodes`, async () => {
        const list = await apps.listNamespacedDaemonSet({ namespace: ns, labelSelector: runSelector(plan.runId) });
        const d = list.items[0];
        return d && d.status?.numberReady === nodes ? d : undefined;
      }, 60_000, 300);
      const pod = ds.spec!.template.spec!;
      expect(pod.hostNetwork).toBe(true);
      expect(pod.containers.some((c) => c.securityContext?.capabilities?.add?.includes('NET_ADMIN'))).toBe(true);
      const namespace = await core.readNamespace({ name: ns });
      expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
      expect(namespace.metadata?.annotations?.[EXPIRES_AT]).toBeTruthy();
    } finally {
      summary = await capture.stop();
      await running.catch(() => undefined);
    }
    expect(summary.cleanup?.failed).toEqual([]);
    expect(summary.cleanup?.deleted.map((r) => `${r.kind}/${r.name}`)).toContain(`Namespace/${ns}`);
    await waitFor(`namespace ${ns} to be gone`, async () => ((await remaining(plan.runId)).length === 0 ? true : undefined), 90_000, 500);
  }, 240_000);
});
