/** Puts a snapshot's pods into a FakeProbeCluster (same names, IPs and ports). */
import type { PodInfo } from '../../../main/model/types.js';
import { FakeProbeCluster, type FakeOptions } from './fake-probe-cluster.js';

export function fakeFromPods(pods: PodInfo[], opts: FakeOptions = {}): FakeProbeCluster {
  const fake = new FakeProbeCluster(opts);
  for (const p of pods) {
    fake.addPod({
      namespace: p.namespace,
      name: p.name,
      labels: p.labels,
      ips: p.ips,
      node: p.node ?? 'node-1',
      phase: p.phase,
      hostNetwork: p.hostNetwork,
      ports: p.ports.map((x) => ({ name: x.name, containerPort: x.containerPort, protocol: x.protocol })),
    });
  }
  return fake;
}
