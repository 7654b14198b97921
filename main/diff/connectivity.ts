/**
 * Connectivity diff: which workload pairs became allowed or denied between A and B, and the
 * policy change that caused it. Both sides go through the policy engine (main/policy): the
 * workload matrix of A against the matrix of B, over the workloads present in both, plus each
 * workload to and from the world. Causes are the changed policies that select either end.
 */
import { createPolicyEngine, fromPortLists, toPortLists, type PolicyEngine, type PortLists } from '../policy/index.js';
import { NO_PORTS, isEmpty, subtract, type PortSet } from '../policy/ports.js';
import { WORLD, podId, policyKey } from '../model/ids.js';
import { workloadOfPod } from '../policy/index.js';
import type { PeerId, PolicyObject, Snapshot } from '../model/types.js';
import type { ConnectivityChange, ConnectivityChangeKind, ConnectivityDiff, EntityChange, PolicyChange } from './types.js';

export interface ConnectivityContext {
  policies: PolicyChange[];
  /** Inventory changes, to explain changes no policy change accounts for. */
  inventory: EntityChange[];
}

type Direction = 'ingress' | 'egress';

/** Directions a policy governs: NetworkPolicy by policyTypes (default: Ingress, plus Egress if it has egress rules); others by their rule lists. */
export function directionsOf(p: PolicyObject): Direction[] {
  const spec = (p.manifest.spec ?? {}) as Record<string, unknown>;
  const specs = [spec, ...(Array.isArray(p.manifest.specs) ? (p.manifest.specs as Record<string, unknown>[]) : [])];
  const types = (spec.policyTypes ?? spec.types) as unknown;
  if (Array.isArray(types) && types.length) return types.map((t) => String(t).toLowerCase()).filter((t): t is Direction => t === 'ingress' || t === 'egress');
  const out = new Set<Direction>();
  if (p.kind === 'NetworkPolicy') out.add('ingress');
  for (const s of specs) {
    if ('ingress' in s || 'ingressDeny' in s) out.add('ingress');
    if ('egress' in s || 'egressDeny' in s) out.add('egress');
  }
  return out.size ? [...out] : ['ingress', 'egress'];
}

interface Cell {
  allowed: PortSet;
  unknown: PortSet;
}

const NONE: Cell = { allowed: NO_PORTS, unknown: NO_PORTS };

function matrixCells(engine: PolicyEngine): { peers: Set<PeerId>; cells: Map<string, Cell> } {
  const m = engine.workloadMatrix({ level: 'workload', includeIpRanges: false });
  const cells = new Map<string, Cell>();
  for (const c of m.connections) cells.set(`${c.src}\u0000${c.dst}`, { allowed: fromPortLists(c.allowed), unknown: c.unknown ? fromPortLists(c.unknown) : NO_PORTS });
  return { peers: new Set(m.peers.map((p) => p.id)), cells };
}

/** One pod per workload: the engine answers "which policies select it" for pods. */
function representativePods(snap: Snapshot): Map<PeerId, PeerId> {
  const m = new Map<PeerId, PeerId>();
  for (const p of snap.pods) {
    const wl = workloadOfPod(p);
    if (!m.has(wl)) m.set(wl, podId(p.namespace, p.name));
  }
  return m;
}

