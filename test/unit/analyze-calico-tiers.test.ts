/** Manifests mode reads Calico Tier and staged kinds; `netcity analyze --explain` names tier, policy and rule; `--staged` previews. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../main/cli/cli.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), cwd: FIX, signal: new AbortController().signal });
  return { code, out, err };
}
type Conn = { src: string; dst: string; allowed: Record<string, string> };
const find = (j: { connections: Conn[] }, src: string, dst: string) => j.connections.find((c) => c.src === src && c.dst === dst);
const WEB = 'wl:shop/Deployment/web';
const DB = 'wl:shop/Deployment/db';
const SCANNER = 'wl:tools/Deployment/scanner';

describe('netcity analyze on a three-tier Calico city', () => {
  it('reads Tier and staged kinds without errors; staged policies are not enforced and say so', async () => {
    const r = await run(['analyze', 'calico-tiers', '--format', 'json', '--no-ip-ranges', '--road-builder', 'calico']);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/error|unknown kind/);
    expect(r.err).toContain('note: 1 staged policy is not enforced (preview them with --staged)');
    const j = JSON.parse(r.out);
    expect(find(j, SCANNER, DB)?.allowed.TCP).toBe('1-65535'); // platform tier allowed it before security's deny
    expect(find(j, WEB, DB)?.allowed).toEqual({ TCP: '5432', UDP: '', SCTP: '' }); // passed by security's default action to the NetworkPolicy
  });

  it('--explain names the tier, policy and rule of each direction', async () => {
    const r = await run(['analyze', 'calico-tiers', '--no-ip-ranges', '--explain', '--focus', 'shop/db', '--road-builder', 'calico']);
    expect(r.out).toContain('allowed by tier platform, policy allow-scanner, ingress rule 1: Allow');
    expect(r.out).toContain('passed on by tier platform, policy allow-scanner, ingress rule 2: Pass to the next tier');
    expect(r.out).toContain('passed on by the default action of tier security (Pass): destination selected by Calico NetworkPolicy shop/protect-db (order 10)');
    expect(r.out).toContain('allowed by NetworkPolicy shop/db-from-web, ingress rule #1');
  });

  it('--staged previews the staged policy as enforced', async () => {
    const r = await run(['analyze', 'calico-tiers', '--format', 'json', '--no-ip-ranges', '--staged', '--road-builder', 'calico']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('staged: 1 staged policy previewed as enforced');
    expect(find(JSON.parse(r.out), WEB, DB)).toBeUndefined();
    const why = await run(['analyze', 'calico-tiers', '--no-ip-ranges', '--staged', '--explain', '--focus', 'shop/web', '--road-builder', 'calico']);
    expect(why.out).toContain('denied by tier security, policy shop/web-lockdown, egress rule 1: Deny');
  });
});
