// A one-line progress bar on stderr, only when stderr is a terminal (a pipe or
// a log file gets nothing, so JSON output and CI logs stay clean).
const WIDTH = 30;

export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #started = performance.now();
  #lastDraw = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** `fraction` in 0..1 (clamped), redrawn at most 5 times a second. */
  update(fraction: number, packets: number): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    const f = Math.min(Math.max(fraction, 0), 1);
    const filled = Math.round(f * WIDTH);
    const secs = (now - this.#started) / 1000;
    const rate = secs > 0 ? packets / secs : 0;
    this.#stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  ` +
        `${packets.toLocaleString('en-US')} packets  ${(rate / 1e6).toFixed(2)} M/s `,
    );
  }

  done(): void {
    if (this.#enabled) this.#stream.write('\r\x1b[2K');
  }
}
