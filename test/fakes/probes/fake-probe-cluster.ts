/**
 * In-memory ProbeCluster for tests and benches: objects, namespaces (cascading delete), pods that
 * become ready, a DaemonSet that puts one pod per node, ephemeral containers, SelfSubjectAccess
 * answers, pod logs from a script, and exec outcomes decided by a reachability function (an
 * enforcing CNI, a non-enforcing one, flaky timeouts). Exec output is the text real nc prints, so
 * the probes' parser is exercised too.
 */
import type { ProbeOutcome, Protocol } from '../../../main/model/types.js';
import { probeTargetOf, RESULT_MARKER, UDP_PAYLOAD } from '../../../main/probes/probe-command.js';
import {
  ProbeClusterError,
  sleep,
  type AccessCheck,
  type EphemeralContainerSpec,
  type ExecResult,
  type KubeObject,
  type ListedObject,
  type ObjectRef,
  type PodView,
  type ProbeCluster,
} from '../../../main/probes/probe-cluster.js';

export interface FakePort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface FakePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ips: string[];
  node: string;
  phase: string;
  ready: boolean;
  hostNetwork: boolean;
  containers: string[];
  ports: FakePort[];
  ephemeral: EphemeralContainerSpec[];
}

export interface ReachQuery {
  src: FakePod;
  /** The pod behind the address, when there is one. */
  dst?: FakePod;
  /** What was dialled (name or address). */
  host: string;
  ip: string;
  protocol: Protocol;
  port: number;
  cluster: FakeProbeCluster;
}

export type ReachAnswer = ProbeOutcome | { outcome: ProbeOutcome; latencyMs?: number; hang?: boolean };
export type Reachability = (q: ReachQuery) => ReachAnswer;

export type LogSource = (namespace: string, pod: string, container: string, signal: AbortSignal) => AsyncIterable<string>;

const keyOf = (kind: string, namespace: string | undefined, name: string): string => `${kind}|${namespace ?? ''}|${name}`;

/** Equality-only selectors ("a=b,c=d"), the form the probes use. */
export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k.trim()] === (v ?? '').trim();
  });
}

/** Is something listening on the pod for this protocol/port? */
export const listens = (pod: FakePod | undefined, protocol: Protocol, port: number): boolean =>
  !!pod && pod.ports.some((p) => p.containerPort === port && p.protocol === protocol);

/** A road builder that ignores NetworkPolicy: listening ports answer, others refuse. */
export const openNetwork: Reachability = (q) => {
  if (!q.dst) return 'timeout';
  return listens(q.dst, q.protocol, q.port) ? 'connected' : q.protocol === 'UDP' ? 'timeout' : 'refused';
};

export interface FakeOptions {
  context?: string;
  nodes?: { name: string; ip: string }[];
  reachability?: Reachability;
  /** Permissions the user lacks. */
  denied?: (check: AccessCheck) => boolean;
  logs?: LogSource;
  /** Polls of listPods before a created pod reports ready. */
  readyAfterPolls?: number;
}

export class FakeProbeCluster implements ProbeCluster {
  readonly context: string;
  readonly objects = new Map<string, KubeObject>();
  readonly pods = new Map<string, FakePod>();
  readonly nodes: { name: string; ip: string }[];
  /** Every mutating call, in order: "create Namespace netcity-probe-x", "exec ns/pod ...". */
  readonly calls: string[] = [];
  readonly dns = new Map<string, string>();
  reachability: Reachability;
  denied: (check: AccessCheck) => boolean;
  logs?: LogSource;
  /** Throw from here to simulate a failure (or a crash) at a given call. */
  beforeCall?: (op: string, detail: string) => void;
  accessReviews = 0;
  private nextIp = 1;
  private readonly readyAfterPolls: number;
  private readonly pollsSeen = new Map<string, number>();

  constructor(opts: FakeOptions = {}) {
    this.context = opts.context ?? 'fake';
    this.nodes = opts.nodes ?? [
      { name: 'node-1', ip: '192.168.0.11' },
      { name: 'node-2', ip: '192.168.0.12' },
    ];
    this.reachability = opts.reachability ?? openNetwork;
    this.denied = opts.denied ?? (() => false);
    this.logs = opts.logs;
    this.readyAfterPolls = opts.readyAfterPolls ?? 0;
  }

