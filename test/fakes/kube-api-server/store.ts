/** The test server's object store: resourceVersions, an event history for watches, compaction (410 Gone). */
type Obj = Record<string, any>;

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  resource: string;
  type: EventType;
  object: Obj;
}

export type Listener = (ev: StoredEvent) => void;

export const keyOf = (o: Obj): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata?.name));

export class ObjectStore {
  rv = 1000;
  /** Watches and continue tokens older than this get 410 Gone. */
  compactedRv = 1000;
  private readonly data = new Map<string, Map<string, Obj>>();
  private readonly sorted = new Map<string, string[]>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();
  constructor(private readonly historyLimit = 20_000) {}

  table(resource: string): Map<string, Obj> {
    let t = this.data.get(resource);
    if (!t) this.data.set(resource, (t = new Map()));
    return t;
  }

  /** Keys in list order (cached until the table changes; pages of a 10,000-pod list reuse it). */
  sortedKeys(resource: string): string[] {
    let keys = this.sorted.get(resource);
    if (!keys) this.sorted.set(resource, (keys = [...this.table(resource).keys()].sort()));
    return keys;
  }

  get(resource: string, key: string): Obj | undefined {
    return this.table(resource).get(key);
  }

  /** Creates or replaces an object; returns the stored copy. */
  put(resource: string, obj: Obj): Obj {
    const t = this.table(resource);
    const key = keyOf(obj);
    const old = t.get(key);
    const rv = ++this.rv;
    const stored: Obj = {
      ...obj,
      metadata: {
        ...obj.metadata,
        uid: old?.metadata?.uid ?? obj.metadata?.uid ?? `uid-${resource.replace(/\W/g, '-')}-${key.replace(/\W/g, '-')}-${rv}`,
        resourceVersion: String(rv),
        creationTimestamp: old?.metadata?.creationTimestamp ?? obj.metadata?.creationTimestamp ?? '2026-11-27T12:00:00Z',
      },
    };
    if (!old) this.sorted.delete(resource);
    t.set(key, stored);
    this.record({ rv, resource, type: old ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  remove(resource: string, key: string): Obj | undefined {
    const t = this.table(resource);
    const old = t.get(key);
    if (!old) return undefined;
    t.delete(key);
    this.sorted.delete(resource);
    const rv = ++this.rv;
    const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.record({ rv, resource, type: 'DELETED', object: gone });
    return gone;
  }

  private record(ev: StoredEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRv = Math.max(this.compactedRv, dropped[dropped.length - 1].rv);
    }
    for (const l of this.listeners) l(ev);
  }

  /** Forget the history: every resourceVersion before now is too old. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  /** Events after `rv` for a resource, or 'gone' when the history no longer reaches back that far. */
  since(resource: string, rv: number): StoredEvent[] | 'gone' {
    if (rv < this.compactedRv) return 'gone';
    return this.history.filter((e) => e.rv > rv && e.resource === resource);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
