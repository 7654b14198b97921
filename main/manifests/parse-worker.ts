/** Worker thread of parse-files.ts: takes the next file from the shared counter and posts its result with its index, until none is left. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseFile } from './parse-files.js';

const { files, maxBytes, next } = workerData as { files: string[]; maxBytes?: number; next: SharedArrayBuffer };
const counter = new Int32Array(next);
for (;;) {
  const i = Atomics.add(counter, 0, 1);
  if (i >= files.length) break;
  parentPort!.postMessage({ i, r: await parseFile(files[i], maxBytes) });
}
