/**
 * The login shell's PATH. An app started from a desktop launcher inherits a bare PATH
 * (/usr/bin:/bin), so exec auth plugins installed by Homebrew, gcloud or asdf are not found;
 * kubectl in a terminal finds them because the shell's profile extended PATH. Resolved once.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

const START = '__NETCITY_PATH_START__';
const END = '__NETCITY_PATH_END__';

let cached: Promise<string> | undefined;

export interface LoginPathOptions {
  shell?: string;
  timeoutMs?: number;
  /** The PATH the process already has; its entries are kept after the shell's. */
  basePath?: string;
}

/** Asks `$SHELL -ilc` for PATH (with a timeout) and merges it with the process PATH. Never rejects. */
export function resolveLoginShellPath(opts: LoginPathOptions = {}): Promise<string> {
  const basePath = opts.basePath ?? process.env.PATH ?? '';
  const shell = opts.shell ?? process.env.SHELL;
  if (process.platform === 'win32' || !shell) return Promise.resolve(basePath);
  return new Promise((resolve) => {
    // Sentinels: interactive shells may print a banner around our output.
    execFile(
      shell,
      ['-ilc', `printf '${START}%s${END}' "$PATH"`],
      { timeout: opts.timeoutMs ?? 3000, encoding: 'utf8', env: process.env },
      (_err, stdout) => {
        const m = typeof stdout === 'string' ? stdout.match(new RegExp(`${START}(.*?)${END}`, 's')) : null;
        resolve(mergePaths(m ? m[1] : '', basePath));
      },
    );
  });
}

/** The cached login PATH for this process (first call starts the shell). */
export function loginShellPath(): Promise<string> {
  cached ??= resolveLoginShellPath();
  return cached;
}

/** For tests: forget or preset the cached PATH. */
export function setLoginShellPathForTests(value: string | undefined): void {
  cached = value === undefined ? undefined : Promise.resolve(value);
}

export function mergePaths(first: string, second: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of [...first.split(path.delimiter), ...second.split(path.delimiter)]) {
    if (dir && !seen.has(dir)) {
      seen.add(dir);
      out.push(dir);
    }
  }
  return out.join(path.delimiter);
}

/** Absolute path of an executable found on `searchPath`, or undefined. Paths with a slash are checked as given. */
export function findExecutable(command: string, searchPath: string): string | undefined {
  const isFile = (p: string): boolean => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes('\\')) return isFile(command) ? command : undefined;
  const exts = process.platform === 'win32' ? ['', '.exe', '.cmd', '.bat'] : [''];
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}
