/**
 * Generated manifest folders for the analyze benches, the shape of the reference run in
 * bench/reference-netpolicy.json: namespaces (20 pods each by default), their pods, and 4
 * NetworkPolicies per namespace, one YAML file per namespace (what `netpolicy list --dirpath D`
 * and `netcity analyze D` both read). The policies isolate each namespace the way real clusters
 * do: default deny both ways, same-namespace traffic, DNS, and the web tier of the next
 * namespace; so the allowed pairs grow linearly with the pods, as in a real cluster.
 * Folders are kept in the OS temp folder by shape, so later runs reuse them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dump } from 'js-yaml';
import { generateInventory } from '../main/model/scenario/generate.js';
import { objectsFromSnapshot } from '../test/fakes/kube-api-server/objects.js';

export interface FolderShape {
  pods: number;
  /** Default pods / 20. */
  namespaces?: number;
  format?: 'yaml' | 'json';
}

type Obj = Record<string, unknown>;
const np = (namespace: string, name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

function policiesOf(ns: string, next: string): Obj[] {
  return [
    np(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    np(ns, 'allow-same-namespace', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
    np(ns, 'allow-egress', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: {} }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': next } }, podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      ],
    }),
    np(next, `allow-web-from-${ns}`, {
      podSelector: { matchLabels: { tier: 'web' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    }),
  ];
}

/** The folder for a shape (written on first use) and what it holds. */
export function manifestFolder(shape: FolderShape): { dir: string; files: number; objects: number; bytes: number; namespaces: number; policies: number } {
  const namespaces = shape.namespaces ?? Math.max(1, Math.round(shape.pods / 20));
  const format = shape.format ?? 'yaml';
  const dir = path.join(os.tmpdir(), 'netcity-bench-manifests', `v1-${shape.pods}-${namespaces}-${format}`);
  const info = path.join(dir, '.shape.json');
  if (fs.existsSync(info)) return JSON.parse(fs.readFileSync(info, 'utf8'));
  const inv = generateInventory({ seed: 3, namespaces, pods: shape.pods, policies: 0, flows: 0 });
  const byNs = new Map<string, Obj[]>(inv.namespaces.map((n) => [n.name, []]));
  for (const { resource, object } of objectsFromSnapshot({ ...inv, flows: [], roads: [] })) {
    if (resource !== 'namespaces' && resource !== 'pods') continue;
    const meta = object.metadata as { name: string; namespace?: string };
    byNs.get(meta.namespace ?? meta.name)!.push(object);
  }
  const names = inv.namespaces.map((n) => n.name);
  names.forEach((ns, i) => {
    for (const p of policiesOf(ns, names[(i + 1) % names.length])) byNs.get((p.metadata as { namespace: string }).namespace)!.push(p);
  });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let objects = 0;
  let bytes = 0;
  for (const [ns, objs] of byNs) {
    const text = format === 'json' ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }, null, 2)}\n` : objs.map((o) => dump(o, { noRefs: true })).join('---\n');
    fs.writeFileSync(path.join(dir, `${ns}.${format}`), text);
    objects += objs.length;
    bytes += Buffer.byteLength(text);
  }
  const result = { dir, files: byNs.size, objects, bytes, namespaces, policies: namespaces * 4 };
  fs.writeFileSync(info, JSON.stringify(result));
  return result;
}
