/**
 * Flow probe figures: conntrack lines parsed, mapped to peers and aggregated into roads per
 * second (goal >= 200,000/s on 2 cores), and the memory of a 100-node cluster sampled every 5 s
 * (simulated samples with connection churn, fed through the same stream reader as live logs).
 */
import type { Bench } from './harness.js';
import { heapMb } from './harness.js';
import { RoadAggregator } from '../main/flows/aggregate.js';
import { generateInventory } from '../main/model/scenario/generate.js';
import type { FlowRecord, PodInfo, ServiceInfo } from '../main/model/types.js';
import { ConntrackFlowMapper } from '../main/probes/conntrack-flows.js';
import { parseConntrackLine } from '../main/probes/conntrack-parse.js';
import { SampleReader } from '../main/probes/sample-reader.js';

/** Deterministic xorshift so runs compare. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

interface Traffic {
  pods: PodInfo[];
  /** Each pod talks to a few fixed peers and services, as workloads do: roads stay bounded. */
  peersOf: Map<PodInfo, PodInfo[]>;
  servicesOf: Map<PodInfo, ServiceInfo[]>;
  world: string[];
}

function traffic(r: () => number, pods: PodInfo[], services: ServiceInfo[]): Traffic {
  const byNs = new Map<string, PodInfo[]>();
  for (const p of pods) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p]);
  const svcByNs = new Map<string, ServiceInfo[]>();
  for (const s of services) svcByNs.set(s.namespace, [...(svcByNs.get(s.namespace) ?? []), s]);
  const peersOf = new Map<PodInfo, PodInfo[]>();
  const servicesOf = new Map<PodInfo, ServiceInfo[]>();
  for (const p of pods) {
    const local = byNs.get(p.namespace)!;
    peersOf.set(p, Array.from({ length: 3 }, () => local[Math.floor(r() * local.length)]));
    const svcs = svcByNs.get(p.namespace) ?? services;
    servicesOf.set(p, Array.from({ length: 3 }, () => svcs[Math.floor(r() * svcs.length)]));
  }
  const world = Array.from({ length: 50 }, (_, i) => `93.184.${i}.${(i * 7) % 250}`);
  return { pods, peersOf, servicesOf, world };
}

/** One conntrack line: pod -> service (DNAT to a backend), pod -> pod, pod -> world, ICMP. */
function makeLine(r: () => number, t: Traffic, id: number): string {
  const src = t.pods[Math.floor(r() * t.pods.length)];
  const sport = 30000 + Math.floor(r() * 30000);
  const pick = r();
  const acct = r() < 0.5;
  const c = (p: number, b: number) => (acct ? ` packets=${p} bytes=${b}` : '');
  if (pick < 0.5) {
    const svcs = t.servicesOf.get(src)!;
    const svc = svcs[Math.floor(r() * svcs.length)];
    const port = svc.ports[0];
    const backend = svc.endpoints[0]?.ip ?? src.ips[0];
    const target = typeof port.targetPort === 'number' ? port.targetPort : port.port;
    const proto = port.protocol === 'UDP' ? 'udp      17 29 ' : 'tcp      6 431999 ESTABLISHED ';
    return `ipv4     2 ${proto}src=${src.ips[0]} dst=${svc.clusterIPs[0]} sport=${sport} dport=${port.port}${c(5, 600)} src=${backend} dst=${src.ips[0]} sport=${target} dport=${sport}${c(4, 900)} [ASSURED] mark=0 use=1 id=${id}`;
  }
  if (pick < 0.8) {
    const peers = t.peersOf.get(src)!;
    const dst = peers[Math.floor(r() * peers.length)];
    const unreplied = r() < 0.1;
    return unreplied
      ? `ipv4     2 tcp      6 118 SYN_SENT src=${src.ips[0]} dst=${dst.ips[0]} sport=${sport} dport=8080${c(1, 60)} [UNREPLIED] src=${dst.ips[0]} dst=${src.ips[0]} sport=8080 dport=${sport}${c(0, 0)} mark=0 use=1 id=${id}`
      : `ipv4     2 tcp      6 431999 ESTABLISHED src=${src.ips[0]} dst=${dst.ips[0]} sport=${sport} dport=8080${c(8, 900)} src=${dst.ips[0]} dst=${src.ips[0]} sport=8080 dport=${sport}${c(7, 4000)} [ASSURED] mark=0 use=1 id=${id}`;
  }
  if (pick < 0.95) {
    const world = t.world[Math.floor(r() * t.world.length)];
    return `ipv4     2 tcp      6 117 TIME_WAIT src=${src.ips[0]} dst=${world} sport=${sport} dport=443${c(9, 1200)} src=${world} dst=172.20.0.2 sport=443 dport=${sport}${c(9, 8000)} [ASSURED] mark=0 use=1 id=${id}`;
  }
  return `ipv4     2 icmp     1 29 src=${src.ips[0]} dst=8.8.8.8 type=8 code=0 id=${id % 65536}${c(1, 84)} src=8.8.8.8 dst=172.20.0.2 type=0 code=0 id=${id % 65536}${c(1, 84)} mark=0 use=1 id=${id}`;
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
};

