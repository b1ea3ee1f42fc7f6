// Top-talker candidates of the last closed seconds, and their merge into a
// window's top N. When a second closes, the `keep` heaviest entries of its
// SpaceSaving table are copied into that second's ring slot, with a per-second
// `floor`: the most bytes any key left out of the slot can have had in that
// second (the table's floor() once it overflowed, and the bytes of the first
// entry not kept). Memory is fixed: seconds × keep entries.
//
// A window's top N = the candidates of its seconds summed by key. For a merged
// key, bytes = Σ its stored bytes; its true bytes lie within ±error of that,
// error = Σ stored errors (Space-Saving over-estimates) + Σ floors of the
// seconds where it is absent (what it may have had there). So:
//  - exact (every error 0) when no second of the window had more than `keep`
//    distinct keys;
//  - otherwise every key with more than Σ floors ≤ 2T/(keep + 1) of the
//    window's T bytes is a candidate, listed with its error bound. (Per second:
//    the table's floor is ≤ T_s/(capacity + 1) ≤ T_s/(keep + 1), and the first
//    entry not kept has ≤ T_s/(keep + 1) + that floor, since keep + 1 entries
//    are at least as heavy and each over-estimates by at most the floor.)
// Merging runs over typed arrays too (an open-addressing table on the stored
// hashes), only when a snapshot asks for it.
import { select, type SpaceSaving } from './space-saving.js';

/** A window's top entries, heaviest first. */
export interface TopEntries {
  n: number;
  keyWords: number;
  keys: Uint32Array;
  bytes: Float64Array;
  packets: Float64Array;
  error: Float64Array;
}

export class CandidateRing {
  /** Ring length: slot of second s is s % seconds. */
  readonly seconds: number;
  /** Most entries kept per second. */
  readonly keep: number;
  readonly keyWords: number;
  readonly keys: Uint32Array;
  readonly hashes: Uint32Array;
  readonly bytes: Float64Array;
  readonly packets: Float64Array;
  readonly error: Float64Array;
  readonly count: Int32Array;
  readonly floor: Float64Array;

  // merge scratch, grown on demand and kept
  #index = new Int32Array(0);
  #ref = new Int32Array(0);
  #mBytes = new Float64Array(0);
  #mPackets = new Float64Array(0);
  #mError = new Float64Array(0);
  #mFloor = new Float64Array(0);
  // store scratch, grown on demand and kept (a store runs for both tables every second)
  #sIds = new Int32Array(0);
  #sBytes = new Float64Array(0);

  constructor(seconds: number, keep: number, keyWords: number) {
    this.seconds = seconds;
    this.keep = keep;
    this.keyWords = keyWords;
    // Zeroed ArrayBuffers cost no RSS until written: memory follows the traffic.
    this.keys = new Uint32Array(seconds * keep * keyWords);
    this.hashes = new Uint32Array(seconds * keep);
    this.bytes = new Float64Array(seconds * keep);
    this.packets = new Float64Array(seconds * keep);
    this.error = new Float64Array(seconds * keep);
    this.count = new Int32Array(seconds);
    this.floor = new Float64Array(seconds);
  }

  /** Stores the heaviest `keep` entries of a second's table in `slot`. */
  store(slot: number, table: SpaceSaving): void {
    this.#select(slot, table.keys, table.hashes, table.bytes, table.packets, table.error, 0, table.size, table.floor());
  }

  /** Copies `fromSlot` of another ring (a resize), keeping at most this ring's `keep` entries. */
  copyFrom(other: CandidateRing, fromSlot: number, toSlot: number): void {
    const base = fromSlot * other.keep;
    this.#select(toSlot, other.keys, other.hashes, other.bytes, other.packets, other.error, base, other.count[fromSlot]!, other.floor[fromSlot]!);
  }

  clear(slot: number): void {
    this.count[slot] = 0;
    this.floor[slot] = 0;
  }

  clearAll(): void {
    this.count.fill(0);
    this.floor.fill(0);
  }

