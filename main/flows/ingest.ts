/**
 * The one way observed flows join a snapshot, whatever brought them (a Hubble or Goldmane
 * capture, a file import, flow probes): roads summed in an aggregator seeded with the snapshot's
 * roads, raw flows bounded, warnings kept, the time window widened.
 */
import { RoadAggregator } from './aggregate.js';
import type { CaptureWarning, FlowRecord, Snapshot } from '../model/types.js';

/** Warnings a snapshot keeps (the newest). */
export const MAX_WARNINGS = 5000;

/** An aggregator seeded with the snapshot's roads, so new flows add to them. */
export function seededAggregator(s: Pick<Snapshot, 'roads'>, maxRawFlows = 0): RoadAggregator {
  const agg = new RoadAggregator({ maxRawFlows });
  for (const r of s.roads) agg.addRoad(r);
  return agg;
}

/**
 * The snapshot with new flows: raw flows merged in time order (the newest `maxRawFlows` kept),
 * roads from `roads` (seeded with the snapshot's own), warnings added, the window widened to the
 * new flows and to `seen` (the first and last flow time when not every raw flow is kept).
 * Returns a new snapshot; `s` is not changed.
 */
export function mergeFlows(
  s: Snapshot,
  flows: FlowRecord[],
  roads: RoadAggregator,
  warnings: CaptureWarning[],
  maxRawFlows: number,
  seen: { from?: number; to?: number } = {},
): Snapshot {
  const all = s.flows.concat(flows);
  all.sort((a, b) => a.time - b.time);
  const kept = all.length > maxRawFlows ? all.slice(all.length - maxRawFlows) : all;
  let from = s.window.from;
  let to = s.window.to;
  const widen = (t: number | undefined) => {
    if (t === undefined) return;
    if (from === undefined || t < from) from = t;
    if (to === undefined || t > to) to = t;
  };
  for (const f of flows) widen(f.time);
  widen(seen.from);
  widen(seen.to);
  return { ...s, flows: kept, roads: roads.roads(), warnings: [...s.warnings, ...warnings].slice(-MAX_WARNINGS), window: { from, to } };
}
