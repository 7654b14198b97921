/** Errors reach the UI as the contract sends them: a code to branch on, the name, the message, the details. */
import { afterEach, describe, expect, it } from 'vitest';
import { errorToWire, isMethod, parseArgs, type WireResponse } from '../../../main/api/contract';
import { ApiError, createTransport, type PreloadBridge } from './transport';

/** A preload bridge answering as main does: the arguments parsed by the contract, a failure as errorToWire makes it. */
function bridge(): PreloadBridge {
  return {
    async invoke(method, args): Promise<WireResponse<unknown>> {
      try {
        if (!isMethod(method)) throw new Error(`unknown method ${method}`);
        return { result: parseArgs(method, args) };
      } catch (err) {
        return { error: errorToWire(err) };
      }
    },
    onEvent: () => () => undefined,
  };
}

afterEach(() => {
  delete window.netcity;
});

describe('renderer transport', () => {
  it('turns a bad-argument WireError into an ApiError that keeps its code, name, message and details', async () => {
    window.netcity = bridge();
    const api = createTransport();
    expect(api.kind).toBe('electron');
    const call = api.call('export.render', { cityId: 'demo', format: 'svg', scale: 2 } as never);
    await expect(call).rejects.toBeInstanceOf(ApiError);
    const err = (await call.catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('invalid-argument');
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('export.render: field "scale" belongs to format "png", not "svg" (format "svg" takes: format, cityId, selection, redact, window, overlays, possibleRoads, title, background, roads)');
    expect(err.details).toEqual({ field: 'export.render' });
  });

  it('gives the result of a good call', async () => {
    window.netcity = bridge();
    await expect(createTransport().call('probes.plan', { cityId: 'demo', kind: 'matrix', namespace: 'shop' })).resolves.toEqual({ cityId: 'demo', kind: 'matrix', namespace: 'shop' });
  });
});
