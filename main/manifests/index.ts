/** Reading Kubernetes manifests (files, folders, YAML/JSON, Lists) into the shared model. */
export { parseManifestText, formatManifestError, formatLocation } from './parse.js';
export type { ManifestError, ManifestLocation, ManifestObject } from './parse.js';
export { convertObjects } from './convert.js';
export type { ConvertOptions, ManifestSet } from './convert.js';
export { loadManifests, ManifestLimitError, ManifestsCancelledError, DEFAULT_MAX_FILE_MB, DEFAULT_MAX_TOTAL_MB } from './load.js';
export type { LoadOptions } from './load.js';
export { manifestsToSnapshot } from './snapshot.js';
