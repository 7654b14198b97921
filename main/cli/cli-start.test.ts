/** `netcity --help` and `--version` load no command module (start-up does no work it does not need). */
import { describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';

const loaded: string[] = [];
for (const name of ['serve', 'analyze', 'snapshot', 'import-flows', 'diff', 'export', 'probe'])
  vi.doMock(`./commands/${name}.js`, () => {
    loaded.push(name);
    return { default: { name, usage: `Usage: netcity ${name}`, run: async () => 0 } };
  });

describe('netcity start-up', () => {
  it('prints help and version without loading any command, and loads only the command it runs', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t), cwd: process.cwd(), signal: new AbortController().signal };
    expect(await main(['--help'], io)).toBe(0);
    expect(await main(['--version'], io)).toBe(0);
    expect(out).toContain('  analyze       connectivity allowed by the policies');
    expect(loaded).toEqual([]);
    expect(await main(['diff', '--help'], io)).toBe(0);
    expect(loaded).toEqual(['diff']);
  });
});
