// IPFIX message framing (RFC 7011 §3): a 16-byte message header, then sets. A
// message never exceeds maxMessageSize: records that do not fit start the next
// message. The sequence number of a message is the number of data records this
// encoder emitted before it (mod 2^32), per observation domain (one encoder per
// domain and transport session).
import {
  type FieldSpec,
  IPFIX_VERSION,
  MESSAGE_HEADER_LENGTH,
  MIN_DATA_SET_ID,
  SET_HEADER_LENGTH,
  SET_ID_TEMPLATE,
} from './elements.js';

/** A template whose records are fixed-length; `write` encodes one value at `off` (exactly recordLength bytes). */
export interface RecordTemplate<R> {
  readonly id: number;
  readonly fields: readonly FieldSpec[];
  readonly recordLength: number;
  write(buf: Buffer, off: number, value: R): void;
}

export function defineTemplate<R>(id: number, fields: readonly FieldSpec[], write: (buf: Buffer, off: number, value: R) => void): RecordTemplate<R> {
  if (!Number.isInteger(id) || id < MIN_DATA_SET_ID || id > 0xffff) throw new RangeError(`template id: expected an integer 256..65535, got ${id}`);
  if (fields.length === 0) throw new RangeError(`template ${id}: no fields`);
  for (const f of fields) {
    // 65535 announces a variable-length field, which this encoder does not produce
    if (!Number.isInteger(f.length) || f.length < 1 || f.length >= 0xffff) throw new RangeError(`template ${id}: field ${f.name}: bad length ${f.length}`);
    if (!Number.isInteger(f.id) || f.id < 1 || f.id > 0x7fff) throw new RangeError(`template ${id}: field ${f.name}: bad element id ${f.id}`);
  }
  const recordLength = fields.reduce((n, f) => n + f.length, 0);
  return { id, fields, recordLength, write };
}

/** Bytes of one template record inside a Template Set. */
export function templateRecordLength(t: RecordTemplate<unknown>): number {
  return 4 + t.fields.reduce((n, f) => n + (f.enterprise ? 8 : 4), 0);
}

/**
 * Padding that closes a set of `setLength` bytes on a 4-byte boundary. RFC 7011
 * §3.3.1 allows padding only when it is shorter than any record of the set (so a
 * collector cannot mistake it for one); otherwise the set stays unpadded.
 */
export function setPadding(setLength: number, recordLength: number): number {
  const pad = (4 - (setLength & 3)) & 3;
  return pad < recordLength ? pad : 0;
}

export interface MessageEncoderOptions<R> {
  observationDomainId: number;
  /** Upper bound on the total length of every message, header included (512..65535). */
  maxMessageSize: number;
  templates: readonly RecordTemplate<R>[];
  /** Called with each finished message (a fresh Buffer the caller owns) and its data record count. */
  onMessage: (message: Buffer, records: number) => void;
  /** Wall clock in ms for the Export Time field. Default Date.now. */
  clock?: () => number;
  /** Start every message with the Template Set (UDP with template_refresh_s 0). */
  templatesInEveryMessage?: boolean;
}

export class MessageEncoder<R> {
  readonly observationDomainId: number;
  readonly maxMessageSize: number;
  readonly templates: readonly RecordTemplate<R>[];
  readonly #onMessage: (message: Buffer, records: number) => void;
  readonly #clock: () => number;
  readonly #work: Buffer;
  readonly #everyMessage: boolean;
  #sequence = 0;
  #templatesPending = false;
  /** A message is open: its header space is reserved at 0..16. */
  #open = false;
  #off = 0;
  #records = 0;
  #setStart = -1;
  #setTemplate: RecordTemplate<R> | null = null;

