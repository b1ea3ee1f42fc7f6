// Workers do not inherit tsx's loader from vitest; register it, then run the TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./worker-replay.ts');
