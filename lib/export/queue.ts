// A fixed-capacity FIFO ring: the bound on what an exporter holds while its
// transport is slow or down. push() refuses instead of growing.

export class BoundedQueue<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity: expected an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** False (and nothing stored) when full. */
  push(item: T): boolean {
    if (this.#length === this.capacity) return false;
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    return true;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }

  /** Empties the queue; returns how many items were discarded. */
  clear(): number {
    const n = this.#length;
    this.#items.fill(undefined);
    this.#head = 0;
    this.#length = 0;
    return n;
  }
}
