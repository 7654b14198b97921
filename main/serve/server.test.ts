import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Backend } from '../api/backend.js';
import { startServer, type RunningServer } from './server.js';

let server: RunningServer;
let backend: Backend;
const base = () => `http://127.0.0.1:${server.port}`;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'netcity-serve-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  backend = new Backend({ mode: 'browser', version: 'test', configDir: join(dir, 'config') });
  backend.openDemo();
  server = await startServer({ backend, rendererDir: renderer });
});
afterAll(async () => {
  await server.close();
  await backend.dispose();
});

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base()}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('browser-mode server', () => {
  it('listens on loopback only and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses API calls without the token, or with a wrong one', async () => {
    expect((await api('cities.list', {})).status).toBe(401);
    expect((await api('cities.list', {}, { 'x-netcity-token': 'nope' })).status).toBe(401);
  });

  it('refuses the page and assets without the token', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(401);
    expect((await fetch(`${base()}/?token=wrong`)).status).toBe(401);
  });

  it('answers API calls with the token and keeps error names and messages', async () => {
    const ok = await api('cities.list', {}, { 'x-netcity-token': server.token });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { result: { id: string }[] };
    expect(body.result.map((c) => c.id)).toEqual(['demo']);
    const bad = (await (await api('city.map', { cityId: 7 }, { 'x-netcity-token': server.token })).json()) as { error: { name: string; message: string } };
    expect(bad.error).toEqual({ code: 'invalid-argument', name: 'ValidationError', message: 'city.map.cityId: expected a string, got number', details: { field: 'city.map.cityId' } });
    // A kind-specific argument of another kind is refused at the boundary, with the code, the field and what the kind takes.
    const variant = (await (await api('probes.plan', { cityId: 'demo', kind: 'enforcement', namespace: 'shop' }, { 'x-netcity-token': server.token })).json()) as { error: unknown };
    expect(variant.error).toEqual({
      code: 'invalid-argument',
      name: 'ValidationError',
      message: 'probes.plan: field "namespace" belongs to kind "matrix", not "enforcement" (kind "enforcement" takes: kind, cityId, image)',
      details: { field: 'probes.plan' },
    });
    const missing = (await (await api('city.map', { cityId: 'nope' }, { 'x-netcity-token': server.token })).json()) as { error: { name: string; message: string } };
    expect(missing.error.name).toBe('NotFoundError');
    expect((missing.error as { code?: string }).code).toBe('not-found');
    expect(missing.error.message).toMatch(/city nope is not open \(open: demo\)/);
  });

  it('refuses other hosts (DNS rebinding) and other origins', async () => {
    // fetch cannot set Host; a raw request can, as a rebinding attacker's page effectively does.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/cities.list', method: 'POST', headers: { host: 'evil.example', 'x-netcity-token': server.token } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(421);
    const cross = await api('cities.list', {}, { 'x-netcity-token': server.token, origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
  });

  it('moves the token to the fragment, sets a port-bound asset cookie, then serves the page with a strict CSP', async () => {
    const first = await fetch(server.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(`/#token=${server.token}`);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie.split(';')[0]).toMatch(new RegExp(`^netcity_assets_${server.port}=`));
    expect(cookie).not.toContain(server.token);
    const page = await fetch(`${base()}/`, { headers: { cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await page.text()).not.toContain(server.token);
    const asset = await fetch(`${base()}/assets/app.js`, { headers: { cookie: cookie.split(';')[0] } });
    expect(asset.status).toBe(200);
    const escape = await fetch(`${base()}/..%2f..%2fpackage.json`, { headers: { cookie: cookie.split(';')[0] } });
    expect(escape.status).toBe(404);
  });

  it('opens the event socket only with the token', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/events`, ['netcity-token.wrong']);
    const code = await new Promise((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      refused.on('error', () => resolve('error'));
    });
    expect(code).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`, [`netcity-token.${server.token}`]);
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const got = new Promise<{ event: string }>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)))));
    backend.emit('notice', { level: 'info', message: 'hello' });
    expect(await got).toEqual({ event: 'notice', data: { level: 'info', message: 'hello' } });
    ws.close();
  });
});
