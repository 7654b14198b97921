/** A fixed-size bitset over pod classes; selector matches are precomputed into these. */
export class Bitset {
  readonly words: Uint32Array;
  constructor(readonly size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  set(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }
  /** Sets [from, to). */
  setRange(from: number, to: number): void {
    let i = from;
    for (; i < to && i & 31; i++) this.set(i);
    for (; i + 32 <= to; i += 32) this.words[i >>> 5] = 0xffffffff;
    for (; i < to; i++) this.set(i);
  }
  orWith(o: Bitset): void {
    for (let i = 0; i < this.words.length; i++) this.words[i] |= o.words[i];
  }
  andNot(o: Bitset): void {
    for (let i = 0; i < this.words.length; i++) this.words[i] &= ~o.words[i];
  }
  isEmpty(): boolean {
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== 0) return false;
    return true;
  }
  forEach(fn: (i: number) => void): void {
    for (let w = 0; w < this.words.length; w++) {
      let word = this.words[w];
      while (word !== 0) {
        const t = word & -word;
        fn((w << 5) + (31 - Math.clz32(t)));
        word ^= t;
      }
    }
  }
}
