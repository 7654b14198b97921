/** Truth tables as data: expected reachability between the pods of a test cluster. */
import type { PolicyObject, Protocol } from '../../../main/model/types.js';
import { createPolicyEngine, type PolicyEngineInput } from '../../../main/policy/index.js';

export interface Probe {
  protocol: Protocol;
  port: number;
}

/** [from, to, allowed, probe filter]; patterns: "x/a", "x/*", "*". Later entries win. */
export type Expect = [from: string, to: string, allowed: boolean | 'unknown', only?: Partial<Probe>];

export interface TruthCase {
  name: string;
  policies: PolicyObject[];
  probes: Probe[];
  /** What holds when no expectation matches (default: allowed). */
  base?: boolean;
  expect: Expect[];
}

const match = (pat: string, pod: string) =>
  pat === '*' || pat === pod || (pat.endsWith('/*') && pod.startsWith(pat.slice(0, -1))) || (pat.startsWith('*/') && pod.endsWith(pat.slice(1)));

export function expected(c: TruthCase, from: string, to: string, probe: Probe): boolean | 'unknown' {
  let v: boolean | 'unknown' = c.base ?? true;
  for (const [f, t, allowed, only] of c.expect) {
    if (!match(f, from) || !match(t, to)) continue;
    if (only?.protocol && only.protocol !== probe.protocol) continue;
    if (only?.port && only.port !== probe.port) continue;
    v = allowed;
  }
  return v;
}

const mark = (v: boolean | 'unknown') => (v === 'unknown' ? '?' : v ? '.' : 'X');

/** Grid of verdicts ("." allowed, "X" denied, "?" unknown), one per probe, for readable failures. */
export function grids(input: PolicyEngineInput, pods: string[], c: TruthCase): { got: string; want: string } {
  const engine = createPolicyEngine({ ...input, policies: c.policies });
  const got: string[] = [];
  const want: string[] = [];
  for (const probe of c.probes) {
    const head = `${probe.protocol}/${probe.port}`;
    got.push(head);
    want.push(head);
    for (const from of pods) {
      let g = `${from.padEnd(4)} `;
      let w = g;
      for (const to of pods) {
        if (from === to) {
          g += '-';
          w += '-';
          continue;
        }
        const d = engine.evaluate(`pod:${from}`, `pod:${to}`, probe.protocol, probe.port);
        g += mark(d.verdict === 'unknown' ? 'unknown' : d.verdict === 'allowed');
        w += mark(expected(c, from, to, probe));
      }
      got.push(g);
      want.push(w);
    }
  }
  return { got: got.join('\n'), want: want.join('\n') };
}
