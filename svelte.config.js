/** Svelte 5 with runes everywhere; TypeScript through Vite's esbuild/oxc transform. */
export default {
  compilerOptions: { runes: true },
};
