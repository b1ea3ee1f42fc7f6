// The public library API of wirewatch.
export * from './capture/index.js';
