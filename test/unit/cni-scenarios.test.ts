/**
 * Road builder scenarios built from the CNI projects' install manifests (trimmed copies in
 * test/fixtures/cni, sources in its README), as a live cluster shows them (plus node labels,
 * annotations and DaemonSet status where the scenario needs them) and as a folder declares them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cniInputsFromObjects, detectDeclaredRoadBuilder, detectRoadBuilder, roadBuilderLabel, type CniInputs } from '../../main/cluster/cni-detect.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/cni');
type Obj = Record<string, any>;
const load = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
type Node = CniInputs['nodes'][number];
const node = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Node => ({ name, labels, annotations, podCIDRs: ['10.244.1.0/24'] });
const aks = (overlay: boolean) => node('aks-nodepool1-0', { 'kubernetes.azure.com/cluster': 'mc_rg_aks', ...(overlay ? { 'kubernetes.azure.com/azure-cni-overlay': 'true' } : {}) });
const k3s = (name: string, args: string[], backend = 'vxlan') =>
  node(name, args[0] === 'server' ? { 'node-role.kubernetes.io/control-plane': 'true' } : {}, { 'k3s.io/node-args': JSON.stringify(args), 'flannel.alpha.coreos.com/backend-type': backend });
/** A live cluster: the objects, with DaemonSets scheduled on nodes unless their status says otherwise. */
const live = (files: string[], nodes: Node[] = [node('n1')], apiGroups: string[] = []): CniInputs => {
  const inp = cniInputsFromObjects(files.flatMap(load));
  for (const ds of inp.daemonSets) ds.status ??= { desiredNumberScheduled: /-(arm64|arm|ppc64le|s390x)$/.test(ds.metadata.name) ? 0 : nodes.length };
  return { ...inp, nodes, apiGroups: [...inp.apiGroups, ...apiGroups] };
};

interface Scenario {
  name: string;
  in: CniInputs;
  label: string;
  version?: string;
  mode: string;
  enforces: boolean | 'unknown';
  details?: Record<string, string>;
}

