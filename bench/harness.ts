/** Shared by every bench/*.bench.ts: each reports figures through `report`; bench/run.ts prints them. */

export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** The goal from the issue, e.g. "< 2000 ms"; printed beside the figure. */
  goal?: string;
  ok?: boolean;
}

export type Report = (figure: Omit<Figure, 'bench'>) => void;

export interface Bench {
  name: string;
  run: (report: Report) => Promise<void>;
}

export function timeMs<T>(fn: () => T): { result: T; ms: number } {
  const t0 = performance.now();
  const result = fn();
  return { result, ms: performance.now() - t0 };
}

export async function timeMsAsync<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const t0 = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - t0 };
}

export function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}
