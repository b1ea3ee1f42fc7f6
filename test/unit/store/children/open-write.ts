// Opens the store at argv[2] (as whatever user runs this), writes one sample
// and prints {ok, written} or {ok: false, code, message} as its last line.
import { Store, StoreError } from '../../../../lib/store/index.js';

const path = process.argv[2]!;
try {
  const store = Store.open(path);
  const r = store.insertSamples([{ ts: 1_700_000_000, source: 0, cls: 'tcp', packets: 1, bytes: 60 }]);
  store.close();
  console.log(JSON.stringify({ ok: true, written: r.written, uid: process.getuid?.() }));
} catch (error) {
  const e = error as StoreError;
  console.log(JSON.stringify({ ok: false, code: e instanceof StoreError ? e.code : null, message: e.message, uid: process.getuid?.() }));
}
