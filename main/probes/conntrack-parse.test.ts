import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeIPv6, parseConntrack, parseConntrackLine, type ConntrackEntry } from './conntrack-parse.js';

const sample = (name: string): string => readFileSync(new URL(`../../test/fixtures/conntrack/${name}`, import.meta.url), 'utf8');
const entry = (line: string): ConntrackEntry => {
  const r = parseConntrackLine(line);
  if (r === null || 'error' in r) throw new Error(`not an entry: ${JSON.stringify(r)}`);
  return r;
};

describe('parseConntrack: conntrack -L -o extended,id', () => {
  const { entries, errors } = parseConntrack(sample('conntrack-extended.txt'));

  it('reads every entry, skips the summary line, reports no errors', () => {
    expect(errors).toEqual([]);
    expect(entries).toHaveLength(10);
  });

  it('keeps the original and the reply tuple apart (ClusterIP DNAT shows the backend in the reply)', () => {
    const e = entries[0];
    expect(e).toMatchObject({ family: 'ipv4', protocol: 'TCP', protoNum: 6, timeout: 431999, state: 'ESTABLISHED' });
    expect(e.original).toEqual({ src: '10.244.1.5', dst: '10.96.0.20', sport: 51234, dport: 80 });
    expect(e.reply).toEqual({ src: '10.244.2.7', dst: '10.244.1.5', sport: 8080, dport: 51234 });
    expect(e.assured).toBe(true);
    expect(e.unreplied).toBe(false);
    expect(e.mark).toBe(0);
    expect(e.use).toBe(1);
    expect(e.id).toBe(3283773456);
  });

  it('marks unreplied TCP and UDP attempts', () => {
    expect(entries[1]).toMatchObject({ state: 'SYN_SENT', unreplied: true, assured: false });
    expect(entries[4]).toMatchObject({ protocol: 'UDP', unreplied: true });
    expect(entries[4].state).toBeUndefined();
  });

  it('reads UDP without a state, ICMP type/code/echo id apart from the conntrack id', () => {
    expect(entries[3]).toMatchObject({ protocol: 'UDP', timeout: 28, unreplied: false });
    const icmp = entries[5];
    expect(icmp.protocol).toBe('ICMP');
    expect(icmp.original).toMatchObject({ icmpType: 8, icmpCode: 0, icmpId: 4242 });
    expect(icmp.reply).toMatchObject({ icmpType: 0, icmpCode: 0, icmpId: 4242 });
    expect(icmp.id).toBe(1000005);
  });

  it('reads SCTP, IPv6 TCP and ICMPv6', () => {
    expect(entries[6]).toMatchObject({ protocol: 'SCTP', protoNum: 132, state: 'ESTABLISHED' });
    expect(entries[7]).toMatchObject({ family: 'ipv6', protocol: 'TCP' });
    expect(entries[7].original.dst).toBe('fd00:10:96::20');
    expect(entries[8]).toMatchObject({ family: 'ipv6', protocol: 'ICMPv6', protoNum: 58 });
    expect(entries[8].original).toMatchObject({ icmpType: 128, icmpId: 17 });
  });

  it('reads an explicit zone', () => {
    expect(entries[9].zone).toBe(0);
    expect(entries[0].zone).toBeUndefined();
  });
});

