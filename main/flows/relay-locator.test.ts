import { describe, expect, it } from 'vitest';
import { locateHubbleRelay, relayConnector, type RelayClusterLister, type RelayPod } from './relay-locator.js';
import type { Labels, ServiceInfo } from '../model/types.js';

const relaySvc = (ns = 'kube-system', targetPort: number | string = 'grpc'): ServiceInfo => ({
  namespace: ns,
  name: 'hubble-relay',
  type: 'ClusterIP',
  clusterIPs: ['10.96.0.20'],
  ports: [{ port: 80, targetPort, protocol: 'TCP' }],
  selector: { 'k8s-app': 'hubble-relay' },
  endpoints: [],
});

const relayPod = (name: string, over: Partial<RelayPod> = {}): RelayPod => ({
  namespace: 'kube-system',
  name,
  labels: { 'k8s-app': 'hubble-relay' },
  ips: ['10.0.0.7'],
  phase: 'Running',
  hostNetwork: false,
  ports: [{ name: 'grpc', containerPort: 4245, protocol: 'TCP' }],
  ready: true,
  ...over,
});

function lister(services: Record<string, ServiceInfo[] | Error>, pods: RelayPod[] | Error = []): RelayClusterLister & { podQueries: [string, Labels][] } {
  const podQueries: [string, Labels][] = [];
  return {
    podQueries,
    listServices: async (ns) => {
      const s = services[ns] ?? [];
      if (s instanceof Error) throw s;
      return s;
    },
    listPods: async (ns, sel) => {
      podQueries.push([ns, sel]);
      if (pods instanceof Error) throw pods;
      return pods;
    },
  };
}

const forbidden = () => Object.assign(new Error('services is forbidden: User "dev" cannot list resource "services"'), { statusCode: 403 });

describe('locateHubbleRelay', () => {
  it('finds the Service, a ready pod by its selector, and resolves a named target port', async () => {
    const l = lister({ 'kube-system': [relaySvc()] }, [relayPod('hubble-relay-b', { ready: false }), relayPod('hubble-relay-a')]);
    expect(await locateHubbleRelay(l)).toEqual({ namespace: 'kube-system', service: 'hubble-relay', servicePort: 80, pod: 'hubble-relay-a', podPort: 4245 });
    expect(l.podQueries).toEqual([['kube-system', { 'k8s-app': 'hubble-relay' }]]);
  });

  it("looks in Cilium's other namespaces and uses numeric target ports as is", async () => {
    const l = lister({ 'cilium-system': [relaySvc('cilium-system', 4245)] }, [relayPod('r', { namespace: 'cilium-system', ports: [] })]);
    expect(await locateHubbleRelay(l)).toMatchObject({ namespace: 'cilium-system', podPort: 4245 });
  });

  it('explains a missing Relay with how to enable it', async () => {
    await expect(locateHubbleRelay(lister({}))).rejects.toThrow(/no Service "hubble-relay" in kube-system, cilium, cilium-system; enable it with `cilium hubble enable --relay`/);
  });

  it('names pods that are not ready', async () => {
    const l = lister({ 'kube-system': [relaySvc()] }, [relayPod('hubble-relay-x', { phase: 'Pending' })]);
    await expect(locateHubbleRelay(l)).rejects.toThrow('Service kube-system/hubble-relay has no ready pod (pods: hubble-relay-x: Pending)');
  });

  it('says when it was not permitted to look', async () => {
    const all = lister({ 'kube-system': forbidden(), cilium: forbidden(), 'cilium-system': forbidden() });
    await expect(locateHubbleRelay(all)).rejects.toThrow(/not permitted to list services in kube-system, cilium, cilium-system/);
    const some = lister({ 'kube-system': forbidden() });
    await expect(locateHubbleRelay(some)).rejects.toThrow(/in cilium, cilium-system \(not permitted to look in kube-system\)/);
    const pods = lister({ 'kube-system': [relaySvc()] }, forbidden());
    await expect(locateHubbleRelay(pods)).rejects.toThrow(/not permitted to list pods in kube-system/);
  });

  it('reports a named target port no pod declares', async () => {
    const l = lister({ 'kube-system': [relaySvc('kube-system', 'grpc')] }, [relayPod('r', { ports: [] })]);
    await expect(locateHubbleRelay(l)).rejects.toThrow(/targets port "grpc", which no ready pod declares/);
  });

  it('builds a connect function that locates and port-forwards on every call', async () => {
    const l = lister({ 'kube-system': [relaySvc()] }, [relayPod('hubble-relay-a')]);
    const calls: string[] = [];
    const connect = relayConnector(l, async (ns, pod, port) => {
      calls.push(`${ns}/${pod}:${port}`);
      return { host: '127.0.0.1', port: 40000 + calls.length, close: () => undefined };
    });
    expect((await connect()).port).toBe(40001);
    expect((await connect()).port).toBe(40002);
    expect(calls).toEqual(['kube-system/hubble-relay-a:4245', 'kube-system/hubble-relay-a:4245']);
  });
});
