/**
 * What the Kubernetes API leaves to the CNI, made explicit: whether a host-network pod is its node
 * or an ordinary pod to policies, and whether an ipBlock matches pod IPs. Defaults per road
 * builder (the policy engine when it differs from the network), each with its source in
 * main/policy/README.md ("CNI-dependent semantics"); the user can override both.
 */
export type HostNetworkMode = 'as-node' | 'as-pod';
export type IpBlockPodIpsMode = 'match' | 'ignore';

export interface CniSemantics {
  hostNetwork: HostNetworkMode;
  ipBlockPodIps: IpBlockPodIpsMode;
  /** Who decided each choice, shown in the verdicts: "Cilium", "--host-network as-pod", "CNI unknown". */
  by: { hostNetwork: string; ipBlockPodIps: string };
  /** Set when a choice is only today's default because the road builder is unknown. */
  assumed: { hostNetwork: boolean; ipBlockPodIps: boolean };
}

/** Today's choice, kept when the road builder is unknown (with a caveat on the verdict). */
export const DEFAULT_SEMANTICS: CniSemantics = {
  hostNetwork: 'as-node',
  ipBlockPodIps: 'ignore',
  by: { hostNetwork: 'CNI unknown', ipBlockPodIps: 'CNI unknown' },
  assumed: { hostNetwork: true, ipBlockPodIps: true },
};

interface Known {
  display: string;
  hostNetwork?: HostNetworkMode;
  ipBlockPodIps?: IpBlockPodIpsMode;
}

/**
 * Policy engines whose behaviour is documented (sources in the README). Host-network pods share
 * the node's network namespace: the CNIs below police pod interfaces, so such a pod is its node.
 */
const KNOWN: Record<string, Known> = {
  // Calico turns an ipBlock into `nets`/`notNets` address matches, applied to every endpoint's IP.
  calico: { display: 'Calico', hostNetwork: 'as-node', ipBlockPodIps: 'match' },
  canal: { display: 'Calico', hostNetwork: 'as-node', ipBlockPodIps: 'match' },
  // Antrea's own e2e test (allow-client-a-via-cidr-egress-rule) expects an ipBlock of a pod's IP to match it.
  antrea: { display: 'Antrea', hostNetwork: 'as-node', ipBlockPodIps: 'match' },
  // Cilium matches CIDR rules only against peers that are not Cilium endpoints (nor nodes).
  cilium: { display: 'Cilium', hostNetwork: 'as-node', ipBlockPodIps: 'ignore' },
  'gke-dataplane-v2': { display: 'GKE Dataplane V2 (Cilium)', hostNetwork: 'as-node', ipBlockPodIps: 'ignore' },
};

/**
 * @param roadBuilder road builder name (model RoadBuilderName) or undefined/'unknown'
 * @param policyEngine the road builder's separate policy engine when it has one (details['policy-engine'])
 * @param overrides the user's choices (`--host-network`, `--ipblock-pod-ips`)
 */
export function cniSemantics(
  roadBuilder: string | undefined,
  policyEngine?: string,
  overrides: { hostNetwork?: HostNetworkMode; ipBlockPodIps?: IpBlockPodIpsMode } = {},
): CniSemantics {
  const known = (policyEngine && KNOWN[policyEngine]) || (roadBuilder ? KNOWN[roadBuilder] : undefined);
  const out: CniSemantics = { ...DEFAULT_SEMANTICS, by: { ...DEFAULT_SEMANTICS.by }, assumed: { ...DEFAULT_SEMANTICS.assumed } };
  // A road builder we know by name whose behaviour no source documents: say which one.
  const named = policyEngine && policyEngine !== 'none' ? policyEngine : roadBuilder && roadBuilder !== 'unknown' ? roadBuilder : undefined;
  if (named) out.by = { hostNetwork: `${named}: not documented`, ipBlockPodIps: `${named}: not documented` };
  if (known?.hostNetwork) {
    out.hostNetwork = known.hostNetwork;
    out.by.hostNetwork = known.display;
    out.assumed.hostNetwork = false;
  }
  if (known?.ipBlockPodIps) {
    out.ipBlockPodIps = known.ipBlockPodIps;
    out.by.ipBlockPodIps = known.display;
    out.assumed.ipBlockPodIps = false;
  }
  if (overrides.hostNetwork) {
    out.hostNetwork = overrides.hostNetwork;
    out.by.hostNetwork = `--host-network ${overrides.hostNetwork}`;
    out.assumed.hostNetwork = false;
  }
  if (overrides.ipBlockPodIps) {
    out.ipBlockPodIps = overrides.ipBlockPodIps;
    out.by.ipBlockPodIps = `--ipblock-pod-ips ${overrides.ipBlockPodIps}`;
    out.assumed.ipBlockPodIps = false;
  }
  return out;
}

/** "(Cilium)", "(--host-network as-pod)", "(CNI unknown: assumed; set --host-network as-pod|as-node)". */
export function byText(s: CniSemantics, which: 'hostNetwork' | 'ipBlockPodIps'): string {
  if (!s.assumed[which]) return s.by[which];
  return which === 'hostNetwork' ? `${s.by[which]}, assumed; set --host-network as-pod|as-node` : `${s.by[which]}, assumed; set --ipblock-pod-ips match|ignore`;
}

export const HOST_NETWORK_MODES: readonly HostNetworkMode[] = ['as-node', 'as-pod'];
export const IPBLOCK_POD_IPS_MODES: readonly IpBlockPodIpsMode[] = ['match', 'ignore'];

/**
 * The semantics of a road builder as a snapshot carries it: its name, its separate policy engine
 * (`details['policy-engine']`) and the user's choices recorded with it (`details['host-network']`,
 * `details['ipblock-pod-ips']`, set by `--host-network` / `--ipblock-pod-ips`).
 */
export function semanticsOfRoadBuilder(rb: { name: string; details?: Record<string, string> } | undefined): CniSemantics {
  const d = rb?.details ?? {};
  const host = HOST_NETWORK_MODES.find((m) => m === d['host-network']);
  const ipb = IPBLOCK_POD_IPS_MODES.find((m) => m === d['ipblock-pod-ips']);
  return cniSemantics(rb?.name, d['policy-engine'], { hostNetwork: host, ipBlockPodIps: ipb });
}

/** One line for the command line: "host-network pods as their node (Cilium); ipBlock does not match pod IPs (Cilium)". */
export function describeSemantics(s: CniSemantics): string {
  const host = s.hostNetwork === 'as-node' ? 'host-network pods as their node' : 'host-network pods as ordinary pods';
  const ipb = s.ipBlockPodIps === 'match' ? 'ipBlock matches pod IPs' : 'ipBlock does not match pod IPs';
  return `${host} (${byText(s, 'hostNetwork')}); ${ipb} (${byText(s, 'ipBlockPodIps')})`;
}

/** Records the user's choices with a road builder (they travel with its snapshot): details host-network / ipblock-pod-ips. */
export function withCniChoices<T extends { details: Record<string, string> }>(
  rb: T,
  c: { hostNetwork?: HostNetworkMode; ipBlockPodIps?: IpBlockPodIpsMode },
): T {
  const details = { ...rb.details };
  if (c.hostNetwork) details['host-network'] = c.hostNetwork;
  if (c.ipBlockPodIps) details['ipblock-pod-ips'] = c.ipBlockPodIps;
  return { ...rb, details };
}
