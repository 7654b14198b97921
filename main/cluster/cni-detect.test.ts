import { describe, expect, it } from 'vitest';
import { detectRoadBuilder, imageVersion, roadBuilderFindings, type CniInputs } from './cni-detect.js';
import type { PolicyKind, RoadBuilder } from '../model/types.js';

type Obj = Record<string, any>;
const ds = (namespace: string, name: string, containers: Obj[]): Obj => ({
  metadata: { namespace, name },
  spec: { template: { spec: { containers } } },
});
const dep = (namespace: string, name: string): Obj => ({ metadata: { namespace, name }, spec: { template: { spec: { containers: [] } } } });
const cm = (name: string, data: Record<string, string>): Obj => ({ metadata: { namespace: 'kube-system', name }, data });
const node = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}, podCIDRs = ['10.244.0.0/24']) => ({ name, labels, annotations, podCIDRs });
const inputs = (p: Partial<CniInputs>): CniInputs => ({ daemonSets: [], deployments: [], configMaps: [], apiGroups: [], nodes: [node('n1')], ...p });

interface Case {
  name: string;
  in: Partial<CniInputs>;
  want: Partial<RoadBuilder>;
  details?: Record<string, string>;
}

const cases: Case[] = [
  {
    name: 'Cilium with Hubble, Relay, kube-proxy replacement, vxlan',
    in: {
      daemonSets: [ds('kube-system', 'cilium', [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.18.4@sha256:0123' }])],
      deployments: [dep('kube-system', 'hubble-relay')],
      configMaps: [cm('cilium-config', { 'enable-hubble': 'true', 'kube-proxy-replacement': 'true', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan', 'cluster-pool-ipv4-cidr': '10.0.0.0/8' })],
    },
    want: { name: 'cilium', version: '1.18.4', mode: 'overlay (vxlan)', enforcesNetworkPolicy: true, flowSources: ['hubble', 'probe'], podCIDRs: ['10.0.0.0/8'], policyKinds: ['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'] },
    details: { hubble: 'enabled', 'hubble-relay': 'kube-system/hubble-relay', 'kube-proxy-replacement': 'true', 'policy-enforcement': 'default' },
  },
  {
    name: 'Cilium native routing, policy enforcement never, no Hubble',
    in: {
      daemonSets: [ds('cilium', 'cilium', [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.16.1' }])],
      configMaps: [cm('cilium-config', { 'enable-hubble': 'false', 'routing-mode': 'native', 'enable-policy': 'never' })],
    },
    want: { name: 'cilium', version: '1.16.1', mode: 'native routing', enforcesNetworkPolicy: false, flowSources: ['probe'], podCIDRs: ['10.244.0.0/24'] },
    details: { hubble: 'disabled', 'policy-enforcement': 'never' },
  },
  {
    name: 'Calico with IPIP, version with AdminNetworkPolicy',
    in: {
      daemonSets: [ds('calico-system', 'calico-node', [{ name: 'calico-node', image: 'docker.io/calico/node:v3.29.1', env: [{ name: 'CALICO_IPV4POOL_IPIP', value: 'Always' }, { name: 'CALICO_IPV4POOL_CIDR', value: '192.168.0.0/16' }] }])],
      apiGroups: ['crd.projectcalico.org'],
    },
    want: { name: 'calico', version: '3.29.1', mode: 'overlay (ipip)', enforcesNetworkPolicy: true, podCIDRs: ['192.168.0.0/16'], policyKinds: ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy', 'AdminNetworkPolicy'] },
  },
  {
    name: 'Calico BGP without overlay',
    in: { daemonSets: [ds('kube-system', 'calico-node', [{ name: 'calico-node', image: 'quay.io/calico/node:v3.27.0', env: [{ name: 'CALICO_IPV4POOL_IPIP', value: 'Never' }] }])] },
    want: { name: 'calico', mode: 'native routing (BGP)', policyKinds: ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy'] },
  },
  {
    name: 'Canal (Calico policy over Flannel)',
    in: { daemonSets: [ds('kube-system', 'canal', [{ name: 'calico-node', image: 'calico/node:v3.30.0' }, { name: 'kube-flannel', image: 'flannel/flannel:v0.25.1' }])] },
    want: { name: 'canal', version: '3.30.0', mode: 'overlay (vxlan, flannel)', enforcesNetworkPolicy: true },
    details: { networking: 'flannel', 'policy-engine': 'calico' },
  },
  {
    name: 'Flannel vxlan (no policy engine)',
    in: {
      daemonSets: [ds('kube-flannel', 'kube-flannel-ds', [{ name: 'kube-flannel', image: 'ghcr.io/flannel-io/flannel:v0.26.1' }])],
      configMaps: [cm('kube-flannel-cfg', { 'net-conf.json': '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}' })],
    },
    want: { name: 'flannel', version: '0.26.1', mode: 'overlay (vxlan)', enforcesNetworkPolicy: false, policyKinds: [], podCIDRs: ['10.244.0.0/16'] },
  },
  {
    name: 'Flannel host-gw from node annotations on k3s (embedded policy controller)',
    in: { nodes: [node('k3s-1', { 'node.kubernetes.io/instance-type': 'k3s' }, { 'flannel.alpha.coreos.com/backend-type': 'host-gw', 'k3s.io/node-args': '["server"]' })] },
    want: { name: 'flannel', mode: 'native routing (host-gw)', enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy'] },
  },
  {
    name: 'Weave Net with weave-npc',
    in: { daemonSets: [ds('kube-system', 'weave-net', [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }, { name: 'weave-npc', image: 'weaveworks/weave-npc:2.8.1' }])] },
    want: { name: 'weave', version: '2.8.1', enforcesNetworkPolicy: true, mode: 'overlay (fastdp/sleeve)' },
  },
  {
    name: 'Weave Net without its policy controller',
    in: { daemonSets: [ds('kube-system', 'weave-net', [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }])] },
    want: { name: 'weave', enforcesNetworkPolicy: false, policyKinds: [] },
  },
  {
    name: 'Antrea noEncap',
    in: {
      daemonSets: [ds('kube-system', 'antrea-agent', [{ name: 'antrea-agent', image: 'antrea/antrea-agent-ubuntu:v2.2.0' }])],
      configMaps: [cm('antrea-config', { 'antrea-agent.conf': 'featureGates: {}\ntrafficEncapMode: noEncap\n' })],
    },
    want: { name: 'antrea', version: '2.2.0', mode: 'native routing', enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
  },
  {
    name: 'kube-router with firewall',
    in: { daemonSets: [ds('kube-system', 'kube-router', [{ name: 'kube-router', image: 'docker.io/cloudnativelabs/kube-router:v2.4.1', args: ['--run-router=true', '--run-firewall=true'] }])] },
    want: { name: 'kube-router', version: '2.4.1', mode: 'native routing (BGP)', enforcesNetworkPolicy: true },
  },
  {
    name: 'kube-router routing only',
    in: { daemonSets: [ds('kube-system', 'kube-router', [{ name: 'kube-router', image: 'cloudnativelabs/kube-router:v2.1.0', args: ['--run-firewall=false'] }])] },
    want: { name: 'kube-router', enforcesNetworkPolicy: false, policyKinds: [] },
  },
  {
    name: 'OVN-Kubernetes with node subnets',
    in: {
      daemonSets: [ds('ovn-kubernetes', 'ovnkube-node', [{ name: 'ovnkube-controller', image: 'ghcr.io/ovn-org/ovn-kubernetes/ovn-kube-ubuntu:v1.0.0' }])],
      nodes: [node('n1', {}, { 'k8s.ovn.org/node-subnets': '{"default":["10.128.0.0/23"]}' })],
    },
    want: { name: 'ovn-kubernetes', mode: 'overlay (geneve)', podCIDRs: ['10.128.0.0/23'], policyKinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
  },
  {
    name: 'AWS VPC CNI with its network policy agent enabled',
    in: {
      daemonSets: [ds('kube-system', 'aws-node', [
        { name: 'aws-node', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1' },
        { name: 'aws-network-policy-agent', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.6', args: ['--enable-network-policy=true'] },
      ])],
    },
    want: { name: 'aws-vpc-cni', version: '1.19.2-eksbuild.1', mode: 'native (VPC IPs)', enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy'] },
    details: { 'network-policy-agent': 'enabled', 'policy-engine': 'aws-network-policy-agent' },
  },
  {
    name: 'AWS VPC CNI without a policy engine',
    in: { daemonSets: [ds('kube-system', 'aws-node', [{ name: 'aws-node', image: 'amazon-k8s-cni:v1.18.0' }])] },
    want: { name: 'aws-vpc-cni', enforcesNetworkPolicy: false, policyKinds: [] },
  },
  {
    name: 'AWS VPC CNI with Calico for policy',
    in: { daemonSets: [ds('kube-system', 'aws-node', [{ name: 'aws-node', image: 'amazon-k8s-cni:v1.18.0' }]), ds('calico-system', 'calico-node', [{ name: 'calico-node', image: 'calico/node:v3.28.0' }])] },
    want: { name: 'aws-vpc-cni', enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy'] },
    details: { 'policy-engine': 'calico' },
  },
  {
    name: 'Azure CNI powered by Cilium (overlay)',
    in: {
      daemonSets: [ds('kube-system', 'azure-cns', [{ name: 'cns', image: 'mcr.microsoft.com/containernetworking/azure-cns:v1.6.0' }]), ds('kube-system', 'cilium', [{ name: 'cilium-agent', image: 'mcr.microsoft.com/oss/cilium/cilium:1.16.6' }])],
      nodes: [node('aks-1', { 'kubernetes.azure.com/azure-cni-overlay': 'true', 'kubernetes.azure.com/ebpf-dataplane': 'cilium' })],
    },
    want: { name: 'azure-cni', version: '1.6.0', mode: 'overlay (Azure CNI Overlay)', enforcesNetworkPolicy: true },
    details: { 'policy-engine': 'cilium', 'policy-engine-version': '1.16.6' },
  },
  {
    name: 'Azure CNI with Azure NPM',
    in: { daemonSets: [ds('kube-system', 'azure-cns', [{ name: 'cns', image: 'azure-cns:v1.5.0' }]), ds('kube-system', 'azure-npm', [{ name: 'azure-npm', image: 'azure-npm:v1.5.0' }])] },
    want: { name: 'azure-cni', mode: 'native (VNet IPs)', enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy'] },
    details: { 'policy-engine': 'azure-npm' },
  },
  {
    name: 'Azure CNI without network policy',
    in: { daemonSets: [ds('kube-system', 'azure-cns', [{ name: 'cns', image: 'azure-cns:v1.5.0' }])] },
    want: { name: 'azure-cni', enforcesNetworkPolicy: false },
    details: { 'policy-engine': 'none' },
  },
  {
    name: 'GKE Dataplane V2 (anetd) with observability relay',
    in: {
      daemonSets: [ds('kube-system', 'anetd', [{ name: 'cilium-agent', image: 'gke.gcr.io/cilium/cilium:v1.15.8-gke.1' }])],
      deployments: [dep('gke-managed-dpv2-observability', 'hubble-relay')],
    },
    want: { name: 'gke-dataplane-v2', mode: 'native routing', enforcesNetworkPolicy: true, flowSources: ['hubble', 'probe'], policyKinds: ['NetworkPolicy'] },
  },
  {
    name: 'Cilium known only from its API group (user cannot read kube-system)',
    in: { apiGroups: ['apps', 'cilium.io'], nodes: [] },
    want: { name: 'cilium', mode: 'unknown', evidence: ['API group cilium.io is served (CRDs)'] },
    details: { confidence: 'low: its DaemonSet could not be read' },
  },
  {
    name: 'Calico known only from node annotations',
    in: { nodes: [node('n1', {}, { 'projectcalico.org/IPv4Address': '10.0.0.1/24' })] },
    want: { name: 'calico', evidence: ['node n1 has projectcalico.org/IPv4Address'] },
  },
  {
    name: 'nothing recognisable',
    in: { daemonSets: [ds('kube-system', 'kube-proxy', [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.34.0' }])] },
    want: { name: 'unknown', enforcesNetworkPolicy: 'unknown', podCIDRs: ['10.244.0.0/24'] },
  },
  {
    name: 'Calico 3.30 with Goldmane: a flow source',
    in: {
      daemonSets: [ds('calico-system', 'calico-node', [{ name: 'calico-node', image: 'docker.io/calico/node:v3.30.2', env: [{ name: 'CALICO_IPV4POOL_VXLAN', value: 'Always' }] }])],
      deployments: [dep('calico-system', 'goldmane'), dep('calico-system', 'whisker')],
      apiGroups: ['crd.projectcalico.org'],
    },
    want: { name: 'calico', version: '3.30.2', flowSources: ['goldmane', 'probe'] },
    details: { 'flow-logs': 'calico-system/goldmane', goldmane: 'calico-system/goldmane' },
  },
];

describe('detectRoadBuilder', () => {
  it.each(cases)('$name', (c) => {
    const rb = detectRoadBuilder(inputs(c.in));
    expect(rb).toMatchObject(c.want);
    if (c.details) expect(rb.details).toMatchObject(c.details);
    expect(rb.evidence.length).toBeGreaterThan(0);
  });

  it.each([
    ['quay.io/cilium/cilium:v1.18.4@sha256:abc', '1.18.4'],
    ['localhost:5000/calico/node:v3.28.0', '3.28.0'],
    ['localhost:5000/calico/node', undefined],
    ['img:latest', undefined],
  ])('imageVersion(%s) = %s', (image, want) => {
    expect(imageVersion(image)).toBe(want);
  });
});

describe('roadBuilderFindings', () => {
  const policies = (kinds: PolicyKind[]) => kinds.map((kind) => ({ kind }));
  const flannel = detectRoadBuilder(inputs(cases.find((c) => c.want.name === 'flannel')!.in));

  it('says Flannel does not enforce NetworkPolicy, with the number of policies', () => {
    const f = roadBuilderFindings(flannel, policies(Array(7).fill('NetworkPolicy')));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'cni-not-enforcing', severity: 'critical', title: 'Flannel does not enforce NetworkPolicy: 7 policies in this cluster have no effect' });
  });

  it('names policy kinds the road builder does not understand', () => {
    const calico = detectRoadBuilder(inputs(cases[3].in));
    const f = roadBuilderFindings(calico, policies(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumNetworkPolicy', 'AdminNetworkPolicy']));
    expect(f.map((x) => x.title)).toEqual([
      'Calico does not enforce CiliumNetworkPolicy: 2 policies of that kind have no effect',
      'Calico does not enforce AdminNetworkPolicy: 1 policy of that kind has no effect',
    ]);
  });

  it('is silent without policies, and says "unknown" when the CNI is not known', () => {
    expect(roadBuilderFindings(flannel, [])).toEqual([]);
    const unknown = detectRoadBuilder(inputs({}));
    expect(roadBuilderFindings(unknown, policies(['NetworkPolicy']))[0].kind).toBe('cni-unknown');
  });
});
