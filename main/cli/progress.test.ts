import { describe, expect, it, vi } from 'vitest';
import { createProgress, formatProgress } from './progress.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('CLI progress on stderr', () => {
  it('formats phases with counts', () => {
    expect(formatProgress('reading manifests', 3812, 10000)).toBe('reading manifests 3,812/10,000');
    expect(formatProgress('capturing flows', 1500)).toBe('capturing flows 1,500');
    expect(formatProgress('evaluating policies')).toBe('evaluating policies');
  });

  it('prints nothing for work that ends within the first second', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ write: (t) => out.push(t), tty: true, now: c.now });
    p.report('reading manifests', 1, 10);
    c.advance(900);
    p.report('reading manifests', 9, 10);
    p.end();
    expect(out).toEqual([]);
  });

  it('rewrites one terminal line in place, throttled, and clears it at the end', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ write: (t) => out.push(t), tty: true, now: c.now });
    c.advance(1200);
    p.report('reading manifests', 100, 10000);
    c.advance(10);
    p.report('reading manifests', 101, 10000); // within 100 ms: dropped
    c.advance(200);
    p.report('reading manifests', 3812, 10000);
    p.report('evaluating policies'); // a new phase is shown at once
    p.end();
    expect(out).toEqual([
      '\r\x1b[Kreading manifests 100/10,000',
      '\r\x1b[Kreading manifests 3,812/10,000',
      '\r\x1b[Kevaluating policies',
      '\r\x1b[K',
    ]);
  });

  it('writes whole lines, at most one a second per phase, when stderr is not a terminal', () => {
    const c = clock();
    const out: string[] = [];
    const p = createProgress({ write: (t) => out.push(t), tty: false, now: c.now });
    c.advance(1000);
    p.report('importing', 1);
    c.advance(500);
    p.report('importing', 2);
    c.advance(600);
    p.report('importing', 3);
    p.end();
    expect(out).toEqual(['importing 1\n', 'importing 3\n']);
  });

  it('shows a phase that reported only at its start once the first second has passed', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const p = createProgress({ write: (t) => out.push(t), tty: true, now: () => Date.now() });
      p.report('evaluating policies');
      expect(out).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(out).toEqual(['\r\x1b[Kevaluating policies']);
      p.clear();
      expect(out.at(-1)).toBe('\r\x1b[K');
      p.report('evaluating policies'); // redrawn after a message cleared it
      expect(out.at(-1)).toBe('\r\x1b[Kevaluating policies');
      p.end();
    } finally {
      vi.useRealTimers();
    }
  });
});
