/**
 * Browser mode under attack (issue #21 items 1, 2, 7): a page on another 127.0.0.1 port that
 * received our cookie, malformed and oversized WebSocket frames, request bodies over the cap.
 * Loopback only.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Backend } from '../../main/api/backend.js';
import { startServer, type RunningServer } from '../../main/serve/server.js';

let server: RunningServer;
let backend: Backend;
let cookie: string;
const base = () => `http://127.0.0.1:${server.port}`;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-serve-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  backend = new Backend({ mode: 'browser', version: 'test', configDir: join(dir, 'config') });
  backend.openDemo();
  server = await startServer({ backend, rendererDir: renderer, maxBody: 64 * 1024 });
  const first = await fetch(server.url, { redirect: 'manual' });
  cookie = first.headers.get('set-cookie')!.split(';')[0];
});
afterAll(async () => {
  await server.close();
  await backend.dispose();
});

const alive = async () => {
  const res = await fetch(`${base()}/api/cities.list`, { method: 'POST', headers: { 'x-netcity-token': server.token }, body: '{}' });
  return res.status === 200 && ((await res.json()) as { result: unknown[] }).result.length > 0;
};

const openSocket = async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`, [`netcity-token.${server.token}`]);
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  return ws;
};

describe('a stolen cookie (another server on 127.0.0.1 receives it)', () => {
  it('is not the token and unlocks neither the API, nor the socket, nor the token', async () => {
    expect(cookie).not.toContain(server.token);
    // The other server replays the cookie from its own process, with our Host header.
    const api = await fetch(`${base()}/api/cluster.connect`, { method: 'POST', headers: { cookie }, body: JSON.stringify({ kubeconfigPath: '/tmp/x' }) });
    expect(api.status).toBe(401);
    const page = await fetch(`${base()}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(server.token);
    const code = await new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`, { headers: { cookie } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('error', () => resolve('error'));
    });
    expect(code).toBe(401);
  });

  it('is named after this server port, so two servers do not share it', () => {
    expect(cookie.startsWith(`netcity_assets_${server.port}=`)).toBe(true);
  });
});

describe('the server survives any WebSocket frame', () => {
  it('a frame over 1 MiB closes that socket (1009), the server keeps serving', async () => {
    const ws = await openSocket();
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(2 * 1024 * 1024, 1));
    expect(await closed).toBe(1009);
    expect(await alive()).toBe(true);
  });

  it('malformed frames (reserved opcode, unmasked, bad UTF-8 close) close that socket only', async () => {
    const frames = [
      Buffer.from([0x83, 0x80, 0, 0, 0, 0]), // reserved opcode 3
      Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), // unmasked client frame
      Buffer.from([0x88, 0x83, 0, 0, 0, 0, 0x03, 0xe8, 0xff]), // close with invalid UTF-8 reason
      Buffer.from([0x01, 0x80, 0, 0, 0, 0, 0x89, 0x80, 0, 0, 0, 0, 0x02, 0x80, 0, 0, 0, 0]), // text fragment then a new binary frame
    ];
    for (const frame of frames) {
      const socket = connect(server.port, '127.0.0.1');
      await new Promise((resolve) => socket.on('connect', resolve));
      socket.on('error', () => undefined);
      socket.write(
        `GET /events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: netcity-token.${server.token}\r\n\r\n`,
      );
      let got = '';
      socket.on('data', (d) => (got += d.toString('latin1')));
      await new Promise<void>((resolve) => {
        const check = () => (got.includes('\r\n\r\n') ? resolve() : setTimeout(check, 5));
        check();
      });
      expect(got).toMatch(/^HTTP\/1.1 101/);
      socket.write(frame);
      await new Promise((resolve) => socket.on('close', resolve));
      expect(await alive()).toBe(true);
    }
  });

  it('garbage instead of an HTTP request gets a 400, the server keeps serving', async () => {
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.write('\x00\x01\x02 not http\r\n\r\n');
    await new Promise((resolve) => socket.on('close', resolve));
    expect(got).toMatch(/^HTTP\/1.1 400/);
    expect(await alive()).toBe(true);
  });
});

describe('request bodies over the cap', () => {
  const post = (headers: Record<string, string | number>, body: Buffer | undefined) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/flows.import', method: 'POST', headers: { 'x-netcity-token': server.token, ...headers } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      if (body) req.end(body);
      else req.flushHeaders();
    });

  it('a declared length over the cap gets 413 and a message (not a reset)', async () => {
    const res = await post({ 'content-length': 300 * 1024 * 1024 }, undefined);
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/request body over 65536 bytes: import large files by path/);
  });

  it('a chunked body that grows over the cap gets 413 and a message', async () => {
    const res = await post({ 'transfer-encoding': 'chunked' }, Buffer.alloc(200 * 1024, 0x61));
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/request body over/);
    expect(await alive()).toBe(true);
  });
});
