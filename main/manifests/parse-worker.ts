/** Worker thread of parse-files.ts: parses the files it is given, posting one result per file in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseFile } from './parse-files.js';

const { files, maxBytes } = workerData as { files: string[]; maxBytes?: number };
for (const file of files) parentPort!.postMessage(await parseFile(file, maxBytes));
