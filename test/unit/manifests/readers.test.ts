/** The fast manifest readers give the same documents as the full YAML reader, and leave it the errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { dump } from 'js-yaml';
import { readDocuments, readDocumentsFast, readDocumentsFull } from '../../../main/manifests/parse-yaml.js';

const FIXTURES = [fileURLToPath(new URL('./fixtures/', import.meta.url)), fileURLToPath(new URL('../policy/fixtures/', import.meta.url))];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : /\.(ya?ml|json)$/.test(n) ? [join(dir, n)] : []));
}

/** Texts the fast readers took (the others are read by the full reader alone). */
let fast = 0;
function same(text: string): void {
  const r = readDocumentsFast(text);
  if (r === undefined) return;
  fast++;
  expect(r).toEqual(readDocumentsFull(text));
}

describe('manifest readers', () => {
  it('read every fixture file like the full reader', () => {
    const files = FIXTURES.flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(25);
    fast = 0;
    for (const f of files) same(readFileSync(f, 'utf8'));
    expect(fast).toBeGreaterThan(files.length - 5);
  });

  it('agree on scalars, keys, block scalars, comments and document markers', () => {
    const texts = [
      'a: yes\nb: No\nc: ON\nd: off\ne: y\nf: N\ng: true\nh: FALSE\ni: "yes"\nj: \'no\'\n',
      'y: 1\nn: 2\non: 3\nyes: 4\n',
      'i: 12\nh: 0x1F\no: 0o17\nz: 010\nf: 1.5\ne: 1e3\nm: -5\np: +7\ninf: .inf\nnan: .NaN\nn1: ~\nn2: null\nn3:\n',
      'date: 2024-01-01\nts: 2001-12-14t21:59:43.10-05:00\nver: 1.10\nport: "8080"\ncolon: a:b\nurl: http://x/y?z=1#f\n',
      'lit: |\n  line one\n    indented\n  --- not a marker inside\nfold: >-\n  folded\n  text\nkeep: |+\n  kept\n\nafter: 1\n',
      'a: 1\na: 2\n',
      '# leading comment\n---\na: 1\n--- # a comment on the marker\nb: 2\n---\n\n---\nc: [1, {d: e}]\n---\n',
      '---\n---\n',
      '',
      '# only a comment\n',
      'list:\n- a\n-   b: c\n    d: "multi\n      line"\n- \'it\'\'s\'\n',
      'key with spaces: v\n"quoted key": v\n? complex\n: v\n',
      '{"a": 1, "b": [true, null, "x"]}',
      '{a: 1, b: yes}',
      '[1, 2]',
      '{"a": 1}\n---\n{"b": 2}\n',
      '\ufeffapiVersion: v1\nkind: Namespace\nmetadata: {name: bom}\n',
      'a: "tab\\there"\nb: "\\u00e9"\nc: é\n',
      'a: &x {b: 1}\nc: *x\n',
      'base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: 1\n...\n---\nb: 2\n',
      '--- {a: 1}\n',
      'a: !!str 5\n',
    ];
    fast = 0;
    for (const t of texts) same(t);
    expect(fast).toBeGreaterThan(15);
  });

  it('agree on generated objects written by either YAML writer', () => {
    const scalar = fc.oneof(fc.string(), fc.constantFrom('yes', 'no', 'on', 'off', 'y', 'n', 'True', '~', '0x10', '010', '1e3', '---', '- a', '#x', 'a: b'), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ minLength: 1 }), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ minLength: 1 }), value, { maxKeys: 5 }), { minLength: 1, maxLength: 3 }), (docs) => {
        same(docs.map((d) => stringify(d)).join('---\n'));
        same(docs.map((d) => dump(d)).join('---\n'));
        same(JSON.stringify(docs[0]));
      }),
      { numRuns: 100, seed: 18 },
    );
  });

  it('leave broken documents to the full reader, which names the line and keeps the others', () => {
    const text = 'a: 1\n---\nb: [1, 2\n---\nc: 3\n';
    expect(readDocumentsFast(text)).toBeUndefined();
    const r = readDocuments(text);
    expect(r[0]).toEqual({ value: { a: 1 } });
    expect(r[1]).toMatchObject({ error: expect.stringMatching(/^not valid YAML\/JSON \(line \d+\)/) });
    expect(r[2]).toEqual({ value: { c: 3 } });
  });
});
