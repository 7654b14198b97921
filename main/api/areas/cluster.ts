import type { Backend } from '../backend.js';
import type { ArgsOf, ResultOf } from '../contract.js';
export function clusterArea(_b: Backend) {
  return {
    async listContexts(_p?: string): Promise<ResultOf<'contexts.list'>> { return { contexts: [], files: [] }; },
    async connect(_a: ArgsOf<'cluster.connect'>): Promise<ResultOf<'cluster.connect'>> { throw new Error('WIP'); },
  };
}
