#!/usr/bin/env node
// Measures secretlint's recommended rules against NetCity's table of credential shapes
// (test/fixtures/credentials/shapes.json), for the README's Security section. secretlint is not a
// dependency: install it in a folder of its own and name that folder:
//   npm i --prefix /tmp/secretlint @secretlint/core @secretlint/secretlint-rule-preset-recommend
//   node scripts/measure-secretlint.mjs /tmp/secretlint
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const prefix = process.argv[2];
if (!prefix) {
  process.stderr.write('usage: node scripts/measure-secretlint.mjs FOLDER (where @secretlint/core and the recommended preset are installed)\n');
  process.exit(2);
}
const require = createRequire(join(prefix, 'package.json'));
const core = await import(pathToFileURL(require.resolve('@secretlint/core')).href);
const preset = await import(pathToFileURL(require.resolve('@secretlint/secretlint-rule-preset-recommend')).href);
const shapes = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'credentials', 'shapes.json'), 'utf8'));
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] };
const hits = async (text) => (await core.lintSource({ source: { filePath: '/annotation.txt', content: text, contentType: 'text' }, options: { config } })).messages.length > 0;
let found = 0;
for (const s of shapes.credentials) {
  const hit = await hits(s.text);
  if (hit) found++;
  process.stdout.write(`${hit ? 'found ' : 'MISSED'}  ${s.name}\n`);
}
let flagged = 0;
for (const s of shapes.ordinary) {
  if (!(await hits(s.text))) continue;
  flagged++;
  process.stdout.write(`FALSE POSITIVE  ${s.name}\n`);
}
process.stdout.write(`secretlint recommended preset: ${found} of ${shapes.credentials.length} credential shapes found, ${flagged} of ${shapes.ordinary.length} ordinary annotations flagged\n`);
