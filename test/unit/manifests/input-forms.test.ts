/**
 * The input forms kubectl and the API server produce: typed lists (PodList, NetworkPolicyList...
 * whose items have no kind/apiVersion), `kind: List` from `kubectl get a,b,c -o json`, and the
 * YAML 1.1 scalars kubectl's reader takes as booleans.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { convertObjects, formatManifestError, loadManifests, parseManifestText, type ManifestSet } from '../../../main/manifests/index.js';
import { createPolicyEngine } from '../../../main/policy/index.js';

const LISTS = fileURLToPath(new URL('./fixtures/lists/', import.meta.url));

/** What analysis sees: the model and the matrix, without where each object was read. */
function analysed(set: ManifestSet) {
  const sortBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const engine = createPolicyEngine({ namespaces: set.namespaces, pods: set.pods, nodes: set.nodes, policies: set.policies, services: set.services });
  const matrix = engine.workloadMatrix({ level: 'pod', includeIpRanges: true });
  return {
    errors: set.errors.map((e) => e.message),
    namespaces: set.namespaces,
    nodes: set.nodes,
    pods: sortBy(set.pods, (p) => `${p.namespace}/${p.name}`),
    workloads: sortBy(set.workloads, (w) => `${w.namespace}/${w.kind}/${w.name}`),
    services: set.services,
    policies: sortBy(set.policies, (p) => `${p.kind}/${p.namespace}/${p.name}`),
    engineWarnings: engine.warnings,
    connections: sortBy(matrix.connections, (c) => `${c.src}|${c.dst}`),
  };
}

describe('typed lists', () => {
  it('every kind we read, as a JSON or YAML typed list, analyses like the same objects as separate documents', async () => {
    const separate = await loadManifests([join(LISTS, 'separate.yaml')]);
    expect(separate.errors).toEqual([]);
    // Every kind is there: the comparison below covers them all.
    expect(separate.pods.length).toBeGreaterThan(5);
    expect(new Set(separate.policies.map((p) => p.kind)).size).toBe(8);
    const reference = analysed(separate);
    expect(reference.connections.length).toBeGreaterThan(0);
    for (const form of ['json', 'yaml']) {
      const lists = await loadManifests([join(LISTS, form)]);
      expect(lists.files).toHaveLength(19);
      expect(analysed(lists)).toEqual(reference);
    }
  });

  it('kubectl get pods,ns,netpol -A -o json (kind: List) analyses like the same objects as documents', async () => {
    const all = await loadManifests([join(LISTS, 'kubectl-get-all.json')]);
    expect(all.errors).toEqual([]);
    const separate = await loadManifests([join(LISTS, 'json', 'v1-PodList.json'), join(LISTS, 'json', 'v1-NamespaceList.json'), join(LISTS, 'json', 'networking_k8s_io_v1-NetworkPolicyList.json')]);
    expect(all.pods.map((p) => p.name).sort()).toEqual(['toolbox', 'web-7c9f-a1']);
    expect(analysed(all)).toEqual(analysed(separate));
  });

  it('gives items the list kind minus "List" and the list apiVersion, keeps what items say, and places errors by item', () => {
    const r = parseManifestText(
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicyList',
        items: [{ metadata: { name: 'a', namespace: 'x' }, spec: { podSelector: {} } }, { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', metadata: { name: 'b' } }, 'nope'],
      }),
      'np.json',
    );
    expect(r.objects.map((o) => [o.item, o.obj.kind, o.obj.apiVersion])).toEqual([
      [1, 'NetworkPolicy', 'networking.k8s.io/v1'],
      [2, 'NetworkPolicy', 'networking.k8s.io/v1'],
    ]);
    expect(r.errors.map(formatManifestError)).toEqual(['np.json: document 1 item 3: list item is not an object']);
    // A v1 List does not name its items' kind: an item without one is still an error.
    const plain = parseManifestText('apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}\n', 'l.yaml');
    expect(convertObjects(plain.objects).errors.map(formatManifestError)).toEqual(['l.yaml: document 1 item 1: missing kind: not a Kubernetes object']);
  });

  it('names the object and field of an ownerReference without kind or name, and refuses that object', () => {
    const r = parseManifestText(
      [
        'apiVersion: v1\nkind: PodList\nitems:',
        '- metadata: {name: p1, namespace: a, ownerReferences: [{apiVersion: apps/v1, name: rs1, controller: true}]}',
        '- metadata: {name: p2, namespace: a, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs2}, {kind: Deployment}]}',
        '- metadata: {name: p3, namespace: a}',
      ].join('\n'),
      'pods.yaml',
    );
    const set = convertObjects(r.objects, {}, r.errors);
    expect(set.errors.map(formatManifestError)).toEqual([
      "pods.yaml: document 1 item 1 (Pod p1): metadata.ownerReferences[0].kind is missing: the API server would refuse this object; add the owner's kind and run again",
      "pods.yaml: document 1 item 2 (Pod p2): metadata.ownerReferences[1].name is missing: the API server would refuse this object; add the owner's name and run again",
    ]);
    expect(set.pods.map((p) => p.name)).toEqual(['p3']);
  });
});

