// Running from source (tsx): worker threads do not inherit tsx's loader, so
// register it, then run the TypeScript worker. The built package uses worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
