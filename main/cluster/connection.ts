/**
 * One live cluster: a context's kubeconfig, an access plan, informers feeding the inventory,
 * batched change events, and a status that says when the city is stale. Several connections
 * can run at once (one per context); each owns its own informers and cache.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import type { CaptureWarning, Finding, NamespaceInfo, Permission, RoadBuilder, Snapshot } from '../model/types.js';
import { planAccess, accessReviewer, rulesReviewer, type AccessCheck } from './access.js';
import { cniNamespaces, detectRoadBuilder, roadBuilderFindings } from './cni-detect.js';
import { discover, type Discovery } from './discovery.js';
import { ClusterError, isAbortError } from './errors.js';
import { Informer, slim, type RawObject } from './informer.js';
import { Inventory, type InventoryChange } from './inventory.js';
import { KubeClient } from './kube-client.js';
import { resolveContext, type ContextInfo, type ListOptions } from './kubeconfig.js';
import { forwardPortWith, type ForwardedPort, type ForwardOptions } from './port-forward.js';
import { RESOURCES, collectionPath, resourceLabel, type ResourceSpec } from './resources.js';

export type ConnectionState = 'idle' | 'connecting' | 'syncing' | 'live' | 'stale' | 'failed' | 'closed';

export interface ResourceStatus {
  resource: string;
  namespace?: string;
  state: 'syncing' | 'live' | 'stale' | 'polling';
  count: number;
  error?: string;
}

export interface ConnectionStatus {
  context: string;
  state: ConnectionState;
  server?: string;
  /** When the state last changed (ms since epoch). */
  since: number;
  /** Set while stale or failed: what went wrong and what to do. */
  lastError?: { code: string; message: string };
  /** The last time every resource was current. */
  lastSyncedAt?: number;
  namespaces?: string[];
  resources: ResourceStatus[];
}

export interface ClusterChange extends InventoryChange {
  context: string;
  seq: number;
  time: number;
  roadBuilder?: RoadBuilder;
  findings?: Finding[];
}

export interface ConnectOptions {
  /** Limit the city to these namespaces. */
  namespaces?: string[];
  signal?: AbortSignal;
  /** Where the kubeconfig comes from (default: KUBECONFIG or ~/.kube/config). */
  kubeconfig?: ListOptions;
  /** Change batching interval (default 100 ms). */
  batchMs?: number;
  pageSize?: number;
  backoff?: { initialMs: number; maxMs: number };
  watchTimeoutSeconds?: number;
  /** For tests: replace the SelfSubjectAccessReview check. */
  accessCheck?: AccessCheck;
}

export interface ClusterConnectionEvents {
  change: [ClusterChange];
  status: [ConnectionStatus];
  error: [ClusterError];
}

interface RunningInformer {
  informer: Informer;
  spec: ResourceSpec;
  namespace?: string;
  watch: boolean;
  error?: ClusterError;
  live: boolean;
}

export class ClusterConnection extends EventEmitter<ClusterConnectionEvents> {
  private state: ConnectionState = 'idle';
  private since = Date.now();
  private lastError?: ClusterError;
  private lastSyncedAt?: number;
  private context?: ContextInfo;
  private client?: KubeClient;
  private readonly inventory = new Inventory();
  private informers: RunningInformer[] = [];
  private abort = new AbortController();
  private permissions: Permission[] = [];
  private warnings: CaptureWarning[] = [];
  private discovery?: Discovery;
  private configMaps: RawObject[] = [];
  private cniResources: RawObject[] = [];
  private namespaces?: string[];
  private timer?: NodeJS.Timeout;
  private batchMs = 100;
  private seq = 0;
  private synced = false;
  private roadBuilder?: RoadBuilder;
  private roadBuilderKey = '';
  private findingsKey = '';
  private kubeconfigSource?: ListOptions;
  private lastCredentialRefresh = 0;

  get contextName(): string {
    return this.context?.name ?? '';
  }

