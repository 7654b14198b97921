/**
 * Kubeconfig loading the way kubectl does it: KUBECONFIG (several files, first one to define a
 * name wins), else ~/.kube/config, or one chosen file. What leaves this module towards callers
 * (ContextInfo) holds names, servers and warnings, never tokens, keys or certificate data.
 */
import { readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from './errors.js';
import { findExecutable, loginShellPath } from './login-path.js';
import { execDigest, ExecPluginAuth, installHintFor, type ExecLimits, type ExecSpec } from './exec-plugins.js';

export type AuthKind = 'token' | 'client-cert' | 'exec' | 'auth-provider' | 'basic' | 'none';

export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
  current: boolean;
  auth: AuthKind;
  /** The command line an exec plugin context runs (shown before first use). Env values are not included. */
  execCommand?: string;
  /** Identifies this file's bytes + user + plugin command: what the user confirms before it runs. */
  execDigest?: string;
  /** How to install the exec plugin; set when its binary is not found. */
  installHint?: string;
  /** e.g. "insecure-skip-tls-verify", "proxy-url http://proxy:3128", "exec-plugin-missing gke-gcloud-auth-plugin", "token-expired 2026-..." */
  warnings: string[];
  /** The kubeconfig file that defined the context (displayed with ~). */
  file: string;
}

export interface KubeconfigSource {
  /** A chosen file; overrides KUBECONFIG and ~/.kube/config. */
  path?: string;
  env?: Record<string, string | undefined>;
  home?: string;
}

type Raw = Record<string, unknown>;
interface Entry {
  name: string;
  body: Raw;
  file: string;
}

export interface LoadedKubeconfig {
  files: string[];
  currentContext?: string;
  contexts: Map<string, Entry>;
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  /** Each file's text as read (exec digests are taken over it). */
  texts: Map<string, string>;
}

export function displayPath(file: string, home = os.homedir()): string {
  return home && file.startsWith(home + path.sep) ? '~' + file.slice(home.length) : file;
}

/** The files kubectl would read, in order. */
export function kubeconfigFiles(source: KubeconfigSource = {}): string[] {
  if (source.path) return [path.resolve(source.path)];
  const env = source.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list && list.trim()) {
    const files = list.split(path.delimiter).filter(Boolean).map((f) => path.resolve(f));
    return [...new Set(files)];
  }
  return [path.join(source.home ?? os.homedir(), '.kube', 'config')];
}

const PATH_KEYS: Record<string, string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'tokenFile', 'token-file'],
};

function asObject(v: unknown): Raw | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;
}

/** Reads, validates and merges the kubeconfig files (first definition of a name wins, as in kubectl). */
export function loadKubeconfig(source: KubeconfigSource = {}): LoadedKubeconfig {
  const files = kubeconfigFiles(source);
  const home = source.home ?? os.homedir();
  const out: LoadedKubeconfig = { files: [], contexts: new Map(), clusters: new Map(), users: new Map(), texts: new Map() };
  const explicit = Boolean(source.path);
  for (const file of files) {
    const shown = displayPath(file, home);
    if (!existsSync(file)) {
      // kubectl skips missing KUBECONFIG entries; a chosen file must exist.
      if (explicit) throw new ClusterError('kubeconfig', `kubeconfig ${shown}: file not found; check the path`);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ClusterError('kubeconfig', `kubeconfig ${shown}: cannot read (${(err as Error).message})`, { cause: err });
    }
    out.files.push(file);
    out.texts.set(file, text);
    // Never echo a binary file (or an invalid UTF-8 one) to the terminal or the UI.
    if (text.includes('\0') || text.includes('\ufffd'))
      throw new ClusterError('kubeconfig', `kubeconfig ${shown}: not a text file (binary or not UTF-8); point KUBECONFIG or --kubeconfig at a kubeconfig YAML file`);
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { prettyErrors: false, lineCounter });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const at = lineCounter.linePos(e.pos[0]);
      const where = at.line ? ` at line ${at.line}, column ${at.col}` : '';
      throw new ClusterError(
        'kubeconfig',
        `kubeconfig ${shown}: not valid YAML${where}: ${printable(e.message.split('\n')[0])}; fix the file or point KUBECONFIG elsewhere`,
      );
    }
    const data = doc.toJS() as unknown;
    if (data === null || data === undefined) continue; // an empty file is allowed, as in kubectl
    const root = asObject(data);
    if (!root) throw new ClusterError('kubeconfig', `kubeconfig ${shown}: expected a mapping with clusters, users and contexts`);
    const dir = path.dirname(file);
    for (const [section, inner] of [
      ['clusters', 'cluster'],
      ['users', 'user'],
      ['contexts', 'context'],
    ] as const) {
      const list = root[section];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new ClusterError('kubeconfig', `kubeconfig ${shown}: '${section}' must be a list`);
      list.forEach((item, i) => {
        const obj = asObject(item);
        const name = obj?.name;
        if (!obj || typeof name !== 'string' || !name)
          throw new ClusterError('kubeconfig', `kubeconfig ${shown}: ${section}[${i}] has no name`);
        const body = asObject(obj[inner]) ?? {};
        if (inner === 'cluster' && typeof body.server !== 'string')
          throw new ClusterError('kubeconfig', `kubeconfig ${shown}: cluster '${name}' has no server URL`);
        if (inner === 'context' && (typeof body.cluster !== 'string' || !body.cluster))
          throw new ClusterError('kubeconfig', `kubeconfig ${shown}: context '${name}' names no cluster`);
        for (const key of PATH_KEYS[inner] ?? []) {
          const v = body[key];
          if (typeof v === 'string' && v && !path.isAbsolute(v)) body[key] = path.join(dir, v);
        }
        const exec = asObject(body.exec);
        // A relative exec command with a slash is relative to the file, as kubectl does.
        if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !path.isAbsolute(exec.command))
          exec.command = path.join(dir, exec.command);
        const map = out[section];
        if (!map.has(name)) map.set(name, { name, body, file });
      });
    }
    const cc = root['current-context'];
    if (out.currentContext === undefined && typeof cc === 'string' && cc) out.currentContext = cc;
  }
  if (out.files.length === 0) {
    const shown = files.map((f) => displayPath(f, home)).join(', ');
    throw new ClusterError('kubeconfig', `no kubeconfig found (looked at ${shown}); set KUBECONFIG or create ~/.kube/config`);
  }
  return out;
}

