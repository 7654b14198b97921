import { describe, expect, it } from 'vitest';
import { timeTicks } from './time-axis';

const T = (iso: string) => Date.parse(iso);
const NOW = T('2026-12-04T10:00:00Z');

describe('timeTicks', () => {
  it('picks a round step for the span and width, labelled with the time of day', () => {
    const ticks = timeTicks(T('2026-12-04T09:45:00Z'), T('2026-12-04T10:00:00Z'), 600, NOW);
    expect(ticks.map((t) => t.label)).toEqual(['09:45', '09:50', '09:55', '10:00']);
  });
  it('shows seconds for short spans', () => {
    const ticks = timeTicks(T('2026-12-04T09:59:30Z'), T('2026-12-04T10:00:00Z'), 400, NOW);
    expect(ticks[0].label).toBe('09:59:30');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(4);
  });
  it('dates a capture from another day on its first tick and where the day changes', () => {
    const ticks = timeTicks(T('2021-03-04T22:00:00Z'), T('2021-03-05T02:00:00Z'), 500, NOW);
    expect(ticks[0].label).toBe('2021-03-04 22:00');
    expect(ticks.find((t) => t.t === T('2021-03-05T00:00:00Z'))!.label).toBe('2021-03-05 00:00');
    expect(ticks.find((t) => t.t === T('2021-03-05T01:00:00Z'))!.label).toBe('01:00');
  });
  it('labels days for spans of weeks', () => {
    const ticks = timeTicks(T('2021-03-01T00:00:00Z'), T('2021-03-15T00:00:00Z'), 600, NOW);
    expect(ticks[0].label).toMatch(/^2021-03-0\d$/);
    expect(ticks.length).toBeLessThanOrEqual(6);
  });
});