const bench: Bench = {
  name: 'probes',
  async run(report) {
    const inv = generateInventory({ seed: 3, namespaces: 50, pods: 5000, policies: 0, flows: 0, nodes: 100 });
    const pods = inv.pods.filter((p) => !p.hostNetwork && p.ips.length > 0);
    const services = inv.services.filter((s) => s.clusterIPs.length > 0 && s.ports.length > 0);
    const r = rng(11);
    const tr = traffic(r, pods, services);

    // 1. Throughput: parse + map + aggregate, 300,000 distinct entries as 30 node samples.
    const N = 210_000; // 30 node samples of 7,000
    const lines = Array.from({ length: N }, (_, i) => makeLine(r, tr, i + 1));
    const run = (aggregate = true) => {
      const mapper = new ConntrackFlowMapper(inv);
      const roads = new RoadAggregator({ maxRawFlows: 10_000 });
      let mapped = 0;
      const emit = aggregate ? (f: FlowRecord) => roads.add(f) : () => void mapped++;
      const perNode = N / 30;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (let n = 0; n < 30; n++) {
        const s = mapper.beginSample(`node-${n}`, 1_700_000_000_000, emit);
        for (let i = n * perNode; i < (n + 1) * perNode; i++) {
          const e = parseConntrackLine(lines[i]);
          if (e && !('error' in e)) s.add(e);
        }
        s.finish(true);
      }
      const cpu = process.cpuUsage(cpu0);
      return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, flows: roads.flowCount, roads: roads.roadCount };
    };
    run(); // warm-up
    const best = [run(), run()].sort((a, b) => a.ms - b.ms)[0];
    const rate = Math.round(N / (best.ms / 1000));
    const cpuRate = Math.round(N / (best.cpuMs / 1000));
    report({ name: `conntrack parse+map+aggregate (${N.toLocaleString('en-US')} entries), wall`, value: rate, unit: 'entries/s', goal: '>= 200000', ok: rate >= 200_000 });
    // One thread does the work: on a busy machine the wall figure also counts waiting for a core.
    report({ name: 'same, per CPU second (one core)', value: cpuRate, unit: 'entries/s', goal: '>= 200000', ok: cpuRate >= 200_000 });
    report({ name: 'roads from those entries', value: best.roads, unit: 'roads' });
    // Where the time goes: the same without the road aggregator (main/flows/aggregate.ts).
    run(false);
    const noAgg = [run(false), run(false)].sort((a, b) => a.cpuMs - b.cpuMs)[0];
    report({ name: 'parse+map only (no road aggregation), per CPU second', value: Math.round(N / (noAgg.cpuMs / 1000)), unit: 'entries/s' });

    // 2. Memory: 100 nodes, a sample every 5 s (simulated), 1,000 connections per node, 20% churn per sample,
    //    through the same stream reader as live logs (repeated lines skip the parse).
    const NODES = 100;
    const PER_NODE = 1000;
    const SAMPLES = 12;
    const mapper = new ConntrackFlowMapper(inv);
    const roads = new RoadAggregator({ maxRawFlows: 10_000 });
    const readers = Array.from({ length: NODES }, (_, n) => new SampleReader(mapper, `node-${n}`, (f) => roads.add(f), () => undefined));
    const tables = Array.from({ length: NODES }, () => Array.from({ length: PER_NODE }, () => ''));
    let nextId = 1;
    for (const t of tables) for (let i = 0; i < t.length; i++) t[i] = makeLine(r, tr, nextId++);
    gc();
    const heap0 = heapMb();
    const heaps: number[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let readCpuMs = 0;
    for (let s = 0; s < SAMPLES; s++) {
      const epoch = 1_700_000_000 + s * 5;
      for (let n = 0; n < NODES; n++) {
        const t = tables[n];
        for (let i = 0; i < PER_NODE * 0.2; i++) t[Math.floor(r() * PER_NODE)] = makeLine(r, tr, nextId++);
        // As the log stream delivers it: marker, table, marker, in 64 KiB chunks.
        const text = `@@netcity-sample begin ${epoch} node-${n}\n${t.join('\n')}\n@@netcity-sample end\n`;
        const c0 = process.cpuUsage();
        for (let off = 0; off < text.length; off += 65536) readers[n].push(text.slice(off, off + 65536));
        const c1 = process.cpuUsage(c0);
        readCpuMs += (c1.user + c1.system) / 1000;
      }
      if (s % 3 === 2) {
        gc();
        heaps.push(heapMb());
      }
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const half = heaps.slice(Math.floor(heaps.length / 2));
    const growth = half[half.length - 1] - half[0];
    report({ name: `100 nodes x ${SAMPLES} samples (5 s apart, simulated): wall time`, value: Math.round(ms), unit: 'ms', goal: `< ${SAMPLES * 5000} ms (keeps up)`, ok: ms < SAMPLES * 5000 });
    report({ name: 'same, CPU time (incl. generating the samples)', value: Math.round((cpu.user + cpu.system) / 1000), unit: 'ms' });
    const steady = Math.round((NODES * PER_NODE * SAMPLES) / (readCpuMs / 1000));
    report({ name: 'steady-state sampling (80% of entries repeat), per CPU second', value: steady, unit: 'entries/s', goal: '>= 200000', ok: steady >= 200_000 });
    report({ name: 'heap held after the samples (tracked connections + roads + raw ring)', value: Number((heaps[heaps.length - 1] - heap0).toFixed(1)), unit: 'MB' });
    report({ name: 'heap growth over the second half of the run', value: Number(growth.toFixed(1)), unit: 'MB', goal: '< 10 MB (bounded)', ok: growth < 10 });
    report({ name: 'connections remembered for dedupe', value: mapper.trackedCount, unit: 'entries', goal: `<= ${NODES * PER_NODE}`, ok: mapper.trackedCount <= NODES * PER_NODE });
    report({ name: 'flows emitted (new connections only)', value: roads.flowCount, unit: 'flows' });
  },
};

export default bench;
