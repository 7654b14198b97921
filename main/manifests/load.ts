/** Reads manifest files and folders as `kubectl apply -f <path> -R` would. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { convertObjects, type ConvertOptions, type ManifestSet } from './convert.js';
import { parseManifestText, type ManifestError, type ManifestObject } from './parse.js';

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
  const objects: ManifestObject[] = [];
  for (const [i, file] of files.entries()) {
    if (opts.signal?.aborted) break;
    opts.onProgress?.(i, files.length);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      errors.push({ file, document: 0, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    const r = parseManifestText(text, file);
    objects.push(...r.objects);
    errors.push(...r.errors);
  }
  opts.onProgress?.(files.length, files.length);
  return convertObjects(objects, opts, errors, files);
}
