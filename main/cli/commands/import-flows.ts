/**
 * `netcity import-flows FILE... --out FILE.netcity`: Hubble JSON exports into a snapshot, a new
 * one or an existing one to add to. Streams the files (any size), reports invalid lines by file
 * and line number while keeping the valid ones, and on Ctrl-C keeps what it already imported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SNAPSHOT_EXTENSION, SnapshotWriter, openSnapshot } from '../../store/index.js';
import type { ImportProgress } from '../../flows/json-import.js';
import { importFlows, importName, newImportSnapshot } from '../../app/flow-import.js';
import { UsageError, type Command } from '../command.js';

const usage = `
Usage:
  netcity import-flows FILE... --out FILE.netcity [--name NAME] [--strict] [--no-guess-owners]

Imports Hubble flow exports into a snapshot: \`hubble observe -o jsonpb\` output or the Hubble
file exporter (one GetFlowsResponse per line; bare Flow objects are accepted too; .gz files are
read as is). Flows are aggregated into roads; lost events and unavailable nodes become warnings.

If --out is an existing snapshot, the flows are added to it (its pods resolve flow endpoints to
their workloads); otherwise a new snapshot is made from the flows alone.

Invalid lines are reported with file and line number; valid lines are kept.

Options:
  --out FILE          the .netcity file to create or add to (required)
  --name NAME         name of a new snapshot (default: the first file's name)
  --strict            exit with status 1 when any line is invalid
  --no-guess-owners   do not guess Deployments from ReplicaSet pod names when nothing else names them
  --max-invalid N     invalid lines listed (default 20; all are counted)
`;

const fmt = (n: number) => n.toLocaleString('en-US');

const importFlowsCommand: Command = {
  name: 'import-flows',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        name: { type: 'string' },
        strict: { type: 'boolean' },
        'no-guess-owners': { type: 'boolean' },
        'max-invalid': { type: 'string' },
      },
    });
    if (positionals.length === 0) throw new UsageError('give at least one Hubble JSON file to import');
    if (!values.out) throw new UsageError('--out FILE.netcity is required');
    if (!values.out.endsWith(SNAPSHOT_EXTENSION)) throw new UsageError(`--out: the file name must end in ${SNAPSHOT_EXTENSION} (got "${values.out}")`);
    const maxInvalid = values['max-invalid'] === undefined ? 20 : Number(values['max-invalid']);
    if (!Number.isInteger(maxInvalid) || maxInvalid < 0) throw new UsageError(`--max-invalid: expected a whole number, got "${values['max-invalid']}"`);
    const out = path.resolve(io.cwd, values.out);
    const files = positionals.map((p) => path.resolve(io.cwd, p));
    for (const f of files) {
      if (!fs.existsSync(f)) throw new Error(`flows file ${f}: not found (check the path; export one with \`hubble observe -o jsonpb > flows.json\`)`);
    }

    // Existing snapshot: add to it, resolving pods through its inventory; else start a new one.
    const appending = fs.existsSync(out);
    const base = appending ? openSnapshot(out, { maxRawFlows: 0 }) : newImportSnapshot(values.name ?? importName(files[0]));
    // Raw flows go to the file as they come; the snapshot in memory keeps none.
    const writer = appending ? SnapshotWriter.append(out) : SnapshotWriter.create(out, base);

    let lastFile = '';
    const onProgress = (p: ImportProgress) => {
      const pct = p.totalBytes ? ` ${Math.floor((p.bytesRead / p.totalBytes) * 100)}%` : '';
      if (p.file !== lastFile) lastFile = p.file;
      io.progress?.(`reading ${path.basename(p.file)}:${pct} (${fmt(p.flows)} flows, ${fmt(p.invalid)} invalid lines)`);
    };

    let imported;
    try {
      imported = await importFlows({ ...base }, { files }, {
        fresh: !appending,
        maxRawFlows: 0,
        guessOwners: !values['no-guess-owners'],
        signal: io.signal,
        onProgress,
        progressEveryMs: 250,
        onFlows: (batch) => writer.addFlows(batch),
      });
      writer.putRoads(imported.snapshot.roads);
      if (imported.result.warnings.length) writer.putWarnings(imported.result.warnings);
      if (!appending) writer.putInventory(imported.snapshot);
    } catch (err) {
      writer.close();
      // A new file holding only part of a failed import would mislead; an existing one keeps what it had plus what was committed.
      if (!appending) fs.rmSync(out, { force: true });
      throw err;
    }
    writer.close();
    const { result, added } = imported;

    for (const bad of result.invalid.slice(0, maxInvalid)) io.err(`${bad.file}:${bad.line}: ${bad.message}\n`);
    const listed = Math.min(result.invalid.length, maxInvalid);
    const unlisted = result.invalidCount - result.truncated.length - listed;
    if (unlisted > 0) io.err(`... and ${fmt(unlisted)} more invalid line(s)\n`);
    for (const t of result.truncated) io.err(`${t.file}:${t.line}: ${t.message}\n`);
    for (const n of result.notes) io.err(`note: ${n}\n`);
    for (const w of result.warnings.slice(0, 10)) io.err(`warning: ${w.message}\n`);
    if (result.warnings.length > 10) io.err(`... and ${result.warnings.length - 10} more capture warning(s), saved in the snapshot\n`);

    const what = `${fmt(added)} flows from ${files.length} file(s) (${fmt(result.lines)} lines, ${fmt(result.invalidCount)} invalid)`;
    const into = `${appending ? 'added to' : 'saved'} ${out}: ${fmt(imported.snapshot.roads.length)} roads, ${fmt(result.warnings.length)} capture warnings`;
    if (result.cancelled) {
      io.err(`stopped: ${what} were imported before the stop and are kept\n`);
      io.out(`${into} (import stopped early)\n`);
      return 130;
    }
    io.out(`imported ${what}; ${into}\n`);
    if (added === 0) {
      io.err(`no valid flows in ${files.map((f) => path.basename(f)).join(', ')}: expected Hubble JSON lines (\`hubble observe -o jsonpb\`)\n`);
      return 1;
    }
    return values.strict && result.invalidCount > 0 ? 1 : 0;
  },
};

export default importFlowsCommand;
