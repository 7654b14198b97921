/**
 * ProbeCluster over @kubernetes/client-node 1.4.0: KubernetesObjectApi for labelled objects,
 * CoreV1Api for pods and the ephemeralcontainers subresource (strategic merge patch), Log for
 * followed logs, Exec (v4.channel.k8s.io WebSocket) for commands, AuthorizationV1Api for
 * SelfSubjectAccessReview. Errors become ProbeClusterError naming the call, the object and the status.
 */
import { Writable } from 'node:stream';
import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  Exec,
  KubernetesObjectApi,
  Log,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import {
  ProbeClusterError,
  type AccessCheck,
  type EphemeralContainerSpec,
  type ExecResult,
  type KubeObject,
  type ListedObject,
  type ObjectRef,
  type PodView,
  type ProbeCluster,
} from './probe-cluster.js';

export interface KubeProbeClusterOptions {
  /** A followed log that stays silent this long is considered broken and ends. Default 60 s. */
  logIdleTimeoutMs?: number;
}

const refText = (r: { kind: string; namespace?: string; name: string }): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** The API's Status message when the body carries one. */
function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
    } catch {
      return body.slice(0, 200);
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return undefined;
}

export function podView(p: V1Pod): PodView {
  const status = p.status ?? {};
  const conditions = status.conditions ?? [];
  const readyCond = conditions.find((c) => c.type === 'Ready');
  const running = new Set<string>();
  for (const s of [...(status.containerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])]) if (s.state?.running) running.add(s.name);
  // A pod reported Running without container statuses (minimal API servers): take the spec's.
  if (status.phase === 'Running' && !status.containerStatuses) for (const c of p.spec?.containers ?? []) running.add(c.name);
  const ips = (status.podIPs ?? []).map((x) => x.ip).filter((x): x is string => !!x);
  if (ips.length === 0 && status.podIP) ips.push(status.podIP);
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    phase: status.phase ?? 'Unknown',
    ready: readyCond ? readyCond.status === 'True' : conditions.length === 0 && status.phase === 'Running',
    ips,
    node: p.spec?.nodeName,
    labels: { ...(p.metadata?.labels ?? {}) },
    runningContainers: [...running],
  };
}

