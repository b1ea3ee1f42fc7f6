// One second's top-talker table with bounded memory: open addressing over typed
// arrays and Space-Saving (Metwally et al. 2005) by bytes, with the minimum
// replaced in batches. Used per packet, so it touches typed arrays only.
//
// The table holds up to 2 × `capacity` keys. While it has room, every new key
// gets its own entry and every count is exact. When it is full and a new key
// comes, one purge evicts every entry whose bytes are ≤ a threshold v (about
// the 44th percentile; never so high that fewer than capacity + 1 entries are
// ≥ v) and raises the table's bound E to v. Each new key then starts, as in
// Space-Saving, from the bound instead of zero: bytes = E + its bytes, error = E.
//
// Why batches: plain Space-Saving replaces the single minimum for each new key.
// With many distinct small keys (scans, floods, a million flows a second) that
// is nearly every packet, and keeping the minimum (a heap) costs ~100 ns per
// replacement in V8 (a chain of dependent, unpredictable compares), measured.
// A purge is a few passes over the table and an index rebuild per ~0.9 ×
// `capacity` new keys: tens of ns per new key. The guarantee is the same as Space-Saving's with
// `capacity` counters:
//
// Guarantee. Let T be the bytes added since the last reset.
//  - Exact (`exact`, every error 0) while at most 2 × capacity distinct keys
//    were added.
//  - Always: an entry's true bytes lie in [bytes - error, bytes]; a key not in
//    the table has true bytes ≤ E = floor(); and E ≤ T / (capacity + 1), so
//    every key with more than T / (capacity + 1) bytes is in the table.
//  Proof sketch: every count is ≥ E (survivors are > v, new keys start at E),
//  so Ψ = Σ (count - E) ≥ 0. Adds raise Ψ by their bytes (T in all); a purge
//  raising E by Δ lowers Ψ by ≥ (capacity + 1)·Δ, since ≥ capacity + 1 counts
//  are ≥ v. Hence (capacity + 1)·E ≤ T.
//  Packets are counted from when the key (last) entered: exact while `exact`,
//  otherwise a lower bound for entries with error > 0.
//
// Layout: entry e's key is keys[e*keyWords ..]; the index (2^k ≥ 4·capacity
// Int32 slots: entry + 1, 0 = empty, load ≤ 0.5) is probed linearly from a
// Fibonacci hash of the entry's hash. Entries are never deleted one by one: a
// purge frees the evicted ones (bytes = -1) and rebuilds the index. Hashes must be < 2^30
// (callers mask them): V8 passes such integers unboxed. Two key shapes, each
// with its own method so the comparisons are unrolled: hosts (4 words, an
// address) and flows (11 words, see addFlow).

/**
 * Longest probe sequence. Hashes may come from the parser (no secret), so keys
 * crafted to collide on all 32 bits could make probing slow; past this they are
 * counted in `skipped` instead of being added.
 */
const MAX_PROBE = 64;
const FIB = 0x9e3779b1;
/** Entries sampled to estimate a purge's threshold. */
const SAMPLE = 512;

export const HOST_WORDS = 4;
/** lo address (4 words), hi address (4), loPort << 16 | hiPort, source << 16 | vlan, protocol. */
export const FLOW_WORDS = 11;

export class SpaceSaving {
  /** The guarantee's k: exact up to 2k distinct keys, every key above T/(k+1) kept. */
  readonly capacity: number;
  /** Entries: 2 × capacity. */
  readonly slots: number;
  readonly keyWords: number;
  readonly keys: Uint32Array;
  readonly hashes: Uint32Array;
  readonly bytes: Float64Array;
  readonly packets: Float64Array;
  /** Upper bound on the over-estimate of bytes (0 = exact). */
  readonly error: Float64Array;
  /** Entries used so far: 0 .. size-1, of which those with bytes < 0 are free. */
  size = 0;
  /** Purges since the last reset. */
  purges = 0;
  /** Rows not added because the probe limit was hit (crafted collisions); never reset. */
  skipped = 0;

  readonly #index: Int32Array;
  readonly #mask: number;
  readonly #shift: number;
  readonly #seed: number;
  readonly #scratch: Float64Array;
  readonly #scratchIds: Int32Array;
  /** Free entries (evicted by the last purge), a stack. */
  readonly #free: Int32Array;
  #nFree = 0;
  readonly #sample = new Float64Array(SAMPLE);
  /** E: the most bytes an evicted key can have had. */
  #bound = 0;

