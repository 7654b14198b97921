import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../model/scenario/demo.js';
import { openSnapshot } from '../../store/index.js';
import { createEngineView } from '../../city/policy-adapter.js';
import { UsageError, type CliIO } from '../command.js';
import snapshot, { parseDuration } from './snapshot.js';

let dir: string;
let out: string[];
let err: string[];
let io: CliIO;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-cli-snap-'));
  out = [];
  err = [];
  io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, signal: new AbortController().signal };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('netcity snapshot', () => {
  it('--demo writes the demo city', async () => {
    expect(await snapshot.run(['--demo', '--out', 'demo.netcity'], io)).toBe(0);
    const back = openSnapshot(path.join(dir, 'demo.netcity'));
    const demo = demoSnapshot();
    expect(back.roads).toEqual(demo.roads);
    expect(back.policies).toHaveLength(demo.policies.length);
    expect(out.join('')).toMatch(/saved .*demo\.netcity: 5 namespaces, .* policies, \d+ roads/);
  });

  it('--manifests builds a snapshot from a folder, without Secrets', async () => {
    const m = path.join(dir, 'k8s');
    fs.mkdirSync(m);
    fs.writeFileSync(
      path.join(m, 'app.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {password: hunter2hunter2}
`,
    );
    expect(await snapshot.run(['--manifests', 'k8s', '--out', 'review.netcity', '--name', 'PR 42'], io)).toBe(0);
    const file = path.join(dir, 'review.netcity');
    const back = openSnapshot(file);
    expect(back.name).toBe('PR 42');
    expect(back.cluster.source).toBe('manifests');
    expect(back.policies.map((p) => p.name)).toEqual(['deny-all']);
    expect(back.workloads.map((w) => w.name)).toEqual(['web']);
    expect(fs.readFileSync(file).toString('latin1')).not.toContain('hunter2');
  });

  it('--manifests: the road builder the folder declares, or the one named with --road-builder', async () => {
    const m = path.join(dir, 'k8s');
    fs.mkdirSync(m);
    fs.copyFileSync(path.join(__dirname, '../../../test/fixtures/cni/calico-v3.29-operator.yaml'), path.join(m, 'calico.yaml'));
    fs.writeFileSync(path.join(m, 'policy.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\nspec: {podSelector: {}}\n');
    expect(await snapshot.run(['--manifests', 'k8s', '--out', 'a.netcity'], io)).toBe(0);
    const a = openSnapshot(path.join(dir, 'a.netcity')).roadBuilder;
    expect(a).toMatchObject({ name: 'calico', mode: 'overlay (vxlan, cross-subnet)', enforcesNetworkPolicy: true, details: { source: 'declared in manifests' } });
    expect(err.join('')).toContain('road builder: Calico, overlay (vxlan, cross-subnet), enforces policies (declared in manifests)');
    expect(err.join('')).not.toMatch(/unknown kind/); // Installation and APIServer are read, not rejected

    expect(await snapshot.run(['--manifests', 'k8s/policy.yaml', '--road-builder', 'Flannel', '--out', 'b.netcity'], io)).toBe(0);
    expect(openSnapshot(path.join(dir, 'b.netcity')).roadBuilder).toMatchObject({ name: 'flannel', enforcesNetworkPolicy: false, policyKinds: [], details: { source: 'named with --road-builder' } });

    expect(await snapshot.run(['--manifests', 'k8s/policy.yaml', '--out', 'c.netcity'], io)).toBe(0);
    expect(openSnapshot(path.join(dir, 'c.netcity')).roadBuilder).toMatchObject({ name: 'unknown', enforcesNetworkPolicy: 'unknown' });
    await expect(snapshot.run(['--manifests', 'k8s', '--road-builder', 'bogus', '--out', 'd.netcity'], io)).rejects.toThrow(/--road-builder: expected one of cilium, calico/);
    await expect(snapshot.run(['--demo', '--road-builder', 'flannel', '--out', 'd.netcity'], io)).rejects.toThrow(/only applies to --manifests/);
  });

  it('--host-network / --ipblock-pod-ips are recorded with the road builder, and the app engine uses them', async () => {
    const fix = path.join(__dirname, '../../../test/unit/policy/fixtures/cidr');
    expect(await snapshot.run(['--manifests', fix, '--road-builder', 'cilium', '--host-network', 'as-pod', '--ipblock-pod-ips', 'match', '--out', 'e.netcity'], io)).toBe(0);
    const back = openSnapshot(path.join(dir, 'e.netcity'));
    expect(back.roadBuilder.details).toMatchObject({ 'host-network': 'as-pod', 'ipblock-pod-ips': 'match' });
    expect(err.join('')).toContain('CNI semantics: host-network pods as ordinary pods (--host-network as-pod); ipBlock matches pod IPs (--ipblock-pod-ips match)');
    const view = createEngineView(back);
    expect(view.verdict('pod:x/a', 'pod:y/b', 'TCP', 80)).toBe('allowed'); // ipBlock 10.1.0.14/32 matches y/b's IP
    expect(view.raw.evaluate('pod:x/agent', 'pod:y/c', 'TCP', 80).summary).toContain('host-network pod: treated as an ordinary pod (--host-network as-pod)');
    // Without the choices, Cilium's own semantics.
    expect(await snapshot.run(['--manifests', fix, '--road-builder', 'cilium', '--out', 'f.netcity'], io)).toBe(0);
    expect(createEngineView(openSnapshot(path.join(dir, 'f.netcity'))).verdict('pod:x/a', 'pod:y/b', 'TCP', 80)).toBe('denied');
    await expect(snapshot.run(['--manifests', fix, '--host-network', 'yes', '--out', 'g.netcity'], io)).rejects.toThrow(UsageError);
  });

  it('--manifests with nothing usable fails with the loader errors', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: [unclosed');
    await expect(snapshot.run(['--manifests', 'bad.yaml', '--out', 'x.netcity'], io)).rejects.toThrow(/no usable Kubernetes objects in bad\.yaml/);
    expect(err.join('')).toMatch(/bad\.yaml/);
    expect(fs.existsSync(path.join(dir, 'x.netcity'))).toBe(false);
  });

  it('rejects bad arguments with usage errors', async () => {
    await expect(snapshot.run(['--out', 'x.netcity'], io)).rejects.toThrow(UsageError);
    await expect(snapshot.run(['--demo', '--context', 'c', '--out', 'x.netcity'], io)).rejects.toThrow(/exactly one source/);
    await expect(snapshot.run(['--demo'], io)).rejects.toThrow(/--out FILE.netcity is required/);
    await expect(snapshot.run(['--demo', '--out', 'x.db'], io)).rejects.toThrow(/must end in \.netcity/);
    await expect(snapshot.run(['--demo', '--flows', '10s', '--out', 'x.netcity'], io)).rejects.toThrow(/--flows only applies/);
    await expect(snapshot.run(['--context', 'c', '--flows', 'soon', '--out', 'x.netcity'], io)).rejects.toThrow(/expected a duration/);
    await expect(snapshot.run(['--manifests', '--out', 'x.netcity'], io)).rejects.toThrow(/at least one file or folder/);
  });

  it('never overwrites a file that is not a snapshot', async () => {
    fs.writeFileSync(path.join(dir, 'notes.netcity'), 'my precious notes');
    await expect(snapshot.run(['--demo', '--out', 'notes.netcity'], io)).rejects.toThrow(/refusing to overwrite/);
    expect(fs.readFileSync(path.join(dir, 'notes.netcity'), 'utf8')).toBe('my precious notes');
  });

  it('--context reports an unknown context from the kubeconfig clearly', async () => {
    const kc = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kc,
      `apiVersion: v1
kind: Config
clusters: [{name: c1, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: u1, user: {}}]
contexts: [{name: dev, context: {cluster: c1, user: u1}}]
current-context: dev
`,
    );
    await expect(snapshot.run(['--context', 'prod', '--kubeconfig', kc, '--out', 'live.netcity'], io)).rejects.toThrow(/prod/);
    expect(fs.existsSync(path.join(dir, 'live.netcity'))).toBe(false);
  });

  it('parses durations', () => {
    expect(parseDuration('60s')).toBe(60);
    expect(parseDuration('2m')).toBe(120);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('45')).toBe(45);
  });
});
