import { describe, expect, it } from 'vitest';
import { Informer, type ChangeType, type RawObject } from './informer.js';
import { ClusterError } from './errors.js';
import type { KubeClient, WatchEvent } from './kube-client.js';

const pod = (name: string, rv: string): RawObject => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });

type WatchScript = (onEvent: (e: WatchEvent) => void, opts: { onOpen?: () => void; signal?: AbortSignal }, path: string) => Promise<void>;

/** A KubeClient stand-in: scripted list pages and watch streams. */
function fakeClient(pages: (path: string) => any, watches: WatchScript[]) {
  const calls: string[] = [];
  let w = 0;
  const client = {
    request: async (path: string) => {
      calls.push(`GET ${path}`);
      return pages(path);
    },
    watch: async (path: string, onEvent: (e: WatchEvent) => void, opts: { onOpen?: () => void; signal?: AbortSignal }) => {
      calls.push(`WATCH ${path}`);
      const script = watches[w++];
      if (!script) return new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
      return script(onEvent, opts, path);
    },
    transportError: (err: unknown) => (err instanceof ClusterError ? err : new ClusterError('unreachable', String(err))),
  } as unknown as KubeClient;
  return { client, calls };
}

function collect() {
  const events: string[] = [];
  return { events, onChange: (t: ChangeType, o: RawObject) => events.push(`${t} ${o.metadata.name}`) };
}

describe('Informer.list', () => {
  it('follows continue tokens and reports each object once', async () => {
    const { client, calls } = fakeClient(
      (path) =>
        path.includes('continue=c1')
          ? { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '12' }, items: [pod('c', '3')] }
          : { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '10', continue: 'c1' }, items: [pod('a', '1'), pod('b', '2')] },
      [],
    );
    const c = collect();
    const seen: RawObject[] = [];
    const inf = new Informer({ client, path: '/api/v1/pods', label: 'pods', signal: new AbortController().signal, pageSize: 2, onChange: (t, o) => (seen.push(o), c.onChange(t, o)) });
    await inf.list();
    expect(c.events).toEqual(['add a', 'add b', 'add c']);
    expect(inf.resourceVersion).toBe('12');
    expect(calls).toEqual(['GET /api/v1/pods?limit=2', 'GET /api/v1/pods?limit=2&continue=c1']);
    // Items reach the consumer with the kind and apiVersion the list named; the cache keeps only metadata.
    expect(seen[0]).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a' } });
    expect(inf.cache.get('ns/a')).toEqual({ metadata: { namespace: 'ns', name: 'a', resourceVersion: '1' } });
  });

  it('keeps its defaults for options given as undefined', async () => {
    const { client, calls } = fakeClient(() => ({ metadata: { resourceVersion: '1' }, items: [] }), []);
    const ac = new AbortController();
    const inf = new Informer({ client, path: '/p', label: 'pods', signal: ac.signal, pageSize: undefined, backoff: undefined, watchTimeoutSeconds: undefined, onChange: () => {} });
    await inf.list();
    const run = inf.run();
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await run;
    expect(calls).toEqual(['GET /p?limit=500', 'WATCH /p?watch=1&allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=300']);
  });

  it('starts over when the continue token expired (410)', async () => {
    let expired = true;
    const { client } = fakeClient((path) => {
      if (path.includes('continue=')) {
        if (expired) {
          expired = false;
          throw new ClusterError('gone', 'continue token expired', { status: 410 });
        }
        return { metadata: { resourceVersion: '20' }, items: [pod('b', '2')] };
      }
      return { metadata: { resourceVersion: '20', continue: 'x' }, items: [pod('a', '1')] };
    }, []);
    const c = collect();
    const inf = new Informer({ client, path: '/p', label: 'pods', signal: new AbortController().signal, onChange: c.onChange });
    await inf.list();
    expect(c.events).toEqual(['add a', 'add b']);
  });

  it('a relist reports only what differs', async () => {
    let round = 0;
    const { client } = fakeClient(() =>
      round++ === 0
        ? { metadata: { resourceVersion: '5' }, items: [pod('a', '1'), pod('b', '2'), pod('c', '3')] }
        : { metadata: { resourceVersion: '9' }, items: [pod('a', '1'), pod('b', '7'), pod('d', '8')] },
    [],
    );
    const c = collect();
    const inf = new Informer({ client, path: '/p', label: 'pods', signal: new AbortController().signal, onChange: c.onChange });
    await inf.list();
    c.events.length = 0;
    await inf.list();
    expect(c.events).toEqual(['delete c', 'update b', 'add d']);
  });
});

describe('Informer.run', () => {
  it('applies watch events, follows bookmarks, relists on 410, reconnects after errors, stops on abort', async () => {
    const ac = new AbortController();
    let listRound = 0;
    const watchPaths: string[] = [];
    const errors: string[] = [];
    const { client, calls } = fakeClient(
      () => (listRound++ === 0 ? { metadata: { resourceVersion: '10' }, items: [pod('a', '1')] } : { metadata: { resourceVersion: '50' }, items: [pod('a', '1'), pod('z', '49')] }),
      [
        async (on, o, path) => {
          watchPaths.push(path);
          o.onOpen?.();
          on({ type: 'ADDED', object: pod('b', '11') });
          on({ type: 'MODIFIED', object: pod('a', '12') });
          on({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });
          throw new ClusterError('unreachable', 'connection reset');
        },
        async (on, o, path) => {
          watchPaths.push(path);
          o.onOpen?.();
          on({ type: 'DELETED', object: pod('b', '21') });
          on({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } });
        },
        async (_on, _o, path) => {
          watchPaths.push(path);
          ac.abort();
        },
      ],
    );
    const c = collect();
    const inf = new Informer({
      client,
      path: '/p',
      label: 'pods',
      signal: ac.signal,
      backoff: { initialMs: 1, maxMs: 5 },
      onChange: c.onChange,
      onError: (e) => errors.push(e.message),
    });
    await inf.list();
    await inf.run();
    expect(c.events).toEqual(['add a', 'add b', 'update a', 'delete b', 'update a', 'add z']);
    expect(errors).toEqual(['connection reset']);
    expect(watchPaths[0]).toContain('resourceVersion=10');
    expect(watchPaths[0]).toContain('allowWatchBookmarks=true');
    expect(watchPaths[1]).toContain('resourceVersion=20'); // resumed from the bookmark
    expect(watchPaths[2]).toContain('resourceVersion=50'); // after the relist
    expect(inf.relists).toBe(1);
    expect(calls.filter((x) => x.startsWith('GET')).length).toBe(2);
  });

  it('polls with relists when watching is not permitted', async () => {
    const ac = new AbortController();
    let n = 0;
    const { client } = fakeClient(() => {
      n++;
      if (n >= 3) ac.abort();
      return { metadata: { resourceVersion: String(n) }, items: [pod(`p${n}`, String(n))] };
    }, []);
    const c = collect();
    const inf = new Informer({ client, path: '/p', label: 'pods', signal: ac.signal, watch: false, pollMs: 5, onChange: c.onChange });
    await inf.list();
    await inf.run();
    expect(c.events).toEqual(['add p1', 'delete p1', 'add p2', 'delete p2', 'add p3']);
  });
});