  /** Adds an existing workload pod (not created by a probe). */
  addPod(pod: Partial<FakePod> & { namespace: string; name: string }): FakePod {
    const full: FakePod = {
      labels: {},
      ips: [this.allocIp()],
      node: this.nodes[0]?.name ?? 'node-1',
      phase: 'Running',
      ready: true,
      hostNetwork: false,
      containers: ['app'],
      ports: [],
      ephemeral: [],
      ...pod,
    };
    this.pods.set(`${full.namespace}/${full.name}`, full);
    if (!this.objects.has(keyOf('Namespace', undefined, full.namespace))) {
      this.objects.set(keyOf('Namespace', undefined, full.namespace), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: full.namespace, labels: { 'kubernetes.io/metadata.name': full.namespace } },
      });
    }
    return full;
  }

  namespaceLabels(name: string): Record<string, string> | undefined {
    return this.objects.get(keyOf('Namespace', undefined, name))?.metadata.labels;
  }

  /** Objects a probe run created that still exist (everything labelled managed-by=netcity). */
  managedObjects(): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'netcity');
  }

  private allocIp(): string {
    const n = this.nextIp++;
    return `10.250.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }

  private hook(op: string, detail: string): void {
    this.beforeCall?.(op, detail);
  }

  async canI(checks: AccessCheck[]): Promise<boolean[]> {
    this.accessReviews += checks.length;
    return checks.map((c) => !this.denied(c));
  }

  async create(obj: KubeObject): Promise<void> {
    const ns = obj.metadata.namespace;
    const desc = `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata.name}`;
    this.hook('create', desc);
    this.calls.push(`create ${desc}`);
    if (obj.kind !== 'Namespace' && ns && !this.objects.has(keyOf('Namespace', undefined, ns))) {
      throw new ProbeClusterError(`namespaces "${ns}" not found`, 404);
    }
    const key = keyOf(obj.kind, ns, obj.metadata.name);
    if (this.objects.has(key)) throw new ProbeClusterError(`${desc} already exists`, 409);
    const copy = structuredClone(obj);
    if (obj.kind === 'Namespace') copy.metadata.labels = { ...copy.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
    this.objects.set(key, copy);
    if (obj.kind === 'Pod') this.podFromSpec(copy);
    if (obj.kind === 'DaemonSet') {
      const template = (copy.spec as any).template;
      for (const node of this.nodes) {
        const pod = this.podFromSpec({ ...template, metadata: { ...template.metadata, name: `${obj.metadata.name}-${node.name}`, namespace: ns } });
        pod.node = node.name;
        pod.ips = [node.ip];
        pod.hostNetwork = true;
      }
    }
  }

  private podFromSpec(obj: any): FakePod {
    const containers = (obj.spec?.containers ?? []) as { name: string; ports?: FakePort[] }[];
    const pod: FakePod = {
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      labels: { ...(obj.metadata.labels ?? {}) },
      ips: [this.allocIp()],
      node: this.nodes[(this.nextIp - 1) % Math.max(1, this.nodes.length)]?.name ?? 'node-1',
      phase: 'Running',
      ready: false,
      hostNetwork: !!obj.spec?.hostNetwork,
      containers: containers.map((c) => c.name),
      ports: containers.flatMap((c) => (c.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' }))),
      ephemeral: [],
    };
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    return pod;
  }

  async delete(ref: ObjectRef): Promise<void> {
    const desc = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    this.hook('delete', desc);
    this.calls.push(`delete ${desc}`);
    this.objects.delete(keyOf(ref.kind, ref.namespace, ref.name));
    if (ref.kind === 'Namespace') {
      for (const [k, o] of this.objects) if (o.metadata.namespace === ref.name) this.objects.delete(k);
      for (const [k, p] of this.pods) if (p.namespace === ref.name) this.pods.delete(k);
    }
    if (ref.kind === 'Pod') this.pods.delete(`${ref.namespace}/${ref.name}`);
    if (ref.kind === 'DaemonSet') for (const [k, p] of this.pods) if (p.namespace === ref.namespace && p.name.startsWith(`${ref.name}-`)) this.pods.delete(k);
  }

  async list(apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<ListedObject[]> {
    this.hook('list', `${kind} ${labelSelector}`);
    return [...this.objects.values()]
      .filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace) && matchesSelector(o.metadata.labels ?? {}, labelSelector))
      .map((o) => ({
        apiVersion,
        kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
        labels: { ...(o.metadata.labels ?? {}) },
        annotations: { ...(o.metadata.annotations ?? {}) },
      }));
  }

  private view(p: FakePod): PodView {
    return {
      namespace: p.namespace,
      name: p.name,
      phase: p.phase,
      ready: p.ready,
      ips: [...p.ips],
      node: p.node,
      labels: { ...p.labels },
      runningContainers: [...p.containers, ...p.ephemeral.map((e) => e.name)],
    };
  }

  async getPod(namespace: string, name: string): Promise<PodView | undefined> {
    const p = this.pods.get(`${namespace}/${name}`);
    return p ? this.view(p) : undefined;
  }

  async listPods(namespace: string, labelSelector: string): Promise<PodView[]> {
    this.hook('listPods', `${namespace} ${labelSelector}`);
    const out: PodView[] = [];
    for (const p of this.pods.values()) {
      if (p.namespace !== namespace || !matchesSelector(p.labels, labelSelector)) continue;
      const key = `${p.namespace}/${p.name}`;
      const seen = (this.pollsSeen.get(key) ?? 0) + 1;
      this.pollsSeen.set(key, seen);
      if (seen > this.readyAfterPolls) p.ready = true;
      out.push(this.view(p));
    }
    return out;
  }

  async streamLogs(namespace: string, pod: string, container: string, opts: { sinceSeconds?: number; signal: AbortSignal }, onData: (chunk: string) => void): Promise<void> {
    this.hook('logs', `${namespace}/${pod}`);
    if (!this.pods.has(`${namespace}/${pod}`)) throw new ProbeClusterError(`pods "${pod}" not found in ${namespace}`, 404);
    if (!this.logs) return;
    // Like a real stream, an abort ends it at once, whatever the source is waiting on.
    const it = this.logs(namespace, pod, container, opts.signal)[Symbol.asyncIterator]();
    const aborted = new Promise<'aborted'>((resolve) => {
      if (opts.signal.aborted) resolve('aborted');
      opts.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next === 'aborted') {
        void it.return?.();
        return;
      }
      if (next.done) return;
      onData(next.value);
    }
  }

  private resolve(host: string): { ip: string; pod?: FakePod } | undefined {
    const ip = this.dns.get(host) ?? (/^[0-9.]+$|:/.test(host) ? host : undefined);
    if (!ip) return undefined;
    const pod = [...this.pods.values()].find((p) => p.ips.includes(ip));
    return { ip, pod };
  }

  async exec(namespace: string, podName: string, container: string, command: string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ExecResult> {
    this.hook('exec', `${namespace}/${podName}`);
    const pod = this.pods.get(`${namespace}/${podName}`);
    if (!pod) throw new ProbeClusterError(`pods "${podName}" not found in ${namespace}`, 404);
    if (!pod.containers.includes(container) && !pod.ephemeral.some((e) => e.name === container)) {
      throw new ProbeClusterError(`container ${container} is not valid for pod ${podName}`, 400);
    }
    const target = probeTargetOf(command);
    this.calls.push(`exec ${namespace}/${podName} ${target ? `${target.protocol} ${target.host}:${target.port}` : command.join(' ')}`);
    if (!target) return { stdout: '', stderr: `sh: ${command[0]}: not found`, exitCode: 127 };
    const resolved = this.resolve(target.host);
    if (!resolved) {
      return { stdout: `nc: getaddrinfo for host "${target.host}" port ${target.port}: Name or service not known\n${RESULT_MARKER} rc=1 ms=12\n`, stderr: '', exitCode: 0 };
    }
    const raw = this.reachability({ src: pod, dst: resolved.pod, host: target.host, ip: resolved.ip, protocol: target.protocol, port: target.port, cluster: this });
    const ans = typeof raw === 'string' ? { outcome: raw } : raw;
    if ('hang' in ans && ans.hang) {
      await sleep(opts.timeoutMs, opts.signal).catch(() => undefined);
      return { stdout: '', stderr: '', exitCode: undefined };
    }
    const ms = 'latencyMs' in ans && ans.latencyMs !== undefined ? ans.latencyMs : 1;
    const h = resolved.ip;
    const proto = target.protocol.toLowerCase();
    let text: string;
    switch (ans.outcome) {
      case 'connected':
        text = target.protocol === 'UDP' ? `${UDP_PAYLOAD}\n${RESULT_MARKER} rc=0 ms=${ms}` : `Connection to ${h} ${target.port} port [${proto}/*] succeeded!\n${RESULT_MARKER} rc=0 ms=${ms}`;
        break;
      case 'refused':
        text = `nc: connect to ${h} port ${target.port} (${proto}) failed: Connection refused\n${RESULT_MARKER} rc=1 ms=${ms}`;
        break;
      case 'timeout':
        text = target.protocol === 'UDP' ? `${RESULT_MARKER} rc=0 ms=2000` : `nc: connect to ${h} port ${target.port} (${proto}) timed out: Operation now in progress\n${RESULT_MARKER} rc=1 ms=3000`;
        break;
      case 'dns-failure':
        text = `nc: getaddrinfo for host "${target.host}" port ${target.port}: Temporary failure in name resolution\n${RESULT_MARKER} rc=1 ms=${ms}`;
        break;
      default:
        text = `nc: unexpected error\n${RESULT_MARKER} rc=2 ms=${ms}`;
    }
    return { stdout: `${text}\n`, stderr: '', exitCode: 0 };
  }

  async addEphemeralContainer(namespace: string, podName: string, spec: EphemeralContainerSpec): Promise<void> {
    this.hook('ephemeral', `${namespace}/${podName}`);
    this.calls.push(`ephemeral ${namespace}/${podName} ${spec.name}`);
    const pod = this.pods.get(`${namespace}/${podName}`);
    if (!pod) throw new ProbeClusterError(`pods "${podName}" not found in ${namespace}`, 404);
    if (pod.ephemeral.some((e) => e.name === spec.name) || pod.containers.includes(spec.name)) {
      throw new ProbeClusterError(`pod ${namespace}/${podName}: container name ${spec.name} already in use`, 422);
    }
    pod.ephemeral.push(spec);
  }
}
