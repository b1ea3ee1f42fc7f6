// The public library API of wirewatch: each folder exports one small surface.
export * from './capture/index.js';
export * from './flows/index.js';
export * from './stats/index.js';
export * from './pipeline/index.js';
export * from './export/index.js';
export * from './store/index.js';
export * from './daemon/index.js';
export * from './config/index.js';
export { createLogger, type Logger, type LoggerOptions } from './log/index.js';
export { hashPassword, isPasswordHash, verifyPassword } from './auth/password.js';
export * from './alerts/index.js';
export * from './api/index.js';
