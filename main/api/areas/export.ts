import type { Backend } from '../backend.js';
import type { ArgsOf, ResultOf } from '../contract.js';
export function exportArea(_b: Backend) {
  return { async render(_a: ArgsOf<'export.render'>): Promise<ResultOf<'export.render'>> { throw new Error('WIP'); } };
}
