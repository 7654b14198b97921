/**
 * Finds Hubble Relay in a cluster: the `hubble-relay` Service in Cilium's namespace, a ready pod
 * behind it and the pod port its service port targets. The cluster side is a small interface so
 * the cluster module (or a test) supplies listing and port-forwarding.
 */
import type { Labels, PodInfo, ServiceInfo, Snapshot } from '../model/types.js';
import type { RelayConnection } from './hubble-client.js';

/** A pod as listed for this purpose; `ready` is the pod's Ready condition when known. */
export type RelayPod = PodInfo & { ready?: boolean };

export interface RelayClusterLister {
  listServices(namespace: string): Promise<ServiceInfo[]>;
  listPods(namespace: string, selector: Labels): Promise<RelayPod[]>;
}

/** Relay lookup from an inventory already read (a city, a live snapshot): no extra API calls. */
export function snapshotRelayLister(get: () => Pick<Snapshot, 'services' | 'pods'>): RelayClusterLister {
  const matches = (labels: Labels, selector: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  return {
    listServices: async (ns) => get().services.filter((s) => s.namespace === ns),
    listPods: async (ns, selector) =>
      get()
        .pods.filter((p) => p.namespace === ns && matches(p.labels, selector))
        .map((p) => ({ ...p, ready: p.phase === 'Running' })),
  };
}

/** Opens a port-forward to a pod's port through the Kubernetes API; the cluster module implements it. */
export type PortForward = (namespace: string, pod: string, port: number) => Promise<RelayConnection>;

export interface RelayLocation {
  namespace: string;
  service: string;
  servicePort: number;
  pod: string;
  podPort: number;
}

export interface LocateOptions {
  /** Where to look, in order. Cilium installs into kube-system by default; some use cilium or cilium-system. */
  namespaces?: string[];
  serviceName?: string;
  /** What is looked for, in messages (default "Hubble Relay"; "Goldmane" for Calico's flows). */
  label?: string;
  /** How to get it when it is not there. */
  hint?: string;
}

export const DEFAULT_RELAY_NAMESPACES = ['kube-system', 'cilium', 'cilium-system'];
const ENABLE_HINT = 'enable it with `cilium hubble enable --relay` or Helm `--set hubble.relay.enabled=true`, or give the Relay address yourself';

export class RelayNotFoundError extends Error {
  override name = 'RelayNotFoundError';
}

const isForbidden = (e: unknown): boolean => {
  const x = e as { statusCode?: number; code?: number; status?: number; message?: string };
  return x?.statusCode === 403 || x?.code === 403 || x?.status === 403 || /forbidden/i.test(x?.message ?? '');
};

function podReady(p: RelayPod): boolean {
  return p.phase === 'Running' && p.ready !== false;
}

/** The container port a service port targets on this pod (numbers as is, names via the pod's ports). */
function targetPortOn(pod: RelayPod, target: number | string): number | undefined {
  if (typeof target === 'number') return target;
  const n = Number(target);
  if (Number.isInteger(n) && n > 0) return n;
  return pod.ports.find((p) => p.name === target)?.containerPort;
}

export async function locateHubbleRelay(lister: RelayClusterLister, opts: LocateOptions = {}): Promise<RelayLocation> {
  const namespaces = opts.namespaces ?? DEFAULT_RELAY_NAMESPACES;
  const name = opts.serviceName ?? 'hubble-relay';
  const what = opts.label ?? 'Hubble Relay';
  const addr = opts.label ? 'its address' : 'the Relay address';
  const forbidden: string[] = [];
  for (const ns of namespaces) {
    let services: ServiceInfo[];
    try {
      services = await lister.listServices(ns);
    } catch (e) {
      if (isForbidden(e)) {
        forbidden.push(ns);
        continue;
      }
      throw new RelayNotFoundError(`${what}: listing services in ${ns} failed (${(e as Error).message})`);
    }
    const svc = services.find((s) => s.name === name);
    if (!svc) continue;
    const where = `Service ${ns}/${name}`;
    if (!svc.selector || Object.keys(svc.selector).length === 0) {
      throw new RelayNotFoundError(`${what}: ${where} has no pod selector, so there is no pod to port-forward to; give ${addr} instead`);
    }
    const sp = svc.ports.find((p) => p.protocol === 'TCP') ?? svc.ports[0];
    if (!sp) throw new RelayNotFoundError(`${what}: ${where} has no ports`);
    let pods: RelayPod[];
    try {
      pods = await lister.listPods(ns, svc.selector);
    } catch (e) {
      if (isForbidden(e)) throw new RelayNotFoundError(`${what}: not permitted to list pods in ${ns} (needed to port-forward to ${where}); ask for "list pods" there or give ${addr}`);
      throw new RelayNotFoundError(`${what}: listing pods of ${where} failed (${(e as Error).message})`);
    }
    const ready = pods.filter(podReady).sort((a, b) => a.name.localeCompare(b.name));
    if (!ready.length) {
      const seen = pods.length ? pods.map((p) => `${p.name}: ${p.phase}${p.ready === false ? ', not ready' : ''}`).join('; ') : 'none';
      throw new RelayNotFoundError(`${what}: ${where} has no ready pod (pods: ${seen}); check \`kubectl -n ${ns} describe pods -l ${Object.entries(svc.selector).map(([k, v]) => `${k}=${v}`).join(',')}\``);
    }
    for (const pod of ready) {
      const podPort = targetPortOn(pod, sp.targetPort ?? sp.port);
      if (podPort) return { namespace: ns, service: name, servicePort: sp.port, pod: pod.name, podPort };
    }
    throw new RelayNotFoundError(`${what}: ${where} targets port "${sp.targetPort}", which no ready pod declares`);
  }
  if (forbidden.length === namespaces.length) {
    throw new RelayNotFoundError(`${what}: not permitted to list services in ${forbidden.join(', ')}; ask for "list services" there or give ${addr}`);
  }
  const more = forbidden.length ? ` (not permitted to look in ${forbidden.join(', ')})` : '';
  throw new RelayNotFoundError(`${what}: no Service "${name}" in ${namespaces.filter((n) => !forbidden.includes(n)).join(', ')}${more}; ${opts.hint ?? ENABLE_HINT}`);
}

/**
 * A `connect` function for HubbleClient: each attempt locates Relay again (its pod may have been
 * replaced) and opens a new port-forward to it.
 */
export function relayConnector(lister: RelayClusterLister, portForward: PortForward, opts: LocateOptions = {}): () => Promise<RelayConnection> {
  return async () => {
    const loc = await locateHubbleRelay(lister, opts);
    return portForward(loc.namespace, loc.pod, loc.podPort);
  };
}
