/**
 * Bounded "top k" counter (space-saving): at most `capacity` keys are held. When full, a new key
 * replaces the least-counted one and inherits its count, so heavy hitters are never lost and
 * memory stays bounded whatever the number of distinct paths or names.
 */
export class TopCounter {
  private readonly counts = new Map<string, number>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.counts.size;
  }

  add(key: string, by: number): void {
    const have = this.counts.get(key);
    if (have !== undefined) {
      this.counts.set(key, have + by);
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, by);
      return;
    }
    let minKey = '';
    let min = Infinity;
    for (const [k, n] of this.counts) {
      if (n < min) {
        min = n;
        minKey = k;
      }
    }
    this.counts.delete(minKey);
    this.counts.set(key, min + by);
  }

  /** Keys by count, highest first (ties by key), as a plain record. */
  top(): Record<string, number> {
    const entries = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Record<string, number> = {};
    for (const [k, n] of entries) out[k] = n;
    return out;
  }
}
