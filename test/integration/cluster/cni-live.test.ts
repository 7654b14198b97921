/** Live road builder detection reads the CNI's ConfigMap in the CNI's own namespace, not only kube-system. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { ClusterConnection } from '../../../main/cluster/connection.js';
import { flannelObjects, startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

let api: KubeApiServer;
let kubeconfig: string;
const conn = new ClusterConnection();

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demoSnapshot(), objects: flannelObjects() });
  kubeconfig = writeTestKubeconfig(api);
  await conn.connect('test-admin', { kubeconfig: { path: kubeconfig, searchPath: '' }, batchMs: 50 });
});
afterAll(async () => {
  conn.close();
  await api?.close();
});

describe('live road builder (Flannel in the kube-flannel namespace)', () => {
  it('reads kube-flannel-cfg from kube-flannel: backend and pod network come from it', () => {
    const s = conn.snapshot();
    expect(s.roadBuilder).toMatchObject({ name: 'flannel', version: '0.26.1', mode: 'native routing (host-gw)', enforcesNetworkPolicy: false, podCIDRs: ['10.244.0.0/16'] });
    expect(s.roadBuilder.evidence).toContain('ConfigMap kube-flannel/kube-flannel-cfg');
  });

  it('gives one not-enforcing finding, titled with the display name', () => {
    const f = conn.snapshot().findings.filter((x) => x.kind === 'cni-not-enforcing');
    expect(f).toHaveLength(1);
    expect(f[0].title).toMatch(/^Flannel does not enforce NetworkPolicy: \d+ policies in this cluster have no effect$/);
  });
});
