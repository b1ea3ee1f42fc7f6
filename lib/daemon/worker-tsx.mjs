// Running from source (tsx): worker threads do not inherit tsx's loader, so
// register it, then run the TypeScript worker named in workerData.entry. The
// built package starts the .js workers directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
