/** The SnapshotStore port over .netcity files (main/store): what the app's snapshot use cases use unless given another. */
import { openSnapshot, roadsInWindow, saveSnapshot } from '../store/index.js';
import { SnapshotLibrary, snapshotFileEntry } from '../store/library.js';
import type { SnapshotStore } from './ports.js';

export const fileStore: SnapshotStore = {
  open: (path, opts) => openSnapshot(path, opts),
  save: (path, snapshot) => saveSnapshot(path, snapshot),
  entry: (path) => snapshotFileEntry(path),
  library: (dir) => new SnapshotLibrary(dir),
  roadsInWindow: (path, from, to) => roadsInWindow(path, from, to),
};
