/** The shape every `netcity <command>` implements; cli.ts dispatches to them. */

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  /** Set by Ctrl-C; long commands stop early and say what they kept. */
  signal: AbortSignal;
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
