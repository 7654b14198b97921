/**
 * A lean gRPC server-streaming call over node:http2, for GetFlows only. grpc-js spends several
 * microseconds and a microtask per received message; at 100,000 flows/s on 2 cores that was more
 * than decoding and aggregating together. This reads length-prefixed messages straight from
 * DATA chunks, synchronously. Unary calls stay on grpc-js. Wire format: gRPC over HTTP/2
 * (5-byte prefix: compressed flag + big-endian length; status in trailers). No compression is
 * offered, so servers send plain messages.
 */
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';

export interface H2Tls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
}

export interface StreamEnd {
  code: grpc.status;
  details: string;
}

export interface StreamCall {
  cancel(): void;
}

/** Opens an HTTP/2 session and waits for it to be connected, or fails after `timeoutMs`. */
export function connectH2(address: string, tls: H2Tls | undefined, timeoutMs: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const url = `${tls ? 'https' : 'http'}://${address}`;
    // A large per-stream window lets Relay send ahead instead of waiting for a WINDOW_UPDATE round
    // trip every 64 KiB (the default), which starved streams on a busy machine.
    const settings = { initialWindowSize: 8 * 1024 * 1024 };
    const session = tls
      ? http2.connect(url, { settings, ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName, ALPNProtocols: ['h2'] })
      : http2.connect(url, { settings });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no connection within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    session.once('connect', () => {
      clearTimeout(timer);
      session.removeAllListeners('error');
      // Errors after connecting end the stream (reported there), not the process.
      session.on('error', () => undefined);
      // Larger windows: fewer WINDOW_UPDATEs at high rates.
      session.setLocalWindowSize(8 * 1024 * 1024);
      resolve(session);
    });
    session.once('error', (err) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    });
  });
}

/** Maps an HTTP status without grpc-status to a gRPC code, as the gRPC spec says. */
function codeOfHttp(status: number): grpc.status {
  switch (status) {
    case 400:
      return grpc.status.INTERNAL;
    case 401:
      return grpc.status.UNAUTHENTICATED;
    case 403:
      return grpc.status.PERMISSION_DENIED;
    case 404:
      return grpc.status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.UNKNOWN;
  }
}

const decodeMessage = (v: unknown): string => {
  const s = String(v ?? '');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Starts a server-streaming call. `onMessage` gets each message's bytes (a view valid during the
 * call only); `onEnd` is called once with the final status.
 */
export function serverStreamCall(
  session: http2.ClientHttp2Session,
  path: string,
  request: Buffer,
  authority: string,
  onMessage: (msg: Buffer) => void,
  onEnd: (end: StreamEnd) => void,
): StreamCall {
  let ended = false;
  const finish = (end: StreamEnd) => {
    if (ended) return;
    ended = true;
    onEnd(end);
  };
  const req = session.request({
    ':method': 'POST',
    ':path': path,
    ':authority': authority,
    'content-type': 'application/grpc+proto',
    te: 'trailers',
    'user-agent': 'netcity-hubble/1',
  });
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(request.length, 1);
  req.end(Buffer.concat([prefix, request]));

  let httpStatus = 0;
  let statusFromHeaders: StreamEnd | undefined;
  req.on('response', (headers) => {
    httpStatus = Number(headers[':status'] ?? 0);
    // Trailers-only responses carry the status in the headers.
    if (headers['grpc-status'] !== undefined) {
      statusFromHeaders = { code: Number(headers['grpc-status']), details: decodeMessage(headers['grpc-message']) };
    }
  });

  let pending: Buffer | undefined;
  req.on('data', (chunk: Buffer) => {
    if (ended) return;
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    let off = 0;
    while (buf.length - off >= 5) {
      const len = buf.readUInt32BE(off + 1);
      if (buf.length - off - 5 < len) break;
      if (buf[off] !== 0) {
        finish({ code: grpc.status.INTERNAL, details: 'server sent a compressed message although none was offered' });
        req.close(http2.constants.NGHTTP2_CANCEL);
        return;
      }
      onMessage(buf.subarray(off + 5, off + 5 + len));
      if (ended) return;
      off += 5 + len;
    }
    if (off < buf.length) {
      // Keep the partial message; copy so the big chunk behind it can be freed.
      pending = Buffer.from(buf.subarray(off));
    }
  });

  req.on('trailers', (trailers) => {
    const code = trailers['grpc-status'];
    if (code !== undefined) statusFromHeaders = { code: Number(code), details: decodeMessage(trailers['grpc-message']) };
  });

  req.on('end', () => {
    if (statusFromHeaders) finish(statusFromHeaders);
    else if (httpStatus && httpStatus !== 200) finish({ code: codeOfHttp(httpStatus), details: `HTTP status ${httpStatus}` });
    else finish({ code: grpc.status.UNAVAILABLE, details: 'stream ended without a gRPC status (connection cut)' });
  });
  req.on('close', () => finish({ code: grpc.status.UNAVAILABLE, details: req.rstCode ? `stream reset (code ${req.rstCode})` : 'connection closed' }));
  req.on('error', (err) => finish({ code: grpc.status.UNAVAILABLE, details: err.message }));

  return {
    cancel: () => {
      if (ended) return;
      finish({ code: grpc.status.CANCELLED, details: 'cancelled' });
      req.close(http2.constants.NGHTTP2_CANCEL);
    },
  };
}
