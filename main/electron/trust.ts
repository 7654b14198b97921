/** Pure checks the Electron shell makes on every IPC call and app:// request (tested under plain Node). */
import { join, normalize, sep } from 'node:path';
import { APP_HOST, APP_ORIGIN, type PickKind } from './channels.js';

/** Only the app's own top-level page may call the backend. */
export function isTrustedSender(frame: { url: string } | null | undefined, isMainFrame: boolean): boolean {
  if (!frame || !isMainFrame) return false;
  try {
    const u = new URL(frame.url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** The file an app:// URL names inside the renderer folder, or undefined (other host, escape attempts). */
export function appFileFor(rendererDir: string, requestUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.host !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  const rel = normalize(path).replace(/^([/\\])+/, '') || 'index.html';
  const file = join(rendererDir, rel);
  return file.startsWith(rendererDir + sep) ? file : undefined;
}

/** Navigation stays inside the app; anything else is refused (external links go to the OS browser). */
export function isAppNavigation(url: string): boolean {
  return url.startsWith(`${APP_ORIGIN}/`);
}

/** The native dialog for a pick request from the page, or undefined for anything else. */
export function pickDialog(kind: unknown): { property: 'openFile' | 'openDirectory'; grant: 'file' | 'folder'; filters?: { name: string; extensions: string[] }[] } | undefined {
  const k = kind as PickKind;
  if (k === 'folder') return { property: 'openDirectory', grant: 'folder' };
  if (k === 'snapshot') return { property: 'openFile', grant: 'file', filters: [{ name: 'NetCity snapshots', extensions: ['netcity'] }] };
  if (k === 'flows') return { property: 'openFile', grant: 'file' };
  return undefined;
}

/** What openExternal may open: https, with no credentials in the URL (user:pw@ would hand them to the site). */
export function isExternalHttps(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
