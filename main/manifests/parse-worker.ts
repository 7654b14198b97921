/** Worker thread of parse-files.ts: parses the files it is given, posting one result per file in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseFile } from './parse-files.js';

for (const file of (workerData as { files: string[] }).files) parentPort!.postMessage(await parseFile(file));
