/** `netcity analyze <files or folders...>`: the connectivity the policies in a set of manifests allow. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatLocation, formatManifestError, loadManifests } from '../../manifests/index.js';
import { createPolicyEngine, describeSemantics, podIpRuleCidrs, promoteStaged, semanticsOfRoadBuilder, workloadOfPod, type AnalyzeConnection, type AnalyzeResult } from '../../policy/index.js';
import { policyKey } from '../../model/ids.js';
import { isEnforceablePolicy, type PodInfo, type Protocol } from '../../model/types.js';
import { ANALYZE_FORMATS, formatMatrixChunks, type AnalyzeFormat, type Explanations, type MatrixSource } from '../../policy/matrix-format.js';
import { fromPortLists, hasPort, PROTOCOLS } from '../../policy/ports.js';
import { UsageError, type Command } from '../command.js';
import { detectDeclaredRoadBuilder, enforcedPolicyKinds, namedRoadBuilder, roadBuilderLabel } from '../../cluster/cni-detect.js';
import { CNI_CHOICE_USAGE, cniChoiceOptions, describeRoadBuilder, roadBuilderOption, withCniChoices } from './road-builder-option.js';
import { SIZE_CAP_OPTIONS, SIZE_CAP_USAGE, sizeCaps } from './size-cap-options.js';

const usage = `
Usage: netcity analyze <files or folders...> [--format txt|json|csv|md|dot|mermaid]
                       [--level workload|pod] [--focus ns/name] [--explain] [--namespace NS]
                       [--no-ip-ranges] [--road-builder NAME]
                       [--host-network as-node|as-pod] [--ipblock-pod-ips match|ignore] [--staged]

Reads Kubernetes manifests as \`kubectl apply -f <path> -R\` would (YAML or JSON, several documents
per file, List kinds, folders recursively) and prints which workloads (or pods) and external IP
ranges may talk to which, on which ports, under every NetworkPolicy, AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy, Cilium and Calico policy found.
Workload templates without pods of their own stand for one representative pod each.

Options:
  --format F       txt (default: "src => dst : TCP 80,UDP 53"), json (stable, see README),
                   csv, md, dot, mermaid
  --level L        workload (default) or pod
  --focus NS/NAME  only connections from or to this workload (or pod with --level pod)
  --explain        add, per connection, which policy and rule decided each direction;
                   with --focus, also why the focused peer's other pairs get nothing
  --namespace NS   namespace for objects that have none (default: default)
  --no-ip-ranges   leave external IP ranges out
  --road-builder N the CNI the cluster runs (flannel, calico, cilium, weave, canal, antrea,
                   kube-router, aws-vpc-cni, azure-cni, ...); without it, the one the manifests
                   declare. Policy kinds it does not enforce have no effect: such connections are
                   allowed and marked "unenforced" (a field per connection in json). With no
                   known road builder every policy is taken as enforced (a caveat on stderr).
${CNI_CHOICE_USAGE}
  --staged         preview Calico staged policies (StagedNetworkPolicy, StagedGlobalNetworkPolicy,
                   StagedKubernetesNetworkPolicy) as if enforced; without it they are not
${SIZE_CAP_USAGE}

Exit codes: 0 all input understood; 1 some input was bad (reported on stderr, the rest analysed);
2 usage error.
`;

type Declared = (peerId: string) => { protocol: Protocol; port: number }[];

/** Container ports the pods behind a peer declare (the first pod of a workload), indexed once. */
function declaredPorts(pods: PodInfo[]): Declared {
  const first = new Map<string, PodInfo>();
  for (const p of pods) {
    const pid = `pod:${p.namespace}/${p.name}`;
    if (!first.has(pid)) first.set(pid, p);
    const wl = workloadOfPod(p);
    if (!first.has(wl)) first.set(wl, p);
  }
  return (peerId) => (first.get(peerId)?.ports ?? []).map((c) => ({ protocol: c.protocol, port: c.containerPort }));
}

