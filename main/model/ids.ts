/** The one place peer ids are built and read. See PeerId in ./types.ts. */
import type { PeerId, PodInfo } from './types.js';

export const WORLD: PeerId = 'world';
export const HOST: PeerId = 'host';
export const REMOTE_NODE: PeerId = 'remote-node';
export const KUBE_APISERVER: PeerId = 'kube-apiserver';

export const podId = (namespace: string, name: string): PeerId => `pod:${namespace}/${name}`;
export const workloadId = (namespace: string, kind: string, name: string): PeerId =>
  `wl:${namespace}/${kind}/${name}`;
export const serviceId = (namespace: string, name: string): PeerId => `svc:${namespace}/${name}`;
export const nodeId = (name: string): PeerId => `node:${name}`;
export const ipId = (addressOrCidr: string): PeerId => `ip:${addressOrCidr}`;
export const dnsId = (fqdn: string): PeerId => `dns:${fqdn.replace(/\.$/, '')}`;
export const namespaceId = (name: string): PeerId => `ns:${name}`;

export type PeerType = 'pod' | 'workload' | 'service' | 'node' | 'ip' | 'dns' | 'namespace' | 'reserved';

export interface ParsedPeer {
  type: PeerType;
  namespace?: string;
  kind?: string;
  name: string;
}

/** Splits a peer id into its parts; unknown prefixes are treated as reserved names. */
export function parsePeerId(id: PeerId): ParsedPeer {
  const colon = id.indexOf(':');
  if (colon < 0) return { type: 'reserved', name: id };
  const prefix = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  switch (prefix) {
    case 'pod':
    case 'svc': {
      const slash = rest.indexOf('/');
      return { type: prefix === 'pod' ? 'pod' : 'service', namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
    }
    case 'wl': {
      const [namespace, kind, ...name] = rest.split('/');
      return { type: 'workload', namespace, kind, name: name.join('/') };
    }
    case 'node':
      return { type: 'node', name: rest };
    case 'ip':
      return { type: 'ip', name: rest };
    case 'dns':
      return { type: 'dns', name: rest };
    case 'ns':
      return { type: 'namespace', name: rest };
    default:
      return { type: 'reserved', name: id };
  }
}

/** A peer id as people read it: "shop/cart (Deployment)" for wl:shop/Deployment/cart, "shop/cart-0" for a pod, the address for ip:. */
export function peerDisplayName(id: PeerId): string {
  const p = parsePeerId(id);
  if (p.type === 'reserved') return id;
  const name = p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name;
  return p.type === 'workload' ? `${name} (${p.kind})` : name;
}

/** The block a pod belongs to: its top controller, or the pod itself as a bare `Pod` workload. */
export const workloadOfPod = (p: Pick<PodInfo, 'namespace' | 'name' | 'owner'>): PeerId =>
  workloadId(p.namespace, p.owner?.kind ?? 'Pod', p.owner?.name ?? p.name);

/** Key of a policy, used in explanations, findings and diffs: "NetworkPolicy/ns/name" or "AdminNetworkPolicy/name". */
export const policyKey = (kind: string, name: string, namespace?: string): string =>
  namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;

export const roadKey = (src: PeerId, dst: PeerId, protocol: string, port: number | undefined, verdict: string): string =>
  `${src}|${dst}|${protocol}|${port ?? ''}|${verdict}`;
