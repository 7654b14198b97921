/**
 * A Kubernetes API server for tests: HTTPS on 127.0.0.1 with a throwaway CA, loaded from a
 * Snapshot. Serves discovery, list (limit/continue, label/field selectors), watch (JSON lines,
 * resourceVersion, BOOKMARK, 410 Gone), bearer-token users with RBAC refusals, access reviews,
 * create/delete, pod logs, and exec/port-forward over WebSocket. The app under test only sees a
 * kubeconfig, so a real control plane can take its place.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { PodInfo, Snapshot } from '../../../main/model/types.js';
import { makeCerts, type TestCerts } from './certs.js';
import { objectsFromSnapshot, podObject, type SeedObject } from './objects.js';
import { CORE, OPTIONAL, apiVersionOf, resourceKey, type OptionalApi, type ServedResource } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ObjectStore, keyOf, type StoredEvent } from './store.js';
import { defaultExec, serveExec, servePortForward, type ExecHandler } from './streams.js';

type Obj = Record<string, any>;

export interface TestUser {
  name: string;
  token: string;
  /** Namespaces this user may use; undefined = cluster admin. */
  namespaces?: string[];
  /** Requests with this token get 401 "token has expired". */
  expired?: boolean;
}

export interface KubeApiServerOptions {
  snapshot?: Snapshot;
  /** Extra objects (CNI DaemonSets, ConfigMaps, CRDs...). */
  objects?: SeedObject[];
  /** Policy APIs to serve; default: those the snapshot's policies need. */
  optionalApis?: OptionalApi[];
  users?: TestUser[];
  bookmarkIntervalMs?: number;
  kubernetesVersion?: string;
  exec?: ExecHandler;
  /** Local TCP port behind a pod port (port-forward target); undefined: nothing listens. */
  portForwardTarget?: (namespace: string, pod: string, port: number) => number | undefined;
  logs?: (namespace: string, pod: string, container?: string) => string;
  certs?: TestCerts;
}

export interface KubeApiServer {
  url: string;
  port: number;
  caPem: string;
  caFile: string;
  users: TestUser[];
  store: ObjectStore;
  /** Counts of requests by "VERB path-without-query" (e.g. "LIST pods"). */
  requests: Map<string, number>;
  addPod(p: PodInfo): Obj;
  put(resource: string, obj: Obj): Obj;
  remove(resource: string, namespace: string | undefined, name: string): Obj | undefined;
  deletePolicy(resource: string, namespace: string | undefined, name: string): Obj | undefined;
  /** Drop the event history: watches from older resourceVersions get 410 Gone. */
  compact(): void;
  /** Cut every open watch stream mid-flight. */
  dropWatches(): void;
  /** Stop answering (sockets closed, port released) until resume(). */
  suspend(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

const POLICY_API: Record<string, OptionalApi> = {
  AdminNetworkPolicy: 'anp',
  BaselineAdminNetworkPolicy: 'anp',
  ClusterNetworkPolicy: 'cnp',
  CiliumNetworkPolicy: 'cilium',
  CiliumClusterwideNetworkPolicy: 'cilium',
  CalicoNetworkPolicy: 'calico',
  CalicoGlobalNetworkPolicy: 'calico',
  CalicoTier: 'calico',
  CalicoStagedNetworkPolicy: 'calico',
  CalicoStagedGlobalNetworkPolicy: 'calico',
  CalicoStagedKubernetesNetworkPolicy: 'calico',
  CalicoNetworkSet: 'calico',
  CalicoGlobalNetworkSet: 'calico',
  CalicoHostEndpoint: 'calico',
};

const status = (code: number, reason: string, message: string, details?: Obj): Obj => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

function deepMerge(target: Obj, patch: Obj): Obj {
  const out: Obj = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k])) out[k] = deepMerge(out[k], v);
    else out[k] = v;
  }
  return out;
}

