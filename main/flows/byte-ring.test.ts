import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteRing } from './byte-ring.js';

const msg = (i: number, len: number) => Buffer.alloc(len, i % 256);

describe('ByteRing', () => {
  it('keeps the newest entries up to the count bound, oldest first', () => {
    const r = new ByteRing(3, 1000);
    for (let i = 0; i < 7; i++) r.push(msg(i, 10));
    expect(r.entries().map((b) => b[0])).toEqual([4, 5, 6]);
    expect(r.evictedCount).toBe(4);
  });

  it('evicts by bytes when the arena is full, wrapping around', () => {
    const r = new ByteRing(100, 100);
    for (let i = 0; i < 25; i++) r.push(msg(i, 30));
    const e = r.entries();
    expect(e.length).toBeLessThanOrEqual(3);
    expect(e.at(-1)![0]).toBe(24);
    expect(e.map((b) => b[0])).toEqual(Array.from({ length: e.length }, (_, k) => 25 - e.length + k));
  });

  it('refuses a message larger than the arena and stores nothing when disabled', () => {
    expect(new ByteRing(10, 8).push(msg(1, 9))).toBe(false);
    const off = new ByteRing(0, 100);
    expect(off.push(msg(1, 1))).toBe(false);
    expect(off.entries()).toEqual([]);
  });

  it('always returns exactly the newest messages that fit, intact (model check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 16, max: 200 }), fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 80 }), (maxEntries, maxBytes, lens) => {
        const r = new ByteRing(maxEntries, maxBytes);
        const pushed: Buffer[] = [];
        lens.forEach((len, i) => {
          const b = Buffer.from(Array.from({ length: len }, (_, k) => (i * 31 + k) % 256));
          if (r.push(b)) pushed.push(b);
        });
        const got = r.entries();
        // A suffix of what was stored, in order, byte for byte, within both bounds.
        expect(got).toEqual(pushed.slice(pushed.length - got.length));
        expect(got.length).toBeLessThanOrEqual(maxEntries);
        expect(got.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(maxBytes);
        if (pushed.length) expect(got.length).toBeGreaterThan(0);
      }),
    );
  });
});
