/**
 * `netcity`: the command line. Each command lives in ./commands/<name>.ts; this file only
 * dispatches, prints help and turns errors into messages and exit codes.
 */
import { appVersion } from '../app-paths.js';
import { UsageError, type CliIO, type Command } from './command.js';
import { createProgress } from './progress.js';

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  serve: () => import('./commands/serve.js'),
  analyze: () => import('./commands/analyze.js'),
  snapshot: () => import('./commands/snapshot.js'),
  'import-flows': () => import('./commands/import-flows.js'),
  diff: () => import('./commands/diff.js'),
  export: () => import('./commands/export.js'),
  probe: () => import('./commands/probe.js'),
};

function helpText(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'netcity: see and check Kubernetes networking as a city',
    '',
    'Usage: netcity <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
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
    const commands = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).default));
    (first ? io.out : io.err)(helpText(commands));
    return first ? 0 : 2;
  }
  const load = COMMANDS[first];
  if (!load) {
    io.err(`netcity: unknown command "${first}" (have: ${Object.keys(COMMANDS).join(', ')}). Run \`netcity --help\`.\n`);
    return 2;
  }
  const command = (await load()).default;
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
    io.err(`netcity ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    reporter?.end();
  }
}

