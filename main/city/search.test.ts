import { describe, expect, it } from 'vitest';
import { buildMapModel } from '../map/build.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import { searchCity } from './search.js';

const demo = demoSnapshot();
const map = buildMapModel(demo);
const search = (q: string) => searchCity(demo, map, q);

describe('city search', () => {
  it('a label lists the workload that carries it first, then its service and pods', () => {
    const hits = search('app=cart');
    expect(hits[0]).toMatchObject({ kind: 'workload', label: 'shop/cart' });
    expect(hits[0].detail).toContain('label app=cart');
    expect(hits.some((h) => h.kind === 'service' && h.label === 'shop/cart')).toBe(true);
    expect(hits.filter((h) => h.kind === 'pod').map((h) => h.label)).toEqual(expect.arrayContaining([expect.stringMatching(/^shop\/cart-/)]));
    expect(hits.every((h) => h.label.includes('cart'))).toBe(true);
  });

  it('finds a pod by IP, a namespace by name, and nothing for nonsense', () => {
    const pod = demo.pods[0];
    expect(search(pod.ips[0])[0]).toMatchObject({ kind: 'pod', label: `${pod.namespace}/${pod.name}` });
    expect(search('payments')[0]).toMatchObject({ kind: 'namespace', label: 'payments' });
    expect(search('no-such-thing-anywhere')).toEqual([]);
  });
});
