/**
 * Reading fields of Kubernetes objects (plain JSON) the same way wherever they come from: the API
 * (main/cluster) or manifests (main/manifests). Defensive: manifests can be malformed.
 */
import type { ContainerPort, OwnerRef, Protocol } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** TCP unless the field says UDP or SCTP (any case), as the API defaults it. */
export function protocolOf(v: unknown): Protocol {
  const s = typeof v === 'string' ? v.toUpperCase() : 'TCP';
  return s === 'UDP' || s === 'SCTP' ? s : 'TCP';
}

/** Declared container ports of a pod spec: app containers and sidecars (init containers that keep running). */
export function containerPorts(podSpec: unknown): ContainerPort[] {
  const spec = obj(podSpec);
  const containers = [...arr(spec.containers), ...arr(spec.initContainers).filter((c) => obj(c).restartPolicy === 'Always')];
  const out: ContainerPort[] = [];
  for (const c of containers)
    for (const p of arr(obj(c).ports)) {
      const o = obj(p);
      if (typeof o.containerPort !== 'number') continue;
      out.push({ ...(typeof o.name === 'string' ? { name: o.name } : {}), containerPort: o.containerPort, protocol: protocolOf(o.protocol) });
    }
  return out;
}

/** The controlling owner reference (or the first one) of an object's metadata. */
export function controllerOf(metadata: unknown): OwnerRef | undefined {
  const refs = arr(obj(metadata).ownerReferences).map(obj);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  return ref && typeof ref.kind === 'string' && typeof ref.name === 'string' ? { kind: ref.kind, name: ref.name } : undefined;
}

/** The service account a pod runs as: spec.serviceAccountName (or the deprecated serviceAccount), else "default". */
export function serviceAccountOf(podSpec: unknown): string {
  const s = typeof podSpec === 'object' && podSpec !== null ? (podSpec as Record<string, unknown>) : {};
  for (const k of ['serviceAccountName', 'serviceAccount']) if (typeof s[k] === 'string' && s[k]) return s[k] as string;
  return 'default';
}
