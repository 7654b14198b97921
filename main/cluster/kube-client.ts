/**
 * A small JSON client over the Kubernetes REST API. Authentication, TLS and proxies come from
 * client-node's KubeConfig (applyToHTTPSOptions: certs, bearer tokens, exec plugins with their
 * token cache and refresh, proxy-url); requests and watch streams are read here as raw JSON so a
 * 10,000-pod list is not pushed through the generated model classes.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, type ClusterErrorCode } from './errors.js';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  object: Record<string, any>;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);
const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE']);

export class KubeClient {
  readonly server: string;
  private kc: KubeConfig;
  constructor(
    kubeConfig: KubeConfig,
    /** Context name, used in messages. */
    readonly contextName: string,
  ) {
    this.kc = kubeConfig;
    this.server = kubeConfig.getCurrentCluster()?.server ?? '';
  }

  get kubeConfig(): KubeConfig {
    return this.kc;
  }

  /** New credentials (re-read kubeconfig, fresh exec plugin run); later requests use them. */
  replaceKubeConfig(kubeConfig: KubeConfig): void {
    this.kc = kubeConfig;
    this.destroy();
  }

  private where(): string {
    return `cluster '${this.contextName}' (${this.server})`;
  }

  /** Maps a transport error to a ClusterError naming the cluster and the next step. */
  transportError(err: unknown, path: string): ClusterError {
    if (err instanceof ClusterError) return err;
    const e = err as NodeJS.ErrnoException & { reason?: string };
    const code = e?.code ?? '';
    if (e?.name === 'AbortError' || code === 'ABORT_ERR') return new ClusterError('aborted', `${this.where()}: request ${path} cancelled`);
    if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(e?.message ?? ''))
      return new ClusterError(
        'tls',
        `${this.where()}: TLS error (${code || e.message}); the server certificate is not trusted by the kubeconfig's certificate-authority — check the CA data or the server URL`,
        { cause: err },
      );
    if (NET_CODES.has(code))
      return new ClusterError(
        'unreachable',
        `${this.where()}: unreachable (${code}); check that the cluster is running, the VPN is up and the server URL in the kubeconfig`,
        { cause: err },
      );
    if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT')
      return new ClusterError('timeout', `${this.where()}: request ${path} timed out; the API server is slow or unreachable`, { cause: err });
    if (/credential|exec|plugin|spawn/i.test(e?.message ?? '') || code === 'ENOENT')
      return new ClusterError('exec-plugin', `${this.where()}: getting credentials failed: ${e.message}`, { cause: err });
    return new ClusterError('http', `${this.where()}: ${path}: ${e?.message ?? String(err)}`, { cause: err });
  }

  /** A ClusterError for an HTTP status with the API's Status message. */
  statusError(status: number, body: string, path: string, verb = 'GET'): ClusterError {
    let message = '';
    try {
      const parsed = JSON.parse(body) as { message?: string };
      message = parsed.message ?? '';
    } catch {
      message = body.slice(0, 200);
    }
    const user = this.kubeConfig.getCurrentUser()?.name ?? '';
    const map: Record<number, [ClusterErrorCode, string]> = {
      401: ['unauthorized', `credentials for user '${user}' were rejected (expired or revoked token?); log in again or refresh the credentials`],
      403: ['forbidden', `forbidden: ${message || 'no permission'}; ask for RBAC access or choose a namespace you may read`],
      404: ['not-found', `not found: ${message || path}`],
      410: ['gone', `resource version too old: ${message}`],
    };
    const [code, text] = map[status] ?? ['http', `HTTP ${status}: ${message || 'error'}`];
    return new ClusterError(code, `${this.where()}: ${verb} ${path}: ${text}`, { status });
  }

  private agents = new Map<string, http.Agent>();

  /**
   * client-node makes a new agent per call, i.e. a TLS handshake per request. Without a proxy we
   * keep one keep-alive agent per TLS identity (CA, client cert/key, which exec plugins may renew).
   */
  private sharedAgent(opts: https.RequestOptions): http.Agent | undefined {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl) return undefined;
    const key = [opts.ca, opts.cert, opts.key, opts.rejectUnauthorized, opts.servername].map((v) => (v === undefined ? '' : String(v))).join('\0');
    let agent = this.agents.get(key);
    if (!agent) {
      if (this.agents.size > 4) this.destroy();
      agent = this.server.startsWith('http:')
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({
            keepAlive: true,
            // No socket cap: every watch holds one connection for minutes.
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            servername: opts.servername,
            ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
          });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes kept-alive connections. */
  destroy(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private async options(method: string, signal?: AbortSignal): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = { method, headers: {} };
    try {
      await this.kubeConfig.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new ClusterError('exec-plugin', `${this.where()}: getting credentials failed: ${(err as Error).message}`, { cause: err });
    }
    const shared = this.sharedAgent(opts);
    if (shared) opts.agent = shared;
    opts.headers = { ...(opts.headers as Record<string, string>), Accept: 'application/json' };
    if (signal) opts.signal = signal;
    return opts;
  }

  private open(path: string, opts: https.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const url = new URL(this.server + path);
    const mod = url.protocol === 'http:' ? http : https;
    return mod.request(url, opts, onResponse);
  }

  /** A JSON request; rejects with a ClusterError for transport errors and non-2xx statuses. */
  async request<T = any>(path: string, ro: RequestOptions = {}): Promise<T> {
    const method = ro.method ?? 'GET';
    const opts = await this.options(method, ro.signal);
    const payload = ro.body === undefined ? undefined : JSON.stringify(ro.body);
    if (payload) (opts.headers as Record<string, string>)['Content-Type'] = 'application/json';
    return new Promise<T>((resolve, reject) => {
      const req = this.open(path, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.transportError(err, path)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(this.statusError(status, text, path, method));
          try {
            resolve((text ? JSON.parse(text) : {}) as T);
          } catch {
            reject(new ClusterError('http', `${this.where()}: ${method} ${path}: response is not JSON (truncated?)`));
          }
        });
      });
      req.setTimeout(ro.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.transportError(err, path)));
      req.end(payload);
    });
  }

  /**
   * Streams a watch: resolves when the server ends the stream, rejects on errors. `onOpen` runs
   * once the server accepted the watch (HTTP 200). A stream silent for `idleMs` is treated as dead.
   */
  async watch(
    path: string,
    onEvent: (ev: WatchEvent) => void,
    opts: { signal?: AbortSignal; onOpen?: () => void; idleMs?: number } = {},
  ): Promise<void> {
    const ro = await this.options('GET', opts.signal);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        if (err) reject(this.transportError(err, path));
        else resolve();
      };
      const req = this.open(path, ro, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(this.statusError(status, Buffer.concat(chunks).toString('utf8'), path)));
          res.on('error', finish);
          return;
        }
        opts.onOpen?.();
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          rest += chunk;
          let nl: number;
          while ((nl = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, nl).trim();
            rest = rest.slice(nl + 1);
            if (!line) continue;
            let ev: WatchEvent;
            try {
              ev = JSON.parse(line) as WatchEvent;
            } catch {
              req.destroy();
              return finish(new ClusterError('http', `${this.where()}: watch ${path}: malformed event in the stream`));
            }
            try {
              onEvent(ev);
            } catch (err) {
              req.destroy();
              return finish(err);
            }
          }
        });
        res.on('end', () => (rest.trim() ? finish(new ClusterError('http', `${this.where()}: watch ${path}: stream ended mid-event`)) : finish()));
        res.on('aborted', () => finish(Object.assign(new Error('watch stream aborted by the server'), { code: 'ECONNRESET' })));
        res.on('error', finish);
      });
      req.setTimeout(opts.idleMs ?? 120_000, () => req.destroy(Object.assign(new Error('watch idle timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', finish);
      req.end();
    });
  }
}