  /** Connects and reads everything once; resolves when the city is complete, then keeps it current. */
  async connect(contextName: string | undefined, opts: ConnectOptions = {}): Promise<void> {
    if (this.state !== 'idle') throw new Error('ClusterConnection.connect: already used; create one connection per context');
    const signal = AbortSignal.any([this.abort.signal, ...(opts.signal ? [opts.signal] : [])]);
    setMaxListeners(0, signal); // one listener per informer and pending request
    signal.addEventListener('abort', () => this.state !== 'failed' && this.close(), { once: true });
    this.batchMs = opts.batchMs ?? 100;
    this.setState('connecting');
    try {
      this.kubeconfigSource = opts.kubeconfig;
      const { kubeConfig, info } = await resolveContext(contextName, opts.kubeconfig);
      this.context = info;
      this.client = new KubeClient(kubeConfig, info.name);
      this.discovery = await discover(this.client, RESOURCES, signal);
      const specs = RESOURCES.filter((s) => this.discovery!.versions.has(s.id)).map((spec) => ({ spec, version: this.discovery!.versions.get(spec.id)! }));
      const nsSpec = specs.find((s) => s.spec.id === 'namespaces');
      const plan = await planAccess(specs, opts.accessCheck ?? accessReviewer(this.client, signal), {
        namespaces: opts.namespaces,
        defaultNamespace: info.namespace,
        // Tests that replace the access check replace the rules with it.
        ...(opts.accessCheck ? {} : { rulesFor: rulesReviewer(this.client, signal) }),
        listNamespaces: async () => {
          const r = await this.client!.request<{ items?: RawObject[] }>(collectionPath(nsSpec!.spec, 'v1'), { signal });
          return (r.items ?? []).map((o) => o.metadata.name as string);
        },
      });
      this.permissions = plan.permissions;
      this.warnings = plan.warnings;
      this.namespaces = plan.namespaces;
      this.setState('syncing');
      for (const p of plan.plans) {
        for (const scope of p.scopes) {
          const run: RunningInformer = { spec: p.spec, namespace: scope.namespace, watch: scope.watch, live: false } as RunningInformer;
          const label = `${resourceLabel(p.spec)}${scope.namespace ? ` in ${scope.namespace}` : ''}`;
          run.informer = new Informer({
            client: this.client,
            path: collectionPath(p.spec, p.version, scope.namespace),
            label,
            signal,
            watch: scope.watch,
            pageSize: opts.pageSize,
            backoff: opts.backoff,
            watchTimeoutSeconds: opts.watchTimeoutSeconds,
            onChange: (type, obj) => {
              this.inventory.apply(p.spec.id, type, obj);
              if (this.synced) this.schedule();
            },
            onError: (err) => this.informerFailed(run, err),
            onLive: () => this.informerLive(run),
          });
          this.informers.push(run);
        }
      }
      // First complete read: every list in parallel (bounded by the agent's sockets).
      await Promise.all(
        this.informers.map(async (r) => {
          try {
            await r.informer.list();
          } catch (err) {
            if (err instanceof ClusterError && err.code === 'forbidden') {
              // RBAC said yes but the read says no (or no review possible): record and go on.
              this.recordForbidden(r, err);
              return;
            }
            if (err instanceof ClusterError && err.code === 'not-found' && r.spec.optional) {
              // A CRD removed since discovery: simply not served any more.
              r.error = err;
              return;
            }
            throw err;
          }
        }),
      );
      this.informers = this.informers.filter((r) => !r.error);
      await this.readConfigMaps(signal);
      this.inventory.takeChanges(); // the first state is read through snapshot(), not as changes
      this.synced = true;
      this.lastSyncedAt = Date.now();
      this.refreshRoadBuilder();
      this.setState('live');
      for (const r of this.informers) {
        r.live = !r.watch;
        void r.informer.run().catch((err) => {
          if (!isAbortError(err)) this.informerFailed(r, err instanceof ClusterError ? err : this.client!.transportError(err, ''));
        });
      }
    } catch (err) {
      const ce = err instanceof ClusterError ? err : new ClusterError('http', String((err as Error)?.message ?? err), { cause: err });
      if (ce.code === 'aborted' || signal.aborted) {
        this.close();
        throw new ClusterError('aborted', `connecting to context '${contextName ?? ''}' was cancelled`);
      }
      this.lastError = ce;
      this.setState('failed');
      this.abort.abort();
      this.client?.destroy();
      throw ce;
    }
  }

  private recordForbidden(r: RunningInformer, err: ClusterError): void {
    r.error = err;
    const label = resourceLabel(r.spec);
    this.permissions.push({ resource: label, ...(r.namespace ? { namespace: r.namespace } : {}), verb: 'list', allowed: false });
    this.warnings.push({ time: Date.now(), kind: 'not-permitted', subject: label, message: err.message });
  }