export async function startKubeApiServer(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const certs = opts.certs ?? makeCerts();
  const store = new ObjectStore();
  const firstNs = opts.snapshot?.namespaces[0]?.name ?? 'default';
  const users: TestUser[] = opts.users ?? [
    { name: 'admin', token: 'admin-token' },
    { name: 'restricted', token: 'restricted-token', namespaces: [firstNs] },
    { name: 'expired', token: 'expired-token', expired: true },
  ];
  const optional = new Set<OptionalApi>(opts.optionalApis ?? (opts.snapshot?.policies ?? []).map((p) => POLICY_API[p.kind]).filter(Boolean));
  const served: ServedResource[] = [...CORE, ...[...optional].flatMap((o) => OPTIONAL[o])];
  const byKey = new Map(served.map((r) => [resourceKey(r), r]));
  const bookmarkMs = opts.bookmarkIntervalMs ?? 1000;
  const execHandler = opts.exec ?? defaultExec;
  const requests = new Map<string, number>();
  const watches = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let podIpCounter = 0;

  for (const seed of [...(opts.snapshot ? objectsFromSnapshot(opts.snapshot) : []), ...(opts.objects ?? [])]) {
    if (!byKey.has(seed.resource)) continue; // policies of APIs not served are simply absent
    store.put(seed.resource, seed.object);
  }
  store.compact(); // seeding is not history a client could watch from

  const count = (k: string): void => {
    requests.set(k, (requests.get(k) ?? 0) + 1);
  };

  const userOf = (req: IncomingMessage): TestUser | 'expired' | undefined => {
    const m = (req.headers.authorization ?? '').match(/^Bearer\s+(.+)$/i);
    const u = m ? users.find((x) => x.token === m[1].trim()) : undefined;
    if (u?.expired) return 'expired';
    return u;
  };

  const allowed = (u: TestUser, verb: string, r: { namespaced: boolean } | undefined, namespace: string | undefined): boolean => {
    if (!u.namespaces) return true;
    if (!r?.namespaced) return false;
    return namespace !== undefined && namespace !== '' && u.namespaces.includes(namespace);
  };

  const forbidden = (u: TestUser, verb: string, r: ServedResource, namespace: string | undefined, sub?: string): Obj => {
    const res = sub ? `${r.plural}/${sub}` : r.plural;
    const where = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    return status(403, 'Forbidden', `${res}${r.group ? '.' + r.group : ''} is forbidden: User "${u.name}" cannot ${verb} resource "${res}" in API group "${r.group}" ${where}`, {
      kind: r.plural,
      ...(r.group ? { group: r.group } : {}),
    });
  };

  const send = (res: ServerResponse, code: number, body: Obj): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const discovery = (path: string): Obj | undefined => {
    if (path === '/version') return { major: '1', minor: '34', gitVersion: opts.kubernetesVersion ?? 'v1.34.2', platform: 'linux/amd64' };
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (path === '/apis') {
      const groups = new Map<string, Set<string>>();
      for (const r of served) if (r.group) groups.set(r.group, (groups.get(r.group) ?? new Set()).add(r.version));
      groups.set('authorization.k8s.io', new Set(['v1']));
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, versions]) => {
          const vs = [...versions].sort().reverse().map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
          return { name, versions: vs, preferredVersion: vs[0] };
        }),
      };
    }
    const m = path.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
    if (!m) return undefined;
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    if (group === 'authorization.k8s.io' && version === 'v1')
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'authorization.k8s.io/v1',
        resources: [
          { name: 'selfsubjectaccessreviews', singularName: '', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
          { name: 'selfsubjectrulesreviews', singularName: '', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
        ],
      };
    const rs = served.filter((r) => r.group === group && r.version === version);
    if (rs.length === 0) return undefined;
    const resources: Obj[] = rs.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.verbs }));
    if (group === '' ) resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }, { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] }, { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] });
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  };

  interface Target {
    r: ServedResource;
    namespace?: string;
    name?: string;
    sub?: string;
  }
  const parseTarget = (path: string): Target | undefined => {
    const m = path.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/);
    if (!m) return undefined;
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    const segs = m[4].split('/').filter(Boolean).map(decodeURIComponent);
    let namespace: string | undefined;
    if (segs[0] === 'namespaces' && segs.length >= 3) {
      namespace = segs[1];
      segs.splice(0, 2);
    }
    const r = served.find((x) => x.group === group && x.version === version && x.plural === segs[0]);
    if (!r) return undefined;
    if (!r.namespaced && namespace) return undefined;
    return { r, namespace, name: segs[1], sub: segs[2] };
  };

  const filterFor = (q: URLSearchParams, namespace: string | undefined): ((o: Obj) => boolean) => {
    const ls = q.get('labelSelector') ? parseLabelSelector(q.get('labelSelector')!) : undefined;
    const fs = q.get('fieldSelector') ? parseFieldSelector(q.get('fieldSelector')!) : undefined;
    return (o) => (!namespace || o.metadata?.namespace === namespace) && (!ls || ls(o.metadata?.labels ?? {})) && (!fs || fs(o));
  };

  const isCrd = (r: ServedResource): boolean => !CORE.includes(r);
  const asItem = (r: ServedResource, o: Obj): Obj => {
    if (isCrd(r)) return o;
    // Built-in lists carry no kind/apiVersion per item, as from a real API server.
    const { kind: _k, apiVersion: _a, ...rest } = o;
    return rest;
  };
  const full = (r: ServedResource, o: Obj): Obj => ({ apiVersion: apiVersionOf(r), kind: r.kind, ...o });

  const list = (res: ServerResponse, t: Target, q: URLSearchParams): void => {
    const key = resourceKey(t.r);
    let match: (o: Obj) => boolean;
    try {
      match = filterFor(q, t.namespace);
    } catch (err) {
      return send(res, 400, status(400, 'BadRequest', (err as Error).message));
    }
    const limitText = q.get('limit') ?? '0';
    // As the real API server: a limit must be an integer.
    if (!/^\d+$/.test(limitText)) return send(res, 400, status(400, 'BadRequest', `invalid limit: ${limitText}`));
    const limit = Number(limitText);
    let after = '';
    const cont = q.get('continue');
    if (cont) {
      try {
        const tok = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: number; after: string };
        if (tok.rv < store.compactedRv)
          return send(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
        after = tok.after;
      } catch {
        return send(res, 400, status(400, 'BadRequest', 'invalid continue token'));
      }
    }
    const keys = store.sortedKeys(key);
    // Binary search for the first key after the continue token.
    let lo = 0;
    let hi = keys.length;
    while (after && lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] <= after) lo = mid + 1;
      else hi = mid;
    }
    const items: Obj[] = [];
    let next = '';
    let remaining = 0;
    const unfiltered = !t.namespace && !q.get('labelSelector') && !q.get('fieldSelector');
    for (let i = after ? lo : 0; i < keys.length; i++) {
      const k = keys[i];
      const o = store.get(key, k)!;
      if (!match(o)) continue;
      if (limit > 0 && items.length >= limit) {
        if (unfiltered) {
          remaining = keys.length - i;
          break;
        }
        remaining++;
        continue;
      }
      items.push(asItem(t.r, o));
      next = k;
    }
    const metadata: Obj = { resourceVersion: String(store.rv) };
    if (remaining > 0) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: store.rv, after: next })).toString('base64');
      metadata.remainingItemCount = remaining;
    }
    send(res, 200, { kind: `${t.r.kind}List`, apiVersion: apiVersionOf(t.r), metadata, items });
  };

  const watch = (req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams): void => {
    const key = resourceKey(t.r);
    let match: (o: Obj) => boolean;
    try {
      match = filterFor(q, t.namespace);
    } catch (err) {
      return send(res, 400, status(400, 'BadRequest', (err as Error).message));
    }
    const rvText = q.get('resourceVersion') ?? '';
    const timeoutText = q.get('timeoutSeconds') ?? '0';
    if (!/^\d*$/.test(rvText)) return send(res, 400, status(400, 'BadRequest', `invalid resourceVersion: ${rvText}`));
    if (!/^\d+$/.test(timeoutText)) return send(res, 400, status(400, 'BadRequest', `invalid timeoutSeconds: ${timeoutText}`));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const write = (type: string, object: Obj): void => {
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam === '' || rvParam === '0') {
      for (const o of store.table(key).values()) if (match(o)) write('ADDED', full(t.r, o));
    } else {
      const backlog = store.since(key, Number(rvParam));
      if (backlog === 'gone') {
        write('ERROR', status(410, 'Expired', `too old resource version: ${rvParam} (${store.compactedRv})`));
        res.end();
        return;
      }
      for (const ev of backlog) if (match(ev.object)) write(ev.type, full(t.r, ev.object));
    }
    const unsubscribe = store.subscribe((ev: StoredEvent) => {
      if (ev.resource === key && match(ev.object)) write(ev.type, full(t.r, ev.object));
    });
    const bookmarks = q.get('allowWatchBookmarks') === 'true'
      ? setInterval(() => write('BOOKMARK', { kind: t.r.kind, apiVersion: apiVersionOf(t.r), metadata: { resourceVersion: String(store.rv) } }), bookmarkMs)
      : undefined;
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    watches.add(res);
    const cleanup = (): void => {
      unsubscribe();
      if (bookmarks) clearInterval(bookmarks);
      if (timer) clearTimeout(timer);
      watches.delete(res);
    };
    res.on('close', cleanup);
    req.on('close', cleanup);
  };

  const readBody = (req: IncomingMessage): Promise<Obj> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve(text ? (JSON.parse(text) as Obj) : {});
        } catch {
          reject(new Error('request body is not JSON'));
        }
      });
      req.on('error', reject);
    });

  const review = async (req: IncomingMessage, res: ServerResponse, u: TestUser, kind: string): Promise<void> => {
    const body = await readBody(req);
    if (kind === 'selfsubjectaccessreviews') {
      const a = body.spec?.resourceAttributes ?? {};
      const r = served.find((x) => x.group === (a.group ?? '') && x.plural === a.resource) ?? { namespaced: a.namespace !== undefined && a.namespace !== '' };
      const ok = allowed(u, a.verb, r as ServedResource, a.namespace || undefined);
      return send(res, 201, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: {},
        spec: body.spec,
        status: ok ? { allowed: true, reason: `RBAC: allowed for user "${u.name}"` } : { allowed: false },
      });
    }
    const ns: string = body.spec?.namespace ?? '';
    const all = !u.namespaces || u.namespaces.includes(ns);
    return send(res, 201, {
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: body.spec,
      status: {
        resourceRules: [
          { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
          ...(all ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : []),
        ],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version'] }],
        incomplete: false,
      },
    });
  };

  const create = async (req: IncomingMessage, res: ServerResponse, t: Target): Promise<void> => {
    const body = await readBody(req);
    const key = resourceKey(t.r);
    const obj: Obj = { ...body, apiVersion: apiVersionOf(t.r), kind: t.r.kind, metadata: { ...(body.metadata ?? {}) } };
    if (t.r.namespaced) obj.metadata.namespace = t.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${(store.rv + 1).toString(36)}`;
    if (!obj.metadata.name) return send(res, 422, status(422, 'Invalid', `${t.r.kind} is invalid: metadata.name: Required value`));
    if (store.get(key, keyOf(obj))) return send(res, 409, status(409, 'AlreadyExists', `${t.r.plural} "${obj.metadata.name}" already exists`));
    if (t.r.namespaced && !store.get('namespaces', t.namespace!))
      return send(res, 404, status(404, 'NotFound', `namespaces "${t.namespace}" not found`));
    if (t.r.kind === 'Pod' && !obj.status?.phase) {
      // A scheduled, running pod with an IP, as probes expect after creating one.
      const n = ++podIpCounter;
      obj.status = { phase: 'Running', podIP: `10.250.${Math.floor(n / 250)}.${(n % 250) + 2}`, podIPs: [{ ip: `10.250.${Math.floor(n / 250)}.${(n % 250) + 2}` }] };
      obj.spec = { nodeName: [...store.table('nodes').keys()][0], ...(obj.spec ?? {}) };
    }
    send(res, 201, full(t.r, store.put(key, obj)));
  };

  const remove = (res: ServerResponse, t: Target): void => {
    const key = resourceKey(t.r);
    const k = t.namespace ? `${t.namespace}/${t.name}` : t.name!;
    const gone = store.remove(key, k);
    if (!gone) return send(res, 404, status(404, 'NotFound', `${t.r.plural}${t.r.group ? '.' + t.r.group : ''} "${t.name}" not found`, { name: t.name, kind: t.r.plural }));
    if (t.r.kind === 'Namespace')
      for (const r of served) if (r.namespaced) for (const [ok, o] of [...store.table(resourceKey(r))]) if (o.metadata.namespace === t.name) store.remove(resourceKey(r), ok);
    send(res, 200, full(t.r, gone));
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const path = url.pathname.replace(/\/$/, '') || '/';
    const q = url.searchParams;
    const u = userOf(req);
    if (u === 'expired') return send(res, 401, status(401, 'Unauthorized', 'Unauthorized: token has expired'));
    if (!u) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const method = req.method ?? 'GET';
    const disc = method === 'GET' ? discovery(path) : undefined;
    if (disc) {
      count(`GET ${path}`);
      return send(res, 200, disc);
    }
    const rv = path.match(/^\/apis\/authorization\.k8s\.io\/v1\/(selfsubjectaccessreviews|selfsubjectrulesreviews)$/);
    if (rv && method === 'POST') {
      count(`POST ${rv[1]}`);
      return review(req, res, u, rv[1]);
    }
    const t = parseTarget(path);
    if (!t) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const key = resourceKey(t.r);
    const isWatch = q.get('watch') === '1' || q.get('watch') === 'true';
    const verb =
      method === 'GET' ? (t.name ? 'get' : isWatch ? 'watch' : 'list') : method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : method === 'PATCH' ? 'patch' : 'update';
    count(`${verb.toUpperCase()} ${key}`);
    if (!allowed(u, verb, t.r, t.namespace)) return send(res, 403, forbidden(u, verb, t.r, t.namespace, t.sub));
    try {
      if (verb === 'list') return list(res, t, q);
      if (verb === 'watch') return watch(req, res, t, q);
      if (verb === 'create' && !t.name) return await create(req, res, t);
      if (verb === 'delete' && t.name) return remove(res, t);
      const k = t.namespace ? `${t.namespace}/${t.name}` : t.name!;
      const o = store.get(key, k);
      if (!o) return send(res, 404, status(404, 'NotFound', `${t.r.plural} "${t.name}" not found`, { name: t.name, kind: t.r.plural }));
      if (verb === 'get' && t.sub === 'log') {
        const text = opts.logs ? opts.logs(t.namespace!, t.name!, q.get('container') ?? undefined) : `log of ${t.namespace}/${t.name}\n`;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end(text);
      }
      if (verb === 'get' && !t.sub) return send(res, 200, full(t.r, o));
      if ((verb === 'update' || verb === 'patch') && !t.sub) {
        const body = await readBody(req);
        const next = verb === 'patch' ? deepMerge(o, body) : { ...body, metadata: { ...body.metadata, namespace: o.metadata.namespace, name: o.metadata.name } };
        return send(res, 200, full(t.r, store.put(key, next)));
      }
      return send(res, 405, status(405, 'MethodNotAllowed', `${method} ${path} is not supported by the test server`));
    } catch (err) {
      return send(res, 400, status(400, 'BadRequest', (err as Error).message));
    }
  };

  const server = https.createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    handler(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, status(500, 'InternalError', String(err)));
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 1000;

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => {
      for (const p of ['portforward.k8s.io', 'v4.channel.k8s.io']) if (protocols.has(p)) return p;
      return false;
    },
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const reject = (code: number, body: Obj): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${code} ${body.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const u = userOf(req);
    if (!u || u === 'expired') return reject(401, status(401, 'Unauthorized', 'Unauthorized'));
    const t = parseTarget(url.pathname);
    if (!t || t.r.kind !== 'Pod' || !t.name || (t.sub !== 'exec' && t.sub !== 'portforward')) return reject(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    if (!allowed(u, 'create', t.r, t.namespace)) return reject(403, forbidden(u, 'create', t.r, t.namespace, t.sub));
    if (!store.get('pods', `${t.namespace}/${t.name}`)) return reject(404, status(404, 'NotFound', `pods "${t.name}" not found`));
    count(`${t.sub.toUpperCase()} pods`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (t.sub === 'exec') {
        void serveExec(ws, { namespace: t.namespace!, pod: t.name!, container: url.searchParams.get('container') ?? undefined, command: url.searchParams.getAll('command') }, execHandler);
      } else {
        const port = Number(url.searchParams.get('ports'));
        servePortForward(ws, port, opts.portForwardTarget?.(t.namespace!, t.name!, port), `${t.namespace}/${t.name}`);
      }
    });
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const w of watches) w.destroy();
      for (const s of sockets) s.destroy();
      for (const c of wss.clients) c.terminate();
      server.close(() => resolve());
    });

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: certs.caPem,
    caFile: certs.caFile,
    users,
    store,
    requests,
    addPod: (p) => store.put('pods', podObject(p)),
    put: (resource, obj) => store.put(resource, obj),
    remove: (resource, namespace, name) => store.remove(resource, namespace ? `${namespace}/${name}` : name),
    deletePolicy: (resource, namespace, name) => store.remove(resource, namespace ? `${namespace}/${name}` : name),
    compact: () => store.compact(),
    dropWatches: () => {
      for (const w of watches) w.destroy();
    },
    suspend: stop,
    resume: async () => {
      await listen(port);
    },
    close: async () => {
      await stop();
      wss.close();
    },
  };
}
