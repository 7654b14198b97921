/**
 * Progress on stderr for long CLI work: phases with counts ("reading manifests 3,812/10,000").
 * Nothing is printed for work that ends within the first second. On a terminal one line is
 * rewritten in place and cleared at the end; elsewhere (only with --progress) a line is written
 * per phase and at most once a second.
 */

/** Reports the current phase; `done`/`total` are counts of whatever the phase works through. */
export type ProgressFn = (phase: string, done?: number, total?: number) => void;

export interface ProgressOptions {
  write: (text: string) => void;
  /** stderr is a terminal: rewrite one line in place. */
  tty: boolean;
  /** Quiet until this much time has passed since the reporter was made. */
  delayMs?: number;
  now?: () => number;
}

export interface ProgressReporter {
  report: ProgressFn;
  /** Clears the line (terminal) so another message can be written; the next report redraws it. */
  clear(): void;
  /** Clears the line (terminal) and stops. */
  end(): void;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatProgress(phase: string, done?: number, total?: number): string {
  if (done === undefined) return phase;
  return total === undefined ? `${phase} ${count(done)}` : `${phase} ${count(done)}/${count(total)}`;
}

export function createProgress(opts: ProgressOptions): ProgressReporter {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const delay = opts.delayMs ?? 1000;
  const every = opts.tty ? 100 : 1000;
  let latest: string | undefined;
  let latestPhase: string | undefined;
  let shown: string | undefined;
  let shownPhase: string | undefined;
  let shownAt = -Infinity;
  let ended = false;

  const show = (force: boolean) => {
    if (ended || latest === undefined || latest === shown) return;
    const t = now();
    if (t - startedAt < delay) return;
    if (!force && latestPhase === shownPhase && t - shownAt < every) return;
    opts.write(opts.tty ? `\r\x1b[K${latest}` : `${latest}\n`);
    shown = latest;
    shownPhase = latestPhase;
    shownAt = t;
  };
  // Work that reports only at its start is still shown once the first second has passed.
  const timer = setTimeout(() => show(true), delay);
  timer.unref?.();

  return {
    report(phase, done, total) {
      latest = formatProgress(phase, done, total);
      latestPhase = phase;
      show(false);
    },
    clear() {
      if (opts.tty && shown !== undefined && !ended) opts.write('\r\x1b[K');
      shown = undefined;
      shownPhase = undefined;
    },
    end() {
      if (ended) return;
      clearTimeout(timer);
      if (opts.tty && shown !== undefined) opts.write('\r\x1b[K');
      ended = true;
    },
  };
}
