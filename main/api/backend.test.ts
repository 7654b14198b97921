import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Backend } from './backend.js';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'hubble');

let dir: string;
let b: Backend;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-backend-'));
  b = new Backend({ mode: 'browser', version: 'test', configDir: dir, kubeconfigPath: join(dir, 'no-kubeconfig'), allow: [dir, FIXTURES] });
  b.openDemo();
});
afterEach(async () => {
  await b.dispose();
});

describe('backend over the demo city', () => {
  it('serves the map with districts, houses, highways and denied roads', async () => {
    const map = await b.call('city.map', { cityId: 'demo' });
    expect(map.counts).toMatchObject({ districts: 5, houses: 25, highways: 12 });
    expect(map.counts.deniedRoads).toBeGreaterThanOrEqual(3);
    expect(map.nodes.some((n) => n.kind === 'house' && n.fence?.ingress)).toBe(true);
    // The wire map: the aggregate keys behind each road and the layout memory stay in main.
    expect(map.edges.every((e) => !('roadKeys' in e))).toBe(true);
    expect('layout' in map).toBe(false);
    const summary = await b.call('city.summary', { cityId: 'demo' });
    expect(summary.findings.some((f) => f.kind === 'denied-flows')).toBe(true);
    expect(summary.findings.some((f) => f.kind === 'policy-selects-nothing' && f.title.includes('allow-orders-legacy'))).toBe(true);
  });

  it('explains a denied road: which direction and which policy', async () => {
    const map = await b.call('city.map', { cityId: 'demo' });
    const road = map.edges.find((e) => e.source.includes('recommendation') && e.target.includes('payment') && e.observed === 'denied')!;
    expect(road).toBeDefined();
    const why = await b.call('road.explain', { cityId: 'demo', edgeId: road.id });
    expect(why.observed?.dropped).toBeGreaterThan(0);
    const tcp = why.ports.find((p) => p.port === 8443)!;
    expect(tcp.predicted).toBe('denied');
    expect(tcp.steps.some((s) => s.direction === 'ingress' && (s.policy ?? '').includes('payments'))).toBe(true);
    expect(why.disagreements).toEqual([]);
  });

  it('explains an allowed road with the allowing rule', async () => {
    const map = await b.call('city.map', { cityId: 'demo' });
    const road = map.edges.find((e) => e.source.includes('checkout') && e.target.includes('payment') && e.observed === 'allowed')!;
    const why = await b.call('road.explain', { cityId: 'demo', edgeId: road.id });
    const p = why.ports.find((x) => x.port === 8443)!;
    expect(p.predicted).toBe('allowed');
    expect(p.steps.map((s) => s.policy)).toContain('NetworkPolicy/payments/allow-checkout-to-payment');
  });

  it('searches by name, IP and label', async () => {
    const s = (await b.call('city.map', { cityId: 'demo' })) && (await b.call('city.search', { cityId: 'demo', query: 'payment' }));
    expect(s[0]).toMatchObject({ kind: 'workload', label: 'payments/payment' });
    const pod = b.city('demo').snapshot.pods.find((p) => p.owner?.name === 'redis')!;
    const byIp = await b.call('city.search', { cityId: 'demo', query: pod.ips[0] });
    expect(byIp[0].id).toBe(`pod:data/${pod.name}`);
    const byLabel = await b.call('city.search', { cityId: 'demo', query: 'tier=batch' });
    expect(byLabel.some((h) => h.label.includes('report-nightly'))).toBe(true);
  });

  it('gives pod details with fences and the policies selecting it', async () => {
    const pod = b.city('demo').snapshot.pods.find((p) => p.owner?.name === 'payment')!;
    const d = await b.call('node.details', { cityId: 'demo', nodeId: `pod:payments/${pod.name}` });
    expect(d.fences?.ingress.isolated).toBe(true);
    expect(d.fences?.egress.isolated).toBe(true);
    expect(d.policies.map((p) => p.key)).toEqual(expect.arrayContaining(['NetworkPolicy/payments/default-deny', 'NetworkPolicy/payments/allow-checkout-to-payment']));
    expect(d.policies[0].yaml).toContain('kind: NetworkPolicy');
  });

  it('previews a what-if without changing the city', async () => {
    const before = b.city('demo').snapshot.policies.length;
    const r = await b.call('whatif.preview', {
      cityId: 'demo',
      yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-recommendation, namespace: payments }
spec:
  podSelector: { matchLabels: { app: payment } }
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: shop } }
          podSelector: { matchLabels: { app: recommendation } }
      ports: [{ protocol: TCP, port: 8443 }]
`,
    });
    expect(r.errors).toEqual([]);
    expect(r.policies).toEqual([{ key: 'NetworkPolicy/payments/allow-recommendation', change: 'added' }]);
    expect(r.newlyAllowed.some((c) => c.src.includes('recommendation') && c.dst.includes('payment') && c.ports.includes('8443'))).toBe(true);
    expect(r.map.edges.some((e) => e.flags.includes('whatif-allowed'))).toBe(true);
    expect(b.city('demo').snapshot.policies.length).toBe(before);
  });

  it('reports what-if YAML errors instead of failing', async () => {
    const r = await b.call('whatif.preview', { cityId: 'demo', yaml: 'kind: [unclosed' });
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.newlyAllowed).toEqual([]);
  });

  it('what-if default deny lists the observed flows it would drop', async () => {
    const r = await b.call('whatif.preview', {
      cityId: 'demo',
      yaml: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: data}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n',
    });
    // deny-all alone adds nothing that data/default-deny-ingress did not already deny.
    expect(r.flowsDropped).toEqual([]);
    const r2 = await b.call('whatif.preview', {
      cityId: 'demo',
      yaml: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress]}\n',
    });
    expect(r2.flowsDropped.some((f) => f.road.includes('shop/Deployment/frontend'))).toBe(true);
  });

  it('saves, lists, opens, duplicates, renames and deletes snapshots', async () => {
    const saved = await b.call('snapshots.save', { cityId: 'demo', name: 'before change' });
    expect(saved.pods).toBe(25);
    const list = await b.call('snapshots.list', {});
    expect(list.map((e) => e.name)).toContain('before change');
    const opened = await b.call('snapshots.open', { path: saved.path });
    expect(opened.kind).toBe('snapshot');
    expect(opened.counts.pods).toBe(25);
    const map = await b.call('city.map', { cityId: opened.id });
    expect(map.counts.deniedRoads).toBe((await b.call('city.map', { cityId: 'demo' })).counts.deniedRoads);
    const copy = await b.call('snapshots.duplicate', { path: saved.path });
    const renamed = await b.call('snapshots.rename', { path: copy.path, name: 'after change' });
    expect(renamed.name).toBe('after change');
    await b.call('snapshots.delete', { path: renamed.path });
    expect((await b.call('snapshots.list', {})).map((e) => e.name)).toEqual(['before change']);
  });

  it('refuses a corrupt snapshot with a clear message and leaves it untouched', async () => {
    const bad = join(dir, 'bad.netcity');
    writeFileSync(bad, 'this is not sqlite at all'.repeat(100));
    await expect(b.call('snapshots.open', { path: bad })).rejects.toThrow(/bad\.netcity/);
    expect((await import('node:fs')).readFileSync(bad, 'utf8')).toBe('this is not sqlite at all'.repeat(100));
  });

  it('diffs two cities and marks the changes for the overlay', async () => {
    const saved = await b.call('snapshots.save', { cityId: 'demo' });
    const other = await b.call('snapshots.open', { path: saved.path });
    const city = b.city(other.id);
    const snap = city.snapshot;
    city.update({ ...snap, policies: snap.policies.filter((p) => p.name !== 'default-deny'), pods: snap.pods.filter((p) => p.owner?.name !== 'fraud-check') });
    const d = await b.call('snapshots.diff', { a: 'demo', b: other.id });
    expect(d.summary.join(' ')).toMatch(/Policies: 1 removed/);
    expect(d.removed.some((id) => id.startsWith('pod:payments/fraud-check'))).toBe(true);
    expect(d.changed).toContain('ns:payments');
    expect(d.text).toContain('default-deny');
    expect(d.map.nodes.some((n) => n.id.startsWith('pod:payments/fraud-check'))).toBe(true);
    // The diff is drawn on the after city's layout: no district moves.
    const shown = new Map(city.map().nodes.filter((n) => n.kind === 'district').map((n) => [n.id, `${n.x},${n.y}`]));
    for (const n of d.map.nodes.filter((x) => x.kind === 'district')) if (shown.has(n.id)) expect(`${n.x},${n.y}`, n.id).toBe(shown.get(n.id));
  });

  it('imports a real Hubble capture into the city, keeping valid lines and reporting bad ones', async () => {
    const text = (await import('node:fs')).readFileSync(join(FIXTURES, 'sample-10-flows.jsonl'), 'utf8');
    const before = b.summary('demo').counts.flows;
    const r = await b.call('flows.import', { cityId: 'demo', fileName: 'sample.jsonl', text: `${text}{not json\n` });
    expect(r.flows).toBe(10);
    expect(r.invalidLines).toEqual([{ line: 11, error: expect.any(String) }]);
    expect(b.summary('demo').counts.flows).toBe(before + 10);
  });

  it('before importing, says whether the flows belong to the open city (another cluster’s capture is foreign)', async () => {
    const foreign = await b.call('flows.inspect', { cityId: 'demo', fileName: 'tcp.jsonl', path: join(FIXTURES, 'sample-400-tcp-flows.jsonl') });
    expect(foreign.sampled).toBeGreaterThan(300);
    expect(foreign.foreign).toBe(true);
    expect(foreign.matched).toBe(0);
    expect(foreign.unknownNamespaces.length).toBeGreaterThan(0);
    // The demo's own flows, as Hubble JSON lines of its pods, match it.
    const own = b.city('demo').snapshot.flows.slice(0, 50).map((f) => {
      const ep = (peer: string) => { const [ns, pod] = peer.slice(4).split('/'); return peer.startsWith('pod:') ? { namespace: ns, pod_name: pod } : { labels: ['reserved:world'] }; };
      return JSON.stringify({ flow: { time: new Date(f.time).toISOString(), verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2' }, l4: { TCP: { destination_port: f.port ?? 80 } }, source: ep(f.src.peer), destination: ep(f.dst.peer) } });
    });
    const mine = await b.call('flows.inspect', { cityId: 'demo', fileName: 'own.jsonl', text: own.join('\n') + '\n' });
    expect(mine.withPods).toBeGreaterThan(0);
    expect(mine.foreign).toBe(false);
  });

  it('imports a file by path into a new city', async () => {
    const r = await b.call('flows.import', { fileName: 'tcp.jsonl', path: join(FIXTURES, 'sample-400-tcp-flows.jsonl') });
    expect(r.flows).toBeGreaterThan(300);
    const map = await b.call('city.map', { cityId: r.cityId });
    expect(map.counts.roads).toBeGreaterThan(0);
  });

  it('exports SVG and CSV from the current map', async () => {
    const svg = await b.call('export.render', { cityId: 'demo', format: 'svg' });
    expect(svg.encoding).toBe('utf8');
    expect(svg.data).toContain('<svg');
    expect(svg.data).toContain('payments');
    const csv = await b.call('export.render', { cityId: 'demo', format: 'csv-matrix', redact: true });
    const pod = b.city('demo').snapshot.pods[0];
    expect(csv.data).not.toContain(pod.ips[0]);
  });

  it('keeps dragged positions as pinned', async () => {
    const map = await b.call('city.map', { cityId: 'demo' });
    const house = map.nodes.find((n) => n.kind === 'house')!;
    await b.call('positions.set', { cityId: 'demo', positions: { [house.id]: { x: 1, y: 2, pinned: true } } });
    const after = await b.call('city.map', { cityId: 'demo' });
    expect(after.nodes.find((n) => n.id === house.id)).toMatchObject({ x: 1, y: 2 });
  });

  it('pages flows for a road and scrubs a time window', async () => {
    const map = await b.call('city.map', { cityId: 'demo' });
    const road = map.edges.find((e) => e.kind === 'road' && e.volume > 50)!;
    const page = await b.call('city.flows', { cityId: 'demo', edgeId: road.id, limit: 10 });
    expect(page.total).toBe(road.volume);
    expect(page.rows).toHaveLength(10);
    const s = b.city('demo').snapshot;
    const mid = (s.window.from! + s.window.to!) / 2;
    const half = await b.call('city.map', { cityId: 'demo', window: { from: s.window.from, to: mid } });
    const vol = (m: typeof map) => m.edges.reduce((n, e) => n + e.volume, 0);
    expect(vol(half)).toBeLessThan(vol(map));
    expect(vol(half)).toBeGreaterThan(vol(map) / 3);
    const buckets = await b.call('city.timeline', { cityId: 'demo', buckets: 10 });
    expect(buckets.reduce((n, x) => n + x.forwarded + x.dropped, 0)).toBe(s.flows.length);
  });

  it('lists no contexts without a kubeconfig and says why', async () => {
    const r = await b.call('contexts.list', {});
    expect(r.contexts).toEqual([]);
    expect(r.error).toMatch(/no-kubeconfig/);
  });

  it('rejects calls to unknown cities and methods', async () => {
    await expect(b.call('city.map', { cityId: 'nope' })).rejects.toThrow('city nope is not open');
    await expect(b.call('rm -rf' as never, {})).rejects.toThrow(/unknown method/);
  });
});