describe('parseConntrack: /proc/net/nf_conntrack with accounting', () => {
  const { entries, errors } = parseConntrack(sample('nf_conntrack-acct.txt'));

  it('reads every line', () => {
    expect(errors).toEqual([]);
    expect(entries).toHaveLength(12);
  });

  it('reads packet and byte counters per direction', () => {
    expect(entries[0].original).toMatchObject({ packets: 12, bytes: 1840 });
    expect(entries[0].reply).toMatchObject({ packets: 10, bytes: 9210 });
    expect(entries[0].zone).toBe(0);
    expect(entries[0].use).toBe(2);
  });

  it('reads TCP SYN_RECV and CLOSE (a refused connect is replied with RST)', () => {
    expect(entries[1]).toMatchObject({ state: 'SYN_RECV', unreplied: false });
    expect(entries[2]).toMatchObject({ state: 'CLOSE', unreplied: false });
  });

  it('reads mark and zone', () => {
    expect(entries[3]).toMatchObject({ mark: 1, zone: 3, assured: true });
  });

  it('reads ICMP with counters before [UNREPLIED] and SCTP COOKIE_WAIT', () => {
    expect(entries[5]).toMatchObject({ protocol: 'ICMP', unreplied: true });
    expect(entries[5].original).toMatchObject({ icmpType: 8, icmpId: 1234, packets: 1, bytes: 84 });
    expect(entries[5].id).toBeUndefined();
    expect(entries[6]).toMatchObject({ protocol: 'SCTP', state: 'COOKIE_WAIT', unreplied: true });
  });

  it('compresses the kernel\'s uncompressed IPv6 addresses', () => {
    expect(entries[7].original.src).toBe('fd00:10:244:1::5');
    expect(entries[7].original.dst).toBe('fd00:10:96::20');
    expect(entries[7].reply.src).toBe('fd00:10:244:2::7');
    expect(entries[8].original.dst).toBe('2001:4860:4860::8888');
    expect(entries[9]).toMatchObject({ protocol: 'ICMPv6', unreplied: true });
    expect(entries[9].original.src).toBe('fe80::1');
  });

  it('reads GRE and unknown protocols as OTHER', () => {
    expect(entries[10]).toMatchObject({ protocol: 'OTHER', protoName: 'gre', protoNum: 47, assured: true });
    expect(entries[10].state).toBeUndefined();
    expect(entries[11]).toMatchObject({ protocol: 'OTHER', protoName: 'unknown', protoNum: 4 });
  });
});

describe('parseConntrack: plain conntrack -L', () => {
  it('infers the family from the address', () => {
    const { entries, errors } = parseConntrack(sample('conntrack-plain.txt'));
    expect(errors).toEqual([]);
    expect(entries.map((e) => e.family)).toEqual(['ipv4', 'ipv6']);
    expect(entries[1].original.dst).toBe('fd00:10:96::a');
  });
});

describe('parseConntrack: bad input', () => {
  it('reports truncated and malformed lines with their number, keeps the good ones', () => {
    const text = [
      'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 use=1',
      'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2',
      'ipv4     2 tcp      6 431999 ESTAB',
      'hello world',
      'ipv4 2 udp 17',
      '',
    ].join('\n');
    const { entries, errors } = parseConntrack(text);
    expect(entries).toHaveLength(1);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(errors[0].reason).toMatch(/tuple without dst/);
    expect(errors[1].reason).toMatch(/no tuples/);
    expect(errors[2].reason).toMatch(/protocol number/);
    expect(errors[3].reason).toMatch(/timeout/);
  });

  it('handles CRLF line ends and tabs', () => {
    const e = entry('ipv4\t2 udp\t17 30 src=10.0.0.1 dst=10.0.0.2 sport=5 dport=53 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5 mark=0 use=1\r');
    expect(e.use).toBe(1);
    expect(e.original.dport).toBe(53);
  });

  it('rejects three tuples on one line', () => {
    const r = parseConntrackLine('tcp 6 1 CLOSE src=1.1.1.1 dst=2.2.2.2 src=2.2.2.2 dst=1.1.1.1 src=3.3.3.3 dst=4.4.4.4');
    expect(r).toEqual({ error: 'more than two tuples on one line' });
  });
});

describe('normalizeIPv6', () => {
  it.each([
    ['fd00:0010:0244:0001:0000:0000:0000:0005', 'fd00:10:244:1::5'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['FE80:0:0:0:0:0:0:1', 'fe80::1'],
    ['2001:0db8:0000:0001:0000:0000:0001:0000', '2001:db8:0:1::1:0'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s -> %s', (input, want) => {
    expect(normalizeIPv6(input)).toBe(want);
  });
});