  constructor(capacity: number, keyWords: number, seed: number) {
    this.capacity = capacity;
    this.slots = 2 * capacity;
    this.keyWords = keyWords;
    this.keys = new Uint32Array(this.slots * keyWords);
    this.hashes = new Uint32Array(this.slots);
    this.bytes = new Float64Array(this.slots);
    this.packets = new Float64Array(this.slots);
    this.error = new Float64Array(this.slots);
    this.#scratch = new Float64Array(this.slots);
    this.#scratchIds = new Int32Array(this.slots);
    this.#free = new Int32Array(this.slots);
    let bits = 4;
    while (2 ** bits < 2 * this.slots) bits++;
    this.#index = new Int32Array(2 ** bits);
    this.#mask = 2 ** bits - 1;
    this.#shift = 32 - bits;
    this.#seed = seed & 0x3fffffff;
  }

  /** True while every key added has its own entry with exact counts. */
  get exact(): boolean {
    return this.purges === 0;
  }

  /** The most bytes a key NOT in the table can have had (0 while exact). */
  floor(): number {
    return this.#bound;
  }

  /**
   * Adds `packets` packets of `bytes` bytes in all to the host address
   * a[o .. o+3] (hash h < 2^30). One packet at a time, or a flow's second at
   * once: Space-Saving's guarantee holds for weighted adds as for single ones.
   */
  addHost(h: number, a: Uint32Array, o: number, bytes: number, packets: number): void {
    const index = this.#index;
    const hashes = this.hashes;
    const keys = this.keys;
    let s = Math.imul(h ^ this.#seed, FIB) >>> this.#shift;
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const e = index[s]!;
      if (e === 0) {
        const id = this.#claim(s, h, bytes, packets);
        if (id < 0) return;
        const b = id * HOST_WORDS;
        keys[b] = a[o]!;
        keys[b + 1] = a[o + 1]!;
        keys[b + 2] = a[o + 2]!;
        keys[b + 3] = a[o + 3]!;
        return;
      }
      const id = e - 1;
      const b = id * HOST_WORDS;
      if (hashes[id] === h && keys[b + 3] === a[o + 3] && keys[b] === a[o] && keys[b + 1] === a[o + 1] && keys[b + 2] === a[o + 2]) {
        this.bytes[id] += bytes;
        this.packets[id] += packets;
        return;
      }
      s = (s + 1) & this.#mask;
    }
    this.skipped++;
  }

  /**
   * Adds `packets` packets of `bytes` bytes in all to the flow (lo address
   * lo[loOff..+3], hi address hi[hiOff..+3], ports, source id, VLAN,
   * protocol); hash h < 2^30. All arguments are small integers so they pass
   * unboxed; the 32-bit key words are built here.
   */
  addFlow(
    h: number, lo: Uint32Array, loOff: number, hi: Uint32Array, hiOff: number,
    loPort: number, hiPort: number, source: number, vlan: number, proto: number, bytes: number, packets: number,
  ): void {
    const index = this.#index;
    const hashes = this.hashes;
    const keys = this.keys;
    const ports = ((loPort << 16) | hiPort) >>> 0;
    const meta = ((source << 16) | vlan) >>> 0;
    let s = Math.imul(h ^ this.#seed, FIB) >>> this.#shift;
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const e = index[s]!;
      if (e === 0) {
        const id = this.#claim(s, h, bytes, packets);
        if (id < 0) return;
        const b = id * FLOW_WORDS;
        keys[b] = lo[loOff]!;
        keys[b + 1] = lo[loOff + 1]!;
        keys[b + 2] = lo[loOff + 2]!;
        keys[b + 3] = lo[loOff + 3]!;
        keys[b + 4] = hi[hiOff]!;
        keys[b + 5] = hi[hiOff + 1]!;
        keys[b + 6] = hi[hiOff + 2]!;
        keys[b + 7] = hi[hiOff + 3]!;
        keys[b + 8] = ports;
        keys[b + 9] = meta;
        keys[b + 10] = proto;
        return;
      }
      const id = e - 1;
      const b = id * FLOW_WORDS;
      if (
        hashes[id] === h && keys[b + 8] === ports && keys[b + 3] === lo[loOff + 3] && keys[b + 7] === hi[hiOff + 3] &&
        keys[b] === lo[loOff] && keys[b + 1] === lo[loOff + 1] && keys[b + 2] === lo[loOff + 2] &&
        keys[b + 4] === hi[hiOff] && keys[b + 5] === hi[hiOff + 1] && keys[b + 6] === hi[hiOff + 2] &&
        keys[b + 9] === meta && keys[b + 10] === proto
      ) {
        this.bytes[id] += bytes;
        this.packets[id] += packets;
        return;
      }
      s = (s + 1) & this.#mask;
    }
    this.skipped++;
  }

