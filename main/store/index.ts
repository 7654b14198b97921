/** Public API of the snapshot store. */
export { SnapshotFileError, type SnapshotErrorCode } from './errors.js';
export { APPLICATION_ID, SCHEMA_VERSION, MIGRATIONS } from './schema.js';
export {
  saveSnapshot,
  openSnapshot,
  roadsInWindow,
  validateSnapshotFile,
  SnapshotFile,
  SNAPSHOT_EXTENSION,
  DEFAULT_OPEN_RAW_FLOWS,
  type OpenOptions,
  type SaveOptions,
  type SnapshotFileInfo,
} from './snapshot-file.js';
export { SnapshotWriter, recoverSnapshotFile, type WriterOptions, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_STORED_FLOWS } from './writer.js';
export { cleanSnapshot, looksLikeSecretText, isSecretObject } from './secrets.js';
export type { FlowTimeRange } from './timeline.js';
export type { IntegrityCheck } from './file-check.js';
export { SnapshotLibrary, defaultLibraryDir, slugOf, type LibraryEntry } from './library.js';
