import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { probeCommand, probeTargetOf, readProbeOutput, validProbeHost } from './probe-command.js';

const out = (stdout: string, exitCode: number | undefined = 0) => ({ stdout, stderr: '', exitCode });

describe('probeCommand', () => {
  it('passes host and port as arguments, never inside the script', () => {
    const cmd = probeCommand({ protocol: 'TCP', host: 'cart.shop.svc', port: 80 }, 3);
    expect(cmd.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(cmd[2]).not.toContain('cart.shop.svc');
    expect(cmd.slice(3)).toEqual(['netcity-probe', 'tcp', 'cart.shop.svc', '80', '3']);
    expect(probeTargetOf(cmd)).toEqual({ protocol: 'TCP', host: 'cart.shop.svc', port: 80 });
    expect(probeCommand({ protocol: 'UDP', host: '[fd00::1]', port: 53 }, 2).slice(4, 6)).toEqual(['udp', 'fd00::1']);
  });

  it('refuses hosts that are options or shell, bad ports and SCTP', () => {
    expect(validProbeHost('-e')).toBe(false);
    expect(validProbeHost('a;rm -rf /')).toBe(false);
    expect(() => probeCommand({ protocol: 'TCP', host: '$(id)', port: 80 }, 1)).toThrow(/not a host name/);
    expect(() => probeCommand({ protocol: 'TCP', host: 'a', port: 70000 }, 1)).toThrow(/1-65535/);
    expect(() => probeCommand({ protocol: 'SCTP', host: 'a', port: 1 }, 1)).toThrow(/SCTP/);
  });

  it('is a valid POSIX shell script that prints the marker (run with a stub nc on this machine)', () => {
    const cmd = probeCommand({ protocol: 'TCP', host: '127.0.0.1', port: 9 }, 1);
    // Stub nc/timeout through PATH so no network is touched: nc reports a refusal and exits 1.
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('sh', ['-c', `printf '#!/bin/sh\\necho "nc: connect to $4 port $5 (tcp) failed: Connection refused" >&2\\nexit 1\\n' > ${dir}/nc; printf '#!/bin/sh\\nshift; exec "$@"\\n' > ${dir}/timeout; chmod +x ${dir}/nc ${dir}/timeout`]);
    const stdout = execFileSync(cmd[0], cmd.slice(1), { env: { PATH: `${dir}:/usr/bin:/bin` } }).toString();
    expect(stdout).toMatch(/NETCITY-PROBE rc=1 ms=-?\d+/);
    expect(readProbeOutput('TCP', out(stdout)).outcome).toBe('refused');
  });
});

describe('readProbeOutput', () => {
  it('reads OpenBSD and busybox nc success with the measured latency', () => {
    const r = readProbeOutput('TCP', out('Connection to 10.0.0.2 8080 port [tcp/http-alt] succeeded!\nNETCITY-PROBE rc=0 ms=4\n'));
    expect(r).toMatchObject({ outcome: 'connected', latencyMs: 4 });
    expect(readProbeOutput('TCP', out('10.0.0.2 (10.0.0.2:8080) open\nNETCITY-PROBE rc=0 ms=-1\n'), 12.4)).toMatchObject({ outcome: 'connected', latencyMs: 12 });
  });

  it('reads refusals, rejections, timeouts and DNS failures', () => {
    expect(readProbeOutput('TCP', out('nc: connect to 10.0.0.2 port 81 (tcp) failed: Connection refused\nNETCITY-PROBE rc=1 ms=2')).outcome).toBe('refused');
    expect(readProbeOutput('TCP', out('nc: connect to 10.0.0.2 port 81 (tcp) failed: No route to host\nNETCITY-PROBE rc=1 ms=2')).detail).toMatch(/^rejected/);
    const t = readProbeOutput('TCP', out('nc: connect to 10.0.0.2 port 81 (tcp) timed out: Operation now in progress\nNETCITY-PROBE rc=1 ms=3001'));
    expect(t.outcome).toBe('timeout');
    expect(t.latencyMs).toBeUndefined();
    expect(readProbeOutput('TCP', out('NETCITY-PROBE rc=124 ms=5000')).outcome).toBe('timeout');
    expect(readProbeOutput('TCP', out('nc: getaddrinfo for host "nope.svc" port 80: Name or service not known\nNETCITY-PROBE rc=1 ms=20')).outcome).toBe('dns-failure');
    expect(readProbeOutput('TCP', out("nc: bad address 'nope'\nNETCITY-PROBE rc=1 ms=20")).outcome).toBe('dns-failure');
  });

  it('UDP is connected only when the echo comes back', () => {
    expect(readProbeOutput('UDP', out('netcity-ping\nNETCITY-PROBE rc=0 ms=1')).outcome).toBe('connected');
    expect(readProbeOutput('UDP', out('NETCITY-PROBE rc=0 ms=2000')).outcome).toBe('timeout');
    expect(readProbeOutput('UDP', out('nc: Connection refused\nNETCITY-PROBE rc=1 ms=1')).outcome).toBe('refused');
  });

  it('a cut-off or broken exec is a timeout or an error, never connected', () => {
    expect(readProbeOutput('TCP', { stdout: '', stderr: '', exitCode: undefined }).outcome).toBe('timeout');
    expect(readProbeOutput('TCP', out('sh: nc: not found\nNETCITY-PROBE rc=127 ms=1')).outcome).toBe('error');
    expect(readProbeOutput('TCP', out('exec: "/bin/sh": stat /bin/sh: no such file or directory', 126)).outcome).toBe('error');
  });
});
