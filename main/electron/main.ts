/**
 * The Electron shell: window, app:// protocol, IPC bridge, dialogs. Everything else runs in the
 * backend child process (./backend-process.ts), the same code browser mode runs.
 * Security: contextIsolation, sandbox, no nodeIntegration, strict CSP, navigation and new windows
 * blocked, permissions denied, external links only to https through the OS browser, and each IPC
 * call checked to come from our own top frame.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../serve/csp.js';
import { findExecutable, loginShellPath, mergePaths } from '../cluster/login-path.js';
import { BackendProcess } from './backend-process.js';
import { APP_ORIGIN, APP_SCHEME, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, IPC_PICK_CHANNEL } from './channels.js';
import { appFileFor, isAppNavigation, isExternalHttps, isTrustedSender, pickDialog } from './trust.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Packaged (npm run package), the app is an asar archive; the backend runs under plain Node,
// which cannot read inside one, so its files are unpacked beside it.
const backendRoot = root.endsWith('.asar') ? `${root}.unpacked` : root;
const rendererDir = join(root, 'out', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(rendererDir, request.url);
    if (!file || !existsSync(file)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy());
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

function harden(win: BrowserWindow): void {
  const contents = win.webContents;
  contents.on('will-navigate', (e, url) => {
    if (!isAppNavigation(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalHttps(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

async function nodeExecutable(): Promise<{ node: string; path: string }> {
  // Started from a desktop launcher the PATH is minimal: use the login shell's, as kubectl plugins need too.
  const path = mergePaths(await loginShellPath().catch(() => ''), process.env.PATH ?? '');
  const node = process.env.NETCITY_NODE ?? findExecutable('node', path);
  if (!node) throw new Error('NetCity needs Node.js (20.19 or newer) on your PATH to run its backend. Install it, or set NETCITY_NODE to its path.');
  return { node, path };
}

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'NetCity',
    backgroundColor: '#fbfaf7',
    webPreferences: {
      preload: join(root, 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  harden(win);

  const { node, path } = await nodeExecutable();
  const backend = new BackendProcess({
    nodePath: node,
    entry: join(backendRoot, 'out', 'cli', 'main', 'backend-child.js'),
    args: process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => !a.startsWith('--inspect') && a !== '.'),
    env: { ...process.env, PATH: path, ELECTRON_RUN_AS_NODE: undefined },
    onEvent: (e) => {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, e);
    },
    onExit: (code) => {
      if (win.isDestroyed() || code === 0) return;
      win.webContents.send(IPC_EVENT_CHANNEL, { event: 'notice', data: { level: 'error', message: `The backend stopped (exit ${code}); restarting it. Open cities must be reopened.` } });
      setTimeout(() => backend.start(), 1000);
    },
  });
  backend.start();

  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, args: unknown) => {
    // Only our own top-level page may call the backend.
    const frame = event.senderFrame;
    if (!isTrustedSender(frame, !!frame && frame === event.sender.mainFrame)) {
      return { error: { code: 'refused', name: 'SecurityError', message: 'IPC call refused: not from the NetCity window' } };
    }
    if (typeof method !== 'string') return { error: { code: 'invalid-argument', name: 'ValidationError', message: 'method must be a string' } };
    return backend.call(method, args);
  });
  // A native dialog: the file or folder the user picks is granted to the backend, then named to the page.
  ipcMain.handle(IPC_PICK_CHANNEL, async (event, kind: unknown) => {
    const frame = event.senderFrame;
    const spec = pickDialog(kind);
    if (!spec || !isTrustedSender(frame, !!frame && frame === event.sender.mainFrame)) return undefined;
    const r = await dialog.showOpenDialog(win, { properties: [spec.property], filters: spec.filters });
    const picked = r.canceled ? undefined : r.filePaths[0];
    if (picked) backend.grant(picked, spec.grant);
    return picked;
  });
  win.on('closed', () => {
    ipcMain.removeHandler(IPC_PICK_CHANNEL);
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
    backend.stop();
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);
}

app.enableSandbox();
app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer();
  try {
    await createWindow();
  } catch (err) {
    // Before a window exists the only way to say what went wrong is a native dialog.
    dialog.showErrorBox('NetCity could not start', (err as Error).message);
    app.quit();
  }
});
app.on('window-all-closed', () => app.quit());