  private async readConfigMaps(signal: AbortSignal): Promise<void> {
    // The CNI's settings live in ConfigMaps of kube-system and of its own namespace (kube-flannel-cfg
    // in kube-flannel, cilium-config wherever helm put cilium); the tigera operator's in its
    // Installation. All optional: what cannot be read is simply not evidence.
    const daemonSets = [...this.inventory.rawControllers.entries()].filter(([id]) => id.includes('/DaemonSet/')).map(([, o]) => o);
    const namespaces = [...new Set(['kube-system', ...cniNamespaces(daemonSets)])];
    const read = async (url: string): Promise<RawObject[]> => {
      try {
        return ((await this.client!.request<{ items?: RawObject[] }>(url, { signal })).items ?? []).map(slim);
      } catch {
        return [];
      }
    };
    const lists = await Promise.all(namespaces.map((ns) => read(`/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps?limit=200`)));
    this.configMaps = lists.flat();
    this.cniResources = this.discovery?.groups.includes('operator.tigera.io')
      ? (await read('/apis/operator.tigera.io/v1/installations')).map((o) => ({ ...o, apiVersion: 'operator.tigera.io/v1', kind: 'Installation' }))
      : [];
  }

  /**
   * Credentials were rejected after working: read the kubeconfig again (the user may have logged
   * in anew) with a fresh exec plugin run, at most every 5 s; informers retry with them.
   */
  private refreshCredentials(): void {
    if (Date.now() - this.lastCredentialRefresh < 5000 || !this.client) return;
    this.lastCredentialRefresh = Date.now();
    resolveContext(this.contextName, this.kubeconfigSource).then(
      ({ kubeConfig }) => this.state !== 'closed' && this.client?.replaceKubeConfig(kubeConfig),
      () => undefined, // the kubeconfig is now broken: stay stale with the 401 as the reason
    );
  }

  private informerFailed(r: RunningInformer, err: ClusterError): void {
    if (err.code === 'unauthorized') this.refreshCredentials();
    r.error = err;
    r.live = false;
    this.lastError = err;
    if (this.state !== 'closed') {
      this.setState('stale');
      // An EventEmitter 'error' without listeners would throw; the status already carries it.
      if (this.listenerCount('error') > 0) this.emit('error', err);
    }
  }

  private informerLive(r: RunningInformer): void {
    r.error = undefined;
    r.live = true;
    if (this.state === 'stale' && this.informers.every((x) => !x.error)) {
      this.lastError = undefined;
      this.lastSyncedAt = Date.now();
      this.setState('live');
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === 'closed') return;
    const changed = state !== this.state;
    this.state = state;
    if (changed) this.since = Date.now();
    this.emit('status', this.status());
  }

