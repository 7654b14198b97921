/**
 * The class-based matrix (equivalence classes, rows shared by plans of equal content, rows copied
 * between sources of the same classes) against pair-by-pair evaluation, on 500 generated
 * clusters: every ordered pair of workloads (or pods) and IP ranges gets the same ports.
 */
import { describe, expect, it } from 'vitest';
import { generateInventory } from '../../../main/model/scenario/generate.js';
import { createPolicyEngine } from '../../../main/policy/index.js';

const EMPTY = { TCP: '', UDP: '', SCTP: '' };

describe('class-based matrix = pair evaluation', () => {
  it('on 500 generated clusters', () => {
    let pairs = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const inv = generateInventory({ seed, namespaces: 2 + (seed % 3), pods: 6 + (seed % 11), policies: 3 + (seed % 9), flows: 0, nodes: 3 });
      const e = createPolicyEngine({ namespaces: inv.namespaces, pods: inv.pods, nodes: inv.nodes, policies: inv.policies, services: inv.services });
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
      // Streaming in another order gives the same connections.
      const order = m.peers.map((_, i) => G - 1 - i);
      const streamed = [...m.connections(order)].map((c) => `${c.src}>${c.dst}`).sort();
      expect(streamed).toEqual(m.toResult().connections.map((c) => `${c.src}>${c.dst}`).sort());
    }
    expect(pairs).toBeGreaterThan(20_000);
  }, 180_000);
});
