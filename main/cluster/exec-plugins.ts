import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { ClusterError } from './errors.js';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/** Install hints for the exec credential plugins kubeconfigs commonly name (shown when one is missing). */
const HINTS: Record<string, string> = {
  aws: 'Install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
  'aws-iam-authenticator': 'Install aws-iam-authenticator: https://github.com/kubernetes-sigs/aws-iam-authenticator',
  'gke-gcloud-auth-plugin':
    'Install it with `gcloud components install gke-gcloud-auth-plugin` (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl)',
  gcloud: 'Install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install',
  kubelogin: 'Install kubelogin (Azure): `az aks install-cli` or https://azure.github.io/kubelogin/install.html',
  'kubectl-oidc_login': 'Install the oidc-login plugin: `kubectl krew install oidc-login`',
  kubectl: 'Install kubectl: https://kubernetes.io/docs/tasks/tools/',
  az: 'Install the Azure CLI: https://learn.microsoft.com/cli/azure/install-azure-cli',
  doctl: 'Install doctl: https://docs.digitalocean.com/reference/doctl/how-to/install/',
  oci: 'Install the OCI CLI: https://docs.oracle.com/iaas/Content/API/SDKDocs/cliinstall.htm',
  'ibmcloud': 'Install the IBM Cloud CLI: https://cloud.ibm.com/docs/cli',
};

/** The kubeconfig's own installHint wins; otherwise a known hint by the command's base name. */
export function installHintFor(command: string, kubeconfigHint?: string): string | undefined {
  if (kubeconfigHint && kubeconfigHint.trim()) return kubeconfigHint.trim();
  const base = command.split(/[\\/]/).pop()!.replace(/\.(exe|cmd|bat)$/i, '');
  return HINTS[base];
}

// ---- Running exec credential plugins (instead of client-node's ExecAuth: no timeout, no output cap) ----


export interface ExecSpec {
  apiVersion?: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
}

export interface ExecLimits {
  /** The plugin is killed when it has not finished within this time. Default 60 s. */
  timeoutMs?: number;
  /** The plugin is killed when it prints more than this (stdout + stderr). Default 4 MiB. */
  maxOutputBytes?: number;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
export const DEFAULT_EXEC_MAX_OUTPUT = 4 * 1024 * 1024;

interface ExecCredential {
  status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string };
}

/** Runs the plugin once: stdin closed, killed (with its process group) on timeout or over-long output. */
export function runExecPlugin(spec: ExecSpec, limits: ExecLimits = {}, signal?: AbortSignal): Promise<ExecCredential> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const maxOutput = limits.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT;
  const name = spec.command.split(/[\\/]/).pop();
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of spec.env) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      apiVersion: spec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    const child = spawn(spec.command, spec.args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | undefined;
    const stop = (why: Error) => {
      if (failure) return;
      failure = why;
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () =>
        stop(
          new ClusterError(
            'exec-plugin',
            `the credential plugin '${name}' did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped; run it in a terminal to see whether it waits for a login, or raise the exec plugin timeout in Settings`,
          ),
        ),
      timeoutMs,
    );
    const onAbort = () => stop(new ClusterError('aborted', `the credential plugin '${name}' was stopped (cancelled)`));
    signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) return stop(new ClusterError('exec-plugin', `the credential plugin '${name}' printed more than ${maxOutput} bytes and was stopped; a credential is a few kilobytes`));
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.stdout.on('error', () => undefined);
    child.stderr.on('error', () => undefined);
    child.on('error', (e) => stop(new ClusterError('exec-plugin', `the credential plugin '${name}' could not start: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      const stderr = Buffer.concat(err).toString('utf8').trim().slice(0, 2000);
      if (code !== 0)
        return reject(new ClusterError('exec-plugin', `the credential plugin '${name}' failed (${sig ? `signal ${sig}` : `exit code ${code}`})${stderr ? `: ${stderr}` : ''}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as ExecCredential);
      } catch {
        reject(new ClusterError('exec-plugin', `the credential plugin '${name}' did not print an ExecCredential (JSON); run it in a terminal to see what it prints`));
      }
    });
  });
}

/**
 * client-node authenticator for one exec user: one plugin run at a time, the credential reused
 * until it expires (or, without an expiry, for this connection).
 */
export class ExecPluginAuth implements Authenticator {
  private cached?: { cred: ExecCredential; until: number };
  private running?: Promise<ExecCredential>;
  constructor(
    private readonly userName: string,
    private readonly spec: ExecSpec,
    private readonly limits: ExecLimits = {},
  ) {}

  isAuthProvider(user: User): boolean {
    return user.name === this.userName;
  }

  async applyAuthentication(_user: User, opts: Parameters<Authenticator['applyAuthentication']>[1]): Promise<void> {
    const s = (await this.credential()).status ?? {};
    const o = opts as { cert?: string; key?: string; headers?: Record<string, unknown> };
    if (s.clientCertificateData) o.cert = s.clientCertificateData;
    if (s.clientKeyData) o.key = s.clientKeyData;
    if (s.token) o.headers = { ...(o.headers ?? {}), Authorization: `Bearer ${s.token}` };
  }

  private async credential(): Promise<ExecCredential> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.cred;
    this.running ??= runExecPlugin(this.spec, this.limits).finally(() => (this.running = undefined));
    const cred = await this.running;
    const exp = Date.parse(cred.status?.expirationTimestamp ?? '');
    this.cached = { cred, until: Number.isFinite(exp) ? exp : Infinity };
    return cred;
  }
}

/** What the user confirms: this kubeconfig file's exact bytes, this user and this plugin command. */
export function execDigest(fileBytes: Buffer | string, userName: string, spec: Omit<ExecSpec, 'env'> & { env?: unknown }): string {
  return createHash('sha256')
    .update(createHash('sha256').update(fileBytes).digest('hex'))
    .update('\0' + userName + '\0' + JSON.stringify([spec.command, spec.args, spec.env ?? []]))
    .digest('hex');
}

/**
 * Exec plugins the user allowed in the Connect dialog, remembered by digest (a changed file or
 * command asks again). Kept in the config directory, readable by the user only.
 */
export class ExecTrust {
  constructor(readonly file: string) {}

  private read(): string[] {
    try {
      const list = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string') : [];
    } catch {
      return [];
    }
  }

  has(digest: string): boolean {
    return this.read().includes(digest);
  }

  add(digest: string): void {
    const list = this.read();
    if (list.includes(digest)) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify([...list, digest].slice(-500), null, 1), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }
}
