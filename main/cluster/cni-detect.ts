/**
 * Which CNI plugin ("road builder") runs the cluster's network, and which policy engine enforces
 * policies, from what the API shows: DaemonSets, Deployments, ConfigMaps (in the CNI's own
 * namespace), API groups (CRDs), operator and Helm resources, and node labels and annotations.
 * Pure: the inputs are plain API objects, so a live cluster and a folder of manifests go through
 * the same code. Each answer says how it knows (evidence), whether policies are enforced, which
 * policy kinds are enforced and which flow sources it offers.
 */
import { createRequire } from 'node:module';
import { isEnforceablePolicy, ROAD_BUILDER_NAMES, type Finding, type PolicyKind, type PolicyObject, type RoadBuilder, type RoadBuilderName } from '../model/types.js';

type Obj = Record<string, any>;

/** `yaml` only for Helm values text (rare): loaded on first use, so `netcity analyze` does not pay its start-up. */
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export interface CniInputs {
  daemonSets: Obj[];
  deployments: Obj[];
  /** ConfigMaps from kube-system and from the CNI's own namespaces (see cniNamespaces). */
  configMaps: Obj[];
  apiGroups: string[];
  nodes: { name: string; labels: Record<string, string>; annotations: Record<string, string>; podCIDRs: string[] }[];
  /** Operator and Helm resources: tigera Installation, HelmChartConfig (k3s/RKE2), HelmRelease (Flux). */
  resources?: Obj[];
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
/** Policy engines that run beside a network plugin (details['policy-engine']). */
const ENGINE_DISPLAY: Record<string, string> = {
  cilium: 'Cilium',
  calico: 'Calico',
  antrea: 'Antrea',
  'kube-router': 'kube-router',
  'aws-network-policy-agent': 'AWS network policy agent',
  'azure-npm': 'Azure NPM',
  'k3s (kube-router)': "k3s's network policy controller",
};

/** "Flannel", "AWS VPC CNI + Cilium (chained)", "Azure CNI + Azure NPM". */
export function roadBuilderLabel(rb: Pick<RoadBuilder, 'name' | 'details'> | RoadBuilderName): string {
  const r = typeof rb === 'string' ? { name: rb, details: {} as Record<string, string> } : rb;
  const engine = ENGINE_DISPLAY[r.details['policy-engine'] ?? ''];
  if (!engine || r.name === 'canal' || r.details['policy-engine'] === r.name) return DISPLAY[r.name];
  const how = r.details['policy-engine-mode'];
  return `${DISPLAY[r.name]} + ${engine}${how ? ` (${how})` : ''}`;
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env: Record<string, string>;
}

/** The running containers only: init containers (install-cni, mount-bpffs...) exit before the plugin runs. */
function containersOf(o: Obj): Container[] {
  return (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => ({
    name: String(c.name ?? ''),
    image: String(c.image ?? ''),
    args: [...(c.command ?? []), ...(c.args ?? [])].map(String),
    env: Object.fromEntries((c.env ?? []).filter((e: Obj) => typeof e.value === 'string').map((e: Obj) => [e.name, e.value])),
  }));
}

/** The container playing a role: by its name, else by its image, else the first. */
function mainContainer(o: Obj | undefined, names: string[], image?: RegExp): Container | undefined {
  if (!o) return undefined;
  const cs = containersOf(o);
  return cs.find((c) => names.includes(c.name)) ?? (image && cs.find((c) => image.test(c.image))) ?? cs[0];
}

const ARCH = /-(amd64|arm64|arm|ppc64le|s390x)$/;

/** "quay.io/cilium/cilium:v1.18.4@sha256:..." -> "1.18.4"; "flannel:v0.11.0-amd64" -> "0.11.0". */
export function imageVersion(image: string): string | undefined {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const tag = noDigest.slice(colon + 1);
  const m = tag.match(/^v?(\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?)/);
  return m ? m[1].replace(ARCH, '') : undefined;
}

const where = (o: Obj): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
/** A DaemonSet whose status says it runs on no node (e.g. aws-node patched away for Cilium ENI). */
const unscheduled = (o: Obj): boolean => o.status?.desiredNumberScheduled === 0;
const named = (o: Obj, names: string[], prefixes: string[]): boolean => {
  const n = String(o.metadata?.name ?? '');
  return names.includes(n) || prefixes.some((p) => n.startsWith(p));
};

const argValue = (args: string[], flag: string): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1] === undefined || args[i + 1].startsWith('-') ? 'true' : args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
};
const versionAtLeast = (v: string | undefined, major: number, minor: number): boolean => {
  if (!v) return false;
  const [a, b] = v.split('.').map((x) => parseInt(x, 10));
  return a > major || (a === major && b >= minor);
};

/** Where a CNI's DaemonSets run: their namespaces hold its ConfigMaps (read them in live mode too). */
const CNI_DAEMONSETS: [string[], string[]][] = [
  [['cilium', 'anetd', 'kube-flannel-ds', 'kube-flannel', 'flannel', 'canal', 'calico-node', 'antrea-agent', 'weave-net', 'kube-router', 'ovnkube-node', 'aws-node'], ['kube-flannel-ds-', 'rke2-canal']],
];
export function cniNamespaces(daemonSets: Obj[]): string[] {
  const out = new Set<string>();
  for (const ds of daemonSets) if (CNI_DAEMONSETS.some(([n, p]) => named(ds, n, p)) && ds.metadata?.namespace) out.add(ds.metadata.namespace);
  return [...out].sort();
}

