import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './cli.js';

function run(argv: string[], extra: { errIsTTY?: boolean } = {}) {
  let out = '';
  let err = '';
  const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), cwd: process.cwd(), signal: new AbortController().signal, ...extra };
  return main(argv, io).then((code) => ({ code, out, err }));
}

describe('netcity CLI', () => {
  it('prints its version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists every command in --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'analyze', 'snapshot', 'import-flows', 'diff', 'export', 'probe']) expect(r.out).toContain(`  ${c}`);
  });

  it('says what is wrong with no command, an unknown command or a bad option, with exit 2', async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(['serv']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command "serv" \(have: serve, analyze/);
    const port = await run(['serve', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.err).toMatch(/--port: expected a port number/);
    expect(port.err).toContain('Usage: netcity serve');
    const opt = await run(['serve', '--colour']);
    expect(opt.code).toBe(2);
    expect(opt.err).toMatch(/Unknown option '--colour'/);
  });

  it('prints a command usage with --help', async () => {
    const r = await run(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: netcity serve/);
  });

  it('fails clearly when serve is given a file that does not exist', async () => {
    const r = await run(['serve', '/nonexistent/city.netcity']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\/nonexistent\/city\.netcity: no such file or folder/);
  });

  it("prints an error's code as the API carries it (scripts branch on it as the UI does), none for a plain error", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netcity-cli-code-'));
    try {
      const empty = join(dir, 'empty.netcity');
      writeFileSync(empty, '');
      const r = await run(['export', empty, '-f', 'svg', '-q']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^netcity export: .*empty\.netcity: the file is empty \(0 bytes\).* \(code: corrupt\)\n$/);
      const plain = await run(['export', join(dir, 'none.netcity'), '-f', 'svg', '-q']);
      expect(plain.err).toMatch(/no such file .*--demo\)\n$/);
      expect(plain.err).not.toContain('(code:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes --quiet and --progress anywhere after the command, and hands progress to the command only when wanted', async () => {
    const { default: serve } = await import('./commands/serve.js');
    const seen: { progress: boolean; args: string[] }[] = [];
    const spy = vi.spyOn(serve, 'run').mockImplementation(async (args, io) => {
      seen.push({ progress: typeof io.progress === 'function', args });
      return 0;
    });
    try {
      await run(['serve', '--demo', '--quiet'], { errIsTTY: true });
      await run(['serve', '--demo'], { errIsTTY: true });
      await run(['serve', '--demo']);
      await run(['serve', '--progress', '--demo']);
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual([
      { progress: false, args: ['--demo'] },
      { progress: true, args: ['--demo'] },
      { progress: false, args: ['--demo'] },
      { progress: true, args: ['--demo'] },
    ]);
  });
});
