import { describe, expect, it } from 'vitest';
import { createWhenNamespaceReady } from './run.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'netcity-probe-x' } } as never;

describe('createWhenNamespaceReady', () => {
  it('retries while the namespace has no default ServiceAccount yet, then creates', async () => {
    let calls = 0;
    const cluster = {
      create: async () => {
        calls++;
        if (calls < 3) throw new Error('HTTP 403: pods "p" is forbidden: error looking up service account netcity-probe-x/default: serviceaccount "default" not found');
      },
    };
    await createWhenNamespaceReady(cluster as never, pod, new AbortController().signal);
    expect(calls).toBe(3);
  });

  it('does not retry other refusals', async () => {
    let calls = 0;
    const cluster = {
      create: async () => {
        calls++;
        throw new Error('HTTP 403: pods is forbidden: User "alice" cannot create resource "pods"');
      },
    };
    await expect(createWhenNamespaceReady(cluster as never, pod, new AbortController().signal)).rejects.toThrow(/cannot create/);
    expect(calls).toBe(1);
  });

  it('gives up after its wait', async () => {
    const cluster = { create: async () => Promise.reject(new Error('error looking up service account x/default')) };
    await expect(createWhenNamespaceReady(cluster as never, pod, new AbortController().signal, 300)).rejects.toThrow(/service account/);
  });
});
