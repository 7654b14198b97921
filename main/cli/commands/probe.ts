/**
 * `netcity probe`: flow probes, the enforcement check, a path check and the connectivity matrix
 * against a live cluster. Without --yes it prints the plan (objects, privileges, permissions and
 * whether they are granted) and creates nothing.
 */
import { parseArgs } from 'node:util';
import type { FlowRecord, Protocol, Snapshot } from '../../model/types.js';
import { cleanupLeftovers } from '../../probes/cleanup.js';
import { parsePathTarget, type PathRequest } from '../../probes/path-check.js';
import { describePlan, type ProbePlan } from '../../probes/plan.js';
import { describeMissing, planProbe, probePermissions, runConsented, type ProbeOutcome, type ProbeSpec } from '../../app/probes.js';
import type { ProbeCluster } from '../../probes/probe-cluster.js';
import { UsageError, type CliIO, type Command } from '../command.js';

const usage = `
Usage:
  netcity probe --context C [options] flows [--interval 5s] [--duration 60s] [--namespace NS]...
  netcity probe --context C [options] enforcement
  netcity probe --context C [options] path --from NS/POD --to TARGET --port N [--protocol TCP|UDP]
  netcity probe --context C [options] matrix (--namespace NS | --select PEER...) [--concurrency 4] [--protocol TCP|UDP]...
  netcity probe --context C [options] cleanup [--force]

Active checks in a live cluster. Without --yes, prints exactly what would be created, where,
with which privileges, which permissions that needs and whether you have them, then exits
without creating anything.

  flows        a DaemonSet of probes (one per node, host network, NET_ADMIN) samples conntrack;
               observed traffic on any road builder, printed as roads
  enforcement  temporary namespaces, pods and policies: does the road builder enforce
               ingress/egress isolation, namespace selectors, named ports, UDP?
  path         from a pod (ephemeral debug container) to pod:NS/NAME, svc:NS/NAME, dns:NAME or
               ip:ADDR; connected / refused / timeout / dns-failure and latency
  matrix       one pod per workload, every pair on its declared ports
  cleanup      remove probe objects left by a crashed run (--force: also runs not yet expired)

Options:
  --context C          kubeconfig context (required)
  --kubeconfig FILE    use this kubeconfig instead of KUBECONFIG / ~/.kube/config
  --yes                consent: create the objects of the plan and run
  --image IMAGE        probe / debug image (default: docker.io/nicolaka/netshoot:v0.13)
  --time-limit D       end the run after D (e.g. 5m); everything is removed
  --json               machine-readable output
`;

export function parseDurationMs(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${option}: expected a duration such as 30s, 2m or 1h, got "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 'm' ? n * 60_000 : unit === 'h' ? n * 3_600_000 : n * 1000);
}

function parseProtocol(text: string): Protocol {
  const p = text.toUpperCase();
  if (p !== 'TCP' && p !== 'UDP') throw new UsageError(`--protocol: expected TCP or UDP, got "${text}"`);
  return p;
}

export interface ProbeDeps {
  connect(context: string, kubeconfigPath: string | undefined): Promise<ProbeCluster>;
  /** Pods, workloads, nodes and services for address mapping and matrix representatives. */
  inventory(context: string, kubeconfigPath: string | undefined, namespaces: string[] | undefined, signal: AbortSignal): Promise<Pick<Snapshot, 'pods' | 'workloads' | 'nodes' | 'services'>>;
}

const realDeps: ProbeDeps = {
  async connect(context, kubeconfigPath) {
    const { resolveContext } = await import('../../cluster/kubeconfig.js');
    const { KubeProbeCluster } = await import('../../probes/kube-probe-cluster.js');
    const { kubeConfig } = await resolveContext(context, kubeconfigPath ? { path: kubeconfigPath } : {});
    return new KubeProbeCluster(kubeConfig, context);
  },
  async inventory(context, kubeconfigPath, namespaces, signal) {
    const { captureLiveSnapshot } = await import('../../cluster/live-snapshot.js');
    return captureLiveSnapshot({ context, ...(namespaces ? { namespaces } : {}), ...(kubeconfigPath ? { kubeconfigPath } : {}), signal });
  },
};

