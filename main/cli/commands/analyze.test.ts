import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import analyze from './analyze.js';
import { UsageError } from '../command.js';

const FIX = fileURLToPath(new URL('../../../test/unit/policy/fixtures/', import.meta.url));

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await analyze.run(args, { out: (t) => (out += t), err: (t) => (err += t), cwd: FIX, signal: new AbortController().signal });
  return { code, out, err };
}

describe('netcity analyze', () => {
  it('prints one line per allowed pair in txt, "All Connections" when everything is', async () => {
    const r = await run(['shop', '--no-ip-ranges']);
    expect(r.err).toBe('note: CNI unknown: verdicts assume every policy is enforced (name the road builder with --road-builder NAME)\n');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'shop/cart[Deployment] => default/debug[Pod] : All Connections',
        'shop/frontend[Deployment] => default/debug[Pod] : All Connections',
        // grpc resolves on the cart pod; its "dns" port is not declared by the pod, so UDP 53 is not open.
        'shop/frontend[Deployment] => shop/cart[Deployment] : TCP 7070',
        'shop/legacy-77f[ReplicaSet] => default/debug[Pod] : All Connections',
        '',
      ].join('\n'),
    );
  });

  it('lists IP ranges and the ports only DNS could tell (toFQDNs)', async () => {
    const r = await run(['shop', '--focus', 'shop/report']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'shop/report[CronJob] => 0.0.0.0/0 : nothing certain (unknown: TCP 443)',
        'shop/report[CronJob] => ::/0 : nothing certain (unknown: TCP 443)',
        '',
      ].join('\n'),
    );
  });

  it('writes the stable json form', async () => {
    const r = await run(['shop', '--format', 'json', '--no-ip-ranges']);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['peers', 'connections']);
    expect(j.peers.find((p: { id: string }) => p.id === 'wl:shop/Deployment/cart')).toEqual({
      id: 'wl:shop/Deployment/cart',
      type: 'workload',
      namespace: 'shop',
      name: 'cart',
      kind: 'Deployment',
      pods: ['cart-5d8f-abcde'],
    });
    expect(j.connections).toContainEqual({ src: 'wl:shop/Deployment/frontend', dst: 'wl:shop/Deployment/cart', allowed: { TCP: '7070', UDP: '', SCTP: '' } });
    const withRanges = JSON.parse((await run(['shop', '--format', 'json'])).out);
    expect(withRanges.peers.filter((p: { type: string }) => p.type === 'ipRange')).toEqual([
      { id: 'ip:0.0.0.0/0', type: 'ipRange', start: '0.0.0.0', end: '255.255.255.255' },
      { id: 'ip:::/0', type: 'ipRange', start: '::', end: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' },
    ]);
  });

  it('explains each connection per direction', async () => {
    const r = await run(['shop', '--no-ip-ranges', '--explain', '--focus', 'shop/cart']);
    expect(r.out).toContain(
      [
        'shop/frontend[Deployment] => shop/cart[Deployment] : TCP 7070',
        '    TCP/7070: allowed: egress: source not isolated; ingress: allowed by NetworkPolicy shop/allow-frontend, ingress rule #1',
      ].join('\n'),
    );
  });

  it('with --focus, also explains why the other pairs get nothing', async () => {
    const r = await run(['shop', '--no-ip-ranges', '--explain', '--focus', 'shop/cart']);
    expect(r.out).toContain(
      [
        'shop/report[CronJob] => shop/cart[Deployment] : nothing allowed',
        '    TCP/7070: denied: egress: denied: source isolated by CiliumNetworkPolicy shop/report-egress and no rule allows TCP/7070; ingress: denied: destination isolated by NetworkPolicy shop/allow-frontend, NetworkPolicy shop/default-deny and no rule allows TCP/7070',
      ].join('\n'),
    );
    expect(r.out).toContain('shop/cart[Deployment] => shop/frontend[Deployment] : nothing allowed');
  });

  it('works at pod level and with another default namespace', async () => {
    const r = await run(['shop', '--no-ip-ranges', '--level', 'pod', '--namespace', 'scratch']);
    expect(r.out).toContain('shop/cart-5d8f-abcde[Deployment] => scratch/debug[Pod] : All Connections');
  });

  it('writes csv, md, dot and mermaid', async () => {
    const csv = (await run(['shop', '--no-ip-ranges', '--format', 'csv'])).out.split('\r\n');
    expect(csv[0]).toBe('src,dst,TCP,UDP,SCTP,unknown TCP,unknown UDP,unknown SCTP');
    expect(csv).toContain('shop/frontend[Deployment],shop/cart[Deployment],7070,,,,,');
    const md = (await run(['shop', '--no-ip-ranges', '--format', 'md'])).out;
    expect(md).toContain('| shop/frontend[Deployment] | shop/cart[Deployment] | TCP 7070 |  |');
    const dot = (await run(['shop', '--no-ip-ranges', '--format', 'dot'])).out;
    expect(dot).toMatch(/^digraph connectivity \{/);
    expect(dot).toContain('"wl:shop/Deployment/frontend" -> "wl:shop/Deployment/cart" [label="TCP 7070"];');
    const mm = (await run(['shop', '--no-ip-ranges', '--format', 'mermaid'])).out;
    expect(mm.split('\n')[0]).toBe('flowchart LR');
    expect(mm).toMatch(/n\d+ -->\|"TCP 7070"\| n\d+/);
  });

  it('reports bad input by file and document, analyses the rest, exits 1', async () => {
    const r = await run(['bad', 'shop', '--no-ip-ranges']);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toContain('error: bad/broken.yaml: document 4 (Widget w1): unknown kind Widget (example.com/v1): not analysed; remove it or check the apiVersion');
    expect(lines).toContain(
      "error: bad/broken.yaml: document 6 (NetworkPolicy/good-one/bad-selector): spec.podSelector.matchExpressions[0]: unknown operator 'Equals' (use In, NotIn, Exists, DoesNotExist)",
    );
    expect(lines).toContain("error: bad/broken.yaml: document 6 (NetworkPolicy/good-one/bad-selector): spec.ingress[0].from[0].ipBlock.cidr: invalid CIDR '10.0.0.0/33' (rule part ignored)");
    expect(lines.some((l) => l.startsWith('error: bad/truncated.yaml: document 1: not valid YAML/JSON'))).toBe(true);
    expect(lines.some((l) => l.startsWith('error: bad/cut.json: document 1: not valid YAML/JSON'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^\d+ problems in the input \(listed above\); 8 files read, 6 policies and 5 pods analysed without the bad parts$/);
    expect(r.out).toContain('shop/frontend[Deployment] => shop/cart[Deployment] : TCP 7070');
  });

  it('says so when a path does not exist', async () => {
    const r = await run(['nope']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: nope: no such file or folder; check the path');
  });

  it('rejects bad arguments with usage errors', async () => {
    await expect(run([])).rejects.toThrow(UsageError);
    await expect(run(['shop', '--format', 'xml'])).rejects.toThrow('--format: expected one of txt, json, csv, md, dot, mermaid, got "xml"');
    await expect(run(['shop', '--level', 'node'])).rejects.toThrow('--level: expected workload or pod');
    await expect(run(['shop', '--focus', 'cart'])).rejects.toThrow('--focus: expected ns/name');
    await expect(run(['shop', '--focus', 'shop/none'])).rejects.toThrow('--focus shop/none: no such workload');
    await expect(run(['shop', '--bogus'])).rejects.toThrow(UsageError);
  });
});

describe('netcity analyze: CNI-dependent semantics', () => {
  const base = ['cidr', '--level', 'pod', '--no-ip-ranges'];
  const lines = (out: string) => out.trim().split('\n');

  it('--host-network as-pod --ipblock-pod-ips match reproduces the upstream e2e "egress access to server in CIDR block"', async () => {
    const r = await run([...base, '--host-network', 'as-pod', '--ipblock-pod-ips', 'match']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('CNI semantics: host-network pods as ordinary pods (--host-network as-pod); ipBlock matches pod IPs (--ipblock-pod-ips match)');
    const from = lines(r.out).filter((l) => l.startsWith('x/a[Pod] =>'));
    expect(from).toEqual(['x/a[Pod] => y/b[Pod] : All Connections']);
  });

  it('defaults from the road builder: Calico matches pod IPs, Cilium does not, unknown keeps today\'s choice with a caveat', async () => {
    const calico = await run([...base, '--road-builder', 'calico']);
    expect(calico.err).toContain('ipBlock matches pod IPs (Calico)');
    expect(lines(calico.out)).toContain('x/a[Pod] => y/b[Pod] : All Connections');
    const cilium = await run([...base, '--road-builder', 'cilium']);
    expect(cilium.err).toContain('ipBlock does not match pod IPs (Cilium)');
    expect(lines(cilium.out).filter((l) => l.startsWith('x/a[Pod] =>'))).toEqual([]);
    const unknown = await run(base);
    expect(unknown.err).toContain('host-network pods as their node (CNI unknown, assumed; set --host-network as-pod|as-node)');
    expect(lines(unknown.out).filter((l) => l.startsWith('x/a[Pod] =>'))).toEqual([]);
    // An override beats the road builder.
    const over = await run([...base, '--road-builder', 'calico', '--ipblock-pod-ips', 'ignore']);
    expect(lines(over.out).filter((l) => l.startsWith('x/a[Pod] =>'))).toEqual([]);
  });

  it('--explain names the choice in the verdicts it decides', async () => {
    const r = await run([...base, '--road-builder', 'calico', '--explain', '--focus', 'x/a']);
    expect(r.out).toContain('ipBlock 10.1.0.14/32 matches pod IPs under Calico (pod y/b is 10.1.0.14)');
    const agent = await run([...base, '--road-builder', 'cilium', '--explain', '--focus', 'x/agent']);
    expect(agent.out).toContain('source is a host-network pod: treated as node n1 (Cilium): policies do not apply');
  });

  it('a host-network pod without a Node object is matched by its status.hostIP', async () => {
    const r = await run([...base, '--road-builder', 'calico']);
    const toC = lines(r.out).filter((l) => l.endsWith('y/c[Pod] : All Connections'));
    expect(toC).toEqual(['x/agent[Pod] => y/c[Pod] : All Connections']);
    // As an ordinary pod, the agent is no longer the node network's address to the ipBlock... unless ipBlock matches pod IPs.
    const asPod = await run([...base, '--road-builder', 'cilium', '--host-network', 'as-pod']);
    expect(lines(asPod.out).filter((l) => l.endsWith('y/c[Pod] : All Connections'))).toEqual([]);
  });

  it('rejects unknown choices as usage errors', async () => {
    await expect(run([...base, '--host-network', 'bridge'])).rejects.toThrow(UsageError);
    await expect(run([...base, '--host-network', 'bridge'])).rejects.toThrow('--host-network: expected as-node or as-pod, got "bridge"');
    await expect(run([...base, '--ipblock-pod-ips', 'sometimes'])).rejects.toThrow('--ipblock-pod-ips: expected match or ignore, got "sometimes"');
  });
});
