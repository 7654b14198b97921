import type { Backend } from '../backend.js';
import type { ArgsOf, ResultOf } from '../contract.js';
export function filesArea(_b: Backend) {
  const wip = async (..._x: unknown[]): Promise<never> => { throw new Error('WIP'); };
  return {
    list: async (): Promise<ResultOf<'snapshots.list'>> => [],
    save: (a: ArgsOf<'snapshots.save'>): Promise<ResultOf<'snapshots.save'>> => wip(a),
    open: (p: string): Promise<ResultOf<'snapshots.open'>> => wip(p),
    rename: (p: string, n: string): Promise<ResultOf<'snapshots.rename'>> => wip(p, n),
    remove: (p: string): Promise<ResultOf<'snapshots.delete'>> => wip(p),
    duplicate: (p: string): Promise<ResultOf<'snapshots.duplicate'>> => wip(p),
    diff: (a: string, c: string): Promise<ResultOf<'snapshots.diff'>> => wip(a, c),
    importFlows: (a: ArgsOf<'flows.import'>): Promise<ResultOf<'flows.import'>> => wip(a),
    openManifests: (p: string[]): Promise<ResultOf<'manifests.open'>> => wip(p),
  };
}