export function diffConnectivity(a: Snapshot, b: Snapshot, ctx: ConnectivityContext): ConnectivityDiff {
  const engineA = createPolicyEngine(a);
  const engineB = createPolicyEngine(b);
  const A = matrixCells(engineA);
  const B = matrixCells(engineB);
  const common = [...A.peers].filter((p) => B.peers.has(p)).sort();
  const commonSet = new Set(common);

  const cellsA = A.cells;
  const cellsB = B.cells;
  // The world: each common workload to and from outside the cluster.
  const worldCell = (engine: PolicyEngine, src: PeerId, dst: PeerId): Cell => {
    const v = engine.portVerdicts(src, dst);
    return { allowed: fromPortLists(v.allowed), unknown: fromPortLists(v.unknown) };
  };
  for (const w of common) {
    for (const [s, d] of [
      [w, WORLD],
      [WORLD, w],
    ]) {
      cellsA.set(`${s}\u0000${d}`, worldCell(engineA, s, d));
      cellsB.set(`${s}\u0000${d}`, worldCell(engineB, s, d));
    }
  }

  const changedPolicies = new Map(ctx.policies.map((p) => [p.key, p]));
  const podsA = representativePods(a);
  const podsB = representativePods(b);
  const selectingCache = new Map<string, string[]>();
  const selecting = (engine: PolicyEngine, pods: Map<PeerId, PeerId>, side: string, wl: PeerId): string[] => {
    const key = `${side}\u0000${wl}`;
    let r = selectingCache.get(key);
    if (r === undefined) {
      const pod = pods.get(wl);
      try {
        r = pod ? engine.policiesSelecting(pod) : [];
      } catch {
        r = [];
      }
      selectingCache.set(key, r);
    }
    return r;
  };
  const inventoryById = new Map(ctx.inventory.map((e) => [e.id, e]));
  const directions = new Map<string, Set<Direction>>();
  for (const p of [...a.policies, ...b.policies]) {
    const k = policyKey(p.kind, p.name, p.namespace);
    const set = directions.get(k) ?? new Set<Direction>();
    for (const d of directionsOf(p)) set.add(d);
    directions.set(k, set);
  }
  const explain = (src: PeerId, dst: PeerId): { causes: string[]; because: string } => {
    const keys = new Set<string>();
    // A policy on the source matters through its egress rules, one on the destination through ingress.
    for (const [end, dir] of [
      [src, 'egress'],
      [dst, 'ingress'],
    ] as const) {
      if (end === WORLD) continue;
      for (const k of [...selecting(engineA, podsA, 'a', end), ...selecting(engineB, podsB, 'b', end)]) if (directions.get(k)?.has(dir) ?? true) keys.add(k);
    }
    const causes = [...keys].filter((k) => changedPolicies.has(k)).sort();
    if (causes.length) {
      const because = causes
        .map((k) => {
          const p = changedPolicies.get(k)!;
          const first = p.rules.slice(0, 2).map((r) => r.description).join('; ');
          return `${k} ${p.change}${first ? ` (${first}${p.rules.length > 2 ? '; ...' : ''})` : ''}`;
        })
        .join('; ');
      return { causes, because };
    }
    const inv = [src, dst]
      .map((id) => inventoryById.get(id))
      .filter((e): e is EntityChange => !!e)
      .map((e) => `${e.id} ${e.change}${e.fields.length ? ` (${e.fields.map((f) => f.field).join(', ')})` : ''}`);
    if (inv.length) return { causes: [], because: `inventory: ${inv.join('; ')}` };
    const nsChanges = ctx.inventory.filter((e) => e.type === 'namespace' || e.type === 'pod');
    return {
      causes: [],
      because: nsChanges.length ? 'labels of namespaces or pods changed (no changed policy selects either end)' : 'no single change found: compare the policies selecting both ends',
    };
  };

  const changes: ConnectivityChange[] = [];
  const push = (src: PeerId, dst: PeerId, change: ConnectivityChangeKind, ports: PortSet) => {
    const lists: PortLists = toPortLists(ports);
    changes.push({ src, dst, change, ports: lists, ...explain(src, dst) });
  };
  const keys = new Set([...cellsA.keys(), ...cellsB.keys()]);
  for (const key of keys) {
    const [src, dst] = key.split('\u0000');
    if (!(commonSet.has(src) || src === WORLD) || !(commonSet.has(dst) || dst === WORLD)) continue;
    const x = cellsA.get(key) ?? NONE;
    const y = cellsB.get(key) ?? NONE;
    const gained = subtract(y.allowed, x.allowed);
    const lost = subtract(subtract(x.allowed, y.allowed), y.unknown);
    const unknown = subtract(y.unknown, x.unknown);
    if (!isEmpty(gained)) push(src, dst, 'newly-allowed', gained);
    if (!isEmpty(lost)) push(src, dst, 'newly-denied', lost);
    if (!isEmpty(unknown)) push(src, dst, 'newly-unknown', unknown);
  }
  changes.sort((p, q) => (p.src < q.src ? -1 : p.src > q.src ? 1 : p.dst < q.dst ? -1 : p.dst > q.dst ? 1 : p.change < q.change ? -1 : 1));
  return { status: 'computed', changes, pairsCompared: common.length * (common.length - 1) + common.length * 2 };
}
