/** Shared set-up for the cluster integration tests: a test API server with the demo city and a kubeconfig for it. */
import type { ClusterChange, ClusterConnection } from '../../../main/cluster/connection.js';

/** Waits until a batched change satisfies `pred` (or fails after `ms`). */
export function nextChange(conn: ClusterConnection, pred: (c: ClusterChange) => boolean, ms = 5000): Promise<ClusterChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('change', on);
      reject(new Error(`no matching change within ${ms} ms`));
    }, ms);
    const on = (c: ClusterChange): void => {
      if (!pred(c)) return;
      clearTimeout(timer);
      conn.off('change', on);
      resolve(c);
    };
    conn.on('change', on);
  });
}

export async function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
