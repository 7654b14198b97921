/**
 * Which CNI plugin ("road builder") runs the cluster's network, from what the API shows:
 * DaemonSets, Deployments, kube-system ConfigMaps, API groups (CRDs) and node labels and
 * annotations. Pure: the inputs are plain API objects. Each detector says how it knows
 * (evidence), whether policies are enforced, which policy kinds it understands and which flow
 * sources it offers.
 */
import type { Finding, PolicyKind, PolicyObject, RoadBuilder, RoadBuilderName } from '../model/types.js';

type Obj = Record<string, any>;

export interface CniInputs {
  daemonSets: Obj[];
  deployments: Obj[];
  /** ConfigMaps from kube-system (and the CNI's own namespace when readable). */
  configMaps: Obj[];
  apiGroups: string[];
  nodes: { name: string; labels: Record<string, string>; annotations: Record<string, string>; podCIDRs: string[] }[];
}

const DISPLAY: Record<RoadBuilderName, string> = {
  cilium: 'Cilium',
  calico: 'Calico',
  canal: 'Canal',
  flannel: 'Flannel',
  weave: 'Weave Net',
  antrea: 'Antrea',
  'kube-router': 'kube-router',
  'ovn-kubernetes': 'OVN-Kubernetes',
  'aws-vpc-cni': 'AWS VPC CNI',
  'azure-cni': 'Azure CNI',
  'gke-dataplane-v2': 'GKE Dataplane V2',
  unknown: 'Unknown CNI',
};
export const roadBuilderLabel = (name: RoadBuilderName): string => DISPLAY[name];

interface Container {
  name: string;
  image: string;
  args: string[];
  env: Record<string, string>;
}

function containersOf(o: Obj): Container[] {
  const spec = o.spec?.template?.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c: Obj) => ({
    name: String(c.name ?? ''),
    image: String(c.image ?? ''),
    args: [...(c.command ?? []), ...(c.args ?? [])].map(String),
    env: Object.fromEntries((c.env ?? []).filter((e: Obj) => typeof e.value === 'string').map((e: Obj) => [e.name, e.value])),
  }));
}

/** "quay.io/cilium/cilium:v1.18.4@sha256:..." -> "1.18.4" */
export function imageVersion(image: string): string | undefined {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const tag = noDigest.slice(colon + 1);
  const m = tag.match(/^v?(\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?)/);
  return m ? m[1] : undefined;
}

const where = (o: Obj): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const byName = (list: Obj[], ...names: string[]): Obj | undefined => list.find((o) => names.includes(o.metadata?.name));
const imageMatching = (o: Obj | undefined, re: RegExp): Container | undefined => (o ? containersOf(o).find((c) => re.test(c.image)) : undefined);
const argValue = (args: string[], flag: string): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1] ?? 'true';
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
};
const versionAtLeast = (v: string | undefined, major: number, minor: number): boolean => {
  if (!v) return false;
  const [a, b] = v.split('.').map((x) => parseInt(x, 10));
  return a > major || (a === major && b >= minor);
};

