// The cluster under test does what the app relies on: Ready nodes, the demo city's pods Running
// with IPs, EndpointSlices behind services, DaemonSets on every node, and the policy CRDs served.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { announceSkip, createNamespaceReady, fakeRelayPort, isLocalControlPlane, prepareCluster, waitFor, withFakeRelayPort, type PreparedCluster } from './fixture.js';

const execNamespace = process.env.NETCITY_TEST_EXEC_NS;

const skip = announceSkip(import.meta.filename);

describe.skipIf(skip)('real control plane', () => {
  let env: PreparedCluster;
  let core: k8s.CoreV1Api;
  beforeAll(async () => {
    env = await prepareCluster();
    core = env.kc.makeApiClient(k8s.CoreV1Api);
  }, 240_000);

  it('has Ready nodes with an InternalIP', async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes) {
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, n.metadata?.name).toBe('True');
      expect(
        n.status?.addresses?.some((a) => a.type === 'InternalIP'),
        n.metadata?.name,
      ).toBe(true);
    }
  });

  it('runs every scenario pod on a node, with a pod IP', async () => {
    const pods = (await core.listPodForAllNamespaces({ labelSelector: 'netcity.test/scenario' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) {
      const name = `${p.metadata?.namespace}/${p.metadata?.name}`;
      expect(p.status?.phase, name).toBe('Running');
      expect(p.spec?.nodeName, name).toBeTruthy();
      expect(p.status?.podIP, name).toMatch(/^[0-9a-f.:]+$/);
    }
  });

  it('fills EndpointSlices for the scenario services from their pods', async () => {
    const discovery = env.kc.makeApiClient(k8s.DiscoveryV1Api);
    const slices = await waitFor('an EndpointSlice with ready endpoints for shop/catalog', async () => {
      const list = await discovery.listNamespacedEndpointSlice({ namespace: 'shop', labelSelector: 'kubernetes.io/service-name=catalog' });
      const ready = list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
      return ready.length >= 2 ? ready : undefined;
    });
    const pods = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=catalog' })).items;
    const podIps = new Set(pods.map((p) => p.status?.podIP));
    for (const e of slices) expect(podIps.has(e.addresses[0])).toBe(true);
  });

  it('puts one DaemonSet pod on every schedulable node', async () => {
    const apps = env.kc.makeApiClient(k8s.AppsV1Api);
    const ds = await waitFor('DaemonSet monitoring/node-exporter to be fully available', async () => {
      const d = await apps.readNamespacedDaemonSet({ namespace: 'monitoring', name: 'node-exporter' });
      const s = d.status;
      return s && s.desiredNumberScheduled > 0 && s.numberAvailable === s.desiredNumberScheduled ? s : undefined;
    });
    const nodes = (await core.listNode()).items.filter((n) => !n.spec?.unschedulable);
    expect(ds.desiredNumberScheduled).toBe(nodes.length);
  });

  it('serves the policy CRDs and keeps the scenario policies as written', async () => {
    expect(env.crds).toEqual(
      expect.arrayContaining([
        'adminnetworkpolicies.policy.networking.k8s.io',
        'baselineadminnetworkpolicies.policy.networking.k8s.io',
        'ciliumnetworkpolicies.cilium.io',
        'ciliumclusterwidenetworkpolicies.cilium.io',
      ]),
    );
    const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
    const anp = (await custom.getClusterCustomObject({
      group: 'policy.networking.k8s.io',
      version: 'v1alpha1',
      plural: 'adminnetworkpolicies',
      name: 'allow-monitoring-scrape',
    })) as { spec: { priority: number } };
    expect(anp.spec.priority).toBe(10);
    const cnp = (await custom.getNamespacedCustomObject({
      group: 'cilium.io',
      version: 'v2',
      namespace: 'shop',
      plural: 'ciliumnetworkpolicies',
      name: 'catalog-http-readonly',
    })) as { spec: { ingress: { toPorts: { rules: { http: { method: string }[] } }[] }[] } };
    // The L7 rule survives: the minimal CRD keeps unknown fields instead of pruning them.
    expect(cnp.spec.ingress[0].toPorts[0].rules.http[0].method).toBe('GET');
  });

  // kwok stands in for the kubelet: the API server's port-forward reaches kwok, which connects
  // port 4245 of kube-system pods to a process on loopback (test/cluster/up.sh's kwok config).
  it.skipIf(!isLocalControlPlane() || !fakeRelayPort())('port-forwards to the hubble-relay pod through kwok to a local process', () =>
    withFakeRelayPort(async (relayPort) => {
      const received: string[] = [];
      const sockets = new Set<net.Socket>();
      const server = net.createServer((sock) => {
        sockets.add(sock);
        sock.on('data', (d) => {
          received.push(d.toString());
          sock.write(`echo:${d.toString()}`);
        });
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(relayPort, '127.0.0.1', resolve));
      try {
        const pods = await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=hubble-relay' });
        const pod = pods.items.find((p) => p.status?.phase === 'Running')!;
        expect(pod, 'a Running hubble-relay pod').toBeDefined();
        const input = new PassThrough();
        const output = new PassThrough();
        let answer = '';
        output.on('data', (d: Buffer) => (answer += d.toString()));
        const ws = await new k8s.PortForward(env.kc).portForward('kube-system', pod.metadata!.name!, [4245], output, null, input);
        try {
          input.write('hello-relay');
          await waitFor('the echo through the port-forward', async () => (answer.includes('echo:hello-relay') ? true : undefined), 20_000, 100);
          expect(received.join('')).toBe('hello-relay');
        } finally {
          input.end();
          (typeof ws === 'function' ? ws() : ws)?.close();
        }
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }),
  );

  // Exec reaches a local process on the local control plane, in the one namespace allowed for it.
  it.skipIf(!isLocalControlPlane() || !execNamespace)('execs a command in a pod and streams its output back', async () => {
    const ns = execNamespace!;
    await createNamespaceReady(env.kc, ns);
    try {
      await core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'shell' }, spec: { containers: [{ name: 'main', image: 'registry.invalid/shell:1' }], terminationGracePeriodSeconds: 0 } },
      });
      await waitFor('pod shell Running', async () =>
        (await core.readNamespacedPod({ namespace: ns, name: 'shell' })).status?.phase === 'Running' ? true : undefined,
      );
      let stdout = '';
      const out = new PassThrough();
      out.on('data', (d: Buffer) => (stdout += d.toString()));
      const status = await new Promise<k8s.V1Status>((resolve, reject) => {
        new k8s.Exec(env.kc)
          .exec(ns, 'shell', 'main', ['sh', '-c', 'echo "kwok exec $NETCITY_KWOK_EXEC"'], out, null, null, false, (st) => resolve(st))
          .catch(reject);
      });
      expect(status.status).toBe('Success');
      expect(stdout.trim()).toBe('kwok exec 1');
    } finally {
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  });

  // Probes add an ephemeral debug container and wait for it to run; kwok gets a stage for that.
  it('runs an ephemeral container added to a running pod', async () => {
    const pod = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=cart' })).items[0];
    const name = pod.metadata!.name!;
    const debug = `debug-${Date.now().toString(36)}`;
    await core.patchNamespacedPodEphemeralcontainers(
      {
        namespace: 'shop',
        name,
        body: {
          spec: {
            ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), { name: debug, image: 'registry.invalid/debug:1', command: ['sleep', '60'] }],
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const st = await waitFor(`ephemeral container ${debug} running in shop/${name}`, async () => {
      const p = await core.readNamespacedPod({ namespace: 'shop', name });
      return p.status?.ephemeralContainerStatuses?.find((c) => c.name === debug && c.state?.running);
    });
    expect(st.started).toBe(true);
  });
});
