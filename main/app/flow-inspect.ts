/**
 * Before flows are merged into an open city: a quick look at a sample of them (the first 2,000
 * flows of the file or text), compared with the city's inventory, so the import dialog can ask
 * "another cluster's capture: new city, or merge anyway?" instead of merging it silently.
 */
import type { CityRegistry, WithFiles } from './ports.js';
import type { ArgsOf, ResultOf } from '../api/contract.js';
import { matchFlows } from '../city/flow-match.js';
import { resolverFromInventory } from '../flows/flow-inventory.js';
import { importHubbleFiles, importHubbleStream } from '../flows/json-import.js';
import type { FlowRecord } from '../model/types.js';

const SAMPLE = 2000;

export async function inspectFlows(b: CityRegistry & WithFiles, a: ArgsOf<'flows.inspect'>): Promise<ResultOf<'flows.inspect'>> {
  if (!a.text && !a.path) throw new Error(`${a.fileName}: nothing to look at (give the file's text or its path)`);
  const path = a.path ? b.paths.check(a.path, 'importing flows from') : undefined;
  const snap = b.city(a.cityId).snapshot;
  const sample: FlowRecord[] = [];
  const stop = new AbortController();
  const opts = {
    resolver: resolverFromInventory(snap),
    source: 'import' as const,
    signal: stop.signal,
    onFlows: (batch: FlowRecord[]) => {
      for (const f of batch) if (sample.length < SAMPLE) sample.push(f);
      if (sample.length >= SAMPLE) stop.abort();
    },
  };
  // Reading stops as soon as the sample is full; a cancelled read is the expected end here.
  await (path ? importHubbleFiles([path], opts) : importHubbleStream(a.fileName, (async function* () { yield a.text!; })(), opts));
  return matchFlows(snap, sample);
}
