// Alerts (DESIGN §1): named threshold rules and per-host behavioural baselines,
// evaluated on window ticks and flow-record groups, never per packet; sinks:
// log, SQLite history, the in-memory list for /api/alerts, the 'alert' event
// (SSE) and an optional signed webhook with a bounded on-disk queue.
export { createAlerts } from './alerts.js';
export { migrateAlerts, ALERT_TABLES } from './schema.js';
export {
  signWebhookBody,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
} from './webhook.js';
export { createAnonymizer, type Anonymizer } from './anonymize.js';
export { SUPPORTED_SCOPES } from './metrics.js';
export {
  ANOMALY_KINDS,
  type AlertEvent,
  type AlertListQuery,
  type AlertSeverity,
  type AlertState,
  type Alerts,
  type AlertsEvents,
  type AlertsStats,
  type AnomalyKind,
  type CreateAlertsOptions,
  type RetryOptions,
  type WebhookStats,
} from './types.js';
