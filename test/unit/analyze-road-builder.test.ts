/** `netcity analyze --road-builder`: policy kinds the road builder does not enforce have no effect on verdicts. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../main/cli/cli.js';
import { convertObjects } from '../../main/manifests/index.js';
import { createPolicyEngine } from '../../main/policy/index.js';
import { parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd: FIX, signal: new AbortController().signal });
  return { code, out, err };
}
const pair = (j: { connections: { src: string; dst: string }[] }) => j.connections.find((c) => c.src === 'wl:shop/Deployment/web' && c.dst === 'wl:shop/Deployment/db');

describe('netcity analyze --road-builder', () => {
  it('flannel on a default-deny folder: the pair is allowed, marked unenforced', async () => {
    const r = await run(['analyze', 'road-builder/default-deny', '--road-builder', 'flannel', '--format', 'json', '--no-ip-ranges']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('road builder: Flannel, does not enforce policies (named with --road-builder)');
    const c = pair(JSON.parse(r.out));
    expect(c).toEqual({ src: 'wl:shop/Deployment/web', dst: 'wl:shop/Deployment/db', allowed: { TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' }, unenforced: { TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' } });
  });

  it('marks it in txt and md, and explains "allowed — policy not enforced by Flannel"', async () => {
    const txt = await run(['analyze', 'road-builder/default-deny', '--road-builder', 'flannel', '--no-ip-ranges', '--explain']);
    expect(txt.out).toContain('shop/web[Deployment] => shop/db[Deployment] : All Connections (unenforced: All Connections)\n');
    expect(txt.out).toMatch(/TCP\/5432: allowed — policy not enforced by Flannel: as written, denied: .*isolated by NetworkPolicy shop\/default-deny/);
    const md = await run(['analyze', 'road-builder/default-deny', '--road-builder', 'flannel', '--no-ip-ranges', '--format', 'md']);
    expect(md.out).toContain('| Source | Destination | Allowed | Unknown | Unenforced |');
    expect(md.out).toContain('| shop/web[Deployment] | shop/db[Deployment] | All Connections |  | All Connections |');
    const csv = await run(['analyze', 'road-builder/default-deny', '--road-builder', 'flannel', '--no-ip-ranges', '--format', 'csv']);
    expect(csv.out.split('\r\n')[0]).toBe('src,dst,TCP,UDP,SCTP,unknown TCP,unknown UDP,unknown SCTP,unenforced TCP,unenforced UDP,unenforced SCTP');
  });

  it('an enforcing road builder keeps the deny; an unknown one too, with a caveat', async () => {
    const calico = await run(['analyze', 'road-builder/default-deny', '--road-builder', 'calico', '--format', 'json', '--no-ip-ranges']);
    expect(pair(JSON.parse(calico.out))).toBeUndefined();
    const unknown = await run(['analyze', 'road-builder/default-deny', '--format', 'json', '--no-ip-ranges']);
    expect(pair(JSON.parse(unknown.out))).toBeUndefined();
    expect(unknown.err).toContain('note: CNI unknown: verdicts assume every policy is enforced');
  });

  it('a CNI the folder declares decides without the flag', async () => {
    const r = await run(['analyze', 'road-builder/default-deny', 'cni/flannel-v0.26.1.yaml', '--format', 'json', '--no-ip-ranges']);
    expect(r.err).toContain('road builder: Flannel 0.26.1, native routing (host-gw), does not enforce policies (declared in manifests)');
    expect(pair(JSON.parse(r.out))).toMatchObject({ unenforced: { TCP: '1-65535' } });
  });

  it('rejects an unknown road builder with a usage error (exit 2)', async () => {
    const r = await run(['analyze', 'road-builder/default-deny', '--road-builder', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--road-builder: expected one of cilium, calico, canal, flannel/);
  });
});

describe('engine option: enforced policy kinds', () => {
  const objects = parseAllDocuments(readFileSync(new URL('../fixtures/road-builder/default-deny/app.yaml', import.meta.url), 'utf8')).map((d, document) => ({ obj: d.toJS(), file: 'app.yaml', document }));
  const set = convertObjects(objects);
  const input = { namespaces: set.namespaces, pods: set.pods, nodes: set.nodes, policies: set.policies, services: set.services };
  const [web, db] = ['wl:shop/Deployment/web', 'wl:shop/Deployment/db'];

  it('ignores the kinds not enforced, records the policies that would have applied', () => {
    const d = createPolicyEngine(input, { enforcedKinds: [], roadBuilder: 'Flannel' }).evaluate(web, db, 'TCP', 5432);
    expect(d.verdict).toBe('allowed');
    expect(d.unenforced).toEqual({ verdict: 'denied', policies: ['NetworkPolicy/shop/default-deny'], by: 'Flannel' });
    expect(d.summary.startsWith('allowed — policy not enforced by Flannel: as written, denied')).toBe(true);
  });

  it('keeps every verdict when the kind is enforced or no kinds are given, and fences stay as written', () => {
    for (const opts of [{ enforcedKinds: ['NetworkPolicy' as const] }, {}]) {
      const d = createPolicyEngine(input, opts).evaluate(web, db, 'TCP', 5432);
      expect(d.verdict).toBe('denied');
      expect(d.unenforced).toBeUndefined();
    }
    const flannel = createPolicyEngine(input, { enforcedKinds: [] });
    expect(flannel.fences('pod:shop/db-template').ingress).toEqual({ isolated: true, by: ['NetworkPolicy/shop/default-deny'] });
    expect(flannel.allowedPorts(web, db)).toEqual({ TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' });
  });
});
