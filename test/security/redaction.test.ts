/**
 * Credentials in free text (issue #21 item 9): a hand-written table of credential shapes
 * (test/fixtures/credentials/shapes.json, 48 shapes and 25 ordinary annotations) is found by the
 * detector, redacted from every free-text field on its way into a snapshot file, and ordinary
 * annotations survive. A Secret nested in a policy (as an object, or as YAML/JSON text in an
 * annotation) redacts that field and the snapshot is kept.
 * The same table measured against secretlint's recommended rules: scripts/measure-secretlint.mjs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../main/model/scenario/demo.js';
import type { Snapshot } from '../../main/model/types.js';
import { findCredential } from '../../main/store/credentials.js';
import { REDACTED } from '../../main/store/secrets.js';
import { openSnapshot, saveSnapshot } from '../../main/store/snapshot-file.js';
import { SnapshotWriter } from '../../main/store/writer.js';

interface Shape {
  name: string;
  text: string;
}
const table = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'credentials', 'shapes.json'), 'utf8')) as { credentials: Shape[]; ordinary: Shape[] };
const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The part of a shape that must never reach the file: its longest run of token characters. */
const core = (text: string) => text.match(/[A-Za-z0-9_+/=-]{8,}/g)!.sort((a, b) => b.length - a.length)[0];

function withAnnotations(annotations: Record<string, string>, extra: Record<string, unknown> = {}): Snapshot {
  const snap = demoSnapshot();
  const manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'annotated', namespace: 'shop', annotations }, spec: { podSelector: {}, ...extra } };
  return { ...snap, policies: [...snap.policies, { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'shop', name: 'annotated', manifest }] };
}
const annotationsOf = (s: Snapshot) => (s.policies.find((p) => p.name === 'annotated')!.manifest.metadata as { annotations: Record<string, string> }).annotations;

describe('the credential detector', () => {
  it(`finds every one of the ${table.credentials.length} credential shapes, alone and inside a sentence`, () => {
    expect(table.credentials.length).toBeGreaterThanOrEqual(30);
    const missed = table.credentials.filter((s) => !findCredential(s.text)).map((s) => s.name);
    const missedInText = table.credentials.filter((s) => !findCredential(`set by the deploy job: ${s.text} (rotate monthly)`)).map((s) => s.name);
    expect({ missed, missedInText }).toEqual({ missed: [], missedInText: [] });
  });

  it(`leaves the ${table.ordinary.length} ordinary annotations alone`, () => {
    const flagged = table.ordinary.map((s) => [s.name, findCredential(s.text)]).filter(([, rule]) => rule);
    expect(flagged).toEqual([]);
  });

  it('stays linear on hostile text (no pattern backtracks without bound)', () => {
    const hostile = ['password=' + 'a'.repeat(200_000), 'kind: Secret\n' + ' '.repeat(200_000), `${'x:'.repeat(100_000)}@`, `Basic ${'A'.repeat(200_000)}`, 'eyJ' + 'a'.repeat(200_000) + '.eyJ'];
    // Bounded by construction: this only has to finish (vitest's timeout fails a hang).
    for (const h of hostile) findCredential(h);
  });
});

describe('every free-text field on its way into a snapshot', () => {
  it('redacts annotations that hold credentials, keeps the ordinary ones and the snapshot', () => {
    const annotations: Record<string, string> = {};
    table.credentials.forEach((s, i) => (annotations[`example.com/c${i}`] = `from the vault: ${s.text}`));
    table.ordinary.forEach((s, i) => (annotations[`example.com/o${i}`] = s.text));
    const file = join(dir, 'annotations.netcity');
    saveSnapshot(file, withAnnotations(annotations));
    const back = annotationsOf(openSnapshot(file));
    table.credentials.forEach((s, i) => expect(back[`example.com/c${i}`], s.name).toBe(REDACTED));
    table.ordinary.forEach((s, i) => expect(back[`example.com/o${i}`], s.name).toBe(s.text));
    const bytes = readFileSync(file).toString('latin1');
    const leaked = table.credentials.filter((s) => bytes.includes(core(s.text))).map((s) => s.name);
    expect(leaked).toEqual([]);
  });

  it('a Secret nested in a policy (object or annotation text) redacts that field and keeps the snapshot', () => {
    const secretYaml = 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: hunter2hunter2\n';
    const snap = withAnnotations(
      { 'kubectl.kubernetes.io/last-applied-configuration': secretYaml, team: 'payments' },
      { template: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: 'aHVudGVyMmh1bnRlcjI=' } } },
    );
    const file = join(dir, 'nested.netcity');
    saveSnapshot(file, snap);
    const back = openSnapshot(file);
    const policy = back.policies.find((p) => p.name === 'annotated')!;
    expect(annotationsOf(back)).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': REDACTED, team: 'payments' });
    expect(policy.manifest.spec).toEqual({ podSelector: {}, template: REDACTED });
    expect(back.policies).toHaveLength(snap.policies.length);
    const bytes = readFileSync(file).toString('latin1');
    expect(bytes).not.toContain('hunter2hunter2');
    expect(bytes).not.toContain('aHVudGVyMmh1bnRlcjI=');
  });

  it('notes, findings, warnings, probe details, road-builder facts and L7 paths too (save and capture auto-save)', () => {
    const secret = table.credentials.find((s) => s.name === 'GitHub classic token ghp_')!.text;
    const base = demoSnapshot();
    const snap: Snapshot = {
      ...base,
      notes: [{ id: 'n1', time: 1, text: `token for the bot: ${secret}` }],
      findings: [{ id: 'f1', severity: 'info', kind: 'x', title: `leak ${secret}`, detail: `see ${secret}` }],
      warnings: [{ time: 1, kind: 'stream-error', message: `relay said ${secret}`, subject: secret }],
      probes: [{ id: 'p1', runId: 'r', kind: 'path', time: 1, src: 'world', dst: 'world', dstTarget: `https://x:${secret}@host`, protocol: 'TCP', port: 1, outcome: 'connected', detail: secret }],
      roadBuilder: { ...base.roadBuilder, details: { note: secret }, evidence: [`config says ${secret}`] },
      flows: [{ ...base.flows[0], l7: { type: 'http', method: 'GET', path: `/hooks/${secret}` } }],
    };
    for (const how of ['save', 'capture'] as const) {
      const file = join(dir, `fields-${how}.netcity`);
      if (how === 'save') saveSnapshot(file, snap);
      else {
        const w = SnapshotWriter.create(file, { ...snap, flows: [] });
        w.addFlows(snap.flows);
        w.close();
      }
      expect(readFileSync(file).toString('latin1')).not.toContain(core(secret));
      const back = openSnapshot(file);
      expect(back.notes[0].text).toBe(REDACTED);
      expect(back.roadBuilder.details.note).toBe(REDACTED);
      expect(back.flows.find((f) => f.l7?.path)?.l7?.path).toBe(REDACTED);
    }
  });
});
