import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import { generateScenario } from '../model/scenario/generate.js';
import { buildMapModel } from './build.js';
import type { MapModel, MapNode } from './model.js';
import { shortLabel } from './streets.js';

type Seg = [number, number, number, number];
const segments = (route: number[]): Seg[] => {
  const out: Seg[] = [];
  for (let i = 0; i + 3 < route.length; i += 2) out.push([route[i], route[i + 1], route[i + 2], route[i + 3]]);
  return out;
};

/** Whether a segment passes through the inside of a node's rectangle (shrunk by `inset`). */
function crosses([x1, y1, x2, y2]: Seg, n: MapNode, inset = 0.5): boolean {
  const l = n.x - n.w / 2 + inset, r = n.x + n.w / 2 - inset, t = n.y - n.h / 2 + inset, b = n.y + n.h / 2 - inset;
  let t0 = 0, t1 = 1;
  const dx = x2 - x1, dy = y2 - y1;
  for (const [p, q] of [[-dx, x1 - l], [dx, r - x1], [-dy, y1 - t], [dy, b - y1]] as const) {
    if (Math.abs(p) < 1e-12) {
      if (q < 0) return false;
    } else {
      const u = q / p;
      if (p < 0) t0 = Math.max(t0, u);
      else t1 = Math.min(t1, u);
    }
  }
  return t0 < t1 - 1e-9;
}

function checkRoutes(m: MapModel) {
  const byId = new Map(m.nodes.map((n) => [n.id, n]));
  const districtOf = (id: string) => {
    let n = byId.get(id);
    while (n?.parent) n = byId.get(n.parent);
    return n!;
  };
  const districts = m.nodes.filter((n) => n.kind === 'district');
  const blocks = m.nodes.filter((n) => n.kind === 'block');
  let routed = 0;
  for (const e of [...m.edges, ...(m.districtRoads ?? [])]) {
    if (!e.route) continue;
    routed++;
    const a = byId.get(e.source)!;
    const b = byId.get(e.target)!;
    const ends = new Set([districtOf(e.source).id, districtOf(e.target).id]);
    const segs = segments(e.route);
    for (const sg of segs) {
      for (const d of districts) if (!ends.has(d.id)) expect(crosses(sg, d), `${e.id} crosses district ${d.id}`).toBe(false);
      for (const bl of blocks) if (bl.id !== e.source && bl.id !== e.target && ends.has(districtOf(bl.id).id)) expect(crosses(sg, bl), `${e.id} crosses block ${bl.id}`).toBe(false);
      // Streets run along the grid: every bend is a right angle.
      expect(sg[0] === sg[2] || sg[1] === sg[3], `${e.id} has a diagonal`).toBe(true);
    }
    // Starts on the border of its source and ends on the border of its target.
    const onBorder = (n: MapNode, x: number, y: number) =>
      (Math.abs(Math.abs(x - n.x) - n.w / 2) < 0.2 && Math.abs(y - n.y) <= n.h / 2 + 0.2) || (Math.abs(Math.abs(y - n.y) - n.h / 2) < 0.2 && Math.abs(x - n.x) <= n.w / 2 + 0.2);
    expect(onBorder(a, e.route[0], e.route[1]), `${e.id} start`).toBe(true);
    expect(onBorder(b, e.route.at(-2)!, e.route.at(-1)!), `${e.id} end`).toBe(true);
  }
  return routed;
}

describe('roads follow the streets', () => {
  it('routes every demo road around districts and blocks, from border to border', () => {
    const m = buildMapModel(demoSnapshot());
    expect(checkRoutes(m)).toBe(m.edges.length + m.districtRoads!.length);
  });

  it('routes a bigger city too, and a road to another district enters it at its gate', () => {
    const m = buildMapModel(generateScenario({ seed: 2, namespaces: 12, pods: 240, policies: 10, flows: 600 }));
    expect(checkRoutes(m)).toBeGreaterThan(40);
    const byId = new Map(m.nodes.map((n) => [n.id, n]));
    const cross = m.edges.find((e) => e.kind === 'road' && byId.get(e.source)?.parent !== byId.get(e.target)?.parent && byId.get(e.target)?.kind === 'block')!;
    const d = byId.get(byId.get(cross.target)!.parent!)!;
    const gate = { x: d.x, y: d.y + d.h / 2 };
    const pts = segments(cross.route!).flatMap(([x1, y1]) => [[x1, y1]]);
    // The road passes the gate (bottom centre) of its destination district.
    expect(segments(cross.route!).some(([x1, y1, x2, y2]) => x1 === x2 && Math.abs(x1 - gate.x) < 0.2 && Math.min(y1, y2) <= gate.y && Math.max(y1, y2) >= gate.y)).toBe(true);
    expect(pts.length).toBeGreaterThan(2);
  });
});

describe('shortLabel', () => {
  it('keeps the first port by protocol and counts the rest', () => {
    expect(shortLabel('UDP 53, TCP 8080')).toBe('TCP 8080 +1 port');
    expect(shortLabel('TCP 80, TCP 443, UDP 53')).toBe('TCP 80 +2 ports');
    expect(shortLabel('TCP 8443')).toBe('TCP 8443');
  });
  it('says "all ports" for every port of every protocol, and names protocols that are wide open', () => {
    expect(shortLabel('TCP any, UDP any, SCTP any')).toBe('all ports');
    expect(shortLabel('UDP any, TCP any')).toBe('TCP+UDP any port');
    expect(shortLabel('TCP any')).toBe('TCP any port');
  });
});
