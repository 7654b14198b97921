import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { PolicyObject, Snapshot } from '../model/types.js';
import { REDACTED, cleanQuery, cleanServerUrl, cleanSnapshot, looksLikeSecretText } from './secrets.js';
import { openSnapshot, saveSnapshot } from './snapshot-file.js';
import { SnapshotWriter } from './writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-secrets-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster: {server: https://1.2.3.4}
  name: prod
users:
- name: admin
  user:
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=
`;
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

const withPolicy = (p: PolicyObject): Snapshot => ({ ...demoSnapshot(), policies: [...demoSnapshot().policies, p] });

describe('secrets never reach a snapshot file', () => {
  it('refuses a Secret object handed over as a policy, and writes nothing', () => {
    const file = path.join(dir, 's.netcity');
    const secret = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db', namespace: 'shop' }, data: { password: 'aHVudGVyMg==' } };
    const snap = withPolicy({ kind: 'NetworkPolicy', apiVersion: 'v1', namespace: 'shop', name: 'db', manifest: secret });
    expect(() => saveSnapshot(file, snap)).toThrow(/refusing to store .*Secret or kubeconfig/);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(() => SnapshotWriter.create(file, snap)).toThrow(/never hold secrets/);
  });

  it('redacts a kubeconfig nested anywhere in a manifest, and keeps the rest', () => {
    const manifest = { kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { podSelector: {}, extra: [{ kind: 'Config', users: [], clusters: [] }] } };
    const { snapshot, redacted } = cleanSnapshot(withPolicy({ kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'a', name: 'x', manifest }));
    expect(snapshot.policies.at(-1)!.manifest.spec).toEqual({ podSelector: {}, extra: [REDACTED] });
    expect(redacted).toEqual([`policies[${demoSnapshot().policies.length}] (NetworkPolicy a/x).manifest.spec.extra[0]`]);
  });

  it('redacts credential-looking text in annotations, notes, server URLs and L7 queries', () => {
    const manifest = {
      kind: 'NetworkPolicy',
      metadata: { name: 'x', annotations: { leaked: KUBECONFIG, sa: `token ${JWT}`, token: 'abcdefghijklmnop', fine: 'owner=team-a' } },
      spec: { podSelector: {} },
    };
    const snap: Snapshot = {
      ...withPolicy({ kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'a', name: 'x', manifest }),
      cluster: { name: 'prod', source: 'live', server: 'https://admin:hunter2@10.0.0.1:6443/?token=abc' },
      notes: [
        { id: '1', time: 1, text: `-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----` },
        { id: '2', time: 2, text: 'cart cannot reach redis' },
      ],
      flows: [
        {
          time: 1,
          source: 'hubble',
          src: { peer: 'world' },
          dst: { peer: 'pod:a/b' },
          protocol: 'TCP',
          port: 80,
          verdict: 'FORWARDED',
          l7: { type: 'http', method: 'GET', path: '/login?access_token=s3cr3tvalue&page=2', query: 'api_key=zzz&q=shoes' },
        },
      ],
    };
    const file = path.join(dir, 's.netcity');
    saveSnapshot(file, snap);
    const back = openSnapshot(file);
    const bytes = fs.readFileSync(file).toString('latin1');
    for (const leaked of ['client-key-data', JWT, 'hunter2', 'abcdefghijklmnop', 'PRIVATE KEY', 's3cr3tvalue', 'zzz']) expect(bytes).not.toContain(leaked);
    const ann = (back.policies.find((p) => p.name === 'x')!.manifest.metadata as { annotations: Record<string, string> }).annotations;
    expect(ann).toEqual({ leaked: REDACTED, sa: REDACTED, token: REDACTED, fine: 'owner=team-a' });
    expect(back.cluster.server).toBe('https://10.0.0.1:6443');
    expect(back.notes.map((n) => n.text)).toEqual([REDACTED, 'cart cannot reach redis']);
    expect(back.flows[0].l7).toEqual({ type: 'http', method: 'GET', path: '/login?access_token=[redacted]&page=2', query: 'api_key=[redacted]&q=shoes' });
  });

  it('leaves ordinary policy text alone', () => {
    const snap = demoSnapshot();
    const { snapshot, redacted } = cleanSnapshot(snap);
    expect(redacted).toEqual([]);
    expect(snapshot.policies).toEqual(snap.policies);
    expect(looksLikeSecretText('app.kubernetes.io/name: keycloak-token-service')).toBe(false);
    expect(cleanServerUrl('https://k8s.example.com:6443')).toBe('https://k8s.example.com:6443');
    expect(cleanQuery('page=2&sort=asc')).toBe('page=2&sort=asc');
  });
});
