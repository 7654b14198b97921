/** Flow counts over time, for the timeline scrubber. */
import type { TimelineBucket } from '../api/contract.js';
import type { Snapshot } from '../model/types.js';

export function timelineBuckets(s: Snapshot, buckets = 120): TimelineBucket[] {
  if (s.flows.length === 0) return [];
  let from = s.window.from ?? Infinity;
  let to = s.window.to ?? -Infinity;
  for (const f of s.flows) {
    if (f.time < from) from = f.time;
    if (f.time > to) to = f.time;
  }
  const span = Math.max(1, to - from);
  const size = span / buckets;
  const out: TimelineBucket[] = Array.from({ length: buckets }, (_, i) => ({ from: from + i * size, to: from + (i + 1) * size, forwarded: 0, dropped: 0 }));
  for (const f of s.flows) {
    const i = Math.min(buckets - 1, Math.floor((f.time - from) / size));
    if (f.verdict === 'DROPPED' || f.verdict === 'ERROR') out[i].dropped++;
    else out[i].forwarded++;
  }
  return out;
}