/** Control characters and the like replaced, so a message cannot drive the terminal. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, '?');
}

function execSpec(exec: Raw): ExecSpec {
  return {
    apiVersion: typeof exec.apiVersion === 'string' ? exec.apiVersion : undefined,
    command: typeof exec.command === 'string' ? exec.command : '',
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env: Array.isArray(exec.env) ? (exec.env as Raw[]).filter((e) => e && typeof e.name === 'string').map((e) => ({ name: String(e.name), value: String(e.value ?? '') })) : [],
  };
}

function describeFiles(cfg: LoadedKubeconfig): string {
  return cfg.files.map((f) => displayPath(f)).join(':');
}

function authKind(user: Raw): AuthKind {
  if (user.exec) return 'exec';
  if (user['auth-provider']) return 'auth-provider';
  if (user['client-certificate'] || user['client-certificate-data']) return 'client-cert';
  if (user.token || user.tokenFile || user['token-file']) return 'token';
  if (user.username) return 'basic';
  return 'none';
}

const SECRET_FLAG = /secret|token|password|passwd|api-?key|credential/i;

/** Plugin arguments as shown to the user: values of secret-looking flags replaced by "***". */
export function redactArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0 && SECRET_FLAG.test(a.slice(0, eq))) out.push(`${a.slice(0, eq)}=***`);
    else if (a.startsWith('-') && eq < 0 && SECRET_FLAG.test(a) && i + 1 < args.length && !args[i + 1].startsWith('-')) {
      out.push(a, '***');
      i++;
    } else out.push(a);
  }
  return out;
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Seconds-since-epoch expiry of a JWT bearer token, read without validating it. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

function describeContext(cfg: LoadedKubeconfig, ctx: Entry, searchPath: string, now: number): ContextInfo {
  const clusterName = String(ctx.body.cluster);
  const userName = typeof ctx.body.user === 'string' ? ctx.body.user : '';
  const cluster = cfg.clusters.get(clusterName)?.body;
  const user = cfg.users.get(userName)?.body ?? {};
  const warnings: string[] = [];
  if (!cluster) warnings.push(`cluster-missing ${clusterName}`);
  if (userName && !cfg.users.has(userName)) warnings.push(`user-missing ${userName}`);
  if (cluster?.['insecure-skip-tls-verify'] === true) warnings.push('insecure-skip-tls-verify');
  if (typeof cluster?.['proxy-url'] === 'string') warnings.push(`proxy-url ${redactUrl(cluster['proxy-url'])}`);
  const info: ContextInfo = {
    name: ctx.name,
    cluster: clusterName,
    server: typeof cluster?.server === 'string' ? cluster.server : '',
    user: userName,
    namespace: typeof ctx.body.namespace === 'string' && ctx.body.namespace ? ctx.body.namespace : undefined,
    current: cfg.currentContext === ctx.name,
    auth: authKind(user),
    warnings,
    file: displayPath(ctx.file),
  };
  const exec = asObject(user.exec);
  if (exec) {
    const command = typeof exec.command === 'string' ? exec.command : '';
    const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
    info.execCommand = [command, ...redactArgs(args)].map(quoteArg).join(' ');
    const userEntry = cfg.users.get(userName)!;
    info.execDigest = execDigest(cfg.texts.get(userEntry.file) ?? '', userName, execSpec(exec));
    if (!command || !findExecutable(command, searchPath)) {
      warnings.push(`exec-plugin-missing ${command || '(no command)'}`);
      info.installHint = installHintFor(command, typeof exec.installHint === 'string' ? exec.installHint : undefined);
    }
  }
  if (typeof user.token === 'string') {
    const exp = jwtExpiry(user.token);
    if (exp !== undefined && exp * 1000 < now) warnings.push(`token-expired ${new Date(exp * 1000).toISOString()}`);
  }
  return info;
}

