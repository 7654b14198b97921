/**
 * The small slice of the Kubernetes API the probes need. Orchestration (plans, enforcement,
 * path, matrix, flow capture, cleanup) is written against this interface only, so it is tested
 * with an in-memory fake; kube-probe-cluster.ts implements it with @kubernetes/client-node.
 */

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ListedObject extends ObjectRef {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One SelfSubjectAccessReview question. */
export interface AccessCheck {
  verb: string;
  /** API group; '' for core. */
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

export interface PodView {
  namespace: string;
  name: string;
  phase: string;
  ready: boolean;
  ips: string[];
  node?: string;
  labels: Record<string, string>;
  /** Names of containers (incl. ephemeral) currently running. */
  runningContainers: string[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Undefined when the command was cut off (timeout, abort, stream failure). */
  exitCode?: number;
}

export interface EphemeralContainerSpec {
  name: string;
  image: string;
  command: string[];
  /** Container whose process namespace to share (optional). */
  targetContainerName?: string;
  securityContext: Record<string, unknown>;
}

export interface ProbeCluster {
  /** Context name, for messages. */
  readonly context: string;
  /** Answers each access check with SelfSubjectAccessReview, in order. */
  canI(checks: AccessCheck[]): Promise<boolean[]>;
  create(obj: KubeObject): Promise<void>;
  /** Deletes; an object already gone is not an error. */
  delete(ref: ObjectRef): Promise<void>;
  /** Objects of one kind carrying the label selector, in a namespace or cluster-wide. */
  list(apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<ListedObject[]>;
  getPod(namespace: string, name: string): Promise<PodView | undefined>;
  listPods(namespace: string, labelSelector: string): Promise<PodView[]>;
  /**
   * Streams a container's log; `onData` gets raw chunks (line splitting is the caller's).
   * Resolves when the stream ends (pod gone, abort); rejects on API errors.
   */
  streamLogs(
    namespace: string,
    pod: string,
    container: string,
    opts: { sinceSeconds?: number; signal: AbortSignal },
    onData: (chunk: string) => void,
  ): Promise<void>;
  /** Runs a command in a running container (exec subresource); cut off after timeoutMs. */
  exec(namespace: string, pod: string, container: string, command: string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ExecResult>;
  addEphemeralContainer(namespace: string, pod: string, spec: EphemeralContainerSpec): Promise<void>;
}

/** An API refusal or failure, with the HTTP status when there was one. */
export class ProbeClusterError extends Error {
  override name = 'ProbeClusterError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Polls until `ready` returns a value, or throws after timeoutMs / on abort. */
export async function pollUntil<T>(
  what: string,
  ready: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 500;
  for (;;) {
    opts.signal?.throwIfAborted();
    const v = await ready();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new ProbeClusterError(`timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), opts.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits until `count` pods matching the selector are ready. */
export function waitForReadyPods(
  cluster: ProbeCluster,
  namespace: string,
  labelSelector: string,
  count: number,
  opts: { timeoutMs: number; signal?: AbortSignal; intervalMs?: number },
): Promise<PodView[]> {
  return pollUntil(
    `${count} ready pod(s) '${labelSelector}' in namespace ${namespace}`,
    async () => {
      const pods = await cluster.listPods(namespace, labelSelector);
      const ready = pods.filter((p) => p.ready && p.ips.length > 0);
      return ready.length >= count ? ready : undefined;
    },
    opts,
  );
}
