import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AddressIndex } from './address-index.js';
import { ConntrackFlowMapper, conntrackLineKey, flowFromConntrack } from './conntrack-flows.js';
import { parseConntrack, parseConntrackLine, type ConntrackEntry } from './conntrack-parse.js';
import { inventory } from '../../test/fixtures/conntrack/inventory.js';
import type { FlowRecord } from '../model/types.js';

const sample = (name: string) => parseConntrack(readFileSync(new URL(`../../test/fixtures/conntrack/${name}`, import.meta.url), 'utf8')).entries;
const index = new AddressIndex(inventory);
const flowOf = (e: ConntrackEntry) => flowFromConntrack(e, index, 'node-1', 1000);
const line = (text: string): ConntrackEntry => {
  const r = parseConntrackLine(text);
  if (!r || 'error' in r) throw new Error('bad line');
  return r;
};

describe('flowFromConntrack', () => {
  const ext = sample('conntrack-extended.txt');

  it('resolves a ClusterIP DNAT to the service and its backend pod on the backend port', () => {
    const f = flowOf(ext[0])!;
    expect(f).toMatchObject({
      source: 'probe',
      verdict: 'FORWARDED',
      protocol: 'TCP',
      port: 8080,
      dstService: 'shop/cart',
      node: 'node-1',
      time: 1000,
    });
    expect(f.src).toEqual({ peer: 'pod:shop/frontend-abc', workload: 'wl:shop/Deployment/frontend', ip: '10.244.1.5', port: 51234 });
    expect(f.dst).toMatchObject({ peer: 'pod:shop/cart-xyz', workload: 'wl:shop/Deployment/cart', ip: '10.244.2.7' });
    expect(f.noReply).toBeUndefined();
  });

  it('marks an unreplied attempt as no reply with an UNKNOWN verdict (a hint, not a drop)', () => {
    const f = flowOf(ext[1])!;
    expect(f).toMatchObject({ verdict: 'UNKNOWN', noReply: true, port: 5432 });
    // The running pod wins over a finished pod that still lists the same IP.
    expect(f.dst.peer).toBe('pod:db/postgres-0');
  });

  it('maps public addresses to the world (SNAT on the way out does not change the source)', () => {
    const f = flowOf(ext[2])!;
    expect(f.dst).toMatchObject({ peer: 'world', ip: '93.184.216.34' });
    expect(f.src.peer).toBe('pod:shop/frontend-abc');
    expect(f.port).toBe(443);
  });

  it('resolves DNS to kube-dns and CoreDNS; ICMP has no port', () => {
    expect(flowOf(ext[3])).toMatchObject({ protocol: 'UDP', dstService: 'kube-system/kube-dns', port: 53 });
    expect(flowOf(ext[3])!.dst.peer).toBe('pod:kube-system/coredns-1');
    const icmp = flowOf(ext[5])!;
    expect(icmp.protocol).toBe('ICMP');
    expect(icmp.port).toBeUndefined();
  });

  it('resolves IPv6 services and NodePorts on a node address', () => {
    expect(flowOf(ext[7])).toMatchObject({ dstService: 'shop/cart', port: 8080 });
    expect(flowOf(ext[7])!.dst.peer).toBe('pod:shop/cart-xyz');
    const np = flowOf(ext[9])!;
    expect(np).toMatchObject({ dstService: 'shop/cart', port: 8080 });
    expect(np.dst.peer).toBe('pod:shop/cart-xyz');
  });

  it('sums counters of both directions when accounting is on', () => {
    const acct = sample('nf_conntrack-acct.txt');
    expect(flowOf(acct[0])).toMatchObject({ packets: 22, bytes: 11050 });
    expect(flowOf(acct[7])).toMatchObject({ packets: 11, bytes: 1500, dstService: 'shop/cart' });
    expect(flowOf(acct[8])!.dst).toMatchObject({ peer: 'world', ip: '2001:4860:4860::8888' });
  });

  it('maps node addresses to nodes, hostNetwork pods to their node, the kubernetes service to the API server', () => {
    const toApi = flowOf(line('ipv4 2 tcp 6 100 ESTABLISHED src=192.168.10.12 dst=10.96.0.1 sport=5000 dport=443 src=192.168.10.11 dst=192.168.10.12 sport=6443 dport=5000 [ASSURED] use=1'))!;
    expect(toApi.src.peer).toBe('node:node-2');
    expect(toApi.dst.peer).toBe('kube-apiserver');
    expect(toApi).toMatchObject({ dstService: 'default/kubernetes', port: 6443 });
    const hostNet = flowOf(line('ipv4 2 tcp 6 100 ESTABLISHED src=192.168.10.11 dst=10.244.3.9 sport=5000 dport=5432 src=10.244.3.9 dst=192.168.10.11 sport=5432 dport=5000 use=1'))!;
    expect(hostNet.src.peer).toBe('node:node-1');
  });

  it('maps unknown cluster and private addresses to ip: peers, skips loopback chatter', () => {
    const stale = flowOf(line('ipv4 2 tcp 6 100 ESTABLISHED src=10.244.1.200 dst=172.31.0.5 sport=1 dport=2 src=172.31.0.5 dst=10.244.1.200 sport=2 dport=1 use=1'))!;
    expect(stale.src.peer).toBe('ip:10.244.1.200');
    expect(stale.dst.peer).toBe('ip:172.31.0.5');
    expect(flowOf(line('ipv4 2 tcp 6 100 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=1 dport=2 src=127.0.0.1 dst=127.0.0.1 sport=2 dport=1 use=1'))).toBeNull();
  });
});

