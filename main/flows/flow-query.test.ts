import { describe, expect, it } from 'vitest';
import { flowFiltersOf, getFlowsRequestOf, timestampOf } from './flow-query.js';

describe('getFlowsRequestOf', () => {
  it('follows, or asks for the last/first N, or a time window', () => {
    expect(getFlowsRequestOf({ follow: true })).toEqual({ follow: true });
    expect(getFlowsRequestOf({ last: 100 })).toEqual({ number: '100' });
    expect(getFlowsRequestOf({ last: 10, first: true })).toEqual({ number: '10', first: true });
    expect(getFlowsRequestOf({ since: 1_700_000_000_123, until: new Date(1_700_000_060_000) })).toEqual({
      since: { seconds: '1700000000', nanos: 123_000_000 },
      until: { seconds: '1700000060', nanos: 0 },
    });
  });

  it('refuses combinations Hubble rejects, with the reason', () => {
    // Hubble accepts a number with since/until (since wins over first/last): so do we.
    expect(getFlowsRequestOf({ last: 5, since: 1_700_000_000_000 })).toEqual({ number: '5', since: { seconds: '1700000000', nanos: 0 } });
    expect(() => getFlowsRequestOf({ last: 5, first: true, follow: true })).toThrow(/first N.*follow/);
    expect(() => getFlowsRequestOf({ last: 0 })).toThrow(/positive whole number, got 0/);
  });

  it('turns endpoint filters into a from-filter and a to-filter carrying the common fields', () => {
    expect(getFlowsRequestOf({ include: { namespaces: ['shop'], pods: ['ops/web-'], labels: ['app=cart'], verdicts: ['DROPPED'], protocols: ['TCP'], ports: [443] } }).whitelist).toEqual([
      { source_pod: ['shop/', 'ops/web-'], source_label: ['app=cart'], verdict: ['DROPPED'], protocol: ['tcp'], destination_port: ['443'] },
      { destination_pod: ['shop/', 'ops/web-'], destination_label: ['app=cart'], verdict: ['DROPPED'], protocol: ['tcp'], destination_port: ['443'] },
    ]);
    expect(flowFiltersOf({ verdicts: ['FORWARDED'] })).toEqual([{ verdict: ['FORWARDED'] }]);
    expect(flowFiltersOf({})).toEqual([]);
    expect(getFlowsRequestOf({ exclude: [{ namespaces: ['kube-system'] }] }).blacklist).toEqual([{ source_pod: ['kube-system/'] }, { destination_pod: ['kube-system/'] }]);
  });

  it('rejects bad filter values by name', () => {
    expect(() => flowFiltersOf({ ports: [0, 70000] })).toThrow('flow filter: port 0, 70000 is not in 1-65535');
    expect(() => flowFiltersOf({ verdicts: ['MAYBE' as never] })).toThrow(/unknown verdict MAYBE/);
  });

  it('converts milliseconds to Timestamps', () => {
    expect(timestampOf(1500)).toEqual({ seconds: '1', nanos: 500_000_000 });
  });
});
