/**
 * Browser mode: the API contract over HTTP (POST /api/<method>) and a WebSocket for push events,
 * bound to 127.0.0.1 only, with a random per-run token required on every API request (a header)
 * and socket (its protocol). The token reaches the page through the URL printed at start, which
 * redirects to `/#token=…`: the fragment never reaches a server, and the page keeps the token in
 * its session storage. Cookies are not scoped to a port (any server on 127.0.0.1 the browser
 * visits receives them), so the cookie carries a second random value, named after this port,
 * that unlocks the static assets only — never the API, the socket or the token.
 * Host and Origin are checked against DNS rebinding. Every socket and stream has an error
 * handler: a malformed or oversized frame closes that socket, never the server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backend } from '../api/backend.js';
import { errorToWire, type WireResponse } from '../api/contract.js';
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

export const TOKEN_HEADER = 'x-netcity-token';
export const WS_PROTOCOL_PREFIX = 'netcity-token.';

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  /** The asset cookie's value: unrelated to the token, useless for the API. */
  const assetKey = randomBytes(24).toString('base64url');
  const maxBody = opts.maxBody ?? 256 * 1024 * 1024;
  const indexPath = join(opts.rendererDir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`renderer not built: ${indexPath} is missing (run \`npm run build\` first)`);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origin = () => `http://127.0.0.1:${port}`;
  const cookieName = () => `netcity_assets_${port}`;
  const assetCookie = () => `${cookieName()}=${assetKey}; HttpOnly; SameSite=Strict; Path=/`;
  const hasAssetCookie = (req: IncomingMessage) => sameToken(cookieValue(req, cookieName()), assetKey);

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

  const serveIndex = (res: ServerResponse) => {
    securityHeaders(res);
    res.writeHead(200, {
      'content-type': MIME['.html'],
      'cache-control': 'no-store',
      'content-security-policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    });
    res.end(readFileSync(indexPath, 'utf8'));
  };

  const serveStatic = (res: ServerResponse, pathname: string) => {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    const file = join(opts.rendererDir, rel);
    if (!file.startsWith(opts.rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) return deny(res, 404, 'not found');
    securityHeaders(res);
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const tooLarge = `request body over ${maxBody} bytes: import large files by path instead (File › Import flows › choose the file)`;
  class BodyTooLarge extends Error {}
  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          // Stop buffering; the rest is read and dropped so the client gets the answer, not a reset.
          chunks.length = 0;
          req.removeAllListeners('data');
          req.resume();
          reject(new BodyTooLarge(tooLarge));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  const answerTooLarge = (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
    res.end(tooLarge, () => req.socket.destroySoon?.());
  };

  const server = createServer(async (req, res) => {
    req.on('error', () => req.destroy());
    res.on('error', () => res.destroy());
    try {
      if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 421, 'wrong host: open the URL printed by `netcity serve`');
      const url = new URL(req.url ?? '/', origin());
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return deny(res, 405, 'use POST');
        if (!sameToken(req.headers[TOKEN_HEADER] as string | undefined, token)) return deny(res, 401, 'missing or wrong token');
        const o = req.headers.origin;
        if (o && o !== origin() && o !== `http://localhost:${port}`) return deny(res, 403, 'cross-origin request refused');
        const method = url.pathname.slice('/api/'.length);
        if (Number(req.headers['content-length'] ?? 0) > maxBody) return answerTooLarge(req, res);
        let response: WireResponse<unknown>;
        try {
          const body = await readBody(req);
          const args = body ? JSON.parse(body) : {};
          response = { result: await opts.backend.call(method as never, args) };
        } catch (err) {
          if (err instanceof BodyTooLarge) return answerTooLarge(req, res);
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
          // The token moves from the query (sent to servers, kept in logs) to the fragment (never
          // sent); the page stores it and clears the address bar.
          res.setHeader('set-cookie', assetCookie());
          url.searchParams.delete('token');
          const rest = url.searchParams.toString();
          res.writeHead(303, { location: `${rest ? `/?${rest}` : '/'}#token=${token}` });
          res.end();
          return;
        }
        if (!hasAssetCookie(req)) return deny(res, 401, 'missing token: open the URL printed by `netcity serve`');
        return serveIndex(res);
      }
      if (!hasAssetCookie(req)) return deny(res, 401, 'missing token: open the URL printed by `netcity serve`');
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
  wss.on('error', () => undefined);
  // A malformed request line or header: answer 400 and close that connection only.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('connection', (socket) => socket.on('error', () => socket.destroy()));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
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
      // A malformed frame or one over maxPayload: ws closes the socket (1002/1009) and reports here.
      ws.on('error', () => ws.terminate());
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
