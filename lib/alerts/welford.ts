// Running mean and variance in O(1) memory (Welford 1962): numerically stable,
// updated one sample at a time, serializable as [n, mean, m2].

export class Welford {
  n = 0;
  mean = 0;
  /** Sum of squared differences from the mean. */
  m2 = 0;

  add(x: number): void {
    if (!Number.isFinite(x)) return;
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }

  /** Sample variance (n - 1); 0 with fewer than 2 samples. */
  get variance(): number {
    return this.n > 1 ? Math.max(0, this.m2 / (this.n - 1)) : 0;
  }

  get sd(): number {
    return Math.sqrt(this.variance);
  }

  toJSON(): [number, number, number] {
    return [this.n, this.mean, this.m2];
  }

  /** Null unless `v` is [n ≥ 0 integer, finite mean, m2 ≥ 0]. */
  static from(v: unknown): Welford | null {
    if (!Array.isArray(v) || v.length !== 3) return null;
    const [n, mean, m2] = v as unknown[];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return null;
    if (typeof mean !== 'number' || !Number.isFinite(mean)) return null;
    if (typeof m2 !== 'number' || !Number.isFinite(m2) || m2 < 0) return null;
    const w = new Welford();
    w.n = n;
    w.mean = mean;
    w.m2 = m2;
    return w;
  }
}
