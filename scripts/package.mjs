#!/usr/bin/env node
// `npm run package`: the desktop app as a folder you can run or zip (dist/NetCity-<platform>-<arch>/),
// with the Electron fuses in packaging/fuses.json flipped in its binary. Needs the internet once
// (Electron's release zip for the target, fetched by @electron/packager). Options are passed on:
//   npm run package -- --platform=win32 --arch=x64
//   node scripts/package.mjs --flip PATH   only flips the fuses in an Electron binary you packaged otherwise
// The app is packed in an asar archive (the only place it may load from: OnlyLoadAppFromAsar).
// The backend runs under plain Node (see main/electron/main.ts), which cannot read inside an
// archive, so its code, node_modules and resources are unpacked beside it (app.asar.unpacked).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { platform: { type: 'string' }, arch: { type: 'string' }, out: { type: 'string', default: 'dist' }, flip: { type: 'string' } } });
const { flipFuses, FuseVersion, FuseV1Options } = await import('@electron/fuses');
const spec = JSON.parse(readFileSync(join(root, 'packaging', 'fuses.json'), 'utf8'));

const fuses = { version: FuseVersion.V1, resetAdHocDarwinSignature: (values.platform ?? process.platform) === 'darwin' };
for (const [name, on] of Object.entries(spec.fuses)) {
  if (!(name in FuseV1Options)) throw new Error(`packaging/fuses.json: ${name} is not a fuse this @electron/fuses knows`);
  fuses[FuseV1Options[name]] = on;
}

const summary = Object.entries(spec.fuses).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ');
if (values.flip) {
  await flipFuses(values.flip, fuses);
  process.stdout.write(`fuses flipped in ${values.flip}: ${summary}\n`);
  process.exit(0);
}

const { packager } = await import('@electron/packager');
const paths = await packager({
  dir: root,
  out: join(root, values.out),
  name: 'NetCity',
  executableName: 'netcity-app',
  overwrite: true,
  prune: true,
  ...(values.platform ? { platform: values.platform } : {}),
  ...(values.arch ? { arch: values.arch } : {}),
  asar: { unpack: '{**/out/cli/**,**/node_modules/**,**/resources/**,**/package.json}' },
  ignore: [/^\/(dist|test|bench|docs|scripts|renderer|main|preload|test-results|\.cache|\.ci)(\/|$)/, /^\/out\/dev(\/|$)/],
  afterComplete: [
    async (buildPath, _version, platform, _arch, done) => {
      try {
        const exe = platform === 'darwin' ? join(buildPath, 'NetCity.app') : join(buildPath, platform === 'win32' ? 'netcity-app.exe' : 'netcity-app');
        await flipFuses(exe, fuses);
        done();
      } catch (err) {
        done(err);
      }
    },
  ],
});
process.stdout.write(`packaged: ${paths.join(', ')} (fuses: ${summary})\n`);
