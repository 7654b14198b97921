/** Errors from the cluster connection: a code the UI can branch on and a message that names the thing, the place and the next step. */

export type ClusterErrorCode =
  | 'kubeconfig'
  | 'context-not-found'
  | 'exec-plugin'
  | 'exec-not-confirmed'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'gone'
  | 'unreachable'
  | 'tls'
  | 'timeout'
  | 'http'
  | 'aborted';

export class ClusterError extends Error {
  readonly code: ClusterErrorCode;
  readonly status?: number;
  constructor(code: ClusterErrorCode, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ClusterError';
    this.code = code;
    this.status = opts.status;
  }
}

export const isAbortError = (err: unknown): boolean =>
  (err instanceof ClusterError && err.code === 'aborted') ||
  (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR'));
