/**
 * Importing Hubble flow exports: one implementation for the app (`flows.import`) and the CLI
 * (`netcity import-flows`). A new city is made from the flows alone (namespaces, workloads,
 * pods and nodes seen as flow endpoints; road builder Cilium, since Hubble flows mean Cilium);
 * an existing one resolves flow endpoints through its inventory. Flows join the snapshot through
 * `mergeFlows`, the path captures and probes take too.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { FlowInventory, resolverFromInventory } from '../flows/flow-inventory.js';
import { mergeFlows, seededAggregator } from '../flows/ingest.js';
import { importHubbleFiles, importHubbleStream, type ImportProgress, type ImportResult } from '../flows/json-import.js';
import { emptySnapshot, unknownRoadBuilder } from '../model/empty.js';
import type { FlowRecord, Snapshot } from '../model/types.js';

/** The name of a city imported from a file: the file's name without its extension. */
export function importName(file: string): string {
  return basename(file).replace(/\.(jsonl?|json\.gz|jsonl\.gz|gz)$/i, '') || basename(file);
}

/** A snapshot to import flows into when there is none yet. */
export function newImportSnapshot(name: string): Snapshot {
  // Hubble flows mean Cilium; whether it enforces is not in a flow export.
  const rb = { ...unknownRoadBuilder(['flows imported from a Hubble export'], ['hubble']), name: 'cilium' as const };
  return { ...emptySnapshot(name, 'import', rb), id: randomUUID() };
}

/** Files by path, or one file's text (the app's drop or paste). */
export type FlowSource = { files: string[] } | { fileName: string; text: string };

export interface FlowImportOptions {
  /** True when `base` is a new snapshot: its inventory is made from the flow endpoints. */
  fresh: boolean;
  /** Raw flows the result keeps (0 when they go to `onFlows` only, as the CLI streams them to the file). */
  maxRawFlows: number;
  guessOwners?: boolean;
  signal?: AbortSignal;
  onFlows?: (batch: FlowRecord[]) => void;
  onProgress?: (p: ImportProgress) => void;
  progressEveryMs?: number;
}

export interface FlowImport {
  /** `base` with the flows (a new object; `base` is not changed). */
  snapshot: Snapshot;
  result: ImportResult;
  /** Flows this import added to the roads. */
  added: number;
}

export async function importFlows(base: Snapshot, source: FlowSource, opts: FlowImportOptions): Promise<FlowImport> {
  const aggregator = seededAggregator(base);
  const before = aggregator.flowCount;
  const inventory = opts.fresh ? new FlowInventory() : undefined;
  const flows: FlowRecord[] = [];
  const importOpts = {
    aggregator,
    resolver: resolverFromInventory(base),
    source: 'import' as const,
    ...(opts.guessOwners === false ? { guessOwners: false } : {}),
    signal: opts.signal,
    progressEveryMs: opts.progressEveryMs,
    onFlows: (batch: FlowRecord[]) => {
      opts.onFlows?.(batch);
      inventory?.addMany(batch);
      for (const f of batch) if (flows.length < opts.maxRawFlows) flows.push(f);
    },
    onProgress: opts.onProgress,
  };
  const result =
    'files' in source
      ? await importHubbleFiles(source.files, importOpts)
      : await importHubbleStream(source.fileName, (async function* () { yield source.text; })(), importOpts);
  let snapshot = mergeFlows(base, flows, aggregator, result.warnings, opts.maxRawFlows, { from: result.firstTime, to: result.lastTime });
  if (inventory) snapshot = { ...snapshot, ...inventory.parts() };
  return { snapshot, result, added: aggregator.flowCount - before };
}
