/** `--road-builder NAME` (snapshot --manifests, analyze, serve): a known road builder or a usage error. */
import { roadBuilderLabel, roadBuilderName } from '../../cluster/cni-detect.js';
import { ROAD_BUILDER_NAMES, type RoadBuilder, type RoadBuilderName } from '../../model/types.js';
import { UsageError } from '../command.js';
import { HOST_NETWORK_MODES, IPBLOCK_POD_IPS_MODES, type HostNetworkMode, type IpBlockPodIpsMode } from '../../policy/cni-semantics.js';
export { withCniChoices } from '../../policy/cni-semantics.js';

export function roadBuilderOption(text: string): Exclude<RoadBuilderName, 'unknown'> {
  const name = roadBuilderName(text);
  if (!name) throw new UsageError(`--road-builder: expected one of ${ROAD_BUILDER_NAMES.filter((n) => n !== 'unknown').join(', ')}, got "${text}"`);
  return name;
}

/** One line for stderr: "Flannel 0.26.1, overlay (vxlan), does not enforce policies (declared in manifests)". */
export function describeRoadBuilder(rb: RoadBuilder): string {
  const enforce = rb.enforcesNetworkPolicy === true ? 'enforces policies' : rb.enforcesNetworkPolicy === false ? 'does not enforce policies' : 'enforcement unknown';
  const how = rb.details.source ?? (rb.name === 'unknown' ? rb.evidence[0] : undefined);
  return `${roadBuilderLabel(rb)}${rb.version ? ` ${rb.version}` : ''}${rb.mode ? `, ${rb.mode}` : ''}, ${enforce}${how ? ` (${how})` : ''}`;
}

/** `--host-network as-pod|as-node` and `--ipblock-pod-ips match|ignore`: validated, or a usage error. */
export function cniChoiceOptions(values: { 'host-network'?: string; 'ipblock-pod-ips'?: string }): { hostNetwork?: HostNetworkMode; ipBlockPodIps?: IpBlockPodIpsMode } {
  const host = values['host-network'];
  const ipb = values['ipblock-pod-ips'];
  if (host !== undefined && !HOST_NETWORK_MODES.includes(host as HostNetworkMode)) throw new UsageError(`--host-network: expected as-node or as-pod, got "${host}"`);
  if (ipb !== undefined && !IPBLOCK_POD_IPS_MODES.includes(ipb as IpBlockPodIpsMode)) throw new UsageError(`--ipblock-pod-ips: expected match or ignore, got "${ipb}"`);
  return { hostNetwork: host as HostNetworkMode | undefined, ipBlockPodIps: ipb as IpBlockPodIpsMode | undefined };
}

export const CNI_CHOICE_USAGE = `  --host-network M  host-network pods as-node (policies do not select them; their node's addresses)
                   or as-pod (ordinary pods); default from the road builder (see README)
  --ipblock-pod-ips M  whether ipBlock / ANP networks match pod IPs: match (Calico, Antrea) or
                   ignore (Cilium); default from the road builder`;
