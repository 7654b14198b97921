/**
 * `netcity export`: a diagram or report of a saved snapshot (or the demo city) for people who were
 * not there: SVG/PNG, an HTML/PDF report, DOT, Mermaid, CSV or JSON, optionally redacted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ExportArgs } from '../../api/contract.js';
import { EXPORT_FORMATS, FORMAT_INFO, type ExportFormat } from '../../export/formats.js';
import type { ExportProgress } from '../../export/index.js';
import { UsageError, type CliIO, type Command } from '../command.js';

const FORMATS: readonly ExportFormat[] = EXPORT_FORMATS;
/** Formats drawn or laid out as a graph: the ones --roads applies to. */
const ROAD_LEVEL_FORMATS: readonly ExportFormat[] = ['svg', 'png', 'html', 'pdf', 'dot', 'mermaid'];

const usage = `
Usage:
  netcity export FILE.netcity --format FORMAT [--out PATH] [options]
  netcity export --demo --format FORMAT [--out PATH] [options]

Exports the city drawn from a snapshot, the same map the app shows, without a screen.

Formats:
  svg          the map, vector, with title, cluster, time window and legend
  png          the map as a bitmap (--scale 1-4, --background white|transparent); needs Chromium
  html         a self-contained report: map, findings, unprotected workloads, top denied flows,
               probe mismatches, policies per namespace, road builder and snapshot facts
  pdf          the same report as PDF; needs Chromium
  dot          Graphviz (render with: dot -Tsvg city.dot -o city.svg)
  mermaid      Mermaid flowchart, a subgraph per namespace
  csv-matrix   connectivity matrix: source rows, destination columns, verdict (flows) cells
  csv-flows    one row per observed road: source, destination, port, verdict, count, reasons...
  json         everything above as one document (schema: main/export/json-schema.md)

Options:
  --format, -f FORMAT   one of the formats above (required)
  --out, -o PATH        file to write (default: netcity-<cluster>-<time>.<ext> in this folder);
                        "-" writes a text format to standard output
  --select ID           cut the city to these nodes and their roads (repeatable), e.g.
                        ns:shop, wl:shop/Deployment/cart, pod:shop/cart-7d9f-x, svc:shop/cart
  --redact              mask IPs, pod and node names and label values with tokens that are
                        consistent within this export only (for sharing outside the team)
  --scale N             PNG scale, 1 to 4 (default 2)
  --background COLOUR   PNG/SVG background: white (default) or transparent
  --title TEXT          title (default: the snapshot name)
  --no-policy           leave out predicted verdicts and fences
  --no-flows            leave out observed verdicts and volume
  --no-probes           leave out probe results
  --no-possible-roads   draw only roads seen or probed, not those policies merely allow
  --roads LEVEL         drawn formats: blocks, districts, or auto (default: districts above
                        4,000 roads, where a picture of every road is a tangle)
  --quiet, -q           no progress on standard error

PNG and PDF use headless Chromium: set NETCITY_CHROMIUM to its path, or install it
(Debian/Ubuntu: apt-get install chromium).
`;

interface Parsed {
  source: { demo: true } | { file: string };
  out?: string;
  quiet: boolean;
  /** What to export, exactly as the app's export dialog asks for it (`export.render` without the city). */
  args: ExportArgs;
}

