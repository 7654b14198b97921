/**
 * Address -> peer lookup built from a snapshot's inventory: pod IPs, node addresses, service
 * ClusterIPs and NodePorts, pod CIDRs. Used to turn conntrack addresses into map peers.
 */
import { HOST, WORLD, ipId, nodeId, podId, workloadId } from '../model/ids.js';
import type { FlowEndpoint, NodeInfo, PodInfo, ServiceInfo, Snapshot } from '../model/types.js';
import { normalizeIPv6 } from './conntrack-parse.js';

export type Inventory = Pick<Snapshot, 'pods' | 'nodes' | 'services'>;

interface Cidr {
  v6: boolean;
  base: bigint;
  bits: number;
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10'];

function addrToBigInt(addr: string): { v6: boolean; value: bigint } | undefined {
  if (addr.indexOf(':') < 0) {
    const parts = addr.split('.');
    if (parts.length !== 4) return undefined;
    let v = 0n;
    for (const p of parts) {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
      v = (v << 8n) | BigInt(n);
    }
    return { v6: false, value: v };
  }
  const norm = normalizeIPv6(addr);
  const dbl = norm.indexOf('::');
  let groups: string[];
  if (dbl >= 0) {
    const head = norm.slice(0, dbl) ? norm.slice(0, dbl).split(':') : [];
    const tail = norm.slice(dbl + 2) ? norm.slice(dbl + 2).split(':') : [];
    groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else groups = norm.split(':');
  if (groups.length !== 8 || groups.some((g) => g.includes('.'))) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16) || 0);
  return { v6: true, value: v };
}

export function parseCidr(cidr: string): Cidr | undefined {
  const [addr, bitsText] = cidr.split('/');
  const a = addrToBigInt(addr);
  if (!a) return undefined;
  const max = a.v6 ? 128 : 32;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  const shift = BigInt(max - bits);
  return { v6: a.v6, base: (a.value >> shift) << shift, bits };
}

export function cidrContains(c: Cidr, addr: string): boolean {
  const a = addrToBigInt(addr);
  if (!a || a.v6 !== c.v6) return false;
  const shift = BigInt((c.v6 ? 128 : 32) - c.bits);
  return (a.value >> shift) << shift === c.base;
}

const PRIVATE = PRIVATE_RANGES.map((c) => parseCidr(c)!);

export const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

export interface ServiceHit {
  service: ServiceInfo;
  key: string;
}

export class AddressIndex {
  private readonly pods = new Map<string, PodInfo>();
  /** Peer ids per pod IP, built once: a flow per entry must not rebuild them. */
  private readonly podPeers = new Map<string, { peer: string; workload: string }>();
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly nodePeers = new Map<string, string>();
  private readonly services = new Map<string, ServiceHit>();
  private readonly nodePorts = new Map<string, ServiceHit>();
  private readonly podCidrs: Cidr[] = [];
  /** Unknown addresses resolve the same way every time; cache them (bounded). */
  private readonly unknown = new Map<string, FlowEndpoint['peer']>();

  constructor(inv: Inventory) {
    for (const pod of inv.pods) {
      if (pod.hostNetwork) continue; // its IP is the node's: the node stands for it
      for (const raw of pod.ips) {
        const ip = normalizeIPv6(raw);
        const have = this.pods.get(ip);
        // A finished pod may still list a reused IP: the running one wins.
        if (!have || (have.phase !== 'Running' && pod.phase === 'Running')) this.pods.set(ip, pod);
      }
    }
    for (const [ip, pod] of this.pods) {
      this.podPeers.set(ip, { peer: podId(pod.namespace, pod.name), workload: workloadId(pod.namespace, pod.owner?.kind ?? 'Pod', pod.owner?.name ?? pod.name) });
    }
    for (const node of inv.nodes) {
      for (const a of node.addresses) {
        if (a.type === 'Hostname') continue;
        this.nodes.set(normalizeIPv6(a.address), node);
        this.nodePeers.set(normalizeIPv6(a.address), nodeId(node.name));
      }
      for (const c of node.podCIDRs) {
        const parsed = parseCidr(c);
        if (parsed) this.podCidrs.push(parsed);
      }
    }
    for (const svc of inv.services) {
      const hit = { service: svc, key: `${svc.namespace}/${svc.name}` };
      for (const ip of svc.clusterIPs) if (ip && ip !== 'None') this.services.set(normalizeIPv6(ip), hit);
      for (const p of svc.ports) if (p.nodePort) this.nodePorts.set(`${p.protocol}/${p.nodePort}`, hit);
    }
  }

  pod(ip: string): PodInfo | undefined {
    return this.pods.get(ip);
  }

  node(ip: string): NodeInfo | undefined {
    return this.nodes.get(ip);
  }

  /** The service reached at ip:port: a ClusterIP, or a NodePort on a node address. */
  service(ip: string, protocol: string, port: number | undefined): ServiceHit | undefined {
    const byIp = this.services.get(ip);
    if (byIp) return byIp;
    if (port !== undefined && this.nodes.has(ip)) return this.nodePorts.get(`${protocol}/${port}`);
    return undefined;
  }

  /** The map peer for an address: pod, node, host (loopback), ip:<addr> (cluster or private), world. */
  endpoint(ip: string, port: number | undefined): FlowEndpoint {
    const pp = this.podPeers.get(ip);
    if (pp) return { peer: pp.peer, workload: pp.workload, ip, port };
    const node = this.nodePeers.get(ip);
    if (node) return { peer: node, ip, port };
    let peer = this.unknown.get(ip);
    if (peer === undefined) {
      if (isLoopback(ip)) peer = HOST;
      else if (this.podCidrs.some((c) => cidrContains(c, ip)) || PRIVATE.some((c) => cidrContains(c, ip))) peer = ipId(ip);
      else peer = WORLD;
      if (this.unknown.size > 100_000) this.unknown.clear();
      this.unknown.set(ip, peer);
    }
    return { peer, ip, port };
  }
}
