// The config: YAML file → validated, fully defaulted Config (see examples/wirewatch.yaml).
export type * from './types.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export type { Env } from './env.js';
export { configFromObject, loadConfig, parseConfig } from './load.js';
export { defaultConfig, demoConfig } from './demo.js';
export { formatEffectiveConfig, REDACTED, redactConfig, SECRET_KEYS } from './redact.js';
export { changedPaths, type ConfigDiff, diffConfig, isReloadable, RELOADABLE_PATHS } from './diff.js';
export { isLoopback } from './checks.js';
export { parseHostPort } from './schema.js';
export { checkConfigCommand, hashPasswordCommand, MIN_PASSWORD_LENGTH } from './commands.js';
