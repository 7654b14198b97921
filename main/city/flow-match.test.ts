import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { FlowRecord } from '../model/types.js';
import { matchFlows } from './flow-match.js';

const flow = (src: string, dst: string): FlowRecord => ({ time: 1, source: 'import', src: { peer: src }, dst: { peer: dst }, protocol: 'TCP', port: 80, verdict: 'FORWARDED' });

describe('matchFlows', () => {
  const demo = demoSnapshot();
  const pod = demo.pods[0];
  it('flows between the city’s own pods match', () => {
    const m = matchFlows(demo, demo.flows.slice(0, 200));
    expect(m.sampled).toBe(Math.min(200, demo.flows.length));
    expect(m.foreign).toBe(false);
    expect(m.matched).toBe(m.withPods);
  });
  it('another cluster’s flows are foreign, with the namespaces the city lacks', () => {
    const flows = [flow('pod:tenant-a/web-1', 'pod:tenant-a/db-0'), flow('pod:tenant-b/x', 'world'), flow('world', 'pod:tenant-a/web-2'), flow(`pod:${pod.namespace}/${pod.name}`, 'world')];
    const m = matchFlows(demo, flows);
    expect(m).toMatchObject({ sampled: 4, withPods: 4, matched: 1, foreign: true });
    expect(m.unknownNamespaces).toEqual(['tenant-a', 'tenant-b']);
  });
  it('world-only flows and an empty city never count as foreign', () => {
    expect(matchFlows(demo, [flow('world', 'host')]).foreign).toBe(false);
    expect(matchFlows({ pods: [], namespaces: [] }, [flow('pod:a/b', 'pod:a/c')]).foreign).toBe(false);
  });
});
