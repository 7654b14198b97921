/** Public API of the snapshot diff. */
export { diffSnapshots, diffPolicies, hasChanges, type DiffOptions } from './diff.js';
export { diffPolicyRules } from './policy-rules.js';
export { diffRoads, roadPathId } from './roads.js';
export { diffInventory } from './inventory.js';
export { diffConnectivity, directionsOf } from './connectivity.js';
export { diffRows, formatDiff, formatDiffText, formatDiffMarkdown, DIFF_FORMATS, type DiffFormat, type DiffRow } from './format.js';
export type * from './types.js';
