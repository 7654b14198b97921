/// <reference types="svelte" />
declare module '*.css';

/**
 * True only in test builds (NETCITY_TEST_HOOKS=1 at build time: `npm test`, `npm run test:e2e`,
 * `npm run bench`): the renderer then publishes window.__netcity and window.__netcityMap for the
 * end-to-end tests and benchmarks. A build for users has neither.
 */
declare const __NETCITY_TEST_HOOKS__: boolean;