  private schedule(): void {
    if (this.timer || this.state === 'closed') return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.batchMs);
  }

  /** Sends what changed since the last batch. */
  flush(): void {
    const change = this.inventory.takeChanges();
    if (change?.namespaces && this.namespaces) {
      // Namespace objects are read cluster-wide; the city shows only the chosen ones.
      const keep = new Set(this.namespaces);
      const ns = change.namespaces;
      ns.added = ns.added.filter((n) => keep.has(n.name));
      ns.updated = ns.updated.filter((n) => keep.has(n.name));
      ns.removed = ns.removed.filter((id) => keep.has(id.slice('ns:'.length)));
      if (ns.added.length + ns.updated.length + ns.removed.length === 0) delete change.namespaces;
    }
    const rb = this.refreshRoadBuilder();
    if ((!change || Object.keys(change).length === 0) && !rb) return;
    const ev: ClusterChange = { context: this.contextName, seq: ++this.seq, time: Date.now(), ...(change ?? {}) };
    if (rb) Object.assign(ev, rb);
    this.emit('change', ev);
  }

  /** Re-detects the road builder; returns it (and findings) when they changed. */
  private refreshRoadBuilder(): { roadBuilder: RoadBuilder; findings: Finding[] } | undefined {
    if (!this.inventory.roadBuilderInputsChanged && this.roadBuilder) return undefined;
    this.inventory.roadBuilderInputsChanged = false;
    const rb = detectRoadBuilder({
      daemonSets: [...this.inventory.rawControllers.entries()].filter(([id]) => id.includes('/DaemonSet/')).map(([, o]) => o),
      deployments: [...this.inventory.rawControllers.entries()].filter(([id]) => id.includes('/Deployment/')).map(([, o]) => o),
      configMaps: this.configMaps,
      resources: this.cniResources,
      apiGroups: this.discovery?.groups ?? [],
      nodes: [...this.inventory.nodeMeta.entries()].map(([name, m]) => ({ name, ...m, podCIDRs: this.inventory.nodes.get(name)?.podCIDRs ?? [] })),
    });
    const findings = roadBuilderFindings(rb, [...this.inventory.policies.values()]);
    const key = JSON.stringify(rb);
    const fkey = JSON.stringify(findings);
    const changed = key !== this.roadBuilderKey || fkey !== this.findingsKey;
    this.roadBuilder = rb;
    this.roadBuilderKey = key;
    this.findingsKey = fkey;
    return changed ? { roadBuilder: rb, findings } : undefined;
  }

  status(): ConnectionStatus {
    return {
      context: this.contextName,
      state: this.state,
      ...(this.context?.server ? { server: this.context.server } : {}),
      since: this.since,
      ...(this.lastError && (this.state === 'stale' || this.state === 'failed') ? { lastError: { code: this.lastError.code, message: this.lastError.message } } : {}),
      ...(this.lastSyncedAt ? { lastSyncedAt: this.lastSyncedAt } : {}),
      ...(this.namespaces ? { namespaces: [...this.namespaces] } : {}),
      resources: this.informers.map((r) => ({
        resource: resourceLabel(r.spec),
        ...(r.namespace ? { namespace: r.namespace } : {}),
        state: !this.synced ? 'syncing' : r.error ? 'stale' : r.watch ? (r.live ? 'live' : 'syncing') : 'polling',
        count: r.informer.cache.size,
        ...(r.error ? { error: r.error.message } : {}),
      })),
    };
  }

  /** The city as known now (the last known state while stale, marked by a 'stale' warning). */
  snapshot(): Snapshot {
    const parts = this.inventory.parts();
    const now = Date.now();
    let namespaces: NamespaceInfo[] = parts.namespaces;
    if (this.namespaces) {
      // Limited to some namespaces: those are the districts, even when Namespace objects are not readable.
      const known = new Map(parts.namespaces.map((n) => [n.name, n]));
      namespaces = this.namespaces.map((name) => known.get(name) ?? { name, labels: { 'kubernetes.io/metadata.name': name } });
    }
    const warnings = [...this.warnings];
    if (this.state === 'stale' && this.lastError)
      warnings.push({ time: now, kind: 'stale', subject: this.contextName, message: `showing the last known state${this.lastSyncedAt ? ` from ${new Date(this.lastSyncedAt).toISOString()}` : ''}: ${this.lastError.message}` });
    const rb = this.roadBuilder ?? detectRoadBuilder({ daemonSets: [], deployments: [], configMaps: [], apiGroups: [], nodes: [] });
    return {
      model: 1,
      id: `live-${this.contextName}-${now}`,
      name: this.contextName,
      createdAt: now,
      cluster: {
        name: this.contextName,
        context: this.contextName,
        ...(this.context?.server ? { server: this.context.server } : {}),
        ...(this.discovery?.kubernetesVersion ? { kubernetesVersion: this.discovery.kubernetesVersion } : {}),
        source: 'live',
      },
      roadBuilder: rb,
      window: {},
      namespaces,
      nodes: parts.nodes,
      workloads: parts.workloads,
      pods: parts.pods,
      services: parts.services,
      policies: parts.policies,
      flows: [],
      roads: [],
      probes: [],
      findings: roadBuilderFindings(rb, parts.policies),
      warnings,
      permissions: [...this.permissions],
      positions: {},
      notes: [],
    };
  }

  /** Forwards a loopback port to a pod port with this connection's credentials (they stay in main). */
  forwardPort(opts: ForwardOptions): Promise<ForwardedPort> {
    if (!this.client) throw new ClusterError('http', 'ClusterConnection.forwardPort: not connected');
    return forwardPortWith(this.client.kubeConfig, opts);
  }

  /** Stops every watch; the last state stays readable through snapshot(). */
  close(): void {
    if (this.state === 'closed') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    this.client?.destroy();
    this.setState('closed');
    this.state = 'closed';
  }
}