const scenarios: Scenario[] = [
  { name: 'Flannel 0.11 (kube-system, one DaemonSet per architecture)', in: live(['flannel-v0.11.0.yaml']), label: 'Flannel', version: '0.11.0', mode: 'overlay (vxlan)', enforces: false },
  { name: 'Flannel 0.20 (kube-flannel namespace, flannel-cni-plugin init container)', in: live(['flannel-v0.20.2.yaml']), label: 'Flannel', version: '0.20.2', mode: 'overlay (vxlan)', enforces: false },
  { name: 'Flannel 0.26 host-gw (ConfigMap in kube-flannel)', in: live(['flannel-v0.26.1.yaml']), label: 'Flannel', version: '0.26.1', mode: 'native routing (host-gw)', enforces: false },
  { name: 'Calico manifest 3.26 (IPIP Always, mount-bpffs init container)', in: live(['calico-v3.26.1-manifest.yaml']), label: 'Calico', version: '3.26.1', mode: 'overlay (ipip)', enforces: true },
  { name: 'Calico typha manifest 3.20 (BGP)', in: live(['calico-v3.20.6-typha.yaml']), label: 'Calico', version: '3.20.6', mode: 'native routing (BGP)', enforces: true, details: { typha: 'kube-system/calico-typha' } },
  {
    name: 'Calico by the tigera operator 3.29 (calico-system, Installation)',
    in: live(['calico-v3.29-operator.yaml', 'calico-v3.29-operator-rendered.yaml']),
    label: 'Calico',
    version: '3.29.1',
    mode: 'overlay (vxlan, cross-subnet)',
    enforces: true,
    details: { typha: 'calico-system/calico-typha' },
  },
  { name: 'Calico eBPF dataplane 3.30', in: live(['calico-v3.30-bpf.yaml']), label: 'Calico', version: '3.30.2', mode: 'overlay (vxlan, cross-subnet), eBPF dataplane', enforces: true, details: { dataplane: 'eBPF' } },
  { name: 'Canal 3.27', in: live(['canal-v3.27.0.yaml']), label: 'Canal', version: '3.27.0', mode: 'overlay (vxlan, flannel)', enforces: true, details: { 'flannel-version': '0.22.3' } },
  { name: 'RKE2 rke2-canal', in: live(['rke2-canal-v3.28.yaml']), label: 'Canal', version: '3.28.1-build20240806', mode: 'overlay (vxlan, flannel)', enforces: true },
  { name: 'Weave Net 2.8 with weave-npc', in: live(['weave-v2.8.1.yaml']), label: 'Weave Net', version: '2.8.1', mode: 'overlay (fastdp/sleeve)', enforces: true },
  { name: 'Weave Net 2.6 without weave-npc', in: live(['weave-v2.6.5-no-npc.yaml']), label: 'Weave Net', version: '2.6.5', mode: 'overlay (fastdp/sleeve)', enforces: false },
  { name: 'Cilium 1.4 (cilium-init init container, tunnel key)', in: live(['cilium-v1.4.2.yaml']), label: 'Cilium', version: '1.4.2', mode: 'overlay (vxlan)', enforces: true },
  { name: 'Cilium 1.9 geneve with Hubble Relay', in: live(['cilium-v1.9.18.yaml']), label: 'Cilium', version: '1.9.18', mode: 'overlay (geneve)', enforces: true, details: { 'hubble-relay': 'kube-system/hubble-relay' } },
  { name: 'Cilium 1.14 installed with helm --namespace cilium', in: live(['cilium-v1.14.5-helm-ns.yaml']), label: 'Cilium', version: '1.14.5', mode: 'overlay (vxlan)', enforces: true, details: { hubble: 'enabled' } },
  { name: 'Cilium 1.17 with enable-policy: never', in: live(['cilium-v1.17.4-never.yaml']), label: 'Cilium', version: '1.17.4', mode: 'native routing', enforces: false, details: { 'policy-enforcement': 'never' } },
  {
    name: 'AWS VPC CNI + Cilium 1.16 chained',
    in: live(['aws-vpc-cni-v1.12.1.yaml', 'cilium-v1.16.5-aws-chained.yaml']),
    label: 'AWS VPC CNI + Cilium (chained)',
    version: '1.12.1-rc3',
    mode: 'native (VPC IPs)',
    enforces: true,
    details: { 'policy-engine': 'cilium', 'policy-engine-version': '1.16.5', 'cni-chaining-mode': 'aws-cni' },
  },
  { name: 'Cilium 1.15 ENI mode (aws-node scheduled on no node)', in: live(['cilium-v1.15.6-eni.yaml']), label: 'Cilium', version: '1.15.6', mode: 'native (AWS ENI)', enforces: true, details: { ipam: 'eni' } },
  { name: 'AWS VPC CNI 1.12 alone', in: live(['aws-vpc-cni-v1.12.1.yaml']), label: 'AWS VPC CNI', version: '1.12.1-rc3', mode: 'native (VPC IPs)', enforces: false, details: { 'policy-engine': 'none' } },
  {
    name: 'AWS VPC CNI 1.18 with its network policy agent',
    in: live(['aws-vpc-cni-v1.18.3-agent.yaml']),
    label: 'AWS VPC CNI + AWS network policy agent',
    version: '1.18.3',
    mode: 'native (VPC IPs)',
    enforces: true,
    details: { 'network-policy-agent': 'enabled', 'policy-engine-version': '1.1.2' },
  },
  { name: 'AWS VPC CNI + Calico (tigera operator, EKS)', in: live(['aws-vpc-cni-v1.18.3-agent.yaml', 'aws-calico-v3.27.yaml']), label: 'AWS VPC CNI + Calico', version: '1.18.3', mode: 'native (VPC IPs)', enforces: true, details: { 'policy-engine-version': '3.27.3' } },
  {
    name: 'AWS VPC CNI + Antrea networkPolicyOnly',
    in: live(['aws-vpc-cni-v1.12.1.yaml', 'antrea-v1.15.1-eks.yaml']),
    label: 'AWS VPC CNI + Antrea (networkPolicyOnly)',
    version: '1.12.1-rc3',
    mode: 'native (VPC IPs)',
    enforces: true,
    details: { 'traffic-encap-mode': 'networkPolicyOnly' },
  },
  { name: 'AKS Azure CNI without network policy', in: live(['aks-azure-cni.yaml'], [aks(false)]), label: 'Azure CNI', version: '1.6.18', mode: 'native (VNet IPs)', enforces: false },
  { name: 'AKS Azure CNI + Azure NPM', in: live(['aks-azure-cni.yaml', 'aks-azure-npm.yaml'], [aks(false)]), label: 'Azure CNI + Azure NPM', version: '1.6.18', mode: 'native (VNet IPs)', enforces: true, details: { 'policy-engine-version': '1.5.45' } },
  {
    name: 'AKS Azure CNI powered by Cilium (overlay)',
    in: live(['aks-azure-cni.yaml', 'aks-cilium-v1.14.10.yaml'], [aks(true)]),
    label: 'Azure CNI + Cilium',
    version: '1.6.18',
    mode: 'overlay (Azure CNI Overlay)',
    enforces: true,
    details: { 'policy-engine-version': '1.14.10-1' },
  },
  { name: 'AKS Azure CNI + Calico (tigera operator)', in: live(['aks-azure-cni.yaml', 'aks-calico-v3.28.yaml'], [aks(false)]), label: 'Azure CNI + Calico', version: '1.6.18', mode: 'native (VNet IPs)', enforces: true, details: { 'policy-engine-version': '3.28.2' } },
  { name: 'Antrea 2.2 encap', in: live(['antrea-v2.2.0.yaml']), label: 'Antrea', version: '2.2.0', mode: 'overlay (geneve)', enforces: true },
  { name: 'Antrea 0.13 noEncap (hashed ConfigMap name)', in: live(['antrea-v0.13.1-hashed-config.yaml']), label: 'Antrea', version: '0.13.1', mode: 'native routing', enforces: true },
  { name: 'kube-router 2.1 with the firewall', in: live(['kube-router-firewall.yaml']), label: 'kube-router', version: '2.1.3', mode: 'native routing (BGP)', enforces: true },
  { name: 'kube-router 1.6 without the firewall (init container with the same image)', in: live(['kube-router-no-firewall.yaml']), label: 'kube-router', version: '1.6.0', mode: 'native routing (BGP)', enforces: false },
  {
    name: 'k3s with network policy (agent listed first)',
    in: live([], [k3s('agent-1', ['agent']), k3s('server-1', ['server', '--cluster-init'])]),
    label: "Flannel + k3s's network policy controller",
    mode: 'overlay (vxlan)',
    enforces: true,
  },
  {
    name: 'k3s with --disable-network-policy on the server (agent listed first)',
    in: live([], [k3s('agent-1', ['agent']), k3s('server-1', ['server', '--disable-network-policy'])]),
    label: 'Flannel',
    mode: 'overlay (vxlan)',
    enforces: false,
  },
  { name: 'k3s where only agents are visible', in: live([], [k3s('agent-1', ['agent'], 'host-gw')]), label: "Flannel + k3s's network policy controller", mode: 'native routing (host-gw)', enforces: 'unknown' },
];