const OPTIONS = {
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  yes: { type: 'boolean' },
  image: { type: 'string' },
  'time-limit': { type: 'string' },
  json: { type: 'boolean' },
  interval: { type: 'string' },
  duration: { type: 'string' },
  namespace: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  port: { type: 'string' },
  protocol: { type: 'string', multiple: true },
  select: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Prints the plan and the permission answers; true when everything is granted. */
async function showPlan(cluster: ProbeCluster, plan: ProbePlan, io: CliIO, json: boolean): Promise<boolean> {
  const { permissions: perms, missing } = await probePermissions(cluster, plan);
  if (json) {
    io.out(JSON.stringify({ plan: plan.toJSON(), permissions: perms, created: false }, null, 2) + '\n');
  } else {
    io.out(describePlan(plan) + '\n\n');
    io.out(missing.length === 0 ? 'Permissions: all granted.\n' : `Permissions missing: ${describeMissing(missing)}\n`);
    io.out('Nothing was created. Re-run with --yes to proceed.\n');
  }
  return missing.length === 0;
}

export function createProbeCommand(deps: ProbeDeps = realDeps): Command {
  return {
    name: 'probe',
    usage,
    async run(args: string[], io: CliIO): Promise<number> {
      let parsed;
      try {
        parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const v = parsed.values;
      if (v.help) {
        io.out(usage.trimStart());
        return 0;
      }
      const [mode, ...extra] = parsed.positionals;
      if (!mode) throw new UsageError('probe: say what to run: flows, enforcement, path, matrix or cleanup');
      if (!['flows', 'enforcement', 'path', 'matrix', 'cleanup'].includes(mode)) throw new UsageError(`probe: unknown check "${mode}" (have: flows, enforcement, path, matrix, cleanup)`);
      if (extra.length > 0) throw new UsageError(`probe ${mode}: unexpected argument "${extra[0]}"`);
      if (!v.context) throw new UsageError('probe: --context is required (a context of your kubeconfig)');
      const context = v.context;
      const json = v.json === true;
      const timeLimitMs = v['time-limit'] ? parseDurationMs('--time-limit', v['time-limit']) : undefined;
      const common = { ...(v.image ? { image: v.image } : {}), ...(timeLimitMs ? { timeLimitMs } : {}) };
      const protocols = (v.protocol ?? []).map(parseProtocol);

      // Validate every argument before connecting.
      let pathReq: PathRequest | undefined;
      if (mode === 'path') {
        if (!v.from || !/^[^/\s]+\/[^/\s]+$/.test(v.from)) throw new UsageError('probe path: --from NS/POD is required (the source pod)');
        if (!v.to) throw new UsageError('probe path: --to is required (pod:NS/NAME, svc:NS/NAME, dns:NAME or ip:ADDR)');
        const port = Number(v.port);
        if (!v.port || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('probe path: --port must be a number in 1-65535');
        if (protocols.length > 1) throw new UsageError('probe path: give one --protocol');
        let target;
        try {
          target = parsePathTarget(v.to);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const [namespace, pod] = v.from.split('/');
        pathReq = { source: { namespace, pod }, target, protocol: protocols[0] ?? 'TCP', port };
      }
      if (mode === 'matrix' && !v.namespace?.length && !v.select?.length) throw new UsageError('probe matrix: give --namespace NS or --select PEER...');
      if (mode === 'matrix' && (v.namespace?.length ?? 0) > 1) throw new UsageError('probe matrix: give one --namespace (or --select for a wider selection)');
      const concurrency = v.concurrency ? Number(v.concurrency) : undefined;
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) throw new UsageError('--concurrency: expected a number in 1-64');
      const intervalSeconds = v.interval ? parseDurationMs('--interval', v.interval) / 1000 : undefined;
      if (intervalSeconds !== undefined && intervalSeconds < 1) throw new UsageError('--interval: at least 1s');
      const durationMs = v.duration ? parseDurationMs('--duration', v.duration) : 60_000;

      const cluster = await deps.connect(context, v.kubeconfig);

      if (mode === 'cleanup') {
        const r = await cleanupLeftovers(cluster, { force: v.force === true });
        if (json) io.out(JSON.stringify(r, null, 2) + '\n');
        else {
          io.out(`Removed ${r.deleted.length} leftover namespace(s)${r.deleted.length ? `: ${r.deleted.map((x) => x.name).join(', ')}` : ''}.\n`);
          if (r.kept.length) io.out(`Kept ${r.kept.length} of runs that may still be going (use --force): ${r.kept.map((x) => x.name).join(', ')}\n`);
          for (const f of r.failed) io.err(`could not remove ${f.ref.name}: ${f.error}\n`);
        }
        return r.failed.length ? 1 : 0;
      }

      let spec: ProbeSpec;
      if (mode === 'enforcement') spec = { kind: 'enforcement' };
      else if (mode === 'path') spec = { kind: 'path', request: pathReq!, targetText: v.to };
      else if (mode === 'matrix') {
        const inv = await deps.inventory(context, v.kubeconfig, v.namespace, io.signal);
        spec = { kind: 'matrix', inventory: inv, namespace: v.namespace?.[0], selection: v.select, concurrency, protocols };
      } else {
        const namespaces = v.namespace;
        spec = {
          kind: 'flows',
          inventory: () => deps.inventory(context, v.kubeconfig, undefined, io.signal),
          intervalSeconds,
          durationMs,
          ...(namespaces ? { filter: (f: FlowRecord) => namespaces.some((ns) => f.src.peer.includes(`:${ns}/`) || f.dst.peer.includes(`:${ns}/`)) } : {}),
        };
      }
      const planned = planProbe(context, spec, common);
      if (planned.checks === 0) {
        io.err('probe matrix: nothing to check (no running pods with declared ports in the selection)\n');
        return 1;
      }

      if (v.yes !== true) {
        await showPlan(cluster, planned.plan, io, json);
        return 0;
      }
      const outcome = await runConsented(cluster, planned, {
        signal: io.signal,
        onLeftovers: (left) => {
          if (left.deleted.length && !json) io.err(`Removed leftovers of earlier runs: ${left.deleted.map((x) => x.name).join(', ')}\n`);
        },
        onProgress: (done, total) => {
          if (!json && planned.kind === 'matrix') io.err(`\r${done}/${total} checks`);
        },
      });
      return printOutcome(outcome, io, json);
    },
  };
}

/** Prints what a run gave; the exit status. */
function printOutcome(outcome: ProbeOutcome, io: CliIO, json: boolean): number {
  if (outcome.kind === 'enforcement') {
    const report = outcome.report;
    if (json) io.out(JSON.stringify(report, null, 2) + '\n');
    else {
      io.out(`Road builder enforces NetworkPolicy: ${report.enforces === true ? 'yes' : report.enforces === false ? 'no' : 'inconclusive'}\n`);
      for (const c of report.capabilities) io.out(`  ${c.capability.padEnd(20)} ${c.answer.padEnd(13)} ${c.evidence}\n`);
      io.out(`Removed: ${report.cleanup?.deleted.length ?? 0} object(s)${report.cleanup?.failed.length ? `; could not remove ${report.cleanup.failed.length} (netcity probe cleanup)` : ''}.\n`);
    }
    return 0;
  }
  if (outcome.kind === 'path') {
    const r = outcome.result;
    if (json) io.out(JSON.stringify(r, null, 2) + '\n');
    else io.out(`${r.protocol} ${r.src} -> ${r.dstTarget ?? r.dst}:${r.port}: ${r.outcome}${r.latencyMs !== undefined ? ` in ${r.latencyMs} ms` : ''}${r.detail ? ` (${r.detail})` : ''}\n`);
    return r.outcome === 'error' ? 1 : 0;
  }
  if (outcome.kind === 'matrix') {
    const report = outcome.report;
    if (!json) io.err('\n');
    if (json) io.out(JSON.stringify(report, null, 2) + '\n');
    else {
      for (const r of report.results) io.out(`${r.src} -> ${r.dst} ${r.protocol}/${r.port}: ${r.outcome}${r.latencyMs !== undefined ? ` ${r.latencyMs} ms` : ''}\n`);
      if (report.stopped) io.out(`Stopped (${report.stopped}) after ${report.results.length} of ${report.total} checks.\n`);
    }
    return report.stopped === 'cancelled' ? 130 : 0;
  }
  const { summary, capture } = outcome;
  const roads = capture.roads().sort((a, b) => b.count - a.count);
  if (json) io.out(JSON.stringify({ summary, roads }, null, 2) + '\n');
  else {
    io.out(`${summary.flows} flow(s) on ${summary.roads} road(s) from ${summary.stats.samples} sample(s); ended: ${summary.ended}${summary.error ? ` (${summary.error})` : ''}\n`);
    for (const r of roads.slice(0, 50)) io.out(`  ${r.src} -> ${r.dst} ${r.protocol}${r.port !== undefined ? `/${r.port}` : ''} ${r.verdict} x${r.count}${r.noReply ? ` (no reply: ${r.noReply})` : ''}\n`);
    for (const w of summary.warnings) io.err(`warning: ${w.message}\n`);
  }
  return summary.ended === 'error' ? 1 : 0;
}

export default createProbeCommand();
