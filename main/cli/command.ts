/** The shape every `netcity <command>` implements; cli.ts dispatches to them. */
import type { ProgressFn } from './progress.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  /** Set by Ctrl-C; long commands stop early and say what they kept. */
  signal: AbortSignal;
  /** stderr is a terminal (progress is shown there unless --quiet). */
  errIsTTY?: boolean;
  /** Phases with counts for long work, on stderr; set by cli.ts from --quiet / --progress. */
  progress?: ProgressFn;
}

export interface Command {
  name: string;
  /** Full usage text for `netcity <name> --help`. */
  usage: string;
  run: (args: string[], io: CliIO) => Promise<number>;
}

/** A usage error: the CLI prints its message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
