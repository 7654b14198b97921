/**
 * `netcity snapshot`: saves a .netcity file from the demo city, from manifests, or from a live
 * cluster (inventory and policies through the cluster module; flows when that build captures them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RoadBuilderName, Snapshot } from '../../model/types.js';
import type { GoldmaneTls } from '../../flows/goldmane-client.js';
import { CNI_CHOICE_USAGE, cniChoiceOptions, describeRoadBuilder, roadBuilderOption, withCniChoices } from './road-builder-option.js';
import { describeSemantics, semanticsOfRoadBuilder } from '../../policy/cni-semantics.js';
import { SIZE_CAP_OPTIONS, SIZE_CAP_USAGE, sizeCaps } from './size-cap-options.js';
import { SNAPSHOT_EXTENSION, saveSnapshot } from '../../store/index.js';
import { UsageError, type CliIO, type Command } from '../command.js';
import { hasGoldmane, withGoldmaneFlows, withHubbleFlows, type FlowCaptureReport } from '../../app/snapshot-flows.js';

/** Where a timed capture reports: stderr and the progress line. */
const flowReport = (io: CliIO): FlowCaptureReport => ({ signal: io.signal, warn: (text) => io.err(`${text}\n`), progress: (n) => io.progress?.('capturing flows', n) });

const usage = `
Usage:
  netcity snapshot --demo --out FILE.netcity
  netcity snapshot --manifests PATH... --out FILE.netcity [--name NAME] [--namespace DEFAULT_NS] [--road-builder NAME]
                   [--host-network as-node|as-pod] [--ipblock-pod-ips match|ignore]
  netcity snapshot --context CONTEXT [--namespace NS]... [--flows 60s] [--kubeconfig FILE] --out FILE.netcity

Saves a snapshot: one .netcity file holding the inventory, every policy (original manifests),
flows and roads, with no secrets, tokens or kubeconfig contents. Open it in the app, with
\`netcity serve FILE.netcity\`, or compare two with \`netcity diff A B\`.

Sources (pick one):
  --demo              the built-in demo shop city
  --manifests PATH... Kubernetes manifests (files or folders, YAML or JSON, read like kubectl -f -R),
                      so a change can be reviewed before it is deployed
  --context CONTEXT   a live cluster from your kubeconfig

Options:
  --out FILE          the .netcity file to write (required; an existing snapshot is replaced
                      atomically, any other file is never overwritten)
  --name NAME         snapshot name (default: from the source)
  --namespace NS      live: only these namespaces (repeatable); manifests: namespace for objects without one
  --flows DURATION    live: capture flows for this long (e.g. 30s, 2m) from Hubble Relay, reached by a
                      port-forward to the hubble-relay Service (or --hubble-address HOST:PORT), or
                      from Calico Goldmane (Calico 3.30+: the goldmane Service in calico-system, or
                      --goldmane-address HOST:PORT) with Calico's policy trace
  --flow-source S     live: hubble, goldmane or auto (default: Goldmane when the cluster has it)
  --goldmane-ca FILE, --goldmane-cert FILE, --goldmane-key FILE
                      live: mutual TLS to Goldmane (operator installs serve mTLS; the CA and a client
                      certificate come from calico-system's secrets, which NetCity never reads itself);
                      the server name checked is goldmane.calico-system.svc unless --goldmane-server-name
  --kubeconfig FILE   live: use this kubeconfig instead of KUBECONFIG / ~/.kube/config
  --road-builder NAME manifests: the CNI the cluster runs (flannel, calico, cilium, weave, canal,
                      antrea, kube-router, aws-vpc-cni, azure-cni...) when the folder does not hold it;
                      without it the CNI the manifests declare is used, else "unknown"
${CNI_CHOICE_USAGE}
                   (any source; recorded with the snapshot's road builder, so the app uses them)
${SIZE_CAP_USAGE}
`;

