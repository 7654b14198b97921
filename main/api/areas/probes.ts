import type { Backend } from '../backend.js';
import type { ArgsOf, ResultOf } from '../contract.js';
export function probesArea(_b: Backend) {
  return {
    async plan(_a: ArgsOf<'probes.plan'>): Promise<ResultOf<'probes.plan'>> { throw new Error('WIP'); },
    async run(_a: ArgsOf<'probes.run'>): Promise<ResultOf<'probes.run'>> { throw new Error('WIP'); },
  };
}
