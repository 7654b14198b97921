/**
 * The live inventory: API objects from the informers folded into the snapshot model, kept
 * incrementally (one pod event touches one pod), with the changes since the last batch ready
 * to send as {added, updated, removed} per kind, never as a full reload.
 */
import { namespaceId, nodeId, podId, policyKey, serviceId, workloadId } from '../model/ids.js';
import type { NamespaceInfo, NodeInfo, OwnerRef, PodInfo, PolicyObject, ServiceInfo, WorkloadInfo } from '../model/types.js';
import { controllerOf, toEndpointSlice, toNamespace, toNode, toPod, toPolicy, toService, toWorkload, topOwner, type SliceInfo } from './convert.js';
import type { ChangeType, RawObject } from './informer.js';
import { objectKey } from './informer.js';
import { resourceSpec, type ResourceId } from './resources.js';

export interface KindChange<T> {
  added: T[];
  updated: T[];
  /** Ids from model/ids.ts (pod:ns/name, wl:..., svc:..., node:..., ns:...) or policy keys. */
  removed: string[];
}

export interface InventoryChange {
  namespaces?: KindChange<NamespaceInfo>;
  nodes?: KindChange<NodeInfo>;
  workloads?: KindChange<WorkloadInfo>;
  pods?: KindChange<PodInfo>;
  services?: KindChange<ServiceInfo>;
  policies?: KindChange<PolicyObject>;
}

export interface InventoryParts {
  namespaces: NamespaceInfo[];
  nodes: NodeInfo[];
  workloads: WorkloadInfo[];
  pods: PodInfo[];
  services: ServiceInfo[];
  policies: PolicyObject[];
}

type Tracked = 'namespaces' | 'nodes' | 'pods' | 'services' | 'policies';

const WORKLOAD_RESOURCES: Partial<Record<ResourceId, string>> = {
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  cronjobs: 'CronJob',
  jobs: 'Job',
  replicasets: 'ReplicaSet',
};

