/** One complete read of a live cluster as a Snapshot (`netcity snapshot --context`). */
import type { Snapshot } from '../model/types.js';
import { ClusterConnection } from './connection.js';

export interface LiveSnapshotOptions {
  /** Kubeconfig context; the current context when absent. */
  context?: string;
  /** A chosen kubeconfig file instead of KUBECONFIG / ~/.kube/config. */
  kubeconfigPath?: string;
  namespaces?: string[];
  signal?: AbortSignal;
}

export async function captureLiveSnapshot(opts: LiveSnapshotOptions = {}): Promise<Snapshot> {
  const conn = new ClusterConnection();
  try {
    await conn.connect(opts.context, {
      ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.kubeconfigPath ? { kubeconfig: { path: opts.kubeconfigPath } } : {}),
    });
    return conn.snapshot();
  } finally {
    conn.close();
  }
}
