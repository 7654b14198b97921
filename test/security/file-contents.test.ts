/** Error messages never quote the contents of a file the user did not ask to read (issue #21 item 5). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';

const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-files-'));
const backend = new Backend({ mode: 'browser', version: 'test', configDir: join(dir, 'cfg'), allow: [dir] });
afterAll(() => backend.dispose());

describe('flows.import of a file that is not a flow capture', () => {
  it('reports invalid lines without their text', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, 'users:\n- name: admin\n  user:\n    token: SUPERSECRETTOKEN123\n"just a string"\n42\n');
    const res = await backend.call('flows.import', { fileName: 'config', path: file }).catch((e: Error) => e);
    // The new city's id is random (it may contain "42"): look at everything but it.
    const text = JSON.stringify(res instanceof Error ? res.message : { ...res, cityId: undefined });
    expect(text).not.toMatch(/SUPE|admin|users|just a string|42/);
  });
});
