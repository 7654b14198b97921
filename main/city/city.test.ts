import { describe, expect, it } from 'vitest';
import { generateScenario } from '../model/scenario/generate.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import { City } from './city.js';

describe('city map', () => {
  it('gives a big city a first map at once, then its predicted roads in the background, with progress', async () => {
    const s = generateScenario({ seed: 5, namespaces: 60, pods: 3000, policies: 200, flows: 2000 });
    const city = new City({ id: 'big', kind: 'snapshot', snapshot: s });
    const first = city.firstMap();
    expect(first.pending).toBe(true);
    expect(first.model.roadBudget!.complete).toBe(false);
    expect(first.model.roadBudget!.predicted).toBe(false);
    const steps: string[] = [];
    const run = city.computeRoads({}, (done, total, message) => steps.push(`${done}/${total} ${message}`));
    expect(city.computingRoads({})).toBe(true);
    expect(city.computeRoads({}, () => undefined)).toBe(run);
    await expect(run).resolves.toBe(true);
    expect(steps[0]).toMatch(/^0\/3/);
    expect(steps.at(-1)).toMatch(/^3\/3/);
    const after = city.firstMap();
    expect(after.pending).toBe(false);
    expect(after.model.roadBudget).toMatchObject({ complete: true, predicted: true });
    expect(after.model.roadBudget!.blocks.total).toBeGreaterThan(first.model.roadBudget!.blocks.total);
    expect(after.model.districtRoads!.length).toBeGreaterThan(first.model.districtRoads!.length);
  });

  it('drops a background result when the snapshot changed meanwhile', async () => {
    const s = generateScenario({ seed: 5, namespaces: 20, pods: 3000, policies: 50, flows: 500 });
    const city = new City({ id: 'big', kind: 'snapshot', snapshot: s });
    const run = city.computeRoads({}, () => undefined);
    city.flowsChanged();
    await expect(run).resolves.toBe(false);
    expect(city.firstMap().pending).toBe(true);
  });

  it('draws a small city complete on the first map', () => {
    const first = new City({ id: 'demo', kind: 'demo', snapshot: demoSnapshot() }).firstMap();
    expect(first.pending).toBe(false);
    expect(first.model.roadBudget!.complete).toBe(true);
  });
});

describe('stable layout', () => {
  it('new evidence never moves existing districts: a big new namespace goes to a free lot after them', () => {
    const s = demoSnapshot();
    const city = new City({ id: 'demo', kind: 'demo', snapshot: s });
    const before = new Map(city.map().nodes.filter((n) => n.kind === 'district').map((n) => [n.id, [n.x, n.y]]));
    // A big newcomer: fresh, it would be packed first (largest size class) and push every district along.
    const pods = Array.from({ length: 60 }, (_, i) => ({ ...s.pods[0], namespace: 'aaa-imported', name: `newcomer-${i}`, owner: undefined, ips: [`10.9.9.${i + 1}`] }));
    city.update({ ...city.evidence, namespaces: [...s.namespaces, { name: 'aaa-imported', labels: {} }], pods: [...s.pods, ...pods] });
    const after = city.map().nodes.filter((n) => n.kind === 'district');
    expect(after.map((n) => n.id)).toContain('ns:aaa-imported');
    for (const n of after) if (before.has(n.id)) expect([n.x, n.y], n.id).toEqual(before.get(n.id));
    // Without the memory of the last layout, the same snapshot would have placed it first and moved the others.
    const fresh = new City({ id: 'x', kind: 'snapshot', snapshot: city.evidence }).map().nodes.filter((n) => n.kind === 'district');
    expect(fresh.some((n) => before.has(n.id) && (n.x !== before.get(n.id)![0] || n.y !== before.get(n.id)![1]))).toBe(true);
  });
});
