/** Errors of the snapshot store: each names the file, what is wrong and what to do next. */

export type SnapshotErrorCode =
  | 'not-found'
  | 'corrupt'
  | 'foreign'
  | 'newer-schema'
  | 'read-only'
  | 'disk-full'
  | 'secret'
  | 'exists'
  | 'closed'
  | 'invalid-name'
  | 'io';

export class SnapshotFileError extends Error {
  override name = 'SnapshotFileError';
  constructor(
    readonly code: SnapshotErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

interface ErrLike {
  code?: unknown;
  message?: unknown;
}

/**
 * Turns a low-level failure (SQLite or fs) into a SnapshotFileError with a clear message.
 * `doing` is a phrase such as "saving" or "opening"; `untouched` tells whether the original file is safe.
 */
export function explainStoreError(err: unknown, path: string, doing: string, untouched = true): SnapshotFileError {
  if (err instanceof SnapshotFileError) return err;
  const e = (err ?? {}) as ErrLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : String(err);
  const safe = untouched ? ' The original file was not changed.' : '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || /database or disk is full/i.test(msg)) {
    return new SnapshotFileError('disk-full', path, `${doing} snapshot ${path}: the disk is full. Free some space and try again.${safe}`);
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    /readonly database|read-only file system/i.test(msg)
  ) {
    return new SnapshotFileError(
      'read-only',
      path,
      `${doing} snapshot ${path}: the file or its folder is read-only (${code || msg}). Choose a writable location (or copy the file) and try again.${safe}`,
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || /malformed|not a database/i.test(msg)) {
    return new SnapshotFileError(
      'corrupt',
      path,
      `${doing} snapshot ${path}: the file is damaged (${msg}). Restore it from a copy or capture a new snapshot.${safe}`,
    );
  }
  if (code === 'ENOENT') {
    return new SnapshotFileError('not-found', path, `${doing} snapshot ${path}: no such file or folder. Check the path.`);
  }
  return new SnapshotFileError('io', path, `${doing} snapshot ${path} failed: ${msg}.${safe}`);
}
