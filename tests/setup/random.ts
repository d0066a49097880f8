/** @fileoverview A seeded PRNG for randomised tests, so a failure can be replayed from its seed. */

/** A small seeded PRNG (mulberry32), so a failing round can be replayed from its seed. */
export class Random {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  /** True with probability p. */
  chance(p: number): boolean { return this.next() < p; }
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]; }
}