  /** Empties the table for the next second. */
  reset(): void {
    if (this.size > 0) this.#index.fill(0);
    this.size = 0;
    this.#nFree = 0;
    this.purges = 0;
    this.#bound = 0;
  }

  /**
   * A new entry for hash h, linked into the index at `s` (the empty slot that
   * ended its probe), counts set, for the caller to write the key words; -1 if
   * after a purge no slot is within the probe limit.
   */
  #claim(s: number, h: number, bytes: number, packets: number): number {
    let id: number;
    if (this.#nFree > 0) {
      id = this.#free[--this.#nFree]!;
    } else {
      if (this.size === this.slots) {
        this.#purge();
        s = this.#emptySlot(h);
        if (s < 0) {
          this.skipped++;
          return -1;
        }
        id = this.#free[--this.#nFree]!;
      } else {
        id = this.size++;
      }
    }
    const bound = this.#bound;
    this.bytes[id] = bound + bytes;
    this.error[id] = bound;
    this.packets[id] = packets;
    this.hashes[id] = h;
    this.#index[s] = id + 1;
    return id;
  }

  #emptySlot(h: number): number {
    let s = Math.imul(h ^ this.#seed, FIB) >>> this.#shift;
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      if (this.#index[s] === 0) return s;
      s = (s + 1) & this.#mask;
    }
    return -1;
  }

  /**
   * Evicts every entry with bytes ≤ v and raises the bound to v, where v leaves
   * ≥ capacity + 1 entries with bytes ≥ v (the guarantee) and evicts ≥ 1/8 of
   * them (so purges stay rare). v is first estimated from a sample (a quantile a
   * little under the median: a full quickselect costs ~100 µs of mispredicted
   * branches for 8 k entries) and checked; if the check fails, the exact median.
   */
  #purge(): void {
    const n = this.size;
    const bytes = this.bytes;
    const need = this.capacity + 1;
    const sample = this.#sample;
    const step = n / SAMPLE;
    const offset = Math.random() * step;
    for (let k = 0; k < SAMPLE; k++) sample[k] = bytes[Math.floor(offset + k * step)]!;
    let v = select(sample, SAMPLE, Math.floor(SAMPLE * 0.44));
    let ge = 0;
    let le = 0;
    for (let e = 0; e < n; e++) {
      const b = bytes[e]!;
      ge += +(b >= v); // no branches: they would mispredict half the time
      le += +(b <= v);
    }
    if (ge < need || le < n >> 3) {
      const scratch = this.#scratch;
      scratch.set(bytes.subarray(0, n));
      v = select(scratch, n, n - need); // exactly `need` entries at or above it
    }
    // Evicted entries go on the free stack (bytes -1 marks them), the others on
    // the live list for the index rebuild: no branch on the (unpredictable)
    // test, each entry is written to both and only one count advances.
    const free = this.#free;
    const live = this.#scratchIds;
    let nFree = 0;
    let nLive = 0;
    for (let e = 0; e < n; e++) {
      const out = +(bytes[e]! <= v);
      free[nFree] = e;
      live[nLive] = e;
      nFree += out;
      nLive += 1 - out;
    }
    for (let k = 0; k < nFree; k++) bytes[free[k]!] = -1;
    this.#nFree = nFree;
    if (v > this.#bound) this.#bound = v;
    this.purges++;
    const index = this.#index;
    const hashes = this.hashes;
    const mask = this.#mask;
    const shift = this.#shift;
    const seed = this.#seed;
    index.fill(0);
    for (let k = 0; k < nLive; k++) {
      const e = live[k]!;
      let slot = Math.imul(hashes[e]! ^ seed, FIB) >>> shift;
      // No limit here: every survivor must be in the index. (Should crafted
      // collisions push one past add()'s probe limit, a later packet of its key
      // starts a second entry; the window merge adds such twins up by key.)
      while (index[slot] !== 0) slot = (slot + 1) & mask;
      index[slot] = e + 1;
    }
  }
}

/** The k-th smallest (0-based) of a[0 .. n-1], reordering a (quickselect, median of three). */
export function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three as the pivot, at a[mid]
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