/** Exit code from the exec Status frame: Success is 0, NonZeroExitCode carries it in causes. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : 1;
}

class Collector extends Writable {
  text = '';
  constructor(private readonly max = 1 << 20) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.text.length < this.max) this.text += chunk.toString('utf8');
    cb();
  }
}

export class KubeProbeCluster implements ProbeCluster {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly logIdleMs: number;

  constructor(
    private readonly kc: KubeConfig,
    readonly context: string,
    opts: KubeProbeClusterOptions = {},
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(CoreV1Api);
    this.authz = kc.makeApiClient(AuthorizationV1Api);
    this.logIdleMs = opts.logIdleTimeoutMs ?? 60_000;
  }

  private fail(what: string, err: unknown): ProbeClusterError {
    if (err instanceof ProbeClusterError) return err;
    if (err instanceof ApiException) {
      const msg = statusMessage(err.body) ?? err.message;
      const hint = err.code === 403 ? '; ask for the RBAC permission or use another context' : err.code === 401 ? '; log in again or refresh the credentials' : '';
      return new ProbeClusterError(`context '${this.context}': ${what}: HTTP ${err.code}: ${msg}${hint}`, err.code);
    }
    return new ProbeClusterError(`context '${this.context}': ${what}: ${(err as Error)?.message ?? String(err)}`);
  }

  async canI(checks: AccessCheck[]): Promise<boolean[]> {
    return Promise.all(
      checks.map(async (c) => {
        try {
          const r = await this.authz.createSelfSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: {
                resourceAttributes: {
                  verb: c.verb,
                  group: c.group,
                  resource: c.resource,
                  ...(c.subresource ? { subresource: c.subresource } : {}),
                  ...(c.namespace ? { namespace: c.namespace } : {}),
                },
              },
            },
          });
          return r.status?.allowed === true;
        } catch (err) {
          throw this.fail(`SelfSubjectAccessReview for ${c.verb} ${c.resource}`, err);
        }
      }),
    );
  }

  async create(obj: KubeObject): Promise<void> {
    try {
      await this.objects.create(obj as KubernetesObject);
    } catch (err) {
      throw this.fail(`create ${refText({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name })}`, err);
    }
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.objects.delete(
        { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } },
        undefined,
        undefined,
        1,
        undefined,
        'Background',
      );
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      throw this.fail(`delete ${refText(ref)}`, err);
    }
  }

  async list(apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<ListedObject[]> {
    try {
      const out: ListedObject[] = [];
      let cont: string | undefined;
      do {
        const page = await this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector, 500, cont);
        for (const o of page.items) {
          out.push({
            apiVersion,
            kind,
            namespace: o.metadata?.namespace,
            name: o.metadata?.name ?? '',
            labels: { ...(o.metadata?.labels ?? {}) },
            annotations: { ...(o.metadata?.annotations ?? {}) },
          });
        }
        cont = page.metadata?._continue || undefined;
      } while (cont);
      return out;
    } catch (err) {
      throw this.fail(`list ${kind} (${labelSelector})${namespace ? ` in ${namespace}` : ''}`, err);
    }
  }

  async getPod(namespace: string, name: string): Promise<PodView | undefined> {
    try {
      return podView(await this.core.readNamespacedPod({ name, namespace }));
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw this.fail(`get pod ${namespace}/${name}`, err);
    }
  }

  async listPods(namespace: string, labelSelector: string): Promise<PodView[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace, labelSelector });
      return list.items.map(podView);
    } catch (err) {
      throw this.fail(`list pods (${labelSelector}) in ${namespace}`, err);
    }
  }

  /**
   * client-node's Log pipes the response into a Writable and reports neither the end nor errors
   * of the body: the end shows as the Writable's 'finish'; a silent stream (broken connection) is
   * cut after logIdleTimeoutMs so the caller reconnects.
   */
  async streamLogs(
    namespace: string,
    pod: string,
    container: string,
    opts: { sinceSeconds?: number; signal: AbortSignal },
    onData: (chunk: string) => void,
  ): Promise<void> {
    opts.signal.throwIfAborted();
    let idle: NodeJS.Timeout | undefined;
    let finish!: () => void;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    const arm = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(finish, this.logIdleMs);
    };
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        arm();
        onData(chunk.toString('utf8'));
        cb();
      },
    });
    sink.on('finish', finish);
    sink.on('error', finish);
    const onAbort = () => finish();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    let controller: AbortController | undefined;
    try {
      controller = await new Log(this.kc).log(namespace, pod, container, sink, {
        follow: true,
        ...(opts.sinceSeconds ? { sinceSeconds: opts.sinceSeconds } : {}),
      });
      arm();
      await ended;
    } catch (err) {
      throw this.fail(`logs of ${namespace}/${pod} (${container})`, err);
    } finally {
      if (idle) clearTimeout(idle);
      opts.signal.removeEventListener('abort', onAbort);
      controller?.abort();
    }
  }

  async exec(namespace: string, pod: string, container: string, command: string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ExecResult> {
    opts.signal?.throwIfAborted();
    const stdout = new Collector();
    const stderr = new Collector();
    let exitCode: number | undefined;
    let ws: Awaited<ReturnType<Exec['exec']>>;
    try {
      ws = await new Exec(this.kc).exec(namespace, pod, container, command, stdout, stderr, null, false, (s) => {
        exitCode = exitCodeOf(s);
      });
    } catch (err) {
      throw this.fail(`exec in ${namespace}/${pod} (${container})`, err);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.close(), opts.timeoutMs);
      const onAbort = () => ws.close();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('close', () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      if (ws.readyState === ws.CLOSED) resolve();
    });
    opts.signal?.throwIfAborted();
    return { stdout: stdout.text, stderr: stderr.text, ...(exitCode !== undefined ? { exitCode } : {}) };
  }

  async addEphemeralContainer(namespace: string, pod: string, spec: EphemeralContainerSpec): Promise<void> {
    try {
      await this.core.patchNamespacedPodEphemeralcontainers(
        { name: pod, namespace, body: { spec: { ephemeralContainers: [{ ...spec, stdin: false, tty: false }] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (err) {
      throw this.fail(`add debug container ${spec.name} to pod ${namespace}/${pod}`, err);
    }
  }
}