describe('road builder scenarios from install manifests', () => {
  it.each(scenarios)('$name', (s) => {
    const rb = detectRoadBuilder(s.in);
    expect(roadBuilderLabel(rb)).toBe(s.label);
    expect(rb.version).toBe(s.version);
    expect(rb.mode).toBe(s.mode);
    expect(rb.enforcesNetworkPolicy).toBe(s.enforces);
    if (s.enforces === false) expect(rb.policyKinds).toEqual([]);
    else expect(rb.policyKinds).toContain('NetworkPolicy');
    if (s.details) expect(rb.details).toMatchObject(s.details);
    expect(rb.evidence.length).toBeGreaterThan(0);
  });

  it('keeps the evidence of where each fact came from', () => {
    const rb = detectRoadBuilder(live(['flannel-v0.26.1.yaml']));
    expect(rb.evidence).toEqual(['DaemonSet kube-flannel/kube-flannel-ds (container kube-flannel, image ghcr.io/flannel-io/flannel:v0.26.1)', 'ConfigMap kube-flannel/kube-flannel-cfg']);
    expect(rb.podCIDRs).toEqual(['10.42.0.0/16']);
    const eni = detectRoadBuilder(live(['cilium-v1.15.6-eni.yaml']));
    expect(eni.evidence).toContain('DaemonSet kube-system/aws-node is scheduled on no node');
  });
});

