/** Adding observed flows to a city: aggregates merged, raw flows bounded, warnings kept, window widened. */
import { RoadAggregator } from '../../flows/aggregate.js';
import type { CaptureWarning, FlowRecord, Snapshot } from '../../model/types.js';


/** An aggregator seeded with the city's roads, so new flows add to them. */
export function seededAggregator(s: Snapshot): RoadAggregator {
  const agg = new RoadAggregator({ maxRawFlows: 0 });
  for (const r of s.roads) agg.addRoad(r);
  return agg;
}

export function mergeFlows(s: Snapshot, flows: FlowRecord[], roads: RoadAggregator, warnings: CaptureWarning[], maxRawFlows: number): Snapshot {
  const all = s.flows.concat(flows);
  all.sort((a, b) => a.time - b.time);
  const kept = all.length > maxRawFlows ? all.slice(all.length - maxRawFlows) : all;
  let from = s.window.from;
  let to = s.window.to;
  for (const f of flows) {
    if (from === undefined || f.time < from) from = f.time;
    if (to === undefined || f.time > to) to = f.time;
  }
  return { ...s, flows: kept, roads: roads.roads(), warnings: [...s.warnings, ...warnings].slice(-5000), window: { from, to } };
}