describe('ConntrackFlowMapper', () => {
  const first = sample('conntrack-extended.txt');
  const collect = (m: ConntrackFlowMapper, node: string, entries: ConntrackEntry[]) => {
    const out: FlowRecord[] = [];
    const stats = m.sample(node, 1, entries, (f) => out.push(f));
    return { out, stats };
  };

  it('emits an entry once across consecutive samples (same tuple and id)', () => {
    const m = new ConntrackFlowMapper(inventory);
    expect(collect(m, 'node-1', first).out).toHaveLength(10);
    const again = collect(m, 'node-1', first);
    expect(again.out).toHaveLength(0);
    expect(again.stats.repeated).toBe(10);
  });

  it('emits again when the tuple is reused by a new connection (new id) or after it vanished', () => {
    const m = new ConntrackFlowMapper(inventory);
    collect(m, 'node-1', first);
    const reused = { ...first[0], id: 99 };
    expect(collect(m, 'node-1', [reused]).out).toHaveLength(1);
    expect(collect(m, 'node-1', []).out).toHaveLength(0);
    expect(collect(m, 'node-1', [reused]).out).toHaveLength(1);
  });

  it('emits a FORWARDED flow when an unreplied attempt gets its reply, not the other way round', () => {
    const m = new ConntrackFlowMapper(inventory);
    const unreplied = first[1];
    const replied = { ...unreplied, unreplied: false, state: 'ESTABLISHED' };
    expect(collect(m, 'node-1', [unreplied]).out[0].verdict).toBe('UNKNOWN');
    expect(collect(m, 'node-1', [replied]).out[0].verdict).toBe('FORWARDED');
    expect(collect(m, 'node-1', [replied]).out).toHaveLength(0);
  });

  it('keeps nodes apart and bounds what it remembers per node', () => {
    const m = new ConntrackFlowMapper(inventory, { maxTrackedPerNode: 3 });
    collect(m, 'node-1', first);
    expect(collect(m, 'node-2', first).out).toHaveLength(10);
    expect(m.trackedCount).toBe(6);
    const again = collect(m, 'node-1', first);
    expect(again.stats.untracked).toBe(7);
    m.forgetNode('node-1');
    expect(m.trackedCount).toBe(3);
  });

  it('resolves against a new inventory after setInventory', () => {
    const m = new ConntrackFlowMapper({ pods: [], nodes: [], services: [] });
    expect(collect(m, 'n', [first[1]]).out[0].dst.peer).toBe('ip:10.244.3.9');
    m.setInventory(inventory);
    m.forgetNode('n');
    expect(collect(m, 'n', [first[1]]).out[0].dst.peer).toBe('pod:db/postgres-0');
  });
});

describe('conntrackLineKey', () => {
  const a1 = 'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80 packets=5 bytes=300 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 packets=4 bytes=250 [ASSURED] mark=0 zone=2 use=1 id=77';
  const a2 = 'ipv4     2 tcp      6 431000 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80 packets=9 bytes=900 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 packets=8 bytes=850 [ASSURED] mark=0 zone=2 use=2 id=77';
  const key = (l: string) => conntrackLineKey(l)!;

  it('is stable across samples (timeout, counters, use change) and tells connections apart', () => {
    expect(key(a1).key).toBe(key(a2).key);
    expect(key(a1).key).not.toBe(key(a1.replace('id=77', 'id=78')).key);
    expect(key(a1).key).not.toBe(key(a1.replace('zone=2', 'zone=3')).key);
    expect(key(a1).key).not.toBe(key(a1.replace('tcp      6', 'udp      17').replace(' ESTABLISHED', '')).key);
    expect(key(a1).key).not.toBe(key(a1.replace('sport=1000 dport=80 packets=5', 'sport=1001 dport=80 packets=5')).key);
  });

  it('sees [UNREPLIED] before the reply tuple only, and ignores non-entries', () => {
    const u = 'ipv4 2 tcp 6 118 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 packets=1 bytes=60 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 packets=0 bytes=0 mark=0 use=1';
    expect(key(u).unreplied).toBe(true);
    expect(key(u).key).toBe(key(u.replace(' [UNREPLIED]', '').replace('SYN_SENT', 'ESTABLISHED').replace('118', '431999')).key);
    expect(key(a1).unreplied).toBe(false);
    expect(conntrackLineKey('conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.')).toBeUndefined();
    expect(conntrackLineKey('ipv4 2 tcp 6 1 CLOSE src=1.1.1.1 dst=2.2.2.2')).toBeUndefined();
  });

  it('through the mapper: a repeated line is skipped, an unreplied line that gets its reply is emitted again', () => {
    const m = new ConntrackFlowMapper(inventory);
    const out: FlowRecord[] = [];
    const feed = (lines: string[]) => {
      const b = m.beginSample('n', 1, (f) => out.push(f));
      for (const l of lines) {
        const k = conntrackLineKey(l)!;
        if (b.repeat(k.key, k.unreplied)) continue;
        b.add(line(l), k.key);
      }
      return b.finish(true);
    };
    const u = 'ipv4 2 tcp 6 118 SYN_SENT src=10.244.1.5 dst=10.244.3.9 sport=1 dport=5432 [UNREPLIED] src=10.244.3.9 dst=10.244.1.5 sport=5432 dport=1 mark=0 use=1 id=5';
    const r = u.replace(' [UNREPLIED]', '').replace('SYN_SENT', 'ESTABLISHED');
    feed([u]);
    expect(feed([u]).repeated).toBe(1);
    feed([r]);
    expect(feed([r]).repeated).toBe(1);
    expect(out.map((f) => f.verdict)).toEqual(['UNKNOWN', 'FORWARDED']);
  });
});
