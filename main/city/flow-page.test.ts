import { describe, expect, it } from 'vitest';
import { buildMapModel } from '../map/build.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import { flowPage, flowsCsv } from './flow-page.js';

const demo = demoSnapshot();
const map = buildMapModel(demo);

describe('flows view pages', () => {
  it('newest first by default; every flow counted', () => {
    const p = flowPage(demo, map, { limit: 50 });
    expect(p.total).toBe(demo.flows.length);
    for (let i = 1; i < p.rows.length; i++) expect(p.rows[i - 1].time).toBeGreaterThanOrEqual(p.rows[i].time);
  });

  it('sorts by drop reason (empty last), filters by verdict and by column text', () => {
    const byReason = flowPage(demo, map, { sort: { by: 'dropReason' }, limit: 5000 });
    const reasons = byReason.rows.map((f) => f.dropReason ?? '');
    const firstEmpty = reasons.indexOf('');
    expect(firstEmpty).toBeGreaterThan(0);
    expect(reasons.slice(firstEmpty).every((r) => r === '')).toBe(true);
    expect([...reasons.slice(0, firstEmpty)]).toEqual([...reasons.slice(0, firstEmpty)].sort());
    const dropped = flowPage(demo, map, { verdicts: ['DROPPED'], limit: 5000 });
    expect(dropped.total).toBe(demo.flows.filter((f) => f.verdict === 'DROPPED').length);
    expect(dropped.rows.every((f) => f.verdict === 'DROPPED')).toBe(true);
    const toPayment = flowPage(demo, map, { filters: { destination: 'payments/payment' }, limit: 5000 });
    expect(toPayment.total).toBeGreaterThan(0);
    expect(toPayment.rows.every((f) => f.dst.peer.startsWith('pod:payments/payment'))).toBe(true);
  });

  it('CSV holds every row of the selection, in its order', () => {
    const q = { verdicts: ['DROPPED' as const], sort: { by: 'source' as const } };
    const csv = flowsCsv(demo, map, q).trimEnd().split('\r\n');
    expect(csv[0]).toBe('time,source,destination,port,verdict,dropReason,policy,l7');
    const page = flowPage(demo, map, { ...q, limit: 5000 });
    expect(csv.length - 1).toBe(page.total);
    expect(csv[1]).toContain(new Date(page.rows[0].time).toISOString());
    expect(csv.slice(1).every((l) => l.includes(',DROPPED,'))).toBe(true);
  });
});
