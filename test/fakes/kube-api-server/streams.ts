/** The exec (v4.channel.k8s.io) and port-forward (portforward.k8s.io) WebSocket subprotocols. */
import net from 'node:net';
import type { WebSocket } from 'ws';

export interface ExecContext {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
}

export interface ExecResult {
  stdout?: string | Buffer;
  stderr?: string | Buffer;
  exitCode: number;
}

export type ExecHandler = (ctx: ExecContext) => ExecResult | Promise<ExecResult>;

/** Default scripted exec: `echo ...` prints its arguments, `false` fails, anything else succeeds silently. */
export const defaultExec: ExecHandler = ({ command }) => {
  if (command[0] === 'echo') return { stdout: command.slice(1).join(' ') + '\n', exitCode: 0 };
  if (command[0] === 'false') return { stderr: 'failed\n', exitCode: 1 };
  return { exitCode: 0 };
};

const frame = (channel: number, data: string | Buffer): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);

export async function serveExec(ws: WebSocket, ctx: ExecContext, handler: ExecHandler): Promise<void> {
  let result: ExecResult;
  try {
    result = await handler(ctx);
  } catch (err) {
    result = { stderr: String((err as Error).message), exitCode: 126 };
  }
  if (result.stdout && result.stdout.length) ws.send(frame(1, result.stdout));
  if (result.stderr && result.stderr.length) ws.send(frame(2, result.stderr));
  const status =
    result.exitCode === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {},
          status: 'Failure',
          message: `command terminated with non-zero exit code: error executing command [${ctx.command.join(' ')}], exit code ${result.exitCode}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
        };
  ws.send(frame(3, JSON.stringify(status)));
  ws.close(1000);
}

/**
 * Forwards one pod port to a local TCP port. Each stream starts with the port number
 * (2 bytes, little endian) on the data and the error channel, as the API server does.
 */
export function servePortForward(ws: WebSocket, port: number, target: number | undefined, label: string): void {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16LE(port);
  ws.send(frame(0, portBytes));
  ws.send(frame(1, portBytes));
  if (target === undefined) {
    ws.send(frame(1, `error forwarding port ${port} to pod ${label}: nothing listens on that port`));
    ws.close(1000);
    return;
  }
  const sock = net.connect({ host: '127.0.0.1', port: target });
  const pending: Buffer[] = [];
  let connected = false;
  sock.on('connect', () => {
    connected = true;
    for (const b of pending) sock.write(b);
    pending.length = 0;
  });
  sock.on('data', (d) => ws.readyState === ws.OPEN && ws.send(frame(0, d)));
  sock.on('error', (err) => {
    if (ws.readyState === ws.OPEN) ws.send(frame(1, `error forwarding port ${port} to pod ${label}: ${err.message}`));
    ws.close(1000);
  });
  sock.on('close', () => ws.readyState === ws.OPEN && ws.close(1000));
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const data = isBinary ? raw : Buffer.from(raw.toString(), 'utf8');
    if (data.length < 1 || data[0] !== 0) return;
    const payload = data.subarray(1);
    if (connected) sock.write(payload);
    else pending.push(payload);
  });
  ws.on('close', () => sock.destroy());
}