describe('road builders declared in manifests', () => {
  const declared = (...files: string[]) => detectDeclaredRoadBuilder(files.flatMap(load));
  it.each([
    [['flannel-v0.26.1.yaml'], 'Flannel', false],
    [['calico-v3.26.1-manifest.yaml'], 'Calico', true],
    [['calico-v3.29-operator.yaml'], 'Calico', true],
    [['cilium-v1.14.5-helm-ns.yaml'], 'Cilium', true],
    [['cilium-v1.17.4-never.yaml'], 'Cilium', false],
    [['aws-vpc-cni-v1.12.1.yaml', 'cilium-v1.16.5-aws-chained.yaml'], 'AWS VPC CNI + Cilium (chained)', true],
  ] as const)('%j declares %s (enforces: %s)', (files, label, enforces) => {
    const rb = declared(...files);
    expect(roadBuilderLabel(rb)).toBe(label);
    expect(rb.enforcesNetworkPolicy).toBe(enforces);
    expect(rb.details.source).toBe('declared in manifests');
    expect(rb.evidence.every((e) => e.endsWith('(declared in manifests)'))).toBe(true);
  });

  it('reads the operator Installation alone (no DaemonSet yet): mode from its IP pool, no version', () => {
    const rb = declared('calico-v3.29-operator.yaml');
    expect(rb).toMatchObject({ name: 'calico', mode: 'overlay (vxlan, cross-subnet)' });
    expect(rb.version).toBeUndefined();
  });

  it('reads Cilium from a k3s/RKE2 HelmChartConfig and a Flux HelmRelease', () => {
    const hcc = { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChartConfig', metadata: { name: 'rke2-cilium', namespace: 'kube-system' }, spec: { valuesContent: 'policyEnforcementMode: never\nhubble:\n  enabled: true\n' } };
    const a = detectDeclaredRoadBuilder([hcc]);
    expect(a).toMatchObject({ name: 'cilium', enforcesNetworkPolicy: false, details: { hubble: 'enabled', 'policy-enforcement': 'never' } });
    expect(a.evidence).toEqual(['HelmChartConfig kube-system/rke2-cilium (declared in manifests)']);
    const hr = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'cilium', namespace: 'flux-system' }, spec: { chart: { spec: { chart: 'cilium', version: '1.16.3' } }, values: { cni: { chainingMode: 'aws-cni' } } } };
    expect(detectDeclaredRoadBuilder([hr])).toMatchObject({ name: 'cilium', mode: 'chained (aws-cni)', enforcesNetworkPolicy: true });
  });

  it('says so when the folder holds no CNI', () => {
    const app = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } } };
    const rb = detectDeclaredRoadBuilder([app]);
    expect(rb).toMatchObject({ name: 'unknown', enforcesNetworkPolicy: 'unknown' });
    expect(rb.evidence[0]).toMatch(/--road-builder NAME/);
  });
});
