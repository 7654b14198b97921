// usage: node /tmp/shot.mjs out.png [serve args...]  (run from the worktree)
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
const [out, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, ['bin/netcity.mjs', 'serve', '--port', '0', '--config-dir', '/tmp/shotcfg', ...args], { env: { ...process.env, HOME: '/tmp/shotcfg', KUBECONFIG: '/tmp/shotcfg/none' } });
let buf = '';
const url = await new Promise((res, rej) => { child.stdout.on('data', (d) => { buf += d; const m = buf.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/); if (m) res(m[0]); }); child.stderr.on('data', (d) => (buf += d)); setTimeout(() => rej(new Error(buf)), 60000); });
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1600, height: 950 } });
await p.goto(url);
await p.waitForFunction(() => window.__netcity?.view?.drawn?.nodes > 0 || document.querySelector('canvas'), null, { timeout: 60000 }).catch(() => {});
await p.waitForTimeout(Number(process.env.WAIT ?? 4000));
if (process.env.EVAL) await p.evaluate(process.env.EVAL);
if (process.env.CLICK) { await p.click(process.env.CLICK); await p.waitForTimeout(1500); }
await p.screenshot({ path: out });
await b.close(); child.kill();
