/**
 * Generated manifest folders for the analyze benches, the same shape as the reference run in
 * bench/reference-netpolicy.json: namespaces, pods and 4 NetworkPolicies per namespace, one YAML
 * file per namespace (what `netpolicy list --dirpath D` and `netcity analyze D` both read).
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { generateInventory } from '../main/model/scenario/generate.js';
import { objectsFromSnapshot } from '../test/fakes/kube-api-server/objects.js';

export interface FolderShape {
  pods: number;
  /** Default pods / 20. */
  namespaces?: number;
  /** Default 4 per namespace. */
  policies?: number;
  format?: 'yaml' | 'json';
  seed?: number;
}

const KEEP = new Set(['namespaces', 'pods', 'networking.k8s.io/networkpolicies', 'cilium.io/ciliumnetworkpolicies']);

/** Writes the folder (removing what was there) and returns its path and the counts written. */
export function writeManifestFolder(dir: string, shape: FolderShape): { dir: string; files: number; objects: number; bytes: number } {
  const namespaces = shape.namespaces ?? Math.max(1, Math.round(shape.pods / 20));
  const inv = generateInventory({ seed: shape.seed ?? 3, namespaces, pods: shape.pods, policies: shape.policies ?? namespaces * 4, flows: 0 });
  const byNs = new Map<string, Record<string, unknown>[]>();
  for (const { resource, object } of objectsFromSnapshot({ ...inv, flows: [], roads: [] })) {
    if (!KEEP.has(resource)) continue;
    const meta = object.metadata as { name: string; namespace?: string };
    const ns = meta.namespace ?? meta.name;
    const list = byNs.get(ns);
    if (list) list.push(object);
    else byNs.set(ns, [object]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let objects = 0;
  let bytes = 0;
  const json = shape.format === 'json';
  for (const [ns, objs] of byNs) {
    const text = json ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }, null, 2)}\n` : objs.map((o) => stringify(o)).join('---\n');
    fs.writeFileSync(path.join(dir, `${ns}.${json ? 'json' : 'yaml'}`), text);
    objects += objs.length;
    bytes += Buffer.byteLength(text);
  }
  return { dir, files: byNs.size, objects, bytes };
}
