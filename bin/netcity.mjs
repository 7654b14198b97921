#!/usr/bin/env node
// The `netcity` command: runs the compiled CLI (npm run build) under plain Node.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'out', 'cli', 'main', 'cli', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write(`netcity: not built yet (${entry} is missing). Run \`npm run build\` in ${root}.\n`);
  process.exit(1);
}
// Pipe-safe: when the reader goes away (`netcity analyze big/ | head`), stop quietly with exit 0.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
const { main } = await import(pathToFileURL(entry).href);
const controller = new AbortController();
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  });
}
const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  signal: controller.signal,
  errIsTTY: process.stderr.isTTY === true,
});
process.exitCode = code;
