/**
 * Which files the API may read or write (issue #21 item 5): only paths inside the snapshot
 * library, inside folders the user allowed (named on the command line, `netcity serve --allow
 * DIR`, `allowedFolders` in settings.json, or chosen in the desktop app's folder dialog), or a
 * file the user picked in a dialog. Paths are compared by real path, so a symlink inside an
 * allowed folder that points elsewhere is refused, and `..` cannot climb out. An API call alone
 * (a page that got hold of the token, a compromised renderer) cannot widen the list.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';

export class PathNotAllowedError extends Error {
  override name = 'PathNotAllowedError';
  readonly code = 'path-not-allowed';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The real path of `p`, or of its nearest existing parent joined with the rest (a file about to be written). */
export function realPathOf(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  if (parent === abs) return abs;
  return resolve(realPathOf(parent), basename(abs));
}

const inside = (path: string, folder: string) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

export class PathGuard {
  private readonly folders = new Set<string>();
  private readonly files = new Set<string>();

  /**
   * `library`: the snapshot library folder (read at each check: Settings may move it).
   * `nextStep`: how a user allows another folder, for the error message.
   */
  constructor(
    private readonly library: () => string,
    private readonly nextStep: string,
  ) {}

  allowFolder(folder: string): void {
    this.folders.add(realPathOf(folder));
  }

  allowFile(file: string): void {
    this.files.add(realPathOf(file));
  }

  /** The folders allowed now (the library first), for messages and Settings. */
  allowedFolders(): string[] {
    return [realPathOf(this.library()), ...this.folders];
  }

  allows(path: string): boolean {
    const real = realPathOf(path);
    return this.files.has(real) || this.allowedFolders().some((f) => inside(real, f));
  }

  /** The absolute path when it may be used; else a PathNotAllowedError that says how to allow it. */
  check(path: string, doing: string): string {
    const abs = resolve(path);
    if (this.allows(abs)) return abs;
    const folders = this.allowedFolders();
    throw new PathNotAllowedError(
      abs,
      `${doing} ${abs}: NetCity only uses files in the snapshot library (${folders[0]})${folders.length > 1 ? `, in the folders you allowed (${folders.slice(1).join(', ')})` : ''} or picked in a file dialog. ${this.nextStep}`,
    );
  }
}
