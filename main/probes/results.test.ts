import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { ProbeResult } from '../model/types.js';
import { withProbeResults } from './results.js';

const result = (id: string, time: number, outcome: ProbeResult['outcome'] = 'timeout'): ProbeResult => ({
  id,
  runId: 'r',
  kind: 'path',
  time,
  src: 'pod:a/x',
  dst: 'pod:a/y',
  protocol: 'TCP',
  port: 80,
  outcome,
});

describe('withProbeResults', () => {
  it('adds results, replaces by id, bounds the list, recomputes mismatch findings only', () => {
    const base = { ...demoSnapshot(), probes: [result('1', 1)], findings: [{ id: 'keep', severity: 'info' as const, kind: 'other', title: 't', detail: 'd' }, { id: 'old', severity: 'info' as const, kind: 'mismatch', title: 't', detail: 'd' }] };
    const next = withProbeResults(base, [result('1', 5, 'connected'), result('2', 3), result('3', 4)], () => ({ verdict: 'allowed' }), 2);
    expect(next.probes.map((p) => p.id)).toEqual(['3', '1']);
    expect(next.probes[1].outcome).toBe('connected');
    expect(next.findings.map((f) => f.id)).toContain('keep');
    expect(next.findings.map((f) => f.id)).not.toContain('old');
    expect(next.findings.some((f) => f.kind === 'mismatch' && f.id.includes('probe'))).toBe(true);
    expect(base.probes).toHaveLength(1);
  });
});
