import type { City } from '../../city/city.js';
import type { ResultOf } from '../contract.js';
export async function whatIfPreview(_c: City, _y: string): Promise<ResultOf<'whatif.preview'>> { throw new Error('WIP'); }