/** "60s", "2m", "1h", "500ms", "45" (seconds) -> seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--flows: expected a duration such as 30s, 2m or 1h, got "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
}

interface LiveOptions {
  context: string;
  namespaces?: string[];
  kubeconfigPath?: string;
  flowsSeconds?: number;
  signal: AbortSignal;
}

type CaptureLive = (opts: LiveOptions) => Promise<Snapshot>;

/** The cluster module is loaded only for live snapshots (and may be missing from a build). */
async function loadLiveCapture(): Promise<CaptureLive> {
  const specifier = '../../cluster/live-snapshot.js';
  let mod: { captureLiveSnapshot?: unknown };
  try {
    mod = (await import(specifier)) as { captureLiveSnapshot?: unknown };
  } catch (err) {
    throw new Error(`live snapshots are not available in this build (cannot load main/cluster/live-snapshot: ${(err as Error).message}). Use --demo or --manifests.`);
  }
  if (typeof mod.captureLiveSnapshot !== 'function') {
    throw new Error('live snapshots are not available in this build (main/cluster/live-snapshot has no captureLiveSnapshot). Use --demo or --manifests.');
  }
  return mod.captureLiveSnapshot as CaptureLive;
}

/** --goldmane-ca / --goldmane-cert / --goldmane-key / --goldmane-server-name, read from files. */
function goldmaneTls(v: Record<string, unknown>, cwd: string): GoldmaneTls | undefined {
  const file = (k: string): Buffer | undefined => {
    const f = v[k];
    if (typeof f !== 'string') return undefined;
    try {
      return readFileSync(path.resolve(cwd, f));
    } catch (e) {
      throw new UsageError(`--${k}: cannot read ${f} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  const ca = file('goldmane-ca');
  const cert = file('goldmane-cert');
  const key = file('goldmane-key');
  if (!ca && !cert && !key) return undefined;
  if (!cert !== !key) throw new UsageError('--goldmane-cert and --goldmane-key go together (mutual TLS)');
  return { ca, cert, key, serverName: typeof v['goldmane-server-name'] === 'string' ? v['goldmane-server-name'] : 'goldmane.calico-system.svc' };
}

async function fromManifests(
  paths: string[],
  cwd: string,
  name: string | undefined,
  defaultNamespace: string | undefined,
  roadBuilder: RoadBuilderName | undefined,
  caps: { maxFileMB?: number; maxTotalMB?: number },
  io: CliIO,
): Promise<Snapshot> {
  const { loadManifests, manifestsToSnapshot, formatManifestError } = await import('../../manifests/index.js');
  const { namedRoadBuilder } = await import('../../cluster/cni-detect.js');
  const set = await loadManifests(
    paths.map((p) => path.resolve(cwd, p)),
    { signal: io.signal, ...caps, onProgress: (done, total) => io.progress?.('reading manifests (files)', done, total), ...(defaultNamespace ? { defaultNamespace } : {}) },
  );
  for (const w of set.warnings) io.err(`warning: ${formatManifestError(w)}\n`);
  for (const e of set.errors) io.err(`error: ${formatManifestError(e)}\n`);
  const objects = set.namespaces.length + set.workloads.length + set.pods.length + set.services.length + set.policies.length;
  if (objects === 0) throw new Error(`no usable Kubernetes objects in ${paths.join(', ')}${set.errors.length ? ` (${set.errors.length} errors above)` : ''}`);
  const snap = manifestsToSnapshot(set, name ?? path.basename(path.resolve(cwd, paths[0])), Date.now(), roadBuilder ? namedRoadBuilder(roadBuilder) : undefined);
  io.err(`road builder: ${describeRoadBuilder(snap.roadBuilder)}\n`);
  return snap;
}

const snapshot: Command = {
  name: 'snapshot',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        demo: { type: 'boolean' },
        manifests: { type: 'boolean' },
        context: { type: 'string' },
        namespace: { type: 'string', multiple: true },
        flows: { type: 'string' },
        'hubble-address': { type: 'string' },
        'goldmane-address': { type: 'string' },
        'flow-source': { type: 'string', default: 'auto' },
        'goldmane-ca': { type: 'string' },
        'goldmane-cert': { type: 'string' },
        'goldmane-key': { type: 'string' },
        'goldmane-server-name': { type: 'string' },
        kubeconfig: { type: 'string' },
        out: { type: 'string', short: 'o' },
        name: { type: 'string' },
        'road-builder': { type: 'string' },
        'host-network': { type: 'string' },
        'ipblock-pod-ips': { type: 'string' },
        ...SIZE_CAP_OPTIONS,
      },
    });
    const roadBuilder = values['road-builder'] === undefined ? undefined : roadBuilderOption(values['road-builder']);
    if (roadBuilder && !values.manifests) throw new UsageError('--road-builder only applies to --manifests (a live cluster shows its own)');
    const choices = cniChoiceOptions(values);
    const caps = sizeCaps(values);
    const sources = [values.demo, values.manifests, values.context !== undefined].filter(Boolean).length;
    if (sources !== 1) throw new UsageError('pick exactly one source: --demo, --manifests PATH... or --context CONTEXT');
    if (!values.out) throw new UsageError('--out FILE.netcity is required');
    if (!values.out.endsWith(SNAPSHOT_EXTENSION)) throw new UsageError(`--out: the file name must end in ${SNAPSHOT_EXTENSION} (got "${values.out}")`);
    if (positionals.length > 0 && !values.manifests) throw new UsageError(`unexpected argument "${positionals[0]}" (paths go after --manifests)`);
    if (values.manifests && positionals.length === 0) throw new UsageError('--manifests: give at least one file or folder');
    if (values.flows !== undefined && values.context === undefined) throw new UsageError('--flows only applies to live snapshots (--context)');
    const flowSource = values['flow-source'];
    if (flowSource !== 'auto' && flowSource !== 'hubble' && flowSource !== 'goldmane') throw new UsageError(`--flow-source: expected hubble, goldmane or auto, got "${flowSource}"`);
    const gmTls = goldmaneTls(values, io.cwd);
    const out = path.resolve(io.cwd, values.out);

    let snap: Snapshot;
    if (values.demo) {
      const { demoSnapshot } = await import('../../model/scenario/demo.js');
      snap = demoSnapshot();
    } else if (values.manifests) {
      const ns = values.namespace;
      if (ns && ns.length > 1) throw new UsageError('--namespace: give one default namespace for manifests');
      snap = await fromManifests(positionals, io.cwd, values.name, ns?.[0], roadBuilder, caps, io);
    } else {
      const flowsSeconds = values.flows !== undefined ? parseDuration(values.flows) : undefined;
      const capture = await loadLiveCapture();
      const opts: LiveOptions = { context: values.context!, signal: io.signal };
      if (values.namespace?.length) opts.namespaces = values.namespace;
      if (values.kubeconfig) opts.kubeconfigPath = path.resolve(io.cwd, values.kubeconfig);
      if (flowsSeconds !== undefined) opts.flowsSeconds = flowsSeconds;
      io.err(`reading cluster context '${values.context}'${flowsSeconds ? ` and capturing flows for ${flowsSeconds}s` : ''}...\n`);
      snap = await capture(opts);
      if (flowsSeconds) {
        const goldmane =
          flowSource === 'goldmane' ||
          (flowSource === 'auto' && (values['goldmane-address'] !== undefined || gmTls !== undefined || (values['hubble-address'] === undefined && hasGoldmane(snap))));
        snap = goldmane
          ? await withGoldmaneFlows(snap, values.context!, opts.kubeconfigPath, flowsSeconds, values['goldmane-address'], gmTls, flowReport(io))
          : await withHubbleFlows(snap, values.context!, opts.kubeconfigPath, flowsSeconds, values['hubble-address'], flowReport(io));
      }
    }
    if (values.name) snap = { ...snap, name: values.name };
    if (choices.hostNetwork || choices.ipBlockPodIps) {
      snap = { ...snap, roadBuilder: withCniChoices(snap.roadBuilder, choices) };
      io.err(`CNI semantics: ${describeSemantics(semanticsOfRoadBuilder(snap.roadBuilder))}\n`);
    }
    io.progress?.(`writing ${path.basename(out)}`);
    saveSnapshot(out, snap);
    io.out(
      `saved ${out}: ${snap.namespaces.length} namespaces, ${snap.workloads.length} workloads, ${snap.pods.length} pods, ` +
        `${snap.services.length} services, ${snap.policies.length} policies, ${snap.roads.length} roads, ${snap.flows.length} flows\n`,
    );
    return 0;
  },
};

export default snapshot;
