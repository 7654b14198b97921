/** Reads manifest files and folders as `kubectl apply -f <path> -R` would. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { convertObjects, type ConvertOptions, type ManifestSet } from './convert.js';
import type { ManifestError } from './parse.js';
import { parseFiles } from './parse-files.js';

export interface LoadOptions extends ConvertOptions {
  signal?: AbortSignal;
  /** Called as files are read: how many of how many. */
  onProgress?: (filesDone: number, filesTotal: number) => void;
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

async function collect(path: string, explicit: boolean, out: string[], errors: ManifestError[]): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    errors.push({ file: path, document: 0, message: code === 'ENOENT' ? 'no such file or folder; check the path' : `cannot be read (${code ?? (e as Error).message})` });
    return;
  }
  if (st.isDirectory()) {
    let entries: string[];
    try {
      entries = (await readdir(path)).sort();
    } catch (e) {
      errors.push({ file: path, document: 0, message: `folder cannot be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      await collect(join(path, name), false, out, errors);
    }
  } else if (explicit || EXTENSIONS.test(path)) out.push(path);
}

export async function loadManifests(paths: string[], opts: LoadOptions = {}): Promise<ManifestSet> {
  const files: string[] = [];
  const errors: ManifestError[] = [];
  for (const p of paths) await collect(p, true, files, errors);
  const { objects, errors: parseErrors } = await parseFiles(files, opts);
  for (const e of parseErrors) errors.push(e);
  return convertObjects(objects, opts, errors, files);
}
