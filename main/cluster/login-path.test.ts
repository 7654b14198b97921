import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable, mergePaths, resolveLoginShellPath } from './login-path.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netcity-shell-'));
const script = (name: string, body: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
};

describe('resolveLoginShellPath', () => {
  it('takes PATH from the login shell, ignoring banners, and keeps the process PATH after it', async () => {
    // A "shell" that prints a banner, then runs the -c command with a profile-like PATH.
    const shell = script('fake-shell', 'echo "Welcome!"; PATH=/opt/homebrew/bin:/usr/bin; export PATH; eval "$2"; echo bye');
    const p = await resolveLoginShellPath({ shell, basePath: '/usr/bin:/bin' });
    expect(p).toBe(['/opt/homebrew/bin', '/usr/bin', '/bin'].join(path.delimiter));
  });

  it('falls back to the process PATH when the shell hangs or fails', async () => {
    const slow = script('slow-shell', 'sleep 5');
    const t0 = Date.now();
    expect(await resolveLoginShellPath({ shell: slow, basePath: '/usr/bin', timeoutMs: 200 })).toBe('/usr/bin');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await resolveLoginShellPath({ shell: path.join(dir, 'missing-shell'), basePath: '/bin' })).toBe('/bin');
  });
});

describe('findExecutable / mergePaths', () => {
  it('finds executables only, in PATH order', () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(path.join(a, 'tool'), 'not executable');
    writeFileSync(path.join(b, 'tool'), '#!/bin/sh\n');
    chmodSync(path.join(b, 'tool'), 0o755);
    expect(findExecutable('tool', [a, b].join(path.delimiter))).toBe(path.join(b, 'tool'));
    expect(findExecutable('nope', [a, b].join(path.delimiter))).toBeUndefined();
    expect(findExecutable(path.join(b, 'tool'), '')).toBe(path.join(b, 'tool'));
    expect(mergePaths('/x:/y', '/y:/z:')).toBe(['/x', '/y', '/z'].join(path.delimiter));
  });
});
