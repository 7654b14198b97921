/** `--road-builder NAME` (snapshot --manifests, analyze, serve): a known road builder or a usage error. */
import { roadBuilderLabel, roadBuilderName } from '../../cluster/cni-detect.js';
import { ROAD_BUILDER_NAMES, type RoadBuilder, type RoadBuilderName } from '../../model/types.js';
import { UsageError } from '../command.js';

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
