// Writes flow records as JSON lines (DESIGN §7 key order) to a file, losslessly:
// lines are gathered into ~256 KiB chunks and written synchronously, so a
// million records at the end of a replay never pile up as pending stream writes.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FlowRecord } from '../flows/index.js';

const CHUNK = 256 * 1024;

export class FlowLineFile {
  readonly path: string;
  #fd: number;
  #pending: string[] = [];
  #pendingChars = 0;
  #records = 0;

  /** Creates or truncates `path`; throws (ENOENT, EACCES ...) before any capture starts. */
  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'w');
  }

  get records(): number {
    return this.#records;
  }

  write(record: FlowRecord): void {
    const line = JSON.stringify(record);
    this.#pending.push(line);
    this.#pendingChars += line.length + 1;
    this.#records++;
    if (this.#pendingChars >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const text = `${this.#pending.join('\n')}\n`;
    this.#pending = [];
    this.#pendingChars = 0;
    const bytes = Buffer.from(text);
    for (let off = 0; off < bytes.length; ) off += writeSync(this.#fd, bytes, off);
  }

  close(): void {
    if (this.#fd < 0) return;
    this.flush();
    closeSync(this.#fd);
    this.#fd = -1;
  }
}
