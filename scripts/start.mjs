// `npm start`: check that Electron's binary is there, build, then open the desktop app.
// Electron's own postinstall downloads the binary during `npm ci` (skipped with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1, or when the download fails offline). Without it we say so in
// one line and point to browser mode, which needs no Electron at all.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const BROWSER_MODE = 'npm run serve';

function electronBinary() {
  try {
    const bin = createRequire(import.meta.url)('electron');
    return typeof bin === 'string' && existsSync(bin) ? { bin } : { why: `its binary ${bin} is missing` };
  } catch (e) {
    const missingPackage = e && e.code === 'MODULE_NOT_FOUND';
    return { why: missingPackage ? 'the electron package is not installed (run `npm ci`)' : 'its binary was not downloaded during `npm ci` (ELECTRON_SKIP_BINARY_DOWNLOAD=1, or no internet)' };
  }
}

const electron = electronBinary();
if (!electron.bin) {
  process.stderr.write(
    `netcity: the desktop app cannot start: ${electron.why}. Use browser mode instead: \`${BROWSER_MODE}\` ` +
      '(or fetch Electron with `node node_modules/electron/install.js` when online).\n',
  );
  process.exit(1);
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'build']);
run(electron.bin, ['.', ...process.argv.slice(2)]);
