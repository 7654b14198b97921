import { describe, expect, it } from 'vitest';
import { fixtureMap, fixtureSnapshot, SECRET_IPS, SECRET_LABEL_VALUES, SECRET_NODE_NAMES, SECRET_POD_NAMES } from '../../test/support/export/fixture.js';
import { exportCity, EXPORT_FORMATS } from './index.js';
import { learnSnapshot, redactAll, Redactor } from './redact.js';

const SECRETS = [...SECRET_POD_NAMES, ...SECRET_IPS, ...SECRET_LABEL_VALUES, ...SECRET_NODE_NAMES, '192-168-49-2'];

describe('Redactor', () => {
  it('gives the same token for the same value within one export, another with another salt', () => {
    const a = new Redactor('salt-a');
    expect(a.pod('cart-1')).toBe(a.pod('cart-1'));
    expect(a.pod('cart-1')).not.toBe(a.pod('cart-2'));
    expect(a.pod('cart-1')).toMatch(/^pod_[0-9a-f]{10}$/);
    expect(new Redactor('salt-a').pod('cart-1')).toBe(a.pod('cart-1'));
    expect(new Redactor('salt-b').pod('cart-1')).not.toBe(a.pod('cart-1'));
    // Same text, different meaning: distinct tokens, so a label value never unmasks a pod.
    expect(a.label('cart-1')).not.toBe(a.pod('cart-1'));
  });

  it('keeps the prefix length of CIDRs and catches addresses in free text', () => {
    const r = new Redactor('s');
    expect(r.ip('10.244.0.0/16')).toBe(`${r.ip('10.244.0.0')}/16`);
    const text = r.scrub('dial 10.1.2.3:8443 via ip-10-1-2-3.ec2.internal and fd00::1, ARN arn:aws:eks:eu-west-1:123456789012:cluster/prod at 20:00:00');
    expect(text).not.toMatch(/10\.1\.2\.3|10-1-2-3|fd00::1|123456789012/);
    expect(text).toContain(`${r.ip('10.1.2.3')}:8443`);
    expect(text).toContain(r.ip('10.1.2.3')); // dashed and dotted spellings share a token
    expect(text.match(new RegExp(r.ip('10.1.2.3'), 'g'))).toHaveLength(2);
    expect(text).toContain('20:00:00'); // times are not IPv6
    expect(r.scrub('version 1.18.4 and 300.1.1.1')).toBe('version 1.18.4 and 300.1.1.1');
  });

  it('scrubs learnt names inside ids, host names and sentences, but not visible names', () => {
    const s = fixtureSnapshot();
    const r = new Redactor('s');
    learnSnapshot(s, r);
    const pod = SECRET_POD_NAMES[2];
    expect(r.scrub(`pod:shop/${pod}|wl:x`)).toBe(`pod:shop/${r.pod(pod)}|wl:x`);
    expect(r.scrub(`${pod}.shop.svc`)).toBe(`${r.pod(pod)}.shop.svc`);
    expect(r.scrub(`owner is ${SECRET_LABEL_VALUES[0]}`)).toBe(`owner is ${r.label(SECRET_LABEL_VALUES[0])}`);
    // 'cart' is a label value but also the (visible) workload name: left alone in free text.
    expect(r.scrub('cart talks to db')).toBe('cart talks to db');
    // A label value inside a DNS name is a coincidence, not a leak: api.stripe.com stays.
    r.learn('label', 'api');
    expect(r.scrub('api.stripe.com')).toBe('api.stripe.com');
  });
});

describe('redactAll', () => {
  it('redacts snapshot and map with the same tokens', () => {
    const { snapshot, map, redactor } = redactAll(fixtureSnapshot(), fixtureMap(), 'salt');
    const token = redactor.pod(SECRET_POD_NAMES[2]);
    expect(snapshot.pods[2].name).toBe(token);
    expect(map.nodes.find((n) => n.kind === 'house' && n.label === token)!.id).toBe(`pod:shop/${token}`);
    expect(snapshot.flows[0].src.peer).toBe(`pod:shop/${token}`);
    expect(snapshot.pods[2].labels.app).toBe(redactor.label('cart'));
    expect(snapshot.cluster.server).toBe('(redacted)');
    // Road keys still join map edges to snapshot roads.
    const keys = new Set(snapshot.roads.map((r) => r.key));
    for (const e of map.edges) for (const k of e.roadKeys) expect(keys.has(k)).toBe(true);
    // Structure survives: namespaces, workloads, services and policy names stay readable.
    expect(snapshot.workloads.map((w) => w.name)).toEqual(['frontend', 'cart', 'db', 'payapi']);
    expect((snapshot.policies[1].manifest as { spec: { podSelector: { matchExpressions: Array<{ values: string[] }> } } }).spec.podSelector.matchExpressions[0].values[0]).toBe(
      redactor.label(SECRET_LABEL_VALUES[1]),
    );
  });

  it('does not touch the caller’s objects', () => {
    const s = fixtureSnapshot();
    const m = fixtureMap();
    redactAll(s, m, 'x');
    expect(s.pods[0].name).toBe(SECRET_POD_NAMES[0]);
    expect(m.nodes.find((n) => n.kind === 'house')!.label).toBe(SECRET_POD_NAMES[0]);
  });
});

describe('redacted exports', () => {
  for (const format of EXPORT_FORMATS.filter((f) => f !== 'png' && f !== 'pdf')) {
    it(`${format}: no original pod name, node name, IP or label value appears`, async () => {
      const { data } = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format, redact: true });
      const text = String(data);
      for (const secret of SECRETS) expect(text, `${format} leaks ${secret}`).not.toContain(secret);
      expect(text).toContain('shop'); // still a city: namespaces stay
    });
  }

  it('a selection given in original ids works on the redacted city and is shown redacted', async () => {
    const { data } = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'json', redact: { salt: 's' }, selection: [`pod:payments/${SECRET_POD_NAMES[4]}`] });
    const doc = JSON.parse(String(data));
    const r = new Redactor('s');
    expect(doc.selection).toEqual([`pod:payments/${r.pod(SECRET_POD_NAMES[4])}`]);
    expect(doc.nodes.some((n: { id: string }) => n.id === `pod:payments/${r.pod(SECRET_POD_NAMES[4])}`)).toBe(true);
    expect(doc.redacted).toBe(true);
    for (const secret of SECRETS) expect(String(data)).not.toContain(secret);
  });

  it('without redaction the originals are there (the check above can fail)', async () => {
    const { data } = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'json' });
    for (const secret of [SECRET_POD_NAMES[0], SECRET_IPS[0], SECRET_LABEL_VALUES[0], SECRET_NODE_NAMES[0]]) expect(String(data)).toContain(secret);
  });
});
