// Worker body for the writer-in-a-worker test: tsx's loader is not inherited by workers, register it first.
import { register } from 'tsx/esm/api';

register();
await import('./writer-worker.ts');