/** One port per allowed protocol is explained: one the destination declares, else the first allowed. */
function explainConnection(engine: ReturnType<typeof createPolicyEngine>, c: AnalyzeConnection, declaredOf: Declared): string[] {
  const out: string[] = [];
  const allowed = fromPortLists(c.allowed);
  const unknown = c.unknown ? fromPortLists(c.unknown) : undefined;
  const declared = declaredOf(c.dst);
  for (const p of PROTOCOLS) {
    const set = allowed[p].length ? allowed : unknown;
    const iv = set?.[p] ?? [];
    if (!iv.length) continue;
    const port = declared.find((d) => d.protocol === p && hasPort(set!, p, d.port))?.port ?? iv[0];
    try {
      out.push(`${p}/${port}: ${engine.evaluate(c.src, c.dst, p, port).summary}`);
    } catch (e) {
      out.push(`${p}/${port}: cannot explain: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * With --focus and --explain, the focused peer's pairs with nothing allowed are listed too, each
 * explained on the destination's first declared port (TCP 80 when it declares none).
 */
function withDenied(
  engine: ReturnType<typeof createPolicyEngine>,
  result: AnalyzeResult,
  declaredOf: Declared,
  explanations: Map<string, string[]>,
  focusArg: string,
  level: 'workload' | 'pod',
): AnalyzeResult {
  const listed = new Set(result.connections.map((c) => `${c.src}|${c.dst}`));
  const [ns, name] = focusArg.split('/', 2);
  const all = engine.connectivity({ level, includeIpRanges: false }).peers;
  const focused = all.filter((p) => p.namespace === ns && p.name === name).map((p) => p.id);
  const focus = new Set(focused);
  const firstPort = (peerId: string): { protocol: Protocol; port: number } => declaredOf(peerId)[0] ?? { protocol: 'TCP', port: 80 };
  const extra: AnalyzeConnection[] = [];
  const peers = new Map(result.peers.map((p) => [p.id, p]));
  for (const f of focused)
    for (const other of all) {
      if (other.id === f) continue;
      for (const [src, dst] of [
        [f, other.id],
        [other.id, f],
      ]) {
        if (listed.has(`${src}|${dst}`) || !focus.has(f)) continue;
        listed.add(`${src}|${dst}`);
        const { protocol, port } = firstPort(dst);
        extra.push({ src, dst, allowed: { TCP: '', UDP: '', SCTP: '' } });
        explanations.set(`${src}|${dst}`, [`${protocol}/${port}: ${engine.evaluate(src, dst, protocol, port).summary}`]);
        peers.set(other.id, other);
      }
    }
  return { peers: [...peers.values()], connections: [...result.connections, ...extra] };
}

const analyze: Command = {
  name: 'analyze',
  usage,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'txt' },
          level: { type: 'string', default: 'workload' },
          focus: { type: 'string' },
          explain: { type: 'boolean', default: false },
          namespace: { type: 'string', short: 'n', default: 'default' },
          'no-ip-ranges': { type: 'boolean', default: false },
          'road-builder': { type: 'string' },
          'host-network': { type: 'string' },
          'ipblock-pod-ips': { type: 'string' },
          staged: { type: 'boolean', default: false },
          ...SIZE_CAP_OPTIONS,
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('give at least one manifest file or folder');
    const format = values.format as AnalyzeFormat;
    if (!ANALYZE_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${ANALYZE_FORMATS.join(', ')}, got "${values.format}"`);
    const level = values.level;
    if (level !== 'workload' && level !== 'pod') throw new UsageError(`--level: expected workload or pod, got "${level}"`);
    if (values.focus !== undefined && !/^[^/]+\/[^/]+$/.test(values.focus)) throw new UsageError(`--focus: expected ns/name, got "${values.focus}"`);
    const named = values['road-builder'] === undefined ? undefined : roadBuilderOption(values['road-builder']);
    const choices = cniChoiceOptions(values);
    const caps = sizeCaps(values);

    const set = await loadManifests(
      positionals.map((p) => path.resolve(io.cwd, p)),
      { defaultNamespace: values.namespace, ...caps, signal: io.signal, onProgress: (done, total) => io.progress?.('reading manifests (files)', done, total) },
    );
    const rel = (f: string) => path.relative(io.cwd, f) || f;
    let problems = 0;
    for (const e of set.errors) {
      io.err(`error: ${formatManifestError({ ...e, file: rel(e.file) })}\n`);
      problems++;
    }
    for (const w of set.warnings) io.err(`warning: ${formatManifestError({ ...w, file: rel(w.file) })}\n`);

    const staged = promoteStaged(set.policies);
    const stagedCount = staged.upsert.length + (staged.remove?.length ?? 0);
    if (stagedCount && values.staged) {
      const drop = new Set([...(staged.remove ?? []), ...staged.upsert.map((p) => policyKey(p.kind, p.name, p.namespace))]);
      set.policies = [...set.policies.filter((p) => !drop.has(policyKey(p.kind, p.name, p.namespace))), ...staged.upsert];
      io.err(`staged: ${stagedCount} staged polic${stagedCount === 1 ? 'y' : 'ies'} previewed as enforced\n`);
    } else if (stagedCount) io.err(`note: ${stagedCount} staged polic${stagedCount === 1 ? 'y is' : 'ies are'} not enforced (preview them with --staged)\n`);

    io.progress?.(`evaluating ${set.policies.length.toLocaleString('en-US')} policies over ${set.pods.length.toLocaleString('en-US')} pods`);
    const rb = withCniChoices(named ? namedRoadBuilder(named) : detectDeclaredRoadBuilder(set.cniObjects), choices);
    const semantics = semanticsOfRoadBuilder(rb);
    if (rb.enforcesNetworkPolicy !== 'unknown') io.err(`road builder: ${describeRoadBuilder(rb)}\n`);
    else if (set.policies.length) io.err('note: CNI unknown: verdicts assume every policy is enforced (name the road builder with --road-builder NAME)\n');
    const engine = createPolicyEngine(
      { namespaces: set.namespaces, pods: set.pods, nodes: set.nodes, policies: set.policies, services: set.services },
      { enforcedKinds: enforcedPolicyKinds(rb), roadBuilder: roadBuilderLabel(rb), semantics },
    );
    // Said when it can decide a verdict: host-network pods, or address rules that may meet pod IPs.
    if (set.pods.some((p) => p.hostNetwork) || podIpRuleCidrs(set.policies).length) io.err(`CNI semantics: ${describeSemantics(semantics)}\n`);
    for (const w of engine.warnings) {
      const at = set.policySources[w.policy];
      io.err(`error: ${at ? `${formatLocation({ ...at, file: rel(at.file) })} (${w.policy}): ` : `${w.policy}: `}${w.message}\n`);
      problems++;
    }
    if (set.pods.length === 0) io.err('warning: no pods or workloads found in the input: nothing to connect\n');

    const mopts = { level, focus: values.focus, includeIpRanges: !values['no-ip-ranges'] } as const;
    const kinds = enforcedPolicyKinds(rb);
    // Policies the road builder does not enforce: connections carry what is open only because of
    // it, from both matrices collected. Otherwise, without --focus, the matrix is streamed: each
    // connection is formatted as its source row is computed, so any size fits.
    const unenforced = kinds !== undefined && set.policies.some((p) => !kinds.includes(p.kind) && isEnforceablePolicy(p.kind));
    let matrix;
    let collected: AnalyzeResult | undefined;
    try {
      matrix = engine.connectivity(mopts);
      if (unenforced) collected = engine.workloadMatrix(mopts);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const gather = () => (collected ??= matrix.toResult());
    let result: MatrixSource = collected ?? matrix;
    let explanations: Explanations | undefined;
    if (values.explain) {
      const declaredOf = declaredPorts(set.pods);
      const extra = new Map<string, string[]>();
      if (values.focus && format !== 'json') result = withDenied(engine, gather(), declaredOf, extra, values.focus, level);
      explanations = (c) => extra.get(`${c.src}|${c.dst}`) ?? explainConnection(engine, c, declaredOf);
    } else if (values.focus) result = gather();
    io.progress?.(`writing the connections of ${matrix.peers.length.toLocaleString('en-US')} peers`);
    // Written in batches of about 1 MB: a large cluster's matrix would not fit in one string.
    let batch: string[] = [];
    let size = 0;
    for (const chunk of formatMatrixChunks(result, format, explanations)) {
      batch.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) {
        if (io.signal.aborted) break;
        io.out(batch.join(''));
        batch = [];
        size = 0;
      }
    }
    if (batch.length) io.out(batch.join(''));
    if (problems > 0) {
      io.err(
        `${problems} problem${problems === 1 ? '' : 's'} in the input (listed above); ${set.files.length} file${set.files.length === 1 ? '' : 's'} read, ` +
          `${set.policies.length} polic${set.policies.length === 1 ? 'y' : 'ies'} and ${set.pods.length} pod${set.pods.length === 1 ? '' : 's'} analysed without the bad parts\n`,
      );
      return 1;
    }
    return 0;
  },
};

export default analyze;
