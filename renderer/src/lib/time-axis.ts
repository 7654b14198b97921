/**
 * Ticks for the timeline's time axis: a round step for the span and width (a label every ~110 px),
 * each labelled with the time of day, and with the date where the day changes or on the first tick
 * (so a capture from another day never reads as today). Times are UTC, as everywhere in the app.
 */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000].map((s) => s * 1000);

export interface Tick {
  t: number;
  label: string;
}

export function timeTicks(from: number, to: number, width: number, now = Date.now()): Tick[] {
  const span = Math.max(1, to - from);
  const want = Math.max(2, Math.floor(width / 110));
  const step = STEPS.find((s) => span / s <= want) ?? STEPS[STEPS.length - 1];
  const ticks: Tick[] = [];
  let lastDay = '';
  const today = new Date(now).toISOString().slice(0, 10);
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const iso = new Date(t).toISOString();
    const day = iso.slice(0, 10);
    const time = step >= 86_400_000 ? '' : step < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16);
    const withDay = day !== lastDay && (ticks.length === 0 ? day !== today || step >= 3_600_000 : true);
    ticks.push({ t, label: [withDay || !time ? day : '', time].filter(Boolean).join(' ') });
    lastDay = day;
  }
  return ticks;
}

/** "1,234" style counts. */
export const count = (n: number): string => n.toLocaleString('en-US');
