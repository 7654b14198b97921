/** `--max-file-mb N` / `--max-total-mb N` (analyze, snapshot --manifests, serve): the manifest loaders' size caps. */
import { DEFAULT_MAX_FILE_MB, DEFAULT_MAX_TOTAL_MB } from '../../manifests/load.js';
import { UsageError } from '../command.js';

export const SIZE_CAP_OPTIONS = {
  'max-file-mb': { type: 'string' },
  'max-total-mb': { type: 'string' },
} as const;

export const SIZE_CAP_USAGE = `  --max-file-mb N     largest manifest file read, in MiB (default ${DEFAULT_MAX_FILE_MB})
  --max-total-mb N    largest total of the manifests read, in MiB (default ${DEFAULT_MAX_TOTAL_MB})`;

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024 * 1024) throw new UsageError(`--${name}: expected a whole number of MiB from 1 to 1048576, got "${text}"`);
  return n;
}

export function sizeCaps(values: { 'max-file-mb'?: string; 'max-total-mb'?: string }): { maxFileMB?: number; maxTotalMB?: number } {
  const maxFileMB = positive('max-file-mb', values['max-file-mb']);
  const maxTotalMB = positive('max-total-mb', values['max-total-mb']);
  return { ...(maxFileMB ? { maxFileMB } : {}), ...(maxTotalMB ? { maxTotalMB } : {}) };
}
