import { describe, expect, it } from 'vitest';
import { parseCalicoSelector } from '../../../main/policy/calico-selector.js';
import { compileSelector } from '../../../main/policy/labels.js';
import { cutAddressSpace, formatRange, parseCidr, parseIp } from '../../../main/policy/ip.js';
import { Universe } from '../../../main/policy/universe.js';
import type { Bitset } from '../../../main/policy/bitset.js';
import type { PodInfo } from '../../../main/model/types.js';

describe('Calico selector expressions', () => {
  const l = { app: 'web', tier: 'front-end', env: 'prod' };
  const cases: [string, boolean][] = [
    ["app == 'web'", true],
    ['app == "db"', false],
    ["app != 'db'", true],
    ["tier in {'front-end', 'back'}", true],
    ["tier not in {'front-end'}", false],
    ['has(env)', true],
    ['!has(env)', false],
    ["has(env) && env == 'prod' || app == 'x'", true],
    ["!(app == 'web' && env == 'dev')", true],
    ["tier contains 'end'", true],
    ["tier starts with 'front'", true],
    ["tier ends with 'back'", false],
    ['all()', true],
    ['global()', true],
    ["missing not in {'a'}", true],
    ['', true],
  ];
  for (const [expr, want] of cases) it(`${expr || '(empty)'} -> ${want}`, () => expect(parseCalicoSelector(expr)(l)).toBe(want));

  it('rejects malformed expressions with the place', () => {
    expect(() => parseCalicoSelector("app == 'web")).toThrow('unterminated string at 7');
    expect(() => parseCalicoSelector("app = 'web'")).toThrow("unexpected '=' at 4");
    expect(() => parseCalicoSelector("app == 'a' &&")).toThrow('expected a label or function');
    expect(() => parseCalicoSelector('app')).toThrow("expected an operator after 'app'");
  });
});

describe('label selectors', () => {
  it('fails closed and says why on invalid expressions', () => {
    const s = compileSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }, { key: 'b', operator: 'Exists', values: ['x'] }] }, 'sel');
    expect(s.errors).toEqual(['sel.matchExpressions[0]: operator In needs a non-empty values list', 'sel.matchExpressions[1]: operator Exists takes no values']);
    expect(s.match({ a: 'x', b: 'y' })).toBe(false);
  });
  it('treats {} as everything', () => {
    expect(compileSelector({}, 's')).toMatchObject({ empty: true, errors: [] });
  });
});

describe('addresses', () => {
  it('parses IPv4, IPv6 (compressed, embedded IPv4) and CIDRs, refusing bad ones', () => {
    expect(parseIp('10.0.0.1')?.value).toBe(0x0a000001n);
    expect(parseIp('::ffff:10.0.0.1')?.value).toBe(0xffff0a000001n);
    expect(parseIp('2001:db8::1')?.v6).toBe(true);
    for (const bad of ['10.0.0', '10.0.0.256', '1:2:3:4:5:6:7:8:9', '2001:db8:::1', 'x']) expect(parseIp(bad), bad).toBeUndefined();
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ start: 0x0a000000n, end: 0x0affffffn });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('::/129')).toBeUndefined();
  });
  it('cuts the address space into disjoint ranges covering it', () => {
    const r = cutAddressSpace([parseCidr('10.0.0.0/8')!, parseCidr('10.1.0.0/16')!, parseCidr('2001:db8::/32')!]);
    expect(r.map(formatRange)).toEqual([
      '0.0.0.0-9.255.255.255',
      '10.0.0.0/16',
      '10.1.0.0/16',
      '10.2.0.0-10.255.255.255',
      '11.0.0.0-255.255.255.255',
      '::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
      '2001:db8::/32',
      '2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
  });
});

describe('namespace lookup by a required label', () => {
  it('a selector names one label it requires (matchLabels), none for expressions only', () => {
    expect(compileSelector({ matchLabels: { team: 'a', env: 'prod' } }, 's').required).toEqual(['team', 'a']);
    expect(compileSelector({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, 's').required).toBeUndefined();
    expect(compileSelector({}, 's').required).toBeUndefined();
  });

  it('selecting with the required label picks the same classes as testing every namespace', () => {
    const namespaces = ['a', 'b', 'c', 'd'].map((name, i) => ({ name, labels: { team: i % 2 ? 'odd' : 'even', ...(i === 3 ? { env: 'prod' } : {}) } }));
    const pods = namespaces.flatMap((ns) => ['web', 'db'].map((app) => ({ namespace: ns.name, name: `${app}-1`, labels: { app }, ports: [], ips: [] }) as unknown as PodInfo));
    const u = new Universe({ namespaces, pods, nodes: [] });
    const ids = (b: Bitset) => {
      const out: number[] = [];
      b.forEach((i) => out.push(i));
      return out;
    };
    for (const matchLabels of [{ team: 'odd' }, { team: 'odd', env: 'prod' }, { 'kubernetes.io/metadata.name': 'c' }, { team: 'none' }]) {
      const sel = compileSelector({ matchLabels }, 's');
      const every = ids(u.select((_n, l) => sel.match(l), (c) => c.labels.app === 'web'));
      const looked = ids(u.select((_n, l) => sel.match(l), (c) => c.labels.app === 'web', sel.required));
      expect({ matchLabels, looked }).toEqual({ matchLabels, looked: every });
    }
    expect(ids(u.select((_n, l) => l.team === 'odd', null, ['team', 'odd'])).length).toBe(4);
  });
});
