import { describe, expect, it } from 'vitest';
import { formatMatrix, formatMatrixChunks } from '../../../main/policy/matrix-format.js';
import type { AnalyzeResult } from '../../../main/policy/index.js';

const r: AnalyzeResult = {
  peers: [
    { id: 'wl:a/Deployment/x', type: 'workload', namespace: 'a', name: 'x', kind: 'Deployment', pods: ['x-1'] },
    { id: 'ip:0.0.0.0/0', type: 'ipRange', start: '0.0.0.0', end: '255.255.255.255' },
  ],
  connections: [
    { src: 'wl:a/Deployment/x', dst: 'ip:0.0.0.0/0', allowed: { TCP: '443', UDP: '', SCTP: '' }, unknown: { TCP: '80', UDP: '', SCTP: '' } },
    { src: 'ip:0.0.0.0/0', dst: 'wl:a/Deployment/x', allowed: { TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' } },
  ],
};

describe('matrix formats', () => {
  it('json is valid, one item per line, also when empty', () => {
    expect(JSON.parse(formatMatrix(r, 'json'))).toEqual(r);
    expect(JSON.parse(formatMatrix({ peers: [], connections: [] }, 'json'))).toEqual({ peers: [], connections: [] });
    expect([...formatMatrixChunks(r, 'json')].length).toBeGreaterThan(4);
  });
  it('txt says All Connections, nothing certain and unknown ports', () => {
    expect(formatMatrix(r, 'txt')).toBe(['0.0.0.0/0 => a/x[Deployment] : All Connections', 'a/x[Deployment] => 0.0.0.0/0 : TCP 443 (unknown: TCP 80)', ''].join('\n'));
  });
  it('csv quotes and neutralises cells', () => {
    const csv = formatMatrix({ ...r, connections: [{ src: 'wl:a/Deployment/x', dst: 'ip:0.0.0.0/0', allowed: { TCP: '80,443', UDP: '', SCTP: '' } }] }, 'csv');
    expect(csv.split('\r\n')[1]).toBe('a/x[Deployment],0.0.0.0/0,"80,443",,,,,');
  });
});
