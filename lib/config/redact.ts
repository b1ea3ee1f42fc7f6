// Secrets out of a config before it is printed or logged.
import { stringify } from 'yaml';
import type { Config } from './types.js';

export const REDACTED = '[redacted]';

/** The secret keys, as key paths (`[]` = every list entry). */
export const SECRET_KEYS = ['api.users[].password_hash', 'api.tokens[].token', 'alerts.webhook.secret', 'alerts.webhook.anonymize_key'] as const;

/** A deep copy with every secret replaced by "[redacted]". */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  for (const u of copy.api.users) u.password_hash = REDACTED;
  for (const t of copy.api.tokens) t.token = REDACTED;
  const webhook = copy.alerts.webhook;
  if (webhook) {
    webhook.secret = REDACTED;
    if (webhook.anonymize_key !== undefined) webhook.anonymize_key = REDACTED;
  }
  return copy;
}

/** YAML of the effective config (defaults filled, paths absolute, secrets redacted): `wirewatch check-config`. */
export function formatEffectiveConfig(config: Config): string {
  const body = stringify(redactConfig(config), { lineWidth: 0 });
  return `# wirewatch effective config: defaults filled in, paths resolved, secrets redacted\n${body}`;
}
