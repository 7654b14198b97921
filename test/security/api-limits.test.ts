/** API inputs (issue #21 items 7 and 10): inherited names, and totals the UI can grow a city by. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';
import { MAX_NOTES, MAX_POSITIONS } from '../../main/api/handlers.js';

const backend = new Backend({ mode: 'browser', version: 'test', configDir: mkdtempSync(join(tmpdir(), 'netcity-sec-api-')) });
backend.openDemo();
afterAll(() => backend.dispose());

describe('API inputs', () => {
  it('positions.set {"__proto__": …} changes no prototype', async () => {
    const positions = backend.city('demo').snapshot.positions;
    await expect(backend.call('positions.set', JSON.parse('{"cityId":"demo","positions":{"__proto__":{"x":1,"y":2}}}'))).rejects.toThrow(/"__proto__" is not allowed/);
    expect(Object.getPrototypeOf(positions)).toBe(Object.prototype);
    expect((positions as Record<string, unknown>).x).toBeUndefined();
  });

  it('positions have a total cap', async () => {
    const batch = (n: number) => Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`p${n}-${i}`, { x: i, y: i }]));
    for (let n = 0; n < MAX_POSITIONS / 50_000; n++) await backend.call('positions.set', { cityId: 'demo', positions: batch(n) });
    await expect(backend.call('positions.set', { cityId: 'demo', positions: { extra: { x: 1, y: 1 } } })).rejects.toThrow(/at most 200000 moved places/);
    // Moving a place already kept is still allowed.
    await backend.call('positions.set', { cityId: 'demo', positions: { 'p0-1': { x: 5, y: 5 } } });
  });

  it('notes have a total cap', async () => {
    for (let i = 0; i < MAX_NOTES; i++) await backend.call('notes.add', { cityId: 'demo', text: 'n' });
    await expect(backend.call('notes.add', { cityId: 'demo', text: 'one more' })).rejects.toThrow(/at most 10000 notes/);
  });
});
