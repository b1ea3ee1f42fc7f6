// A 'batch' listener that throws: the error must surface as an ordinary
// uncaught exception, not abort the process from native code.
import { CaptureSource } from '../../../lib/index.js';

const source = CaptureSource.openFile({ file: process.argv[2]! });
source.on('batch', () => {
  throw new Error('listener failure 1234');
});
source.start();
