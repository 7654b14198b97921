// `npm run build` with the renderer's test hooks (window.__netcity, window.__netcityMap) compiled
// in: what the end-to-end tests and the benchmarks drive. A plain `npm run build` has none.
import { spawnSync } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const r = spawnSync(npm, ['run', 'build'], { stdio: 'inherit', env: { ...process.env, NETCITY_TEST_HOOKS: '1' }, shell: process.platform === 'win32' });
process.exit(r.status ?? 1);
