/**
 * The live inventory: API objects from the informers folded into the snapshot model, kept
 * incrementally (one pod event touches one pod), with the changes since the last batch ready
 * to send as {added, updated, removed} per kind, never as a full reload.
 */
import { namespaceId, nodeId, podId, policyKey, serviceId, workloadId } from '../model/ids.js';
import type { NamespaceInfo, NodeInfo, OwnerRef, PodInfo, PolicyObject, ServiceInfo, WorkloadInfo } from '../model/types.js';
import { toEndpointSlice, toNamespace, toNode, toPod, toPolicy, toService, toWorkload, topOwner, type SliceInfo } from './convert.js';
import { controllerOf } from '../model/k8s-fields.js';
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
  /** Set when something the road builder detection reads changed (DaemonSets, Deployments, nodes, policies). */
  roadBuilderInputsChanged = true;

  private readonly dirty: Record<Tracked, Set<string>> = { namespaces: new Set(), nodes: new Set(), pods: new Set(), services: new Set(), policies: new Set() };
  private readonly emitted: Record<Tracked, Set<string>> = { namespaces: new Set(), nodes: new Set(), pods: new Set(), services: new Set(), policies: new Set() };
  /** wl id -> pods whose top owner it is (bare pods: their own Pod workload). */
  private readonly podsByWorkload = new Map<string, Set<string>>();
  private readonly podWorkload = new Map<string, string>();
  private readonly dirtyWorkloads = new Set<string>();
  /** wl id -> JSON of the workload the consumer last received. */
  private readonly emittedWorkloads = new Map<string, string>();

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
        this.roadBuilderInputsChanged = true;
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
      this.roadBuilderInputsChanged = true;
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
      const direct = controllerOf(obj.metadata);
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
    this.indexPodWorkload(key);
  }

  private static podWorkloadId(pod: PodInfo): string {
    return workloadId(pod.namespace, pod.owner?.kind ?? 'Pod', pod.owner?.name ?? pod.name);
  }

  /** Moves a pod to the workload its owner now names; both workloads may change. */
  private indexPodWorkload(key: string): void {
    const pod = this.pods.get(key);
    const before = this.podWorkload.get(key);
    const after = pod ? Inventory.podWorkloadId(pod) : undefined;
    if (before !== undefined) this.dirtyWorkloads.add(before);
    if (after !== undefined) this.dirtyWorkloads.add(after);
    if (before === after) return;
    if (before !== undefined) {
      const set = this.podsByWorkload.get(before);
      set?.delete(key);
      if (set && set.size === 0) this.podsByWorkload.delete(before);
    }
    if (after !== undefined) {
      let set = this.podsByWorkload.get(after);
      if (!set) this.podsByWorkload.set(after, (set = new Set()));
      set.add(key);
      this.podWorkload.set(key, after);
    } else this.podWorkload.delete(key);
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
      this.roadBuilderInputsChanged = true;
      if (del) this.rawControllers.delete(id);
      else this.rawControllers.set(id, obj);
    }
    const owner = del ? undefined : controllerOf(obj?.metadata);
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
          this.indexPodWorkload(podKey);
        }
      }
    }
    // Only top-level controllers are workloads; an owned ReplicaSet or Job is not a block of its own.
    if (del || owner) this.controllers.delete(id);
    else this.controllers.set(id, toWorkload(kind, obj));
    this.dirtyWorkloads.add(id);
  }

  service(key: string): ServiceInfo | undefined {
    const base = this.serviceBase.get(key);
    if (!base) return undefined;
    const endpoints = [...(this.slicesByService.get(key) ?? [])].flatMap((k) => this.slices.get(k)?.endpoints ?? []);
    return { ...base, endpoints };
  }

  /** The workload for an id: its controller object, else inferred from one of its pods. */
  private workload(id: string): WorkloadInfo | undefined {
    const w = this.controllers.get(id);
    if (w) return w;
    const first = this.podsByWorkload.get(id)?.values().next().value;
    const pod = first === undefined ? undefined : this.pods.get(first);
    if (!pod) return undefined;
    const podLabels = { ...pod.labels };
    for (const l of POD_ONLY_LABELS) delete podLabels[l];
    return { namespace: pod.namespace, name: pod.owner?.name ?? pod.name, kind: pod.owner?.kind ?? 'Pod', labels: { ...podLabels }, podLabels };
  }

  /** Top-level controllers (with or without pods), plus workloads inferred from pods whose controller is not readable, plus bare pods. */
  workloads(): Map<string, WorkloadInfo> {
    const out = new Map<string, WorkloadInfo>(this.controllers);
    for (const id of this.podsByWorkload.keys()) if (!out.has(id)) out.set(id, this.workload(id)!);
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
    if (this.dirtyWorkloads.size) {
      // Only workloads touched since the last batch are compared: O(changes), not O(cluster).
      const change: KindChange<WorkloadInfo> = { added: [], updated: [], removed: [] };
      for (const id of this.dirtyWorkloads) {
        const w = this.workload(id);
        const before = this.emittedWorkloads.get(id);
        if (!w) {
          if (before !== undefined) {
            this.emittedWorkloads.delete(id);
            change.removed.push(id);
          }
          continue;
        }
        const json = JSON.stringify(w);
        if (before === json) continue;
        this.emittedWorkloads.set(id, json);
        (before === undefined ? change.added : change.updated).push(w);
      }
      this.dirtyWorkloads.clear();
      if (change.added.length + change.updated.length + change.removed.length) out.workloads = change;
    }
    return Object.keys(out).length ? out : undefined;
  }
}
