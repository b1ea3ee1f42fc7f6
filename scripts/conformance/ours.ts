// Reads one capture through the public TS API and keeps, per frame, the row
// columns the conformance checks look at.
import { CaptureError, CaptureSource, LayerCounts, type CaptureErrorKind } from '../../lib/index.js';

export interface OurCapture {
  packets: number;
  wireBytes: number;
  /** Per frame "sec.nnnnnnnnn". */
  times: string[];
  wireLen: Uint32Array;
  linkType: Uint16Array;
  layers: Uint16Array;
  l3: Uint8Array;
  ipProto: Uint8Array;
  frag: Uint8Array;
  error: Uint8Array;
  errorLayer: Uint8Array;
  counts: LayerCounts;
  /** Why the source ended early (or could not open), null when it read to the end. */
  errorKind: CaptureErrorKind | null;
  errorMessage: string;
}

function grow<T extends Uint8Array | Uint16Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export async function readOurs(file: string): Promise<OurCapture> {
  const out: OurCapture = {
    packets: 0,
    wireBytes: 0,
    times: [],
    wireLen: new Uint32Array(1024),
    linkType: new Uint16Array(1024),
    layers: new Uint16Array(1024),
    l3: new Uint8Array(1024),
    ipProto: new Uint8Array(1024),
    frag: new Uint8Array(1024),
    error: new Uint8Array(1024),
    errorLayer: new Uint8Array(1024),
    counts: new LayerCounts(),
    errorKind: null,
    errorMessage: '',
  };
  let source: CaptureSource;
  try {
    // Small pool, no packet bytes: an ended source is never freed (its native side
    // holds its callbacks strongly), so each file read keeps its pool and its fd.
    source = CaptureSource.openFile({ file, batchRows: 1024, poolSize: 2, copyBytes: 0 });
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    out.errorKind = error.kind;
    out.errorMessage = error.message;
    return out;
  }
  source.on('batch', (b) => {
    out.counts.add(b);
    const n = out.packets;
    const need = n + b.rows;
    out.wireLen = grow(out.wireLen, need);
    out.linkType = grow(out.linkType, need);
    out.layers = grow(out.layers, need);
    out.l3 = grow(out.l3, need);
    out.ipProto = grow(out.ipProto, need);
    out.frag = grow(out.frag, need);
    out.error = grow(out.error, need);
    out.errorLayer = grow(out.errorLayer, need);
    for (let i = 0; i < b.rows; i++) {
      out.times.push(`${b.tsSec[i]}.${String(b.tsNsec[i]).padStart(9, '0')}`);
      out.wireBytes += b.wireLen[i]!;
    }
    out.wireLen.set(b.wireLen.subarray(0, b.rows), n);
    out.linkType.set(b.linkType.subarray(0, b.rows), n);
    out.layers.set(b.layers.subarray(0, b.rows), n);
    out.l3.set(b.l3.subarray(0, b.rows), n);
    out.ipProto.set(b.ipProto.subarray(0, b.rows), n);
    out.frag.set(b.frag.subarray(0, b.rows), n);
    out.error.set(b.error.subarray(0, b.rows), n);
    out.errorLayer.set(b.errorLayer.subarray(0, b.rows), n);
    out.packets = need;
  });
  source.start();
  await source.ended();
  if (source.error) {
    out.errorKind = source.error.kind;
    out.errorMessage = source.error.message;
  }
  return out;
}
