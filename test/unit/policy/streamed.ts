/**
 * The streamed connections of a matrix (spread sparsely, from the cells that may hold something)
 * against its cells asked one by one (the dense rows): the same connections, ports and order.
 */
import { expect } from 'vitest';
import type { ConnectivityMatrix } from '../../../main/policy/matrix.js';

export function expectStreamedEqualsCells(m: ConnectivityMatrix, what: unknown): number {
  const G = m.peers.length;
  const orders: (number[] | undefined)[] = [undefined, m.peers.map((_, i) => G - 1 - i)];
  let count = 0;
  for (const order of orders) {
    const pos = order ?? m.peers.map((_, i) => i);
    const cells: string[] = [];
    for (const s of pos)
      for (const d of pos) {
        const p = s === d ? null : m.at(s, d);
        if (p) cells.push(`${m.peers[s].id}>${m.peers[d].id} ${JSON.stringify(p)}`);
      }
    const streamed = [...m.connections(order)].map((c) => `${c.src}>${c.dst} ${JSON.stringify({ allowed: c.allowed, ...(c.unknown ? { unknown: c.unknown } : {}) })}`);
    expect({ what, order: order ? 'reversed' : 'peers', streamed }).toEqual({ what, order: order ? 'reversed' : 'peers', streamed: cells });
    count += cells.length;
  }
  const each: string[] = [];
  m.forEachConnection((src, dst, p) => each.push(`${src.id}>${dst.id} ${JSON.stringify(p)}`));
  expect({ what, each }).toEqual({ what, each: [...m.connections()].map((c) => `${c.src}>${c.dst} ${JSON.stringify({ allowed: c.allowed, ...(c.unknown ? { unknown: c.unknown } : {}) })}`) });
  return count;
}