describe('YAML 1.1 scalars, as kubectl reads them', () => {
  const ns = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n${labels}`;

  it.each(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'ON', 'true', 'True'])('an unquoted label value %s is the boolean true: the object is refused with file, document and field', (v) => {
    const r = parseManifestText(`${ns('    ok: "x"\n')}---\n${ns(`    enabled: ${v}\n`)}`, 'ns.yaml');
    expect(r.objects).toHaveLength(1);
    expect(r.errors.map(formatManifestError)).toEqual([
      'ns.yaml: document 2 (Namespace a): metadata.labels.enabled is the boolean true (unquoted yes, on, y or true in YAML), not a string: kubectl refuses the object; quote the value and run again',
    ]);
  });

  it.each(['n', 'no', 'NO', 'off', 'Off', 'false'])('an unquoted label value %s is the boolean false', (v) => {
    const r = parseManifestText(ns(`    enabled: ${v}\n`), 'ns.yaml');
    expect(r.errors[0].message).toMatch(/^metadata\.labels\.enabled is the boolean false /);
  });

  it('checks annotations, template labels, selectors and numbers too, in YAML and JSON', () => {
    const cases: [string, string][] = [
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {sidecar: on}}\n', 'metadata.annotations.sidecar is the boolean true'],
      ['apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {metadata: {labels: {canary: no}}}}\n', 'spec.template.metadata.labels.canary is the boolean false'],
      ['apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {gpu: yes}}}]}]}\n', 'spec.ingress[0].from[0].podSelector.matchLabels.gpu is the boolean true'],
      ['apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {legacy: y}}\n', 'spec.selector.legacy is the boolean true'],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {version: 2}}\n', 'metadata.labels.version is the number 2'],
      ['{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"x": true}}}', 'metadata.labels.x is the boolean true'],
    ];
    for (const [text, message] of cases) {
      const r = parseManifestText(text, 'f.yaml');
      expect(r.objects).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0].message.startsWith(message)).toBe(true);
    }
  });

  it('quoted values stay strings; booleans where the API has booleans are read as kubectl does', () => {
    const r = parseManifestText(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {enabled: "yes", mode: \'on\', short: "y"}}\nspec: {hostNetwork: yes, containers: [{name: c}]}\n',
      'p.yaml',
    );
    expect(r.errors).toEqual([]);
    const set = convertObjects(r.objects);
    expect(set.pods[0].labels).toEqual({ enabled: 'yes', mode: 'on', short: 'y' });
    expect(set.pods[0].hostNetwork).toBe(true);
  });

  it('a Service selector that is a label selector elsewhere is not a string map', () => {
    const r = parseManifestText('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}}}\n', 'd.yaml');
    expect(r.errors).toEqual([]);
  });
});
