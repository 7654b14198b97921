// Lint TypeScript with typescript-eslint's recommended rules (Svelte files are checked by svelte-check).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers, one way: pure core -> sources -> application use cases -> shells. A file may import its own
// layer and the ones below it, never one above (tests and benchmarks are exempt).
const SHELLS = ['**/api/handlers.js', '**/api/backend.js', '**/api/startup.js', '**/api/tasks.js', '**/cli/*', '**/serve/*', '**/electron/*', '**/backend-child.js'];
const APP = ['**/app/*', '**/city/*', '**/export/index.js'];
// cluster/cni-detect.ts is the pure road-builder detector that live and manifests mode share: core.
const SOURCES = ['**/cluster/*', '!**/cluster/cni-detect.js', '**/flows/*', '!**/flows/aggregate.js', '**/probes/*', '**/store/*', '**/export/rasterize.js'];
// The contract runs in the renderer too: no Node built-ins.
const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'worker_threads'];
const layer = (name, files, forbidden) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: `${name} code must not import from a layer above it (see docs/architecture.md).` }] }] },
});
export const LAYERS = [
  // The API contract is a leaf shared by main, the preload and the renderer: it imports pure core and its
  // validator, nothing else (no sibling in main/api, no source, use case or shell).
  layer('The API contract', ['main/api/contract.ts', 'main/api/validate.ts'], [...SOURCES, ...APP, ...SHELLS, './*', '!./validate.js', '!./contract.js', '../*/**', '!../model/**', '!../map/**', '!../policy/**', '!../diff/**', '!../manifests/**', '!../export/*', '../export/index.js', '../export/rasterize.js', '!../flows/aggregate.js', '!../cluster/cni-detect.js', 'node:*', ...NODE_BUILTINS]),
  layer('Pure core', ['main/model/**/*.ts', 'main/policy/**/*.ts', 'main/map/**/*.ts', 'main/diff/**/*.ts', 'main/manifests/**/*.ts', 'main/flows/aggregate.ts', 'main/cluster/cni-detect.ts', 'main/export/*.ts'], [...SOURCES, ...APP, ...SHELLS, '**/api/contract.js', '**/api/validate.js']),
  layer('Source', ['main/cluster/**/*.ts', 'main/flows/**/*.ts', 'main/probes/**/*.ts', 'main/store/**/*.ts', 'main/export/rasterize.ts'], [...APP, ...SHELLS]),
  layer('Application', ['main/app/**/*.ts', 'main/city/**/*.ts', 'main/export/index.ts'], SHELLS),
  // The renderer talks to the backend through the API contract only.
  layer('Renderer', ['renderer/**/*.ts'], [...SOURCES, ...APP, ...SHELLS]),
];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', '.cache/**', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (bin/, scripts/) run with Node's globals.
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', AbortController: 'readonly', URL: 'readonly' } },
  },
  ...LAYERS,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
);
