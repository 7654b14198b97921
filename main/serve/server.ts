/**
 * Browser mode: the API contract over HTTP (POST /api/<method>) and a WebSocket for push events,
 * bound to 127.0.0.1 only, with a random per-run token required on every request and socket.
 * The token reaches the page through the URL printed at start; the page is then served with a
 * same-site HttpOnly cookie for its assets and the token in a <meta> for API calls (a header a
 * cross-site page cannot send). Host and Origin are checked against DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backend } from '../api/backend.js';
import type { WireResponse } from '../api/contract.js';
import { contentSecurityPolicy } from './csp.js';

export interface ServeOptions {
  backend: Backend;
  rendererDir: string;
  port?: number;
  token?: string;
  /** Largest request body accepted (bytes). Default 256 MiB (flow imports in browser mode). */
  maxBody?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

const COOKIE = 'netcity_token';
export const TOKEN_HEADER = 'x-netcity-token';
export const WS_PROTOCOL_PREFIX = 'netcity-token.';

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

export function errorToWire(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const maxBody = opts.maxBody ?? 256 * 1024 * 1024;
  const indexPath = join(opts.rendererDir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`renderer not built: ${indexPath} is missing (run \`npm run build\` first)`);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origin = () => `http://127.0.0.1:${port}`;

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };
  const deny = (res: ServerResponse, status: number, message: string) => {
    securityHeaders(res);
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(message);
  };

  const serveIndex = (res: ServerResponse, setCookie: boolean) => {
    const html = readFileSync(indexPath, 'utf8').replace('<head>', `<head>\n    <meta name="netcity-token" content="${token}">`);
    securityHeaders(res);
    const headers: Record<string, string> = {
      'content-type': MIME['.html'],
      'cache-control': 'no-store',
      'content-security-policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    };
    if (setCookie) headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(html);
  };

  const serveStatic = (res: ServerResponse, pathname: string) => {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    const file = join(opts.rendererDir, rel);
    if (!file.startsWith(opts.rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) return deny(res, 404, 'not found');
    securityHeaders(res);
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          reject(new Error(`request body over ${maxBody} bytes: import large files by path instead`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const server = createServer(async (req, res) => {
    try {
      if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 421, 'wrong host: open the URL printed by `netcity serve`');
      const url = new URL(req.url ?? '/', origin());
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return deny(res, 405, 'use POST');
        if (!sameToken(req.headers[TOKEN_HEADER] as string | undefined, token)) return deny(res, 401, 'missing or wrong token');
        const o = req.headers.origin;
        if (o && o !== origin() && o !== `http://localhost:${port}`) return deny(res, 403, 'cross-origin request refused');
        const method = url.pathname.slice('/api/'.length);
        let response: WireResponse<unknown>;
        try {
          const body = await readBody(req);
          const args = body ? JSON.parse(body) : {};
          response = { result: await opts.backend.call(method as never, args) };
        } catch (err) {
          response = { error: errorToWire(err) };
        }
        securityHeaders(res);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(response));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
      const queryToken = url.searchParams.get('token');
      if (url.pathname === '/' || url.pathname === '/index.html') {
        // The page's own options (e.g. ?renderer=canvas) survive the token redirect.
        if (queryToken !== null) {
          if (!sameToken(queryToken, token)) return deny(res, 401, 'wrong token: open the URL printed by `netcity serve`');
          // Drop the token from the address bar (and history) once the cookie is set.
          res.setHeader('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
          url.searchParams.delete('token');
          const rest = url.searchParams.toString();
          res.writeHead(303, { location: rest ? `/?${rest}` : '/' });
          res.end();
          return;
        }
        if (!sameToken(cookieToken(req), token)) return deny(res, 401, 'missing token: open the URL printed by `netcity serve`');
        return serveIndex(res, false);
      }
      if (!sameToken(cookieToken(req), token)) return deny(res, 401, 'missing token');
      return serveStatic(res, url.pathname);
    } catch (err) {
      deny(res, 500, errorToWire(err).message);
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    handleProtocols: (protocols) => {
      for (const p of protocols) if (p.startsWith(WS_PROTOCOL_PREFIX)) return p;
      return false;
    },
  });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const offered = protocols.find((p) => p.startsWith(WS_PROTOCOL_PREFIX))?.slice(WS_PROTOCOL_PREFIX.length);
    const o = req.headers.origin;
    const url = new URL(req.url ?? '/', origin());
    const ok =
      allowedHosts().has(req.headers.host ?? '') &&
      url.pathname === '/events' &&
      sameToken(offered, token) &&
      (!o || o === origin() || o === `http://localhost:${port}`);
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const unsubscribe = opts.backend.on((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
