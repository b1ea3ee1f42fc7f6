// Child process: tries to open an interface and prints the outcome as JSON.
import { CaptureError, CaptureSource } from '../../../lib/index.js';

try {
  const source = CaptureSource.openLive({ interface: process.argv[2]! });
  await source.stop();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  const e = error as CaptureError;
  console.log(JSON.stringify({ ok: false, kind: e.kind, message: e.message, isCaptureError: e instanceof CaptureError }));
}
