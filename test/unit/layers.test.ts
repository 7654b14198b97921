/** The import-boundary lint rule: each layer imports its own and the ones below it, never one above. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The part of ESLint's Node API used here (eslint 9.9 ships no type declarations). */
interface LintMessage {
  ruleId: string | null;
  message: string;
}
interface ESLintApi {
  ESLint: new (opts: { cwd: string }) => { lintText(code: string, opts: { filePath: string }): Promise<{ messages: LintMessage[] }[]> };
}

const ROOT = join(__dirname, '..', '..');
const { ESLint } = (await import('eslint' as string)) as ESLintApi;
const eslint = new ESLint({ cwd: ROOT });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer boundaries (eslint no-restricted-imports)', () => {
  it.each([
    ['main/policy/x.ts', "import { City } from '../city/city.js';", 'Pure core'],
    ['main/map/x.ts', "import { saveSnapshot } from '../store/index.js';", 'Pure core'],
    ['main/model/scenario/x.ts', "import type { CityKind } from '../../api/contract.js';", 'Pure core'],
    ['main/store/x.ts', "import { main } from '../cli/cli.js';", 'Source'],
    ['main/flows/x.ts', "import { City } from '../city/city.js';", 'Source'],
    ['main/city/x.ts', "import { startServer } from '../serve/server.js';", 'Application'],
    ['main/app/x.ts', "import { Backend } from '../api/backend.js';", 'Application'],
    ['main/app/x.ts', "import { createHandlers } from '../api/handlers.js';", 'Application'],
    ['main/flows/x.ts', "import { importFlows } from '../app/flow-import.js';", 'Source'],
    ['main/model/x.ts', "import { planProbe } from '../app/probes.js';", 'Pure core'],
    ['renderer/src/lib/x.ts', "import { planProbe } from '../../../main/app/probes.js';", 'Renderer'],
    ['renderer/src/lib/x.ts', "import { loadManifests } from '../../../main/manifests/index.js';", undefined],
    ['renderer/src/lib/x.ts', "import { saveSnapshot } from '../../../main/store/index.js';", 'Renderer'],
    // The contract is a leaf: pure core and its validator only.
    ['main/api/contract.ts', "import { Backend } from './backend.js';", 'The API contract'],
    ['main/api/contract.ts', "import { checkPath } from './paths.js';", 'The API contract'],
    ['main/api/contract.ts', "import { ClusterError } from '../cluster/errors.js';", 'The API contract'],
    ['main/api/contract.ts', "import { exportCity } from '../export/index.js';", 'The API contract'],
    ['main/api/contract.ts', "import type { City } from '../city/city.js';", 'The API contract'],
    ['main/api/contract.ts', "import { OpenCities } from '../app/cities.js';", 'The API contract'],
    ['main/api/validate.ts', "import fs from 'node:fs';", 'The API contract'],
    ['main/api/contract.ts', "import { IPC_EVENT_CHANNEL } from '../electron/channels.js';", 'The API contract'],
    ['main/api/contract.ts', "import { string } from './validate.js';\nimport type { WireMapModel } from '../map/model.js';\nimport { EXPORT_FORMATS } from '../export/formats.js';\nimport { ROAD_BUILDER_NAMES } from '../model/types.js';", undefined],
  ])('%s: %s', async (file, code, layer) => {
    const errors = await boundaryErrors(file, `${code}\nexport const used = 1;\n`);
    if (layer) expect(errors.join('\n')).toContain(`${layer} code must not import from a layer above it`);
    else expect(errors).toEqual([]);
  });

  it('lets each layer import its own and the ones below it', async () => {
    expect(await boundaryErrors('main/policy/x.ts', "import { podId } from '../model/ids.js';\nimport { csvCell } from '../export/csv.js';")).toEqual([]);
    expect(await boundaryErrors('main/model/scenario/x.ts', "import { RoadAggregator } from '../../flows/aggregate.js';")).toEqual([]);
    expect(await boundaryErrors('main/store/x.ts', "import { podId } from '../model/ids.js';")).toEqual([]);
    expect(await boundaryErrors('main/city/x.ts', "import { saveSnapshot } from '../store/index.js';")).toEqual([]);
    expect(await boundaryErrors('main/cli/x.ts', "import { City } from '../city/city.js';")).toEqual([]);
    expect(await boundaryErrors('main/cli/x.ts', "import { planProbe } from '../app/probes.js';")).toEqual([]);
    expect(await boundaryErrors('main/app/x.ts', "import { City } from '../city/city.js';\nimport { mergeFlows } from '../flows/ingest.js';")).toEqual([]);
  });
});
