/**
 * `netcity`: the command line. Each command lives in ./commands/<name>.ts; this file only
 * dispatches, prints help and turns errors into messages and exit codes.
 */
import { appVersion } from '../app-paths.js';
import { UsageError, type CliIO, type Command } from './command.js';
import { createProgress } from './progress.js';

/** name -> one line for `netcity --help` and the module, loaded only when the command runs (nothing heavy at start). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ default: Command }> }> = {
  serve: { summary: 'run NetCity in your browser (loopback only, per-run token)', load: () => import('./commands/serve.js') },
  analyze: { summary: 'connectivity allowed by the policies in Kubernetes manifests (files or folders)', load: () => import('./commands/analyze.js') },
  snapshot: { summary: 'save a .netcity snapshot from the demo, manifests or a live cluster', load: () => import('./commands/snapshot.js') },
  'import-flows': { summary: 'import Hubble JSON flow exports into a new or existing .netcity snapshot', load: () => import('./commands/import-flows.js') },
  diff: { summary: 'compare two snapshots: inventory, policies (rule by rule), connectivity, roads', load: () => import('./commands/diff.js') },
  export: { summary: 'export a snapshot as SVG, PNG, HTML/PDF report, DOT, Mermaid, CSV or JSON', load: () => import('./commands/export.js') },
  probe: { summary: 'Active checks in a live cluster: flow probes, enforcement, path, matrix (needs --yes)', load: () => import('./commands/probe.js') },
};

function helpText(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'netcity: see and check Kubernetes networking as a city',
    '',
    'Usage: netcity <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also `netcity <command> --help`)',
    '  -v, --version  print the version',
    '  --quiet        no progress on stderr',
    '  --progress     progress on stderr even when it is not a terminal',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '-v' || first === '--version') {
    io.out(`${appVersion()}\n`);
    return 0;
  }
  if (!first || first === '-h' || first === '--help' || first === 'help') {
    (first ? io.out : io.err)(helpText());
    return first ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!entry) {
    io.err(`netcity: unknown command "${first}" (have: ${Object.keys(COMMANDS).join(', ')}). Run \`netcity --help\`.\n`);
    return 2;
  }
  const command = (await entry.load()).default;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.usage.trim()}\n`);
    return 0;
  }
  // Progress for long work goes to stderr: on a terminal unless --quiet, elsewhere only with --progress.
  const quiet = rest.includes('--quiet');
  const forced = rest.includes('--progress');
  const args = rest.filter((a) => a !== '--quiet' && a !== '--progress');
  const reporter = !quiet && (forced || io.errIsTTY) ? createProgress({ write: io.err, tty: io.errIsTTY === true }) : undefined;
  const cmdIO: CliIO = reporter ? { ...io, progress: reporter.report, err: (t) => (reporter.clear(), io.err(t)) } : io;
  try {
    return await command.run(args, cmdIO);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`netcity ${command.name}: ${(err as Error).message}\n\n${command.usage.trim()}\n`);
      return 2;
    }
    // Ctrl-C (or SIGTERM) stopped the work: say so, exit 130 as a shell does.
    if ((err as { name?: string }).name === 'AbortError' && io.signal.aborted) {
      io.err(`netcity ${command.name}: stopped: ${(err as Error).message}\n`);
      return 130;
    }
    // The error's code as the API carries it (not for plain errors): scripts can branch on it as the UI does.
    const { errorToWire } = await import('../api/contract.js');
    const wire = errorToWire(err);
    io.err(`netcity ${command.name}: ${wire.message}${wire.code !== 'internal' ? ` (code: ${wire.code})` : ''}\n`);
    return 1;
  } finally {
    reporter?.end();
  }
}