/** Looks things up in the inputs: scheduled DaemonSets by name, ConfigMaps in a namespace first. */
class View {
  constructor(readonly inp: CniInputs) {}
  /** The DaemonSet by exact name or name prefix, scheduled on some node. */
  ds(names: string[], prefixes: string[] = []): Obj | undefined {
    return this.inp.daemonSets.find((o) => named(o, names, prefixes) && !unscheduled(o));
  }
  /** The same, only when it runs on no node (for the evidence). */
  idle(names: string[]): Obj | undefined {
    return this.inp.daemonSets.find((o) => named(o, names, []) && unscheduled(o));
  }
  deployment(...names: string[]): Obj | undefined {
    return this.inp.deployments.find((o) => names.includes(o.metadata?.name));
  }
  /** A ConfigMap's data by name (or prefix with a trailing '-'), the one in `ns` first. */
  cm(name: string, ns?: string, prefix = false): { data: Record<string, string>; where?: string } {
    const match = (o: Obj) => (prefix ? String(o.metadata?.name ?? '').startsWith(name) : o.metadata?.name === name);
    const all = this.inp.configMaps.filter(match);
    const hit = all.find((o) => o.metadata?.namespace === ns) ?? all[0];
    return hit ? { data: hit.data ?? {}, where: where(hit) } : { data: {} };
  }
  resource(kind: string, group: string): Obj | undefined {
    return (this.inp.resources ?? []).find((o) => o.kind === kind && String(o.apiVersion ?? '').startsWith(`${group}/`));
  }
}

