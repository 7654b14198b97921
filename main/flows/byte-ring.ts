/**
 * A bounded ring of byte messages in one preallocated arena: pushing copies the bytes in (no
 * per-message allocation, nothing for the garbage collector to trace) and evicts the oldest
 * messages to make room. Holds raw flows of a live capture, decoded only when someone asks.
 */
export class ByteRing {
  private readonly arena: Buffer;
  private readonly starts: Int32Array;
  private readonly lens: Int32Array;
  private head = 0; // index of the oldest entry
  private n = 0;
  private writePos = 0;
  private evicted = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes = 16 * 1024 * 1024,
  ) {
    const slots = Math.max(1, maxEntries);
    this.arena = Buffer.allocUnsafe(Math.max(1, maxBytes));
    this.starts = new Int32Array(slots);
    this.lens = new Int32Array(slots);
  }

  get size(): number {
    return this.n;
  }

  /** Entries pushed out (by count or by bytes) since creation. */
  get evictedCount(): number {
    return this.evicted;
  }

  private evictOldest(): void {
    this.head = (this.head + 1) % this.starts.length;
    this.n--;
    this.evicted++;
    if (this.n === 0) this.writePos = 0;
  }

  /** Copies `b` in; returns false (and stores nothing) when it can never fit. */
  push(b: Uint8Array): boolean {
    const len = b.length;
    if (this.maxEntries <= 0 || len > this.arena.length) return false;
    if (this.n === this.starts.length) this.evictOldest();
    let pos = this.writePos;
    for (;;) {
      if (this.n === 0) {
        pos = 0;
        break;
      }
      const oldest = this.starts[this.head];
      if (oldest >= pos) {
        // Live data is [oldest, end) + [0, pos): the free gap is [pos, oldest).
        if (pos + len <= oldest) break;
      } else if (pos + len <= this.arena.length) {
        break; // live data is [oldest, pos): the tail after pos is free
      } else if (len <= oldest) {
        pos = 0; // wrap: the head of the arena before `oldest` is free
        break;
      }
      this.evictOldest();
      if (this.n === 0) pos = 0;
    }
    this.arena.set(b, pos);
    const slot = (this.head + this.n) % this.starts.length;
    this.starts[slot] = pos;
    this.lens[slot] = len;
    this.n++;
    this.writePos = pos + len;
    return true;
  }

  /** Copies of the held messages, oldest first. */
  entries(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < this.n; i++) {
      const slot = (this.head + i) % this.starts.length;
      out.push(Buffer.from(this.arena.subarray(this.starts[slot], this.starts[slot] + this.lens[slot])));
    }
    return out;
  }

  clear(): void {
    this.head = 0;
    this.n = 0;
    this.writePos = 0;
  }
}
