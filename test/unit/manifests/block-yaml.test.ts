/** The block-YAML reader reads what it takes exactly as the full reader, takes the usual manifest shapes, and gives up on the rest. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { dump } from 'js-yaml';
import { readBlockYaml } from '../../../main/manifests/parse-block-yaml.js';
import { readDocumentsFull } from '../../../main/manifests/parse-yaml.js';

const full = (text: string) => readDocumentsFull(text)[0] ?? { value: null };

describe('block YAML reader', () => {
  it('reads a pod as kubectl prints it, scalars typed as the full reader types them', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web-0',
      '  labels:',
      '    pod-template-hash: 1e7k4y21q',
      "    quoted: 'it''s'",
      '    dq: "yes"',
      '  annotations: {}',
      'spec:',
      '  containers:',
      '  - name: main',
      '    ports:',
      '      - containerPort: 8080',
      '        protocol: TCP',
      '    args: []',
      '  hostNetwork: false',
      '  nodeName:',
      '# a comment',
      'status:',
      '  podIP: 10.64.0.2',
      '  cidr: 10.0.0.0/8',
      '  on: -5',
    ].join('\n');
    // `on:` as a key is a boolean key to YAML 1.1: left to js-yaml.
    expect(readBlockYaml(text)).toBeUndefined();
    const taken = text.replace('  on: -5', '  count: -5');
    const r = readBlockYaml(taken);
    expect(r).toEqual(full(taken));
    expect(r?.value).toMatchObject({ metadata: { labels: { 'pod-template-hash': '1e7k4y21q', quoted: "it's", dq: 'yes' } }, spec: { hostNetwork: false, nodeName: null }, status: { count: -5 } });
  });

  it('gives up on what it does not read with certainty', () => {
    for (const text of [
      'a: |\n  x\n',
      'a: b # comment\n',
      'a: [1, 2]\n',
      'a: "x\\ty"\n',
      'a: multi\n  line\n',
      'a:\tb\n',
      'a: b\r\n',
      'yes: 1\n',
      '"k": v\n',
      'a: 1.5\n',
      'a: 0x1F\n',
      'a: 012\n',
      'a: -.inf\n',
      'a: 2024-01-01\n',
      'a: 12345678901234567890\n',
      '- - a\n',
      'a: b: c\n',
      'a: 1\n b: 2\n',
    ])
      expect(readBlockYaml(text), JSON.stringify(text)).toBeUndefined();
  });

  it('agrees with the full reader on generated manifests written by either YAML writer', () => {
    const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9./-]{0,12}$/);
    const scalar = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[0-9][0-9a-z.:/-]{0,10}$/),
      fc.constantFrom('yes', 'No', 'on', 'OFF', 'y', 'n', 'True', 'null', '~', '', '0x10', '010', '1e3', '1.5', '-5', '-0', '+7', '1_000', '-.inf', '.nan', '10.0.0.1', '10.0.0.0/8', '1:30', '1e7k4y21q', '4o5ba67dc', 'a:b', 'a #b', "it's", '"q"', '/path', '- a', '#x'),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
    })).v;
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), (doc) => {
        for (const text of [dump(doc), stringify(doc), dump(doc, { indent: 4, noArrayIndent: true })]) {
          runs++;
          const r = readBlockYaml(text);
          if (r === undefined) continue;
          taken++;
          expect(r).toEqual(full(text));
        }
      }),
      { numRuns: 300, seed: 18 },
    );
    expect(taken).toBeGreaterThan(runs / 6);
  });
});
