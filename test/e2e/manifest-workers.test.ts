/**
 * The built CLI reads manifest files on two threads (main/manifests/parse-files.ts) exactly as on
 * one: same objects in the same order (later definitions win), same errors with their places.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/serve.js';

const NETCITY = join(ROOT, 'bin', 'netcity.mjs');
// Typed lists, the same objects as documents (so "also defined in" warnings depend on order), and bad files.
const INPUT = ['test/unit/manifests/fixtures/lists', 'test/unit/policy/fixtures'];

const analyze = (workers: '0' | '1', format: string) =>
  spawnSync(process.execPath, [NETCITY, 'analyze', ...INPUT, '--format', format, '--level', 'pod'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NETCITY_PARSE_WORKERS: workers },
    timeout: 60_000,
  });

describe('manifest parsing on a worker thread', () => {
  it.each(['json', 'txt'])('gives the same analysis, warnings and errors as on one thread (%s)', (format) => {
    const one = analyze('0', format);
    const two = analyze('1', format);
    expect(one.status).toBe(1); // the bad fixtures
    expect(one.stderr).toMatch(/bad\/broken\.yaml: document 2: not valid YAML\/JSON \(line 9\)/);
    expect(one.stderr).toMatch(/also defined in/);
    expect(one.stdout.length).toBeGreaterThan(100);
    expect({ status: two.status, stdout: two.stdout, stderr: two.stderr }).toEqual({ status: one.status, stdout: one.stdout, stderr: one.stderr });
  });
});
