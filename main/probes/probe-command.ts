/**
 * The one connectivity check every active probe runs (path check, matrix, enforcement), as a
 * POSIX shell command executed inside the source's network namespace:
 *
 *   TCP: nc -z -v -w <s> <host> <port>         (OpenBSD nc: connect, then close)
 *   UDP: echo netcity-ping | nc -u -w <s> <host> <port>   (connected only if the peer echoes)
 *
 * wrapped in `timeout` and timed with `date +%s%N`. It prints nc's own messages, then a last line
 *
 *   NETCITY-PROBE rc=<exit code> ms=<elapsed milliseconds, or -1 without nanosecond date>
 *
 * Host, port and protocol travel as positional arguments ($1..$4), never spliced into the script,
 * so a destination name cannot inject shell.
 */
import type { Protocol, ProbeOutcome } from '../model/types.js';
import type { ExecResult } from './probe-cluster.js';

export const RESULT_MARKER = 'NETCITY-PROBE';
export const UDP_PAYLOAD = 'netcity-ping';

const SCRIPT = [
  'proto="$1"; host="$2"; port="$3"; wait="$4"',
  't0=$(date +%s%N 2>/dev/null)',
  'if [ "$proto" = udp ]; then',
  `  out=$(echo ${UDP_PAYLOAD} | timeout $((wait + 2)) nc -u -w "$wait" "$host" "$port" 2>&1); rc=$?`,
  'else',
  '  out=$(timeout $((wait + 2)) nc -z -v -w "$wait" "$host" "$port" 2>&1); rc=$?',
  'fi',
  't1=$(date +%s%N 2>/dev/null)',
  'case "$t0$t1" in *[!0-9]*|"") ms=-1 ;; *) ms=$(( (t1 - t0) / 1000000 )) ;; esac',
  'printf "%s\\n" "$out"',
  `echo "${RESULT_MARKER} rc=$rc ms=$ms"`,
].join('\n');

export interface ProbeTarget {
  protocol: Protocol;
  host: string;
  port: number;
}

/** A host nc will take as a name or an address (and not as an option). */
export function validProbeHost(host: string): boolean {
  return /^[A-Za-z0-9_.:[\]-]+$/.test(host) && !host.startsWith('-') && host.length <= 253;
}

export function probeCommand(t: ProbeTarget, waitSeconds: number): string[] {
  if (!validProbeHost(t.host)) throw new Error(`probe target '${t.host}': not a host name or IP address`);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new Error(`probe target ${t.host}: port ${t.port} is not in 1-65535`);
  if (t.protocol === 'SCTP') throw new Error(`probe target ${t.host}:${t.port}: SCTP cannot be probed with nc; use TCP or UDP`);
  const host = t.host.replace(/^\[(.*)\]$/, '$1');
  return ['/bin/sh', '-c', SCRIPT, 'netcity-probe', t.protocol === 'UDP' ? 'udp' : 'tcp', host, String(t.port), String(Math.max(1, Math.round(waitSeconds)))];
}

/** Reads the target back from a probe command (the fake cluster and tests use it). */
export function probeTargetOf(command: string[]): ProbeTarget | undefined {
  if (command[2] !== SCRIPT) return undefined;
  return { protocol: command[4] === 'udp' ? 'UDP' : 'TCP', host: command[5], port: Number(command[6]) };
}

export interface ProbeReading {
  outcome: ProbeOutcome;
  latencyMs?: number;
  detail: string;
}

const DNS_FAILURE = /getaddrinfo|bad address|Name or service not known|Temporary failure in name resolution|Name does not resolve|could not resolve|No address associated/i;
const REFUSED = /Connection refused/i;
const REJECTED = /No route to host|Host is unreachable|Network is unreachable|Connection reset/i;
const TIMED_OUT = /timed out|Operation now in progress|Connection timed out/i;
const CONNECTED_TCP = /succeeded|\bopen\b|Connected to/i;

/**
 * Classifies a probe's output. `wallMs` (measured around the exec) is the latency fallback when the
 * image's date has no nanoseconds. A cut-off exec (no marker) is a timeout when it ran out of
 * time, otherwise an error.
 */
export function readProbeOutput(protocol: Protocol, result: ExecResult, wallMs?: number): ProbeReading {
  const text = `${result.stdout}\n${result.stderr}`;
  const m = /NETCITY-PROBE rc=(\d+) ms=(-?\d+)/.exec(text);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith(RESULT_MARKER));
  const detail = lines.join(' | ').slice(0, 300);
  if (!m) {
    if (result.exitCode === undefined) return { outcome: 'timeout', detail: detail || 'probe command was cut off (no answer in time)' };
    if (/not found|No such file/i.test(text)) return { outcome: 'error', detail: `probe image lacks sh/nc/timeout: ${detail}` };
    return { outcome: 'error', detail: detail || `probe command exited ${result.exitCode} without a result` };
  }
  const rc = Number(m[1]);
  const ms = Number(m[2]);
  const latencyMs = ms >= 0 ? ms : wallMs !== undefined ? Math.round(wallMs) : undefined;
  const withLatency = (r: Omit<ProbeReading, 'latencyMs'>): ProbeReading => (latencyMs === undefined ? r : { ...r, latencyMs });
  if (DNS_FAILURE.test(text)) return { outcome: 'dns-failure', detail };
  if (protocol === 'UDP') {
    if (text.includes(UDP_PAYLOAD) && lines.some((l) => l === UDP_PAYLOAD)) return withLatency({ outcome: 'connected', detail: 'echo received' });
    if (REFUSED.test(text)) return withLatency({ outcome: 'refused', detail });
    return { outcome: 'timeout', detail: detail || 'no UDP reply (the peer may not echo, or the packet was dropped)' };
  }
  if (rc === 0 && (CONNECTED_TCP.test(text) || !TIMED_OUT.test(text))) return withLatency({ outcome: 'connected', detail });
  if (REFUSED.test(text)) return withLatency({ outcome: 'refused', detail });
  if (REJECTED.test(text)) return withLatency({ outcome: 'refused', detail: `rejected: ${detail}` });
  if (rc === 124 || TIMED_OUT.test(text)) return { outcome: 'timeout', detail: detail || 'no answer in time' };
  if (rc === 127) return { outcome: 'error', detail: `probe image lacks nc or timeout: ${detail}` };
  return { outcome: 'error', detail: detail || `nc exited ${rc}` };
}
