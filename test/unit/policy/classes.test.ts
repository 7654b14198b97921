/**
 * The class-based matrix (equivalence classes, rows shared by plans of equal content, rows copied
 * between sources of the same classes) against pair-by-pair evaluation, on 500 generated
 * clusters: every ordered pair of workloads (or pods) and IP ranges gets the same ports; and the
 * streamed connections (rows spread sparsely) are those cells, in order.
 */
import { describe, expect, it } from 'vitest';
import { generateInventory } from '../../../main/model/scenario/generate.js';
import { createPolicyEngine } from '../../../main/policy/index.js';
import { np } from './cluster.js';
import { expectStreamedEqualsCells } from './streamed.js';

const EMPTY = { TCP: '', UDP: '', SCTP: '' };

describe('class-based matrix = pair evaluation', () => {
  it('on 500 generated clusters', () => {
    let pairs = 0;
    let streamed = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const inv = generateInventory({ seed, namespaces: 2 + (seed % 3), pods: 6 + (seed % 11), policies: 3 + (seed % 9), flows: 0, nodes: 3 });
      // Every other cluster: one namespace may send only to some addresses, and admits only some:
      // rows toward (and from) the IP ranges that are partly closed.
      const ns0 = inv.namespaces[0].name;
      const policies = seed % 2
        ? [...inv.policies, np('only-some-addresses', ns0, { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.64.0.0/12', except: ['10.66.0.0/16'] } }, { podSelector: {} }] }], ingress: [{ from: [{ ipBlock: { cidr: '172.16.0.0/12' } }] }] })]
        : inv.policies;
      const e = createPolicyEngine({ namespaces: inv.namespaces, pods: inv.pods, nodes: inv.nodes, policies, services: inv.services });
      const level = seed % 5 === 0 ? 'pod' : 'workload';
      const m = e.connectivity({ level, includeIpRanges: seed % 3 !== 0 });
      const G = m.peers.length;
      for (let s = 0; s < G; s++)
        for (let d = 0; d < G; d++) {
          if (s === d || (m.peers[s].type === 'ipRange' && m.peers[d].type === 'ipRange')) continue;
          const got = m.at(s, d);
          const want = e.portVerdicts(m.peers[s].id, m.peers[d].id);
          pairs++;
          expect({ seed, src: m.peers[s].id, dst: m.peers[d].id, allowed: got?.allowed ?? EMPTY, unknown: got?.unknown ?? EMPTY }).toEqual({
            seed,
            src: m.peers[s].id,
            dst: m.peers[d].id,
            allowed: want.allowed,
            unknown: want.unknown,
          });
        }
      // Streaming (sparse rows), in peers order and another, gives the cells' connections.
      streamed += expectStreamedEqualsCells(m, { seed });
      // So does a matrix focused on one workload (or pod).
      if (seed % 7 === 0) {
        const f = m.peers.find((p) => p.type !== 'ipRange')!;
        expectStreamedEqualsCells(e.connectivity({ level, includeIpRanges: seed % 3 !== 0, focus: `${f.namespace}/${f.name}` }), { seed, focus: f.id });
      }
    }
    expect(pairs).toBeGreaterThan(20_000);
    expect(streamed).toBeGreaterThan(5_000);
  }, 180_000);
});