  /**
   * The `n` heaviest keys summed over the seconds first .. first+length-1
   * (all must lie within the ring), ties broken by which appears first.
   */
  top(first: number, length: number, n: number): TopEntries {
    const kw = this.keyWords;
    const R = this.seconds;
    let total = 0;
    let floorTotal = 0;
    for (let s = first; s < first + length; s++) {
      total += this.count[s % R]!;
      floorTotal += this.floor[s % R]!;
    }
    this.#grow(total);
    let bits = 4;
    while (2 ** bits < 2 * total) bits++;
    const mask = 2 ** bits - 1;
    const shift = 32 - bits;
    const index = this.#index;
    index.fill(0, 0, mask + 1);
    const ref = this.#ref;
    const mBytes = this.#mBytes;
    const mPackets = this.#mPackets;
    const mError = this.#mError;
    const mFloor = this.#mFloor;
    const keys = this.keys;
    const hashes = this.hashes;
    let m = 0;
    for (let sec = first; sec < first + length; sec++) {
      const slot = sec % R;
      const fl = this.floor[slot]!;
      const end = slot * this.keep + this.count[slot]!;
      for (let e = slot * this.keep; e < end; e++) {
        const h = hashes[e]!;
        let s = Math.imul(h, 0x9e3779b1) >>> shift;
        let k = -1;
        for (;;) {
          const v = index[s]!;
          if (v === 0) break;
          const r = ref[v - 1]!;
          if (hashes[r] === h) {
            let w = 0;
            while (w < kw && keys[r * kw + w] === keys[e * kw + w]) w++;
            if (w === kw) {
              k = v - 1;
              break;
            }
          }
          s = (s + 1) & mask;
        }
        if (k < 0) {
          k = m++;
          index[s] = k + 1;
          ref[k] = e;
          mBytes[k] = mPackets[k] = mError[k] = mFloor[k] = 0;
        }
        mBytes[k] += this.bytes[e]!;
        mPackets[k] += this.packets[e]!;
        mError[k] += this.error[e]!;
        mFloor[k] += fl;
      }
    }

    // The n heaviest by a min-heap (root = the weakest kept); later ids lose ties.
    const weaker = (a: number, b: number) => mBytes[a]! < mBytes[b]! || (mBytes[a] === mBytes[b] && a > b);
    const size = Math.min(n, m);
    const heap = new Int32Array(size);
    const down = (i: number) => {
      const x = heap[i]!;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && weaker(heap[c + 1]!, heap[c]!)) c++;
        if (!weaker(heap[c]!, x)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = x;
    };
    for (let k = 0; k < size; k++) heap[k] = k;
    for (let i = (size >> 1) - 1; i >= 0; i--) down(i);
    for (let k = size; k < m; k++) {
      if (weaker(heap[0]!, k)) {
        heap[0] = k;
        down(0);
      }
    }
    const order = Array.from(heap).sort((a, b) => (weaker(a, b) ? 1 : weaker(b, a) ? -1 : 0));

    const out: TopEntries = {
      n: size,
      keyWords: kw,
      keys: new Uint32Array(size * kw),
      bytes: new Float64Array(size),
      packets: new Float64Array(size),
      error: new Float64Array(size),
    };
    order.forEach((k, i) => {
      out.keys.set(keys.subarray(ref[k]! * kw, ref[k]! * kw + kw), i * kw);
      out.bytes[i] = mBytes[k]!;
      out.packets[i] = mPackets[k]!;
      out.error[i] = mError[k]! + (floorTotal - mFloor[k]!);
    });
    return out;
  }

  /** Copies n entries from base.. of the source arrays into `slot`, the heaviest `keep` if there are more. */
  #select(
    slot: number, keys: Uint32Array, hashes: Uint32Array, bytes: Float64Array, packets: Float64Array, error: Float64Array,
    base: number, n: number, floor: number,
  ): void {
    const kw = this.keyWords;
    const keep = this.keep;
    let fl = floor;
    if (this.#sIds.length < n) {
      this.#sIds = new Int32Array(n);
      this.#sBytes = new Float64Array(n);
    }
    const ids = this.#sIds;
    let live = 0;
    for (let k = 0; k < n; k++) if (bytes[base + k]! >= 0) ids[live++] = base + k; // bytes -1: a free entry
    let count = live;
    if (live > keep) {
      // u = the (keep+1)-th heaviest: keep every entry above it, then entries equal
      // to it in table order until `keep`. Keys left out had at most u bytes.
      // (A selection, not a sort: this runs for both tables every saturated second.)
      const scratch = this.#sBytes;
      for (let k = 0; k < live; k++) scratch[k] = bytes[ids[k]!]!;
      const u = select(scratch, live, live - keep - 1);
      fl = Math.max(fl, u);
      let above = 0;
      for (let k = 0; k < live; k++) above += +(bytes[ids[k]!]! > u);
      let ties = keep - above;
      count = 0; // compacts the chosen ids to the front, in table order
      for (let k = 0; k < live && count < keep; k++) {
        const b = bytes[ids[k]!]!;
        if (b > u || (b === u && ties-- > 0)) ids[count++] = ids[k]!;
      }
    }
    const to = slot * this.keep;
    for (let k = 0; k < count; k++) {
      const e = ids[k]!;
      for (let w = 0; w < kw; w++) this.keys[(to + k) * kw + w] = keys[e * kw + w]!;
      this.hashes[to + k] = hashes[e]!;
      this.bytes[to + k] = bytes[e]!;
      this.packets[to + k] = packets[e]!;
      this.error[to + k] = error[e]!;
    }
    this.count[slot] = count;
    this.floor[slot] = fl;
  }

  #grow(total: number): void {
    if (this.#ref.length >= total && this.#index.length >= 2 * total) return;
    let bits = 4;
    while (2 ** bits < 2 * total) bits++;
    this.#index = new Int32Array(2 ** bits);
    this.#ref = new Int32Array(total);
    this.#mBytes = new Float64Array(total);
    this.#mPackets = new Float64Array(total);
    this.#mError = new Float64Array(total);
    this.#mFloor = new Float64Array(total);
  }
}
