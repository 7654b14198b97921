/**
 * The renderer's side of the API contract. In Electron the preload exposes `window.netcity`
 * (named functions over IPC); in browser mode the same calls go over HTTP with the per-run token,
 * and events over a WebSocket. Errors arrive as the contract's WireError: code, name, message, details.
 */
import type { ApiEvent, ArgsOf, MethodName, ResultOf, WireResponse } from '../../../main/api/contract';

export interface Transport {
  call<M extends MethodName>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>>;
  onEvent(listener: (e: ApiEvent) => void): () => void;
  kind: 'electron' | 'browser';
}

export interface PreloadBridge {
  invoke(method: string, args: unknown): Promise<WireResponse<unknown>>;
  onEvent(listener: (e: ApiEvent) => void): () => void;
  /** Desktop app only: a native dialog; what the user picks there the backend may use. */
  pick?(kind: 'snapshot' | 'flows' | 'folder'): Promise<string | undefined>;
}

declare global {
  interface Window {
    netcity?: PreloadBridge;
  }
}

/** A backend error as the UI sees it: its code to branch on, its message to show. */
export class ApiError extends Error {
  constructor(
    name: string,
    message: string,
    readonly code: string = 'internal',
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = name;
  }
}

function unwrap<T>(res: WireResponse<T>): T {
  if ('error' in res) throw new ApiError(res.error.name, res.error.message, res.error.code, res.error.details);
  return res.result;
}

function electronTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'electron',
    async call(method, args) {
      return unwrap(await bridge.invoke(method, args)) as never;
    },
    onEvent: (l) => bridge.onEvent(l),
  };
}

/**
 * Browser mode's token arrives in the URL fragment (`#token=…`, never sent to a server); it is kept
 * in this tab's session storage (survives a reload) and removed from the address bar.
 */
function pageToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('netcity-token', fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem('netcity-token') ?? '';
}

function browserTransport(): Transport {
  const token = pageToken();
  const listeners = new Set<(e: ApiEvent) => void>();
  let socket: WebSocket | undefined;
  let retry = 500;
  const connect = () => {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events`, [`netcity-token.${token}`]);
    socket.onmessage = (m) => {
      const event = JSON.parse(String(m.data)) as ApiEvent;
      for (const l of listeners) l(event);
    };
    socket.onopen = () => (retry = 500);
    socket.onclose = () => {
      // The backend may restart or the laptop sleep: reconnect with backoff.
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  connect();
  return {
    kind: 'browser',
    async call(method, args) {
      let res: Response;
      try {
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-netcity-token': token },
          body: JSON.stringify(args ?? {}),
        });
      } catch (err) {
        throw new ApiError('ConnectionError', `NetCity's backend is not reachable (${(err as Error).message}). Is \`netcity serve\` still running?`, 'unreachable');
      }
      // The server answers every API call with a WireResponse; other statuses are its refusals (token, host, size).
      if (!res.ok) throw new ApiError('HttpError', `${method}: HTTP ${res.status} ${await res.text()}`, res.status === 413 ? 'too-large' : res.status < 500 ? 'refused' : 'internal', { status: res.status });
      return unwrap((await res.json()) as WireResponse<ResultOf<typeof method>>) as never;
    },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** A native file or folder dialog (desktop app), or undefined in the browser: there paths are typed, within the folders `netcity serve --allow` names. */
export const pickPath = typeof window !== 'undefined' && window.netcity?.pick ? (kind: 'snapshot' | 'flows' | 'folder') => window.netcity!.pick!(kind) : undefined;

export function createTransport(): Transport {
  return window.netcity ? electronTransport(window.netcity) : browserTransport();
}