export function parseExportArgs(args: string[]): Parsed {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean' },
      format: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      select: { type: 'string', multiple: true },
      redact: { type: 'boolean' },
      scale: { type: 'string' },
      background: { type: 'string' },
      title: { type: 'string' },
      'no-policy': { type: 'boolean' },
      'no-flows': { type: 'boolean' },
      'no-probes': { type: 'boolean' },
      'no-possible-roads': { type: 'boolean' },
      roads: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (values.demo && positionals.length) throw new UsageError(`give a snapshot file or --demo, not both (got --demo and "${positionals[0]}")`);
  if (!values.demo && positionals.length === 0) throw new UsageError('give a snapshot file (FILE.netcity) or --demo');
  if (positionals.length > 1) throw new UsageError(`one snapshot at a time (got ${positionals.map((p) => `"${p}"`).join(', ')})`);
  if (!values.format) throw new UsageError(`--format is required (one of: ${FORMATS.join(', ')})`);
  const format = values.format as ExportFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format: unknown format "${values.format}" (have: ${FORMATS.join(', ')})`);
  let scale: number | undefined;
  if (values.scale !== undefined) {
    scale = Number(values.scale);
    if (format !== 'png') throw new UsageError('--scale only applies to --format png');
    if (!Number.isFinite(scale) || scale < 1 || scale > 4) throw new UsageError(`--scale: expected a number from 1 to 4, got "${values.scale}"`);
  }
  const bg = values.background;
  if (bg !== undefined && bg !== 'white' && bg !== 'transparent') throw new UsageError(`--background: white or transparent, got "${bg}"`);
  if (bg !== undefined && format !== 'png' && format !== 'svg') throw new UsageError('--background only applies to --format png or svg');
  const roads = values.roads;
  if (roads !== undefined && roads !== 'auto' && roads !== 'blocks' && roads !== 'districts') throw new UsageError(`--roads: blocks, districts or auto, got "${roads}"`);
  if (roads !== undefined && !ROAD_LEVEL_FORMATS.includes(format)) throw new UsageError(`--roads only applies to drawn and graph formats (${ROAD_LEVEL_FORMATS.join(', ')})`);
  if (values.out === '-' && FORMAT_INFO[format].binary) throw new UsageError(`--out -: ${format} is binary; write it to a file`);
  const common = {
    selection: values.select ?? [],
    redact: Boolean(values.redact),
    overlays: { policy: !values['no-policy'], flows: !values['no-flows'], probes: !values['no-probes'] },
    possibleRoads: !values['no-possible-roads'],
    ...(values.title ? { title: values.title } : {}),
  };
  const level = roads as 'auto' | 'blocks' | 'districts' | undefined;
  const background = bg as 'white' | 'transparent' | undefined;
  let exportArgs: ExportArgs;
  if (format === 'png') exportArgs = { format, ...common, scale, background, roads: level };
  else if (format === 'svg') exportArgs = { format, ...common, background, roads: level };
  else if (format === 'csv-matrix' || format === 'csv-flows' || format === 'json') exportArgs = { format, ...common };
  else exportArgs = { format, ...common, roads: level };
  return { source: values.demo ? { demo: true } : { file: positionals[0] }, out: values.out, quiet: Boolean(values.quiet), args: exportArgs };
}

/** The city to export, opened as the app opens it (app/cities.ts): the demo, or a saved snapshot. */
async function openCity(source: Parsed['source'], cwd: string) {
  const { OpenCities } = await import('../../app/cities.js');
  const { inlineTasks } = await import('../../app/ports.js');
  const cities = new OpenCities({ emit: () => undefined }, inlineTasks(new AbortController().signal));
  if ('demo' in source) return cities.openDemo();
  const file = path.resolve(cwd, source.file);
  if (!fs.existsSync(file)) throw new Error(`snapshot ${file}: no such file (save one with \`netcity snapshot ... --out FILE.netcity\`, or use --demo)`);
  const { openSnapshot } = await import('../../store/index.js');
  return cities.addCity('snapshot', openSnapshot(file), { filePath: file });
}

const exportCommand: Command = {
  name: 'export',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const p = parseExportArgs(args);
    const city = await openCity(p.source, io.cwd);
    const { exportOfCity } = await import('../../app/export.js');
    let lastStage = '';
    const onProgress = (e: ExportProgress) => {
      if (p.quiet || e.stage === lastStage || e.stage === 'done') return;
      lastStage = e.stage;
      io.progress?.(`export: ${e.message}...`);
    };
    const result = await exportOfCity(city, p.args, { onProgress, signal: io.signal });
    const format = p.args.format;
    if (p.out === '-') {
      io.out(String(result.data));
      return 0;
    }
    const out = path.resolve(io.cwd, p.out ?? result.fileName);
    if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new Error(`--out ${out} is a folder; give a file name (e.g. ${path.join(out, result.fileName)})`);
    if (!fs.existsSync(path.dirname(out))) throw new Error(`--out ${out}: folder ${path.dirname(out)} does not exist; create it first`);
    // Write next to the target and rename, so a reader never sees half a file.
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, result.data);
      fs.renameSync(tmp, out);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`writing ${out}: ${(err as Error).message}`);
    }
    const size = typeof result.data === 'string' ? Buffer.byteLength(result.data) : result.data.length;
    io.out(`wrote ${out} (${format}, ${formatBytes(size)}${p.args.redact ? ', redacted' : ''})\n`);
    return 0;
  },
};

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export default exportCommand;
