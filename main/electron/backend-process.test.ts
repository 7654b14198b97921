// The desktop shell's backend process under plain Node: the same child Electron forks, over IPC.
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../api/contract.js';
import { BackendProcess } from './backend-process.js';

const entry = join(__dirname, '..', '..', 'out', 'cli', 'main', 'backend-child.js');

describe('BackendProcess', () => {
  it.runIf(existsSync(entry))('answers API calls from the child, keeps error names, and reports its exit', async () => {
    const home = mkdtempSync(join(tmpdir(), 'netcity-child-'));
    const events: ApiEvent[] = [];
    let exited: number | null | undefined;
    const p = new BackendProcess({
      nodePath: process.execPath,
      entry,
      args: ['--demo'],
      env: { ...process.env, HOME: home, KUBECONFIG: join(home, 'none') },
      onEvent: (e) => events.push(e),
      onExit: (code) => (exited = code),
    });
    p.start();
    let cities: unknown;
    for (let i = 0; i < 100; i++) {
      const r = await p.call('cities.list', {});
      if ('result' in r && (r.result as unknown[]).length) {
        cities = r.result;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect((cities as { id: string }[]).map((c) => c.id)).toEqual(['demo']);
    const bad = await p.call('city.map', { cityId: 5 });
    expect(bad).toEqual({ error: { code: 'invalid-argument', name: 'ValidationError', message: 'city.map.cityId: expected a string, got number', details: { field: 'city.map.cityId' } } });
    p.stop();
    for (let i = 0; i < 50 && exited === undefined; i++) await new Promise((res) => setTimeout(res, 100));
    expect(exited).not.toBeUndefined();
    const after = await p.call('cities.list', {});
    expect('error' in after && after.error.name).toBe('BackendError');
  });

  it.skipIf(existsSync(entry))('needs the compiled backend (npm run build)', () => {
    console.warn(`skipped: ${entry} is missing; \`npm test\` builds it first`);
  });
});