function base(name: RoadBuilderName, overrides: Partial<RoadBuilder>): RoadBuilder {
  return { name, enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy'], flowSources: ['probe'], details: {}, evidence: [], ...overrides };
}

function cilium(inp: CniInputs, ds: Obj, name: RoadBuilderName = 'cilium'): RoadBuilder {
  const c = imageMatching(ds, /cilium/) ?? containersOf(ds)[0];
  const cfg = byName(inp.configMaps, 'cilium-config')?.data ?? {};
  const evidence = [`DaemonSet ${where(ds)} (image ${c?.image ?? '?'})`];
  const details: Record<string, string> = {};
  const hubble = cfg['enable-hubble'] === 'true';
  const relay = inp.deployments.find((d) => d.metadata?.name === 'hubble-relay');
  if (Object.keys(cfg).length) evidence.push('ConfigMap cilium-config');
  details.hubble = hubble ? 'enabled' : cfg['enable-hubble'] === undefined ? 'unknown' : 'disabled';
  if (relay) {
    details['hubble-relay'] = where(relay);
    evidence.push(`Deployment ${where(relay)}`);
  }
  if (cfg['kube-proxy-replacement'] !== undefined) details['kube-proxy-replacement'] = cfg['kube-proxy-replacement'];
  const enforcement = cfg['enable-policy'] ?? 'default';
  details['policy-enforcement'] = enforcement;
  if (cfg.ipam) details.ipam = cfg.ipam;
  const routing = cfg['routing-mode'] ?? (cfg.tunnel === 'disabled' ? 'native' : undefined);
  const tunnel = cfg['tunnel-protocol'] ?? (cfg.tunnel && cfg.tunnel !== 'disabled' ? cfg.tunnel : undefined);
  const mode = routing === 'native' ? 'native routing' : `overlay (${tunnel ?? 'vxlan'})`;
  const cidr = cfg['cluster-pool-ipv4-cidr'];
  return base(name, {
    version: c ? imageVersion(c.image) : undefined,
    mode,
    enforcesNetworkPolicy: enforcement !== 'never',
    policyKinds: ['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'],
    flowSources: hubble || relay ? ['hubble', 'probe'] : ['probe'],
    details,
    evidence,
    ...(cidr ? { podCIDRs: String(cidr).split(/[\s,]+/).filter(Boolean) } : {}),
  });
}

function calicoKinds(version: string | undefined): PolicyKind[] {
  const kinds: PolicyKind[] = ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy'];
  // AdminNetworkPolicy since Calico 3.29, BaselineAdminNetworkPolicy since 3.30.
  if (versionAtLeast(version, 3, 29)) kinds.push('AdminNetworkPolicy');
  if (versionAtLeast(version, 3, 30)) kinds.push('BaselineAdminNetworkPolicy');
  return kinds;
}

function calicoMode(env: Record<string, string>, cfg: Record<string, string>): string {
  if (env.CALICO_IPV4POOL_VXLAN && env.CALICO_IPV4POOL_VXLAN !== 'Never') return `overlay (vxlan${env.CALICO_IPV4POOL_VXLAN === 'CrossSubnet' ? ', cross-subnet' : ''})`;
  if (env.CALICO_IPV4POOL_IPIP && env.CALICO_IPV4POOL_IPIP !== 'Never') return `overlay (ipip${env.CALICO_IPV4POOL_IPIP === 'CrossSubnet' ? ', cross-subnet' : ''})`;
  if (cfg.calico_backend === 'vxlan') return 'overlay (vxlan)';
  if (env.CALICO_IPV4POOL_IPIP === 'Never' || cfg.calico_backend === 'bird') return 'native routing (BGP)';
  return 'unknown';
}

type Detector = (inp: CniInputs) => RoadBuilder | undefined;

/** In order: managed dataplanes first (they reuse Cilium/Calico images), then the plugins. */
const DETECTORS: Detector[] = [
  // GKE Dataplane V2: Cilium-based, run as the anetd DaemonSet.
  (inp) => {
    const ds = byName(inp.daemonSets, 'anetd');
    if (!ds) return undefined;
    const rb = cilium(inp, ds, 'gke-dataplane-v2');
    const relay = inp.deployments.find((d) => d.metadata?.name === 'hubble-relay');
    return { ...rb, mode: 'native routing', flowSources: relay ? ['hubble', 'probe'] : ['probe'], policyKinds: ['NetworkPolicy'] };
  },
  // Azure CNI (AKS): azure-cns; policies by Cilium (Azure CNI powered by Cilium) or Azure NPM, or none.
  (inp) => {
    const cns = byName(inp.daemonSets, 'azure-cns', 'azure-cns-win');
    const azureLabels = inp.nodes.find((n) => Object.keys(n.labels).some((k) => k.startsWith('kubernetes.azure.com/')));
    if (!cns && !(azureLabels && byName(inp.daemonSets, 'azure-npm', 'cilium'))) return undefined;
    const evidence = cns ? [`DaemonSet ${where(cns)}`] : [`node ${azureLabels!.name} has kubernetes.azure.com labels`];
    const overlay = inp.nodes.some((n) => n.labels['kubernetes.azure.com/azure-cni-overlay'] === 'true');
    const mode = overlay ? 'overlay (Azure CNI Overlay)' : 'native (VNet IPs)';
    const ciliumDs = byName(inp.daemonSets, 'cilium');
    if (ciliumDs) {
      const rb = cilium(inp, ciliumDs, 'azure-cni');
      return { ...rb, mode, details: { ...rb.details, 'policy-engine': 'cilium' }, evidence: [...evidence, ...rb.evidence] };
    }
    const npm = byName(inp.daemonSets, 'azure-npm');
    if (npm) return base('azure-cni', { mode, details: { 'policy-engine': 'azure-npm' }, evidence: [...evidence, `DaemonSet ${where(npm)}`] });
    return base('azure-cni', { mode, enforcesNetworkPolicy: false, policyKinds: [], details: { 'policy-engine': 'none' }, evidence });
  },
  // AWS VPC CNI (EKS): aws-node; policies by its network policy agent, or by Calico next to it.
  (inp) => {
    const ds = byName(inp.daemonSets, 'aws-node');
    if (!ds) return undefined;
    const cs = containersOf(ds);
    const cni = cs.find((c) => /amazon-k8s-cni/.test(c.image)) ?? cs[0];
    const agent = cs.find((c) => c.name === 'aws-network-policy-agent' || /network-policy-agent/.test(c.image));
    const cm = byName(inp.configMaps, 'amazon-vpc-cni')?.data ?? {};
    const agentOn = Boolean(agent) && (argValue(agent!.args, '--enable-network-policy') === 'true' || cm['enable-network-policy-controller'] === 'true');
    const calico = byName(inp.daemonSets, 'calico-node');
    const evidence = [`DaemonSet ${where(ds)} (image ${cni?.image ?? '?'})`];
    const details: Record<string, string> = {};
    if (agent) {
      details['network-policy-agent'] = agentOn ? 'enabled' : 'installed, disabled';
      evidence.push(`container ${agent.name} in ${where(ds)}`);
    }
    if (calico) {
      details['policy-engine'] = 'calico';
      evidence.push(`DaemonSet ${where(calico)}`);
    } else if (agentOn) details['policy-engine'] = 'aws-network-policy-agent';
    const calicoVersion = calico ? imageVersion(imageMatching(calico, /calico\/node|node:/)?.image ?? '') : undefined;
    return base('aws-vpc-cni', {
      version: cni ? imageVersion(cni.image) : undefined,
      mode: 'native (VPC IPs)',
      enforcesNetworkPolicy: agentOn || Boolean(calico),
      policyKinds: calico ? calicoKinds(calicoVersion) : agentOn ? ['NetworkPolicy'] : [],
      details,
      evidence,
    });
  },
  // Canal: Calico policy over Flannel networking.
  (inp) => {
    const ds = byName(inp.daemonSets, 'canal');
    if (!ds) return undefined;
    const node = imageMatching(ds, /calico\/node|calico-node|\/node:/);
    const version = node ? imageVersion(node.image) : undefined;
    return base('canal', {
      version,
      mode: 'overlay (vxlan, flannel)',
      policyKinds: calicoKinds(version),
      details: { networking: 'flannel', 'policy-engine': 'calico' },
      evidence: [`DaemonSet ${where(ds)}`],
    });
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'cilium');
    return ds ? cilium(inp, ds) : undefined;
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'calico-node');
    if (!ds) return undefined;
    const c = imageMatching(ds, /calico\/node|\/node:/) ?? containersOf(ds)[0];
    const version = c ? imageVersion(c.image) : undefined;
    const cfg = byName(inp.configMaps, 'calico-config')?.data ?? {};
    const env = c?.env ?? {};
    const evidence = [`DaemonSet ${where(ds)} (image ${c?.image ?? '?'})`];
    if (inp.apiGroups.includes('crd.projectcalico.org')) evidence.push('API group crd.projectcalico.org');
    const flowLogs = inp.deployments.find((d) => ['goldmane', 'whisker'].includes(d.metadata?.name));
    const details: Record<string, string> = {};
    if (flowLogs) details['flow-logs'] = where(flowLogs);
    return base('calico', {
      version,
      mode: calicoMode(env, cfg),
      policyKinds: calicoKinds(version),
      details,
      evidence,
      ...(env.CALICO_IPV4POOL_CIDR ? { podCIDRs: [env.CALICO_IPV4POOL_CIDR] } : {}),
    });
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'antrea-agent');
    if (!ds) return undefined;
    const c = imageMatching(ds, /antrea/) ?? containersOf(ds)[0];
    const conf = String(byName(inp.configMaps, 'antrea-config')?.data?.['antrea-agent.conf'] ?? '');
    const encap = conf.match(/^\s*trafficEncapMode:\s*["']?(\w+)/m)?.[1] ?? 'encap';
    const tunnel = conf.match(/^\s*tunnelType:\s*["']?(\w+)/m)?.[1] ?? 'geneve';
    const mode = encap === 'noEncap' ? 'native routing' : encap === 'hybrid' ? `hybrid (${tunnel})` : encap === 'networkPolicyOnly' ? 'policy only (chained)' : `overlay (${tunnel})`;
    return base('antrea', {
      version: c ? imageVersion(c.image) : undefined,
      mode,
      policyKinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'],
      details: { 'traffic-encap-mode': encap },
      evidence: [`DaemonSet ${where(ds)} (image ${c?.image ?? '?'})`, ...(conf ? ['ConfigMap antrea-config'] : [])],
    });
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'ovnkube-node');
    if (!ds) return undefined;
    const c = containersOf(ds)[0];
    const podCIDRs = new Set<string>();
    for (const n of inp.nodes) {
      const raw = n.annotations['k8s.ovn.org/node-subnets'];
      if (!raw) continue;
      try {
        const parsed = JSON.parse(raw) as Record<string, string | string[]>;
        for (const v of Object.values(parsed)) for (const cidr of Array.isArray(v) ? v : [v]) podCIDRs.add(cidr);
      } catch {
        // malformed annotation: fall back to node podCIDRs
      }
    }
    return base('ovn-kubernetes', {
      version: c ? imageVersion(c.image) : undefined,
      mode: 'overlay (geneve)',
      policyKinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'],
      evidence: [`DaemonSet ${where(ds)}`],
      ...(podCIDRs.size ? { podCIDRs: [...podCIDRs] } : {}),
    });
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'weave-net');
    if (!ds) return undefined;
    const cs = containersOf(ds);
    const weave = cs.find((c) => /weave-kube|\/weave:/.test(c.image)) ?? cs[0];
    const npc = cs.find((c) => c.name === 'weave-npc' || /weave-npc/.test(c.image));
    return base('weave', {
      version: weave ? imageVersion(weave.image) : undefined,
      mode: 'overlay (fastdp/sleeve)',
      enforcesNetworkPolicy: Boolean(npc),
      policyKinds: npc ? ['NetworkPolicy'] : [],
      details: { 'network-policy-controller': npc ? 'weave-npc' : 'absent' },
      evidence: [`DaemonSet ${where(ds)}`],
    });
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'kube-router');
    if (!ds) return undefined;
    const c = imageMatching(ds, /kube-router/) ?? containersOf(ds)[0];
    const args = c?.args ?? [];
    const firewall = argValue(args, '--run-firewall') !== 'false';
    const router = argValue(args, '--run-router') !== 'false';
    return base('kube-router', {
      version: c ? imageVersion(c.image) : undefined,
      mode: router ? 'native routing (BGP)' : 'unknown',
      enforcesNetworkPolicy: firewall,
      policyKinds: firewall ? ['NetworkPolicy'] : [],
      details: { 'run-firewall': String(firewall), 'run-router': String(router), ...(argValue(args, '--run-service-proxy') === 'true' ? { 'service-proxy': 'ipvs' } : {}) },
      evidence: [`DaemonSet ${where(ds)}`],
    });
  },
  (inp) => {
    const ds = byName(inp.daemonSets, 'kube-flannel-ds', 'kube-flannel', 'flannel');
    const annotated = inp.nodes.find((n) => n.annotations['flannel.alpha.coreos.com/backend-type']);
    if (!ds && !annotated) return undefined;
    const c = ds ? (imageMatching(ds, /flannel/) ?? containersOf(ds)[0]) : undefined;
    const netConf = String(byName(inp.configMaps, 'kube-flannel-cfg')?.data?.['net-conf.json'] ?? '');
    let backend = annotated?.annotations['flannel.alpha.coreos.com/backend-type'];
    let network: string | undefined;
    try {
      const parsed = netConf ? (JSON.parse(netConf) as { Network?: string; Backend?: { Type?: string } }) : {};
      backend = parsed.Backend?.Type ?? backend;
      network = parsed.Network;
    } catch {
      // a hand-edited net-conf.json: keep what the nodes say
    }
    const mode = backend === 'host-gw' ? 'native routing (host-gw)' : `overlay (${backend ?? 'vxlan'})`;
    const evidence = ds ? [`DaemonSet ${where(ds)} (image ${c?.image ?? '?'})`] : [`node ${annotated!.name} annotated flannel.alpha.coreos.com/backend-type`];
    // k3s embeds flannel and kube-router's policy controller unless started with --disable-network-policy.
    const k3s = inp.nodes.find((n) => n.annotations['k3s.io/node-args'] !== undefined || /k3s/.test(n.labels['node.kubernetes.io/instance-type'] ?? ''));
    const k3sPolicies = Boolean(k3s) && !ds && !/disable-network-policy/.test(k3s!.annotations['k3s.io/node-args'] ?? '');
    if (k3sPolicies) evidence.push(`node ${k3s!.name} runs k3s (embedded network policy controller)`);
    return base('flannel', {
      version: c ? imageVersion(c.image) : undefined,
      mode,
      enforcesNetworkPolicy: k3sPolicies,
      policyKinds: k3sPolicies ? ['NetworkPolicy'] : [],
      details: k3sPolicies ? { 'policy-engine': 'k3s (kube-router)' } : {},
      evidence,
      ...(network ? { podCIDRs: [network] } : {}),
    });
  },
  // Last resort, e.g. for a user who may not read kube-system: API groups (CRDs) and node annotations.
  (inp) => {
    const hint = (group: string, annotation: RegExp): string | undefined => {
      if (inp.apiGroups.includes(group)) return `API group ${group} is served (CRDs)`;
      const n = inp.nodes.find((x) => Object.keys(x.annotations).some((k) => annotation.test(k)));
      return n ? `node ${n.name} has ${Object.keys(n.annotations).find((k) => annotation.test(k))}` : undefined;
    };
    const table: [RoadBuilderName, string, RegExp, PolicyKind[]][] = [
      ['cilium', 'cilium.io', /^(io\.cilium|network\.cilium\.io)\//, ['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']],
      ['calico', 'crd.projectcalico.org', /^projectcalico\.org\//, ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy']],
      ['antrea', 'crd.antrea.io', /^antrea\.io\//, ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']],
      ['ovn-kubernetes', 'k8s.ovn.org', /^k8s\.ovn\.org\//, ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']],
    ];
    for (const [name, group, annotation, policyKinds] of table) {
      const why = hint(group, annotation);
      if (why)
        return base(name, {
          mode: 'unknown',
          policyKinds,
          details: { confidence: 'low: its DaemonSet could not be read' },
          evidence: [why],
        });
    }
    return undefined;
  },
];

/** The road builder of a cluster; 'unknown' (enforcement unknown) when nothing matches. */
export function detectRoadBuilder(inp: CniInputs): RoadBuilder {
  for (const d of DETECTORS) {
    const rb = d(inp);
    if (rb) {
      if (!rb.podCIDRs?.length) {
        const cidrs = [...new Set(inp.nodes.flatMap((n) => n.podCIDRs))];
        if (cidrs.length) rb.podCIDRs = cidrs;
      }
      if (!rb.version) delete rb.version;
      if (rb.podCIDRs && rb.podCIDRs.length === 0) delete rb.podCIDRs;
      return rb;
    }
  }
  const cidrs = [...new Set(inp.nodes.flatMap((n) => n.podCIDRs))];
  return {
    name: 'unknown',
    enforcesNetworkPolicy: 'unknown',
    policyKinds: ['NetworkPolicy'],
    flowSources: ['probe'],
    details: {},
    evidence: ['no known CNI DaemonSet found (it may live in a namespace this user cannot read)'],
    ...(cidrs.length ? { podCIDRs: cidrs } : {}),
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What the road builder means for the cluster's policies: not enforced, kinds it does not understand, unknown. */
export function roadBuilderFindings(rb: RoadBuilder, policies: Pick<PolicyObject, 'kind'>[]): Finding[] {
  const label = DISPLAY[rb.name];
  const findings: Finding[] = [];
  if (policies.length === 0) return findings;
  if (rb.enforcesNetworkPolicy === false) {
    findings.push({
      id: `cni-not-enforcing:${rb.name}`,
      severity: 'critical',
      kind: 'cni-not-enforcing',
      title: `${label} does not enforce NetworkPolicy: ${plural(policies.length, 'policy', 'policies')} in this cluster ${policies.length === 1 ? 'has' : 'have'} no effect`,
      detail: `${label} sets up pod networking but no policy engine was found (${rb.evidence.join('; ')}). Install a policy engine (e.g. Calico or Cilium in policy-only mode) or enable the plugin's policy agent; until then all traffic is allowed.`,
    });
    return findings;
  }
  if (rb.enforcesNetworkPolicy === 'unknown') {
    findings.push({
      id: 'cni-unknown',
      severity: 'info',
      kind: 'cni-unknown',
      title: `Unknown CNI: whether the ${plural(policies.length, 'policy', 'policies')} are enforced is not known`,
      detail: 'NetworkPolicy needs a CNI plugin that enforces it. Run the enforcement check to find out.',
    });
    return findings;
  }
  const counts = new Map<string, number>();
  for (const p of policies) if (!rb.policyKinds.includes(p.kind)) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  for (const [kind, n] of counts)
    findings.push({
      id: `policy-kind-unsupported:${kind}`,
      severity: 'warning',
      kind: 'policy-kind-unsupported',
      title: `${label} does not understand ${kind}: ${plural(n, 'policy', 'policies')} of that kind ${n === 1 ? 'has' : 'have'} no effect`,
      detail: `${label} enforces ${rb.policyKinds.join(', ') || 'no policy kinds'}. ${kind} objects are stored by the API server but nothing acts on them.`,
    });
  return findings;
}
