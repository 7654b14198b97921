/**
 * A local loopback port forwarded to a pod port through the API server (client-node's
 * PortForward over WebSocket), like `kubectl port-forward`. One WebSocket per local connection.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from './errors.js';
import { resolveContext, type ListOptions } from './kubeconfig.js';

export interface ForwardedPort {
  host: string;
  port: number;
  /** Errors reported by the API server for connections so far ("nothing listens on that port"...). */
  errors: string[];
  close(): Promise<void>;
}

export interface ForwardOptions {
  namespace: string;
  pod: string;
  /** Port in the pod. */
  port: number;
  /** Local port; 0 (default) picks a free one. */
  localPort?: number;
  signal?: AbortSignal;
}

export async function forwardPortWith(kubeConfig: KubeConfig, opts: ForwardOptions): Promise<ForwardedPort> {
  const pf = new PortForward(kubeConfig);
  const errors: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const errStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const text = chunk.toString('utf8').trim();
        if (text) {
          errors.push(text);
          socket.destroy();
        }
        cb();
      },
    });
    pf.portForward(opts.namespace, opts.pod, [opts.port], socket, errStream, socket)
      .then((res) => {
        const ws = typeof res === 'function' ? res() : res;
        if (!ws) return socket.destroy();
        ws.on('close', () => socket.end());
        socket.on('close', () => ws.close());
      })
      .catch((err: unknown) => {
        errors.push(`port-forward to ${opts.namespace}/${opts.pod}:${opts.port} failed: ${(err as Error)?.message ?? String(err)}`);
        socket.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new ClusterError('http', `port-forward: cannot listen on 127.0.0.1:${opts.localPort ?? 0} (${err.message}); choose another local port`)),
    );
    server.listen(opts.localPort ?? 0, '127.0.0.1', () => resolve());
  });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  opts.signal?.addEventListener('abort', () => void close(), { once: true });
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, errors, close };
}

/** Forwards a pod port for a kubeconfig context (the current one when not named). */
export async function forwardPort(context: string | undefined, opts: ForwardOptions & { kubeconfig?: ListOptions }): Promise<ForwardedPort> {
  const { kubeConfig } = await resolveContext(context, opts.kubeconfig);
  return forwardPortWith(kubeConfig, opts);
}