function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return u;
  }
}

export interface ListOptions extends KubeconfigSource {
  /** PATH to look exec plugins up in; defaults to the login shell's PATH. */
  searchPath?: string;
  now?: number;
  /**
   * Exec plugins: time and output limits, and the gate. With `allowed`, a plugin runs only when
   * allowed(digest) says so (the app: the user confirmed it in the Connect dialog); without it
   * (the CLI, which the user typed) it runs.
   */
  exec?: ExecLimits & { allowed?: (digest: string) => boolean };
}

/** All contexts of the merged kubeconfig, with their auth kind and warnings (no credentials). */
export async function listContexts(opts: ListOptions = {}): Promise<ContextInfo[]> {
  const cfg = loadKubeconfig(opts);
  const searchPath = opts.searchPath ?? (await loginShellPath());
  const now = opts.now ?? Date.now();
  return [...cfg.contexts.values()].map((c) => describeContext(cfg, c, searchPath, now));
}

export function contextNotFound(cfg: LoadedKubeconfig, name: string): ClusterError {
  const have = [...cfg.contexts.keys()];
  return new ClusterError(
    'context-not-found',
    `kubeconfig ${describeFiles(cfg)}: context '${name}' not found (have: ${have.length ? have.join(', ') : 'none'})`,
  );
}

export interface ResolvedContext {
  /** client-node config with only this context; stays in main. */
  kubeConfig: KubeConfig;
  info: ContextInfo;
}

/**
 * A client-node KubeConfig for one context (the current one when no name is given). Exec plugins
 * are resolved on the login shell's PATH, and that PATH is handed to the plugin, so a launcher
 * start behaves like a terminal start.
 */
export async function resolveContext(name: string | undefined, opts: ListOptions = {}): Promise<ResolvedContext> {
  const cfg = loadKubeconfig(opts);
  const ctxName = name ?? cfg.currentContext;
  if (!ctxName)
    throw new ClusterError(
      'context-not-found',
      `kubeconfig ${describeFiles(cfg)}: no current-context set; choose one of: ${[...cfg.contexts.keys()].join(', ') || 'none'}`,
    );
  const ctx = cfg.contexts.get(ctxName);
  if (!ctx) throw contextNotFound(cfg, ctxName);
  const searchPath = opts.searchPath ?? (await loginShellPath());
  const info = describeContext(cfg, ctx, searchPath, opts.now ?? Date.now());
  const cluster = cfg.clusters.get(String(ctx.body.cluster));
  if (!cluster)
    throw new ClusterError(
      'kubeconfig',
      `kubeconfig ${describeFiles(cfg)}: context '${ctxName}' names cluster '${String(ctx.body.cluster)}', which is not defined`,
    );
  const userEntry = cfg.users.get(info.user);
  const user: Raw = structuredClone(userEntry?.body ?? {});
  const exec = asObject(user.exec);
  let execAuth: ExecPluginAuth | undefined;
  if (exec) {
    const command = typeof exec.command === 'string' ? exec.command : '';
    const found = command ? findExecutable(command, searchPath) : undefined;
    if (!found) {
      const hint = info.installHint ? ` ${info.installHint}` : '';
      throw new ClusterError(
        'exec-plugin',
        `context '${ctxName}': the credential plugin '${command || '(none)'}' was not found on PATH.${hint}`,
      );
    }
    if (opts.exec?.allowed && !opts.exec.allowed(info.execDigest!))
      throw new ClusterError(
        'exec-not-confirmed',
        `context '${ctxName}' gets its credentials by running \`${info.execCommand}\`; NetCity runs it only after you allow it in the Connect dialog (asked again when the kubeconfig changes)`,
      );
    const spec = execSpec(exec);
    spec.command = found;
    spec.env = [...spec.env.filter((e) => e.name !== 'PATH'), { name: 'PATH', value: searchPath }];
    // client-node's own exec runner has no timeout and no output cap: ours replaces it.
    delete user.exec;
    execAuth = new ExecPluginAuth(info.user, spec, opts.exec);
  }
  // Read token files now so a bad path is reported against the kubeconfig, not deep in a request.
  const tokenFile = user.tokenFile ?? user['token-file'];
  if (typeof tokenFile === 'string') {
    try {
      user.token = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ClusterError('kubeconfig', `context '${ctxName}': cannot read token file ${displayPath(tokenFile)} (${(err as Error).message})`);
    }
    delete user.tokenFile;
    delete user['token-file'];
  }
  const kc = new KubeConfig();
  const raw = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: cluster.body }],
    users: [{ name: info.user || '__none__', user }],
    contexts: [{ name: ctxName, context: { ...ctx.body, user: info.user || '__none__' } }],
    'current-context': ctxName,
  };
  try {
    kc.loadFromString(JSON.stringify(raw));
  } catch (err) {
    throw new ClusterError('kubeconfig', `kubeconfig ${displayPath(ctx.file)}: context '${ctxName}': ${printable((err as Error).message)}`);
  }
  if (execAuth) kc.addAuthenticator(execAuth);
  return { kubeConfig: kc, info };
}