function base(name: RoadBuilderName, overrides: Partial<RoadBuilder>): RoadBuilder {
  return { name, enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy'], flowSources: ['probe'], details: {}, evidence: [], ...overrides };
}

const CILIUM_KINDS: PolicyKind[] = ['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'];

function calicoKinds(version: string | undefined): PolicyKind[] {
  const kinds: PolicyKind[] = ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy'];
  // AdminNetworkPolicy since Calico 3.29, BaselineAdminNetworkPolicy since 3.30.
  if (versionAtLeast(version, 3, 29)) kinds.push('AdminNetworkPolicy');
  if (versionAtLeast(version, 3, 30)) kinds.push('BaselineAdminNetworkPolicy');
  return kinds;
}

/** What a policy engine adds to a road builder: its kinds, version and flow sources. */
interface Engine {
  name: string;
  version?: string;
  enforces: boolean;
  kinds: PolicyKind[];
  flowSources: string[];
  details: Record<string, string>;
  evidence: string[];
}

/** Cilium's settings (1.4–1.17 key names): from cilium-config in the agent's namespace, or a Helm values object. */
function ciliumFacts(v: View, ds: Obj | undefined, values?: Obj) {
  const c = mainContainer(ds, ['cilium-agent'], /cilium/);
  const cm = v.cm('cilium-config', ds?.metadata?.namespace);
  const cfg: Record<string, string> = { ...cm.data };
  if (values) {
    // Helm values (HelmChartConfig / HelmRelease): the keys that matter, in cilium-config's terms.
    const put = (k: string, x: unknown) => x !== undefined && x !== null && cfg[k] === undefined && (cfg[k] = String(x));
    put('enable-policy', values.policyEnforcementMode);
    put('cni-chaining-mode', values.cni?.chainingMode);
    put('ipam', values.ipam?.mode ?? (values.eni?.enabled ? 'eni' : undefined));
    put('routing-mode', values.routingMode ?? (values.tunnel === 'disabled' ? 'native' : undefined));
    put('tunnel-protocol', values.tunnelProtocol ?? (values.tunnel && values.tunnel !== 'disabled' ? values.tunnel : undefined));
    put('enable-hubble', values.hubble?.enabled);
    put('kube-proxy-replacement', values.kubeProxyReplacement);
  }
  const evidence: string[] = [];
  if (ds) evidence.push(`DaemonSet ${where(ds)} (container ${c?.name ?? '?'}, image ${c?.image ?? '?'})`);
  if (cm.where) evidence.push(`ConfigMap ${cm.where}`);
  const details: Record<string, string> = {};
  const hubble = cfg['enable-hubble'] === 'true';
  const relay = v.deployment('hubble-relay');
  details.hubble = hubble ? 'enabled' : cfg['enable-hubble'] === undefined ? 'unknown' : 'disabled';
  if (relay) {
    details['hubble-relay'] = where(relay);
    evidence.push(`Deployment ${where(relay)}`);
  }
  if (cfg['kube-proxy-replacement'] !== undefined) details['kube-proxy-replacement'] = cfg['kube-proxy-replacement'];
  const enforcement = cfg['enable-policy'] ?? 'default';
  details['policy-enforcement'] = enforcement;
  if (cfg.ipam) details.ipam = cfg.ipam;
  const chaining = cfg['cni-chaining-mode'] && cfg['cni-chaining-mode'] !== 'none' ? cfg['cni-chaining-mode'] : undefined;
  if (chaining) details['cni-chaining-mode'] = chaining;
  const routing = cfg['routing-mode'] ?? (cfg.tunnel === 'disabled' ? 'native' : undefined);
  const tunnel = cfg['tunnel-protocol'] ?? (cfg.tunnel && cfg.tunnel !== 'disabled' ? cfg.tunnel : undefined);
  const mode = cfg.ipam === 'eni' ? 'native (AWS ENI)' : routing === 'native' ? 'native routing' : `overlay (${tunnel ?? 'vxlan'})`;
  const cidr = cfg['cluster-pool-ipv4-cidr'];
  const engine: Engine = {
    name: 'cilium',
    version: c ? imageVersion(c.image) : undefined,
    enforces: enforcement !== 'never',
    kinds: enforcement !== 'never' ? CILIUM_KINDS : [],
    flowSources: hubble || relay ? ['hubble', 'probe'] : ['probe'],
    details,
    evidence,
  };
  return { engine, mode, chaining, ipam: cfg.ipam, podCIDRs: cidr ? String(cidr).split(/[\s,]+/).filter(Boolean) : undefined };
}

/** A Helm-managed Cilium declared in manifests: k3s/RKE2 HelmChartConfig or a Flux HelmRelease. */
function ciliumHelmValues(v: View): { values: Obj; evidence: string } | undefined {
  const hcc = (v.inp.resources ?? []).find((o) => o.kind === 'HelmChartConfig' && /cilium/.test(String(o.metadata?.name ?? '')));
  if (hcc) {
    let values: Obj = {};
    try {
      const parsed: unknown = hcc.spec?.valuesContent ? parseYaml(String(hcc.spec.valuesContent)) : {};
      if (parsed && typeof parsed === 'object') values = parsed as Obj;
    } catch {
      // unreadable values: the chart's defaults
    }
    return { values, evidence: `HelmChartConfig ${where(hcc)}` };
  }
  const hr = (v.inp.resources ?? []).find((o) => o.kind === 'HelmRelease' && (o.spec?.chart?.spec?.chart === 'cilium' || /cilium/.test(String(o.metadata?.name ?? ''))));
  if (hr) return { values: hr.spec?.values ?? {}, evidence: `HelmRelease ${where(hr)}${hr.spec?.chart?.spec?.version ? ` (chart ${hr.spec.chart.spec.version})` : ''}` };
  return undefined;
}

function calicoEngine(v: View, ds: Obj | undefined): Engine & { mode: string; podCIDRs?: string[] } {
  const c = mainContainer(ds, ['calico-node'], /calico\/node|\/node:/);
  const version = c ? imageVersion(c.image) : undefined;
  const cfg = v.cm('calico-config', ds?.metadata?.namespace).data;
  const env = c?.env ?? {};
  const inst = v.resource('Installation', 'operator.tigera.io');
  const evidence: string[] = [];
  if (ds) evidence.push(`DaemonSet ${where(ds)} (container ${c?.name ?? '?'}, image ${c?.image ?? '?'})`);
  if (inst) evidence.push(`Installation ${inst.metadata?.name ?? 'default'} (operator.tigera.io)`);
  if (v.inp.apiGroups.includes('crd.projectcalico.org')) evidence.push('API group crd.projectcalico.org');
  const operator = v.deployment('tigera-operator');
  if (operator) evidence.push(`Deployment ${where(operator)}`);
  const details: Record<string, string> = {};
  const flowLogs = v.deployment('goldmane', 'whisker');
  if (flowLogs) details['flow-logs'] = where(flowLogs);
  // Goldmane (Calico 3.30+) serves the flows Whisker shows: a flow source with Calico's policy trace.
  const goldmane = v.deployment('goldmane');
  if (goldmane) details.goldmane = where(goldmane);
  const typha = v.deployment('calico-typha');
  if (typha) details.typha = where(typha);
  const net = inst?.spec?.calicoNetwork ?? {};
  const bpf = env.FELIX_BPFENABLED === 'true' || net.linuxDataplane === 'BPF';
  if (bpf) details.dataplane = 'eBPF';
  const pool = (net.ipPools ?? [])[0] ?? {};
  let mode: string;
  const encap = String(pool.encapsulation ?? '');
  if (env.CALICO_NETWORKING_BACKEND === 'none' || cfg.calico_backend === 'none' || net.bgp === 'Disabled' && (encap === '' || encap === 'None')) mode = 'policy only';
  else if (encap) mode = /VXLAN/.test(encap) ? `overlay (vxlan${/CrossSubnet/.test(encap) ? ', cross-subnet' : ''})` : /IPIP/.test(encap) ? `overlay (ipip${/CrossSubnet/.test(encap) ? ', cross-subnet' : ''})` : 'native routing (BGP)';
  else if (env.CALICO_IPV4POOL_VXLAN && env.CALICO_IPV4POOL_VXLAN !== 'Never') mode = `overlay (vxlan${env.CALICO_IPV4POOL_VXLAN === 'CrossSubnet' ? ', cross-subnet' : ''})`;
  else if (env.CALICO_IPV4POOL_IPIP && env.CALICO_IPV4POOL_IPIP !== 'Never') mode = `overlay (ipip${env.CALICO_IPV4POOL_IPIP === 'CrossSubnet' ? ', cross-subnet' : ''})`;
  else if (cfg.calico_backend === 'vxlan') mode = 'overlay (vxlan)';
  else if (env.CALICO_IPV4POOL_IPIP === 'Never' || cfg.calico_backend === 'bird' || net.bgp === 'Enabled') mode = 'native routing (BGP)';
  else mode = 'unknown';
  if (bpf) mode = `${mode}, eBPF dataplane`;
  const cidr = env.CALICO_IPV4POOL_CIDR ?? pool.cidr;
  return { name: 'calico', version, enforces: true, kinds: calicoKinds(version), flowSources: goldmane ? ['goldmane', 'probe'] : ['probe'], details, evidence, mode, ...(cidr ? { podCIDRs: [String(cidr)] } : {}) };
}

function antreaFacts(v: View, ds: Obj) {
  const c = mainContainer(ds, ['antrea-agent'], /antrea/);
  const cm = v.cm('antrea-config', ds.metadata?.namespace, true);
  const conf = String(cm.data['antrea-agent.conf'] ?? '');
  const encap = conf.match(/^\s*trafficEncapMode:\s*["']?(\w+)/m)?.[1] ?? 'encap';
  const tunnel = conf.match(/^\s*tunnelType:\s*["']?(\w+)/m)?.[1] ?? 'geneve';
  const mode = encap === 'noEncap' ? 'native routing' : encap === 'hybrid' ? `hybrid (${tunnel})` : encap === 'networkPolicyOnly' ? 'policy only (chained)' : `overlay (${tunnel})`;
  const engine: Engine = {
    name: 'antrea',
    version: c ? imageVersion(c.image) : undefined,
    enforces: true,
    kinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'],
    flowSources: ['probe'],
    details: { 'traffic-encap-mode': encap },
    evidence: [`DaemonSet ${where(ds)} (container ${c?.name ?? '?'}, image ${c?.image ?? '?'})`, ...(cm.where ? [`ConfigMap ${cm.where}`] : [])],
  };
  return { engine, mode, policyOnly: encap === 'networkPolicyOnly' };
}

/** A network plugin with a separate policy engine (or none: enforcement false). */
function combine(name: RoadBuilderName, net: { version?: string; mode: string; evidence: string[]; details?: Record<string, string> }, engine: Engine | undefined, how?: string): RoadBuilder {
  const details: Record<string, string> = { ...(net.details ?? {}), ...(engine?.details ?? {}), 'policy-engine': engine?.name ?? 'none' };
  if (how) details['policy-engine-mode'] = how;
  if (engine?.version) details['policy-engine-version'] = engine.version;
  return base(name, {
    ...(net.version ? { version: net.version } : {}),
    mode: net.mode,
    enforcesNetworkPolicy: engine?.enforces ?? false,
    policyKinds: engine?.enforces ? engine.kinds : [],
    flowSources: engine?.flowSources ?? ['probe'],
    details,
    evidence: [...net.evidence, ...(engine?.evidence ?? [])],
  });
}

/** k3s: its embedded policy controller runs unless a server was started with --disable-network-policy. */
function k3sPolicy(inp: CniInputs): { enforces: boolean | 'unknown'; evidence: string } | undefined {
  const k3s = inp.nodes.filter((n) => n.annotations['k3s.io/node-args'] !== undefined);
  if (!k3s.length) return undefined;
  const args = (n: (typeof k3s)[number]): string[] => {
    try {
      const a = JSON.parse(n.annotations['k3s.io/node-args']);
      return Array.isArray(a) ? a.map(String) : [];
    } catch {
      return String(n.annotations['k3s.io/node-args']).split(/\s+/);
    }
  };
  const servers = k3s.filter((n) => args(n)[0] === 'server');
  const off = servers.find((n) => args(n).some((a) => a === '--disable-network-policy' || a === '--disable-network-policy=true'));
  if (off) return { enforces: false, evidence: `k3s server node ${off.name} runs with --disable-network-policy` };
  if (!servers.length) return { enforces: 'unknown', evidence: `k3s agent nodes only (${k3s.map((n) => n.name).join(', ')}): the servers' --disable-network-policy is not visible` };
  return { enforces: true, evidence: `k3s server node${servers.length > 1 ? 's' : ''} ${servers.map((n) => n.name).join(', ')} run the embedded network policy controller` };
}

type Detector = (v: View) => RoadBuilder | undefined;

/**
 * In order: managed dataplanes and networks that take a separate policy engine first (they reuse
 * Cilium/Calico images), then the plugins that are both network and policy engine.
 */
const DETECTORS: Detector[] = [
  // GKE Dataplane V2: Cilium-based, run as the anetd DaemonSet.
  (v) => {
    const ds = v.ds(['anetd']);
    if (!ds) return undefined;
    const f = ciliumFacts(v, ds);
    return base('gke-dataplane-v2', {
      version: f.engine.version,
      mode: 'native routing',
      enforcesNetworkPolicy: true,
      flowSources: f.engine.flowSources,
      details: f.engine.details,
      evidence: f.engine.evidence,
    });
  },
  // Azure CNI (AKS): azure-cns; policies by Cilium (Azure CNI powered by Cilium), Azure NPM, Calico, or none.
  (v) => {
    const cns = v.ds(['azure-cns', 'azure-cns-win']);
    const azureNode = v.inp.nodes.find((n) => Object.keys(n.labels).some((k) => k.startsWith('kubernetes.azure.com/')));
    const cilium = v.ds(['cilium']);
    const npm = v.ds(['azure-npm']);
    if (!cns && !(azureNode && (cilium || npm))) return undefined;
    const evidence = cns ? [`DaemonSet ${where(cns)}`] : [`node ${azureNode!.name} has kubernetes.azure.com labels`];
    const overlay = v.inp.nodes.some((n) => n.labels['kubernetes.azure.com/azure-cni-overlay'] === 'true');
    const net = { mode: overlay ? 'overlay (Azure CNI Overlay)' : 'native (VNet IPs)', evidence, version: cns ? imageVersion(mainContainer(cns, ['cns'])?.image ?? '') : undefined };
    if (cilium) {
      const f = ciliumFacts(v, cilium);
      return { ...combine('azure-cni', net, f.engine), ...(f.podCIDRs ? { podCIDRs: f.podCIDRs } : {}) };
    }
    if (npm) {
      const c = mainContainer(npm, ['azure-npm']);
      return combine('azure-cni', net, { name: 'azure-npm', version: imageVersion(c?.image ?? ''), enforces: true, kinds: ['NetworkPolicy'], flowSources: ['probe'], details: {}, evidence: [`DaemonSet ${where(npm)}`] });
    }
    const calico = v.ds(['calico-node']);
    if (calico || v.resource('Installation', 'operator.tigera.io')) return combine('azure-cni', net, calicoEngine(v, calico));
    return combine('azure-cni', net, undefined);
  },
  // AWS VPC CNI (EKS): aws-node; policies by Cilium (chained), Calico, Antrea (networkPolicyOnly) or the network policy agent.
  (v) => {
    const ds = v.ds(['aws-node']);
    if (!ds) return undefined;
    const cni = mainContainer(ds, ['aws-node'], /amazon-k8s-cni:/);
    const agent = containersOf(ds).find((c) => c.name === 'aws-eks-nodeagent' || c.name === 'aws-network-policy-agent' || /network-policy-agent/.test(c.image));
    const cm = v.cm('amazon-vpc-cni', ds.metadata?.namespace);
    const agentArg = agent ? argValue(agent.args, '--enable-network-policy') : undefined;
    const agentOn = Boolean(agent) && (agentArg === 'true' || (agentArg === undefined && cm.data['enable-network-policy-controller'] === 'true'));
    const net = {
      version: cni ? imageVersion(cni.image) : undefined,
      mode: 'native (VPC IPs)',
      evidence: [`DaemonSet ${where(ds)} (container ${cni?.name ?? '?'}, image ${cni?.image ?? '?'})`],
      details: (agent ? { 'network-policy-agent': agentOn ? 'enabled' : 'installed, disabled' } : {}) as Record<string, string>,
    };
    if (agent) net.evidence.push(`container ${agent.name} in ${where(ds)}${agentArg !== undefined ? ` (--enable-network-policy=${agentArg})` : ''}`);
    const cilium = v.ds(['cilium']);
    if (cilium) {
      const f = ciliumFacts(v, cilium);
      return combine('aws-vpc-cni', net, f.engine, f.chaining ? 'chained' : undefined);
    }
    const calico = v.ds(['calico-node']);
    if (calico || v.resource('Installation', 'operator.tigera.io')) return combine('aws-vpc-cni', net, calicoEngine(v, calico));
    const antrea = v.ds(['antrea-agent']);
    if (antrea) return combine('aws-vpc-cni', net, antreaFacts(v, antrea).engine, 'networkPolicyOnly');
    if (agentOn) return combine('aws-vpc-cni', net, { name: 'aws-network-policy-agent', version: imageVersion(agent!.image), enforces: true, kinds: ['NetworkPolicy'], flowSources: ['probe'], details: {}, evidence: [] });
    return combine('aws-vpc-cni', net, undefined);
  },
  // Canal (and RKE2's default rke2-canal): Calico policy over Flannel networking.
  (v) => {
    const ds = v.ds(['canal'], ['rke2-canal']);
    if (!ds) return undefined;
    const node = mainContainer(ds, ['calico-node'], /calico\/node|\/node:/);
    const flannel = containersOf(ds).find((c) => c.name === 'kube-flannel' || /flannel/.test(c.image));
    const version = node ? imageVersion(node.image) : undefined;
    const ns = ds.metadata?.namespace;
    const cfg = v.cm('canal-config', ns).data;
    const rke2 = v.cm('rke2-canal-config', ns).data;
    const netConf = String(cfg.net_conf ?? cfg['net-conf.json'] ?? rke2.net_conf ?? rke2['net-conf.json'] ?? '');
    const backend = netConf.match(/"Type"\s*:\s*"([\w-]+)"/)?.[1] ?? 'vxlan';
    const details: Record<string, string> = { networking: 'flannel', 'policy-engine': 'calico' };
    const fv = flannel ? imageVersion(flannel.image) : undefined;
    if (fv) details['flannel-version'] = fv;
    return base('canal', {
      version,
      mode: `overlay (${backend}, flannel)`,
      policyKinds: calicoKinds(version),
      details,
      evidence: [`DaemonSet ${where(ds)} (container ${node?.name ?? '?'}, image ${node?.image ?? '?'})`],
    });
  },
  // Cilium as the network (incl. ENI mode, where aws-node is scheduled on no node), or chained on another plugin.
  (v) => {
    const ds = v.ds(['cilium']);
    const helm = ds ? undefined : ciliumHelmValues(v);
    if (!ds && !helm) return undefined;
    const f = ciliumFacts(v, ds, helm?.values);
    if (helm) f.engine.evidence.push(helm.evidence);
    const idleAws = v.idle(['aws-node']);
    if (idleAws) f.engine.evidence.push(`DaemonSet ${where(idleAws)} is scheduled on no node`);
    const flannel = f.chaining ? v.ds(['kube-flannel-ds', 'kube-flannel', 'flannel'], ['kube-flannel-ds-']) : undefined;
    if (flannel) {
      const c = mainContainer(flannel, ['kube-flannel'], /flannel/);
      return combine('flannel', { version: c ? imageVersion(c.image) : undefined, mode: 'overlay (flannel)', evidence: [`DaemonSet ${where(flannel)}`] }, f.engine, 'chained');
    }
    return base('cilium', {
      version: f.engine.version,
      mode: f.chaining ? `chained (${f.chaining})` : f.mode,
      enforcesNetworkPolicy: f.engine.enforces,
      policyKinds: f.engine.kinds,
      flowSources: f.engine.flowSources,
      details: f.engine.details,
      evidence: f.engine.evidence,
      ...(f.podCIDRs ? { podCIDRs: f.podCIDRs } : {}),
    });
  },
  // Calico: the manifest (calico-node in kube-system) or the tigera operator (calico-system, Installation).
  (v) => {
    const ds = v.ds(['calico-node']);
    if (!ds && !v.resource('Installation', 'operator.tigera.io')) return undefined;
    const e = calicoEngine(v, ds);
    return base('calico', { ...(e.version ? { version: e.version } : {}), mode: e.mode, policyKinds: e.kinds, flowSources: e.flowSources, details: e.details, evidence: e.evidence, ...(e.podCIDRs ? { podCIDRs: e.podCIDRs } : {}) });
  },
  (v) => {
    const ds = v.ds(['antrea-agent']);
    if (!ds) return undefined;
    const f = antreaFacts(v, ds);
    return base('antrea', { version: f.engine.version, mode: f.mode, policyKinds: f.engine.kinds, details: f.engine.details, evidence: f.engine.evidence });
  },
  (v) => {
    const ds = v.ds(['ovnkube-node']);
    if (!ds) return undefined;
    const c = mainContainer(ds, ['ovnkube-controller', 'ovnkube-node'], /ovn-kube/);
    const podCIDRs = new Set<string>();
    for (const n of v.inp.nodes) {
      const raw = n.annotations['k8s.ovn.org/node-subnets'];
      if (!raw) continue;
      try {
        const parsed = JSON.parse(raw) as Record<string, string | string[]>;
        for (const x of Object.values(parsed)) for (const cidr of Array.isArray(x) ? x : [x]) podCIDRs.add(cidr);
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
  (v) => {
    const ds = v.ds(['weave-net']);
    if (!ds) return undefined;
    const weave = mainContainer(ds, ['weave'], /weave-kube|\/weave:/);
    const npc = containersOf(ds).find((c) => c.name === 'weave-npc' || /weave-npc/.test(c.image));
    return base('weave', {
      version: weave ? imageVersion(weave.image) : undefined,
      mode: 'overlay (fastdp/sleeve)',
      enforcesNetworkPolicy: Boolean(npc),
      policyKinds: npc ? ['NetworkPolicy'] : [],
      details: { 'network-policy-controller': npc ? 'weave-npc' : 'absent' },
      evidence: [`DaemonSet ${where(ds)} (containers ${containersOf(ds).map((c) => c.name).join(', ')})`],
    });
  },
  (v) => {
    const ds = v.ds(['kube-router']);
    if (!ds) return undefined;
    const c = mainContainer(ds, ['kube-router'], /kube-router/);
    const args = c?.args ?? [];
    const firewall = argValue(args, '--run-firewall') !== 'false';
    const router = argValue(args, '--run-router') !== 'false';
    const evidence = [`DaemonSet ${where(ds)} (container ${c?.name ?? '?'}: ${args.filter((a) => a.startsWith('--run-')).join(' ') || 'default flags'})`];
    const details = { 'run-firewall': String(firewall), 'run-router': String(router), ...(argValue(args, '--run-service-proxy') === 'true' ? { 'service-proxy': 'ipvs' } : {}) };
    const flannel = router ? undefined : v.ds(['kube-flannel-ds', 'kube-flannel', 'flannel'], ['kube-flannel-ds-']);
    if (flannel) {
      const fc = mainContainer(flannel, ['kube-flannel'], /flannel/);
      return combine(
        'flannel',
        { version: fc ? imageVersion(fc.image) : undefined, mode: 'overlay (flannel)', evidence: [`DaemonSet ${where(flannel)}`] },
        { name: 'kube-router', version: c ? imageVersion(c.image) : undefined, enforces: firewall, kinds: ['NetworkPolicy'], flowSources: ['probe'], details, evidence },
      );
    }
    return base('kube-router', {
      version: c ? imageVersion(c.image) : undefined,
      mode: router ? 'native routing (BGP)' : 'unknown',
      enforcesNetworkPolicy: firewall,
      policyKinds: firewall ? ['NetworkPolicy'] : [],
      details,
      evidence,
    });
  },
  (v) => {
    const ds = v.ds(['kube-flannel-ds', 'kube-flannel', 'flannel'], ['kube-flannel-ds-']);
    const annotated = v.inp.nodes.find((n) => n.annotations['flannel.alpha.coreos.com/backend-type']);
    if (!ds && !annotated) return undefined;
    const c = ds ? mainContainer(ds, ['kube-flannel'], /flannel/) : undefined;
    const cm = v.cm('kube-flannel-cfg', ds?.metadata?.namespace);
    const netConf = String(cm.data['net-conf.json'] ?? '');
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
    const evidence = ds ? [`DaemonSet ${where(ds)} (container ${c?.name ?? '?'}, image ${c?.image ?? '?'})`] : [`node ${annotated!.name} annotated flannel.alpha.coreos.com/backend-type`];
    if (cm.where) evidence.push(`ConfigMap ${cm.where}`);
    const net = { version: c ? imageVersion(c.image) : undefined, mode, evidence };
    // k3s embeds flannel and kube-router's policy controller.
    const k3s = ds ? undefined : k3sPolicy(v.inp);
    let rb: RoadBuilder;
    if (k3s && k3s.enforces !== false) {
      rb = combine('flannel', net, { name: 'k3s (kube-router)', enforces: true, kinds: ['NetworkPolicy'], flowSources: ['probe'], details: {}, evidence: [k3s.evidence] });
      if (k3s.enforces === 'unknown') rb.enforcesNetworkPolicy = 'unknown';
    } else rb = combine('flannel', net, undefined);
    if (k3s && k3s.enforces === false) rb.evidence.push(k3s.evidence);
    return network ? { ...rb, podCIDRs: [network] } : rb;
  },
  // Last resort, e.g. for a user who may not read kube-system: API groups (CRDs) and node annotations.
  (v) => {
    const inp = v.inp;
    const hint = (group: string, annotation: RegExp): string | undefined => {
      if (inp.apiGroups.includes(group)) return `API group ${group} is served (CRDs)`;
      const n = inp.nodes.find((x) => Object.keys(x.annotations).some((k) => annotation.test(k)));
      return n ? `node ${n.name} has ${Object.keys(n.annotations).find((k) => annotation.test(k))}` : undefined;
    };
    const table: [RoadBuilderName, string, RegExp, PolicyKind[]][] = [
      ['cilium', 'cilium.io', /^(io\.cilium|network\.cilium\.io)\//, CILIUM_KINDS],
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
  const v = new View(inp);
  const cidrs = [...new Set(inp.nodes.flatMap((n) => n.podCIDRs))];
  for (const d of DETECTORS) {
    const rb = d(v);
    if (rb) {
      if (!rb.podCIDRs?.length && cidrs.length) rb.podCIDRs = cidrs;
      if (!rb.version) delete rb.version;
      if (rb.podCIDRs && rb.podCIDRs.length === 0) delete rb.podCIDRs;
      return rb;
    }
  }
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

/** Kinds of the objects a folder or a cluster may hold that the detector reads. */
export const CNI_RESOURCE_KINDS = ['Installation', 'HelmChartConfig', 'HelmRelease'];

/**
 * The detector's inputs from a folder's objects: its DaemonSets, Deployments, ConfigMaps, CRDs
 * (their API groups), Nodes, and the operator/Helm resources above.
 */
export function cniInputsFromObjects(objects: Obj[]): CniInputs {
  const inp: CniInputs = { daemonSets: [], deployments: [], configMaps: [], apiGroups: [], nodes: [], resources: [] };
  const groups = new Set<string>();
  for (const o of objects) {
    switch (o.kind) {
      case 'DaemonSet':
        inp.daemonSets.push(o);
        break;
      case 'Deployment':
        inp.deployments.push(o);
        break;
      case 'ConfigMap':
        inp.configMaps.push(o);
        break;
      case 'CustomResourceDefinition':
        if (typeof o.spec?.group === 'string') groups.add(o.spec.group);
        break;
      case 'Node':
        inp.nodes.push({
          name: String(o.metadata?.name ?? ''),
          labels: o.metadata?.labels ?? {},
          annotations: o.metadata?.annotations ?? {},
          podCIDRs: Array.isArray(o.spec?.podCIDRs) ? o.spec.podCIDRs.map(String) : o.spec?.podCIDR ? [String(o.spec.podCIDR)] : [],
        });
        break;
      default:
        if (CNI_RESOURCE_KINDS.includes(o.kind)) inp.resources!.push(o);
    }
  }
  inp.apiGroups = [...groups].sort();
  return inp;
}

/** The road builder a folder declares; 'unknown' with an honest caveat when it holds no CNI. */
export function detectDeclaredRoadBuilder(objects: Obj[]): RoadBuilder {
  const rb = detectRoadBuilder(cniInputsFromObjects(objects));
  if (rb.name === 'unknown') return { ...rb, evidence: ['the manifests hold no CNI (no DaemonSet, operator resource or Helm release of a known one): pass --road-builder NAME'] };
  return { ...rb, details: { ...rb.details, source: 'declared in manifests' }, evidence: rb.evidence.map((e) => `${e} (declared in manifests)`) };
}

/** A road builder's name from what a user types: "flannel", "Weave Net", "AWS VPC CNI"... */
export function roadBuilderName(text: string): Exclude<RoadBuilderName, 'unknown'> | undefined {
  const n = text.trim().toLowerCase();
  const hit = ROAD_BUILDER_NAMES.find((x) => x === n || DISPLAY[x].toLowerCase() === n);
  return hit === 'unknown' ? undefined : hit;
}

/**
 * A road builder named by the user (`--road-builder flannel`): its usual behaviour with default
 * settings, since no object says otherwise.
 */
export function namedRoadBuilder(name: string): RoadBuilder {
  const known = roadBuilderName(name);
  if (!known) throw new Error(`unknown road builder '${name}' (expected one of ${ROAD_BUILDER_NAMES.filter((x) => x !== 'unknown').join(', ')})`);
  const defaults: Record<Exclude<RoadBuilderName, 'unknown'>, Partial<RoadBuilder>> = {
    cilium: { policyKinds: CILIUM_KINDS, flowSources: ['hubble', 'probe'] },
    calico: { policyKinds: calicoKinds('3.30') },
    canal: { policyKinds: calicoKinds('3.30'), details: { networking: 'flannel', 'policy-engine': 'calico' } },
    flannel: { enforcesNetworkPolicy: false, policyKinds: [], details: { 'policy-engine': 'none' } },
    weave: { details: { 'network-policy-controller': 'weave-npc' } },
    antrea: { policyKinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
    'kube-router': {},
    'ovn-kubernetes': { policyKinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
    'aws-vpc-cni': { enforcesNetworkPolicy: false, policyKinds: [], details: { 'policy-engine': 'none' } },
    'azure-cni': { enforcesNetworkPolicy: false, policyKinds: [], details: { 'policy-engine': 'none' } },
    'gke-dataplane-v2': {},
  };
  const rb = base(known, defaults[known]);
  rb.details = { ...rb.details, source: 'named with --road-builder' };
  rb.evidence = [`named with --road-builder ${name} (default settings of ${DISPLAY[known]})`];
  return rb;
}

/** The policy kinds the engine should apply: all (today's verdicts) when enforcement is unknown. */
export function enforcedPolicyKinds(rb: Pick<RoadBuilder, 'enforcesNetworkPolicy' | 'policyKinds'>): PolicyKind[] | undefined {
  if (rb.enforcesNetworkPolicy === 'unknown') return undefined;
  return rb.enforcesNetworkPolicy ? rb.policyKinds : [];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * What the road builder means for the city's policies: not enforced, kinds it does not enforce,
 * unknown. One not-enforcing finding per city, titled with the road builder's display name.
 */
export function roadBuilderFindings(rb: RoadBuilder, all: Pick<PolicyObject, 'kind'>[]): Finding[] {
  const label = roadBuilderLabel(rb);
  // Tiers, network sets and staged previews decide nothing themselves.
  const policies = all.filter((p) => isEnforceablePolicy(p.kind));
  const findings: Finding[] = [];
  if (policies.length === 0) return findings;
  if (rb.enforcesNetworkPolicy === false) {
    findings.push({
      id: 'city:cni-not-enforcing',
      severity: 'critical',
      kind: 'cni-not-enforcing',
      title: `${label} does not enforce NetworkPolicy: ${plural(policies.length, 'policy', 'policies')} in this cluster ${policies.length === 1 ? 'has' : 'have'} no effect`,
      detail: `${label} sets up pod networking but no policy engine was found (${rb.evidence.join('; ')}). Every road is open whatever the policies say: predicted verdicts show them as "allowed — policy not enforced by ${label}". Install a policy engine (e.g. Calico or Cilium in policy-only mode) or enable the plugin's policy agent.`,
    });
    return findings;
  }
  if (rb.enforcesNetworkPolicy === 'unknown') {
    findings.push({
      id: 'city:cni-unknown',
      severity: 'info',
      kind: 'cni-unknown',
      title: `CNI unknown: enforcement of the ${plural(policies.length, 'policy', 'policies')} depends on it`,
      detail: `${rb.evidence.join('; ')}. Verdicts assume every policy is enforced. Name the road builder (--road-builder NAME) or run the enforcement check to find out.`,
    });
    return findings;
  }
  const counts = new Map<string, number>();
  for (const p of policies) if (!rb.policyKinds.includes(p.kind)) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  for (const [kind, n] of counts)
    findings.push({
      id: `city:policy-kind-unsupported:${kind}`,
      severity: 'warning',
      kind: 'policy-kind-unsupported',
      title: `${label} does not enforce ${kind}: ${plural(n, 'policy', 'policies')} of that kind ${n === 1 ? 'has' : 'have'} no effect`,
      detail: `${label} enforces ${rb.policyKinds.join(', ') || 'no policy kinds'}. ${kind} objects are stored by the API server but nothing acts on them; verdicts ignore them.`,
    });
  return findings;
}
