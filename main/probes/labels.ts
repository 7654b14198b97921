/** Labels, annotations and names every probe object carries: one source of truth for cleanup. */
import { randomBytes } from 'node:crypto';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'netcity';
export const RUN_ID = 'netcity.dev/run-id';
export const PROBE_KIND = 'netcity.dev/probe';
export const ROLE = 'netcity.dev/role';
/** When the run that created the object is over for sure; leftovers past it are removed. */
export const EXPIRES_AT = 'netcity.dev/expires-at';

export const MANAGED_SELECTOR = `${MANAGED_BY}=${MANAGED_BY_VALUE}`;

export type ProbeRunKind = 'flows' | 'enforcement' | 'path' | 'matrix';

/** 8 lowercase alphanumerics: valid in names and label values. */
export function newRunId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(8);
  let id = '';
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

export const probeNamespace = (runId: string): string => `netcity-probe-${runId}`;
export const peerNamespace = (runId: string): string => `netcity-probe-${runId}-b`;
export const ephemeralName = (runId: string): string => `netcity-${runId}`;

export function runLabels(runId: string, kind: ProbeRunKind, role?: string): Record<string, string> {
  const labels: Record<string, string> = { [MANAGED_BY]: MANAGED_BY_VALUE, [RUN_ID]: runId, [PROBE_KIND]: kind };
  if (role) labels[ROLE] = role;
  return labels;
}

export const runSelector = (runId: string): string => `${MANAGED_SELECTOR},${RUN_ID}=${runId}`;