/** Labels a controller adds to each pod; not part of what the workload selects on. */
const POD_ONLY_LABELS = ['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'pod-template-generation', 'batch.kubernetes.io/controller-uid', 'controller-uid', 'batch.kubernetes.io/job-name', 'job-name', 'apps.kubernetes.io/pod-index', 'batch.kubernetes.io/job-completion-index'];

export class Inventory {
  readonly namespaces = new Map<string, NamespaceInfo>();
  readonly nodes = new Map<string, NodeInfo>();
  /** Raw node metadata (labels, annotations) for road builder detection. */
  readonly nodeMeta = new Map<string, { labels: Record<string, string>; annotations: Record<string, string> }>();
  readonly pods = new Map<string, PodInfo>();
  private readonly podDirect = new Map<string, OwnerRef | undefined>();
  /** ns/Kind/name of a ReplicaSet or Job -> pods it directly owns. */
  private readonly ownedPods = new Map<string, Set<string>>();
  /** ns/Kind/name of a ReplicaSet or Job -> its own owner (null: none). */
  private readonly midOwners = new Map<string, OwnerRef | null>();
  /** wl id -> workload read from its controller object. */
  private readonly controllers = new Map<string, WorkloadInfo>();
  /** Raw controller objects kept for the road builder detection (DaemonSets, Deployments). */
  readonly rawControllers = new Map<string, RawObject>();
  private readonly serviceBase = new Map<string, Omit<ServiceInfo, 'endpoints'>>();
  private readonly slices = new Map<string, SliceInfo & { namespace: string }>();
  private readonly slicesByService = new Map<string, Set<string>>();
  readonly policies = new Map<string, PolicyObject>();

  private readonly dirty: Record<Tracked, Set<string>> = { namespaces: new Set(), nodes: new Set(), pods: new Set(), services: new Set(), policies: new Set() };
  private readonly emitted: Record<Tracked, Set<string>> = { namespaces: new Set(), nodes: new Set(), pods: new Set(), services: new Set(), policies: new Set() };
  private workloadsDirty = false;
  private lastWorkloads = new Map<string, string>();

  apply(resource: ResourceId, type: ChangeType, obj: RawObject): void {
    const del = type === 'delete';
    const key = objectKey(obj);
    const ns: string | undefined = obj.metadata?.namespace;
    const name: string = obj.metadata?.name;
    switch (resource) {
      case 'namespaces':
        if (del) this.namespaces.delete(name);
        else this.namespaces.set(name, toNamespace(obj));
        this.dirty.namespaces.add(name);
        return;
      case 'nodes':
        if (del) {
          this.nodes.delete(name);
          this.nodeMeta.delete(name);
        } else {
          this.nodes.set(name, toNode(obj));
          this.nodeMeta.set(name, { labels: { ...(obj.metadata.labels ?? {}) }, annotations: { ...(obj.metadata.annotations ?? {}) } });
        }
        this.dirty.nodes.add(name);
        return;
      case 'pods':
        this.applyPod(key, del ? undefined : obj);
        return;
      case 'services':
        if (del) this.serviceBase.delete(key);
        else this.serviceBase.set(key, toService(obj));
        this.dirty.services.add(key);
        return;
      case 'endpointslices':
        this.applySlice(key, del ? undefined : obj);
        return;
      default:
        break;
    }
    const wlKind = WORKLOAD_RESOURCES[resource];
    if (wlKind) {
      this.applyController(resource, wlKind, obj, del);
      return;
    }
    const policyKind = resourceSpec(resource).policyKind;
    if (policyKind) {
      const pk = policyKey(policyKind, name, ns);
      if (del) this.policies.delete(pk);
      else this.policies.set(pk, toPolicy(policyKind, obj));
      this.dirty.policies.add(pk);
    }
  }

  private lookupOwner = (namespace: string) => (kind: string, name: string): OwnerRef | null | undefined =>
    this.midOwners.get(`${namespace}/${kind}/${name}`);

  private applyPod(key: string, obj: RawObject | undefined): void {
    const oldDirect = this.podDirect.get(key);
    if (oldDirect) this.ownedPods.get(`${key.split('/')[0]}/${oldDirect.kind}/${oldDirect.name}`)?.delete(key);
    if (!obj) {
      this.pods.delete(key);
      this.podDirect.delete(key);
    } else {
      const direct = controllerOf(obj);
      const ns = obj.metadata.namespace;
      this.podDirect.set(key, direct);
      if (direct) {
        const ok = `${ns}/${direct.kind}/${direct.name}`;
        let set = this.ownedPods.get(ok);
        if (!set) this.ownedPods.set(ok, (set = new Set()));
        set.add(key);
      }
      this.pods.set(key, toPod(obj, topOwner(direct, obj.metadata.labels ?? {}, this.lookupOwner(ns))));
    }
    this.dirty.pods.add(key);
    this.workloadsDirty = true;
  }

  private applySlice(key: string, obj: RawObject | undefined): void {
    const old = this.slices.get(key);
    if (old?.service) {
      const sk = `${old.namespace}/${old.service}`;
      this.slicesByService.get(sk)?.delete(key);
      this.dirty.services.add(sk);
    }
    if (!obj) {
      this.slices.delete(key);
      return;
    }
    const slice = { ...toEndpointSlice(obj), namespace: obj.metadata.namespace as string };
    this.slices.set(key, slice);
    if (slice.service) {
      const sk = `${slice.namespace}/${slice.service}`;
      let set = this.slicesByService.get(sk);
      if (!set) this.slicesByService.set(sk, (set = new Set()));
      set.add(key);
      this.dirty.services.add(sk);
    }
  }

  private applyController(resource: ResourceId, kind: string, obj: RawObject, del: boolean): void {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name;
    const id = workloadId(ns, kind, name);
    if (resource === 'daemonsets' || resource === 'deployments') {
      if (del) this.rawControllers.delete(id);
      else this.rawControllers.set(id, obj);
    }
    const owner = del ? undefined : controllerOf(obj);
    if (kind === 'ReplicaSet' || kind === 'Job') {
      const mk = `${ns}/${kind}/${name}`;
      if (del) this.midOwners.delete(mk);
      else this.midOwners.set(mk, owner ?? null);
      // Pods under this object may now resolve to another top controller.
      for (const podKey of this.ownedPods.get(mk) ?? []) {
        const pod = this.pods.get(podKey);
        if (!pod) continue;
        const top = topOwner(this.podDirect.get(podKey), pod.labels, this.lookupOwner(ns));
        if (top?.kind !== pod.owner?.kind || top?.name !== pod.owner?.name) {
          this.pods.set(podKey, { ...pod, ...(top ? { owner: top } : {}) });
          this.dirty.pods.add(podKey);
        }
      }
    }
    // Only top-level controllers are workloads; an owned ReplicaSet or Job is not a block of its own.
    if (del || owner) this.controllers.delete(id);
    else this.controllers.set(id, toWorkload(kind, obj));
    this.workloadsDirty = true;
  }

  service(key: string): ServiceInfo | undefined {
    const base = this.serviceBase.get(key);
    if (!base) return undefined;
    const endpoints = [...(this.slicesByService.get(key) ?? [])].flatMap((k) => this.slices.get(k)?.endpoints ?? []);
    return { ...base, endpoints };
  }

  /** Controllers that own pods, plus workloads inferred from pods whose controller is not readable, plus bare pods. */
  workloads(): Map<string, WorkloadInfo> {
    const out = new Map<string, WorkloadInfo>();
    // A controller without pods here (e.g. a scaled-down one) still is a block.
    for (const [id, w] of this.controllers) {
      // ReplicaSets left behind by Deployment rollouts have owners and never reach this map.
      out.set(id, w);
    }
    for (const pod of this.pods.values()) {
      const kind = pod.owner?.kind ?? 'Pod';
      const name = pod.owner?.name ?? pod.name;
      const id = workloadId(pod.namespace, kind, name);
      if (out.has(id)) continue;
      const podLabels = { ...pod.labels };
      for (const l of POD_ONLY_LABELS) delete podLabels[l];
      out.set(id, { namespace: pod.namespace, name, kind, labels: { ...podLabels }, podLabels });
    }
    return out;
  }

  parts(): InventoryParts {
    return {
      namespaces: [...this.namespaces.values()],
      nodes: [...this.nodes.values()],
      workloads: [...this.workloads().values()],
      pods: [...this.pods.values()],
      services: [...this.serviceBase.keys()].map((k) => this.service(k)!),
      policies: [...this.policies.values()],
    };
  }

  private take<T>(kind: Tracked, get: (key: string) => T | undefined, idOf: (key: string) => string): KindChange<T> | undefined {
    const dirty = this.dirty[kind];
    if (dirty.size === 0) return undefined;
    const change: KindChange<T> = { added: [], updated: [], removed: [] };
    const emitted = this.emitted[kind];
    for (const key of dirty) {
      const item = get(key);
      if (item === undefined) {
        if (emitted.delete(key)) change.removed.push(idOf(key));
      } else if (emitted.has(key)) change.updated.push(item);
      else {
        emitted.add(key);
        change.added.push(item);
      }
    }
    dirty.clear();
    return change.added.length + change.updated.length + change.removed.length ? change : undefined;
  }

  /** What changed since the last call (undefined: nothing). */
  takeChanges(): InventoryChange | undefined {
    const split = (k: string): [string, string] => {
      const i = k.indexOf('/');
      return [k.slice(0, i), k.slice(i + 1)];
    };
    const out: InventoryChange = {};
    const ns = this.take('namespaces', (k) => this.namespaces.get(k), namespaceId);
    if (ns) out.namespaces = ns;
    const nodes = this.take('nodes', (k) => this.nodes.get(k), nodeId);
    if (nodes) out.nodes = nodes;
    const pods = this.take('pods', (k) => this.pods.get(k), (k) => podId(...split(k)));
    if (pods) out.pods = pods;
    const svcs = this.take('services', (k) => this.service(k), (k) => serviceId(...split(k)));
    if (svcs) out.services = svcs;
    const pols = this.take('policies', (k) => this.policies.get(k), (k) => k);
    if (pols) out.policies = pols;
    if (this.workloadsDirty) {
      this.workloadsDirty = false;
      const now = this.workloads();
      const change: KindChange<WorkloadInfo> = { added: [], updated: [], removed: [] };
      const next = new Map<string, string>();
      for (const [id, w] of now) {
        const json = JSON.stringify(w);
        next.set(id, json);
        const before = this.lastWorkloads.get(id);
        if (before === undefined) change.added.push(w);
        else if (before !== json) change.updated.push(w);
      }
      for (const id of this.lastWorkloads.keys()) if (!next.has(id)) change.removed.push(id);
      this.lastWorkloads = next;
      if (change.added.length + change.updated.length + change.removed.length) out.workloads = change;
    }
    return Object.keys(out).length ? out : undefined;
  }
}
