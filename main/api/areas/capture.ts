import type { Backend } from '../backend.js';
import type { ArgsOf, ResultOf } from '../contract.js';
export function captureArea(_b: Backend) {
  return {
    async start(_a: ArgsOf<'capture.start'>): Promise<ResultOf<'capture.start'>> { throw new Error('WIP'); },
    async stop(_id: string): Promise<ResultOf<'capture.stop'>> { throw new Error('WIP'); },
  };
}