  constructor(options: MessageEncoderOptions<R>) {
    const { observationDomainId, maxMessageSize, templates } = options;
    if (!Number.isInteger(observationDomainId) || observationDomainId < 0 || observationDomainId > 0xffffffff)
      throw new RangeError(`observation_domain_id: expected an integer 0..4294967295, got ${observationDomainId}`);
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 512 || maxMessageSize > 0xffff)
      throw new RangeError(`max_message_size: expected an integer 512..65535, got ${maxMessageSize}`);
    const ids = new Set(templates.map((t) => t.id));
    if (templates.length === 0 || ids.size !== templates.length) throw new RangeError('templates: expected at least one, with distinct ids');
    // the worst case must fit one message: header, every template, one set of the largest record
    const worst =
      MESSAGE_HEADER_LENGTH + SET_HEADER_LENGTH + templates.reduce((n, t) => n + templateRecordLength(t), 0) +
      SET_HEADER_LENGTH + Math.max(...templates.map((t) => t.recordLength)) + 3;
    if (worst > maxMessageSize) throw new RangeError(`max_message_size: ${maxMessageSize} is too small for the templates (needs ${worst})`);
    this.observationDomainId = observationDomainId;
    this.maxMessageSize = maxMessageSize;
    this.templates = templates;
    this.#onMessage = options.onMessage;
    this.#clock = options.clock ?? Date.now;
    this.#work = Buffer.alloc(maxMessageSize);
    this.#everyMessage = options.templatesInEveryMessage ?? false;
  }

  /** Data records emitted so far, mod 2^32: the Sequence Number of the next message. */
  get sequence(): number {
    return this.#sequence;
  }

  /** True while records have been added that flush() has not emitted yet. */
  get pending(): boolean {
    return this.#open;
  }

  /** The next message starts with a Template Set holding every template. */
  includeTemplates(): void {
    this.#templatesPending = true;
  }

  /** A new transport session (TCP reconnect): the sequence restarts at 0 and templates go first. */
  resetSession(): void {
    this.#open = false;
    this.#setStart = -1;
    this.#setTemplate = null;
    this.#sequence = 0;
    this.#templatesPending = true;
  }

  /** Appends one data record; a full message is emitted first when the record does not fit. */
  add(template: RecordTemplate<R>, value: R): void {
    if (!this.#open) this.#begin();
    if (!this.#fits(template)) {
      this.#finish();
      this.#begin();
    }
    if (this.#setTemplate !== template) {
      this.#closeSet();
      this.#setStart = this.#off;
      this.#setTemplate = template;
      this.#off += SET_HEADER_LENGTH;
    }
    template.write(this.#work, this.#off, value);
    this.#off += template.recordLength;
    this.#records++;
  }

  /** Emits the open message, or a template-only message when templates are pending. */
  flush(): void {
    if (!this.#open && this.#templatesPending) this.#begin();
    this.#finish();
  }

  #fits(template: RecordTemplate<R>): boolean {
    const len = template.recordLength;
    let end: number;
    if (this.#setTemplate === template) {
      const setLen = this.#off - this.#setStart + len;
      end = this.#setStart + setLen + setPadding(setLen, len);
    } else {
      const closed = this.#setTemplate ? setPadding(this.#off - this.#setStart, this.#setTemplate.recordLength) : 0;
      end = this.#off + closed + SET_HEADER_LENGTH + len + setPadding(SET_HEADER_LENGTH + len, len);
    }
    return end <= this.maxMessageSize;
  }

  #begin(): void {
    this.#open = true;
    this.#off = MESSAGE_HEADER_LENGTH;
    this.#records = 0;
    this.#setStart = -1;
    this.#setTemplate = null;
    if (this.#templatesPending || this.#everyMessage) {
      this.#templatesPending = false;
      this.#writeTemplateSet();
    }
  }

  #writeTemplateSet(): void {
    const b = this.#work;
    const start = this.#off;
    let o = start + SET_HEADER_LENGTH;
    for (const t of this.templates) {
      b.writeUInt16BE(t.id, o);
      b.writeUInt16BE(t.fields.length, o + 2);
      o += 4;
      for (const f of t.fields) {
        b.writeUInt16BE(f.enterprise ? f.id | 0x8000 : f.id, o);
        b.writeUInt16BE(f.length, o + 2);
        o += 4;
        if (f.enterprise) {
          b.writeUInt32BE(f.enterprise, o);
          o += 4;
        }
      }
    }
    // template records are whole 4-byte words: no padding
    b.writeUInt16BE(SET_ID_TEMPLATE, start);
    b.writeUInt16BE(o - start, start + 2);
    this.#off = o;
  }

  #closeSet(): void {
    const t = this.#setTemplate;
    if (!t) return;
    const b = this.#work;
    let len = this.#off - this.#setStart;
    const pad = setPadding(len, t.recordLength);
    b.fill(0, this.#off, this.#off + pad);
    this.#off += pad;
    len += pad;
    b.writeUInt16BE(t.id, this.#setStart);
    b.writeUInt16BE(len, this.#setStart + 2);
    this.#setStart = -1;
    this.#setTemplate = null;
  }

  #finish(): void {
    if (!this.#open) return;
    this.#closeSet();
    this.#open = false;
    if (this.#off === MESSAGE_HEADER_LENGTH) return;
    const b = this.#work;
    b.writeUInt16BE(IPFIX_VERSION, 0);
    b.writeUInt16BE(this.#off, 2);
    b.writeUInt32BE(Math.floor(this.#clock() / 1000) >>> 0, 4);
    b.writeUInt32BE(this.#sequence, 8);
    b.writeUInt32BE(this.observationDomainId, 12);
    const records = this.#records;
    this.#sequence = (this.#sequence + records) % 4294967296;
    // a copy: the caller's transport may hold it until an async send completes
    this.#onMessage(Buffer.from(b.subarray(0, this.#off)), records);
  }
}
