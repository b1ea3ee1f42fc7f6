// IPFIX export (RFC 7011) of biflow records (RFC 5103).
export { parseCollector, type CollectorAddress } from './address.js';
export { FLOW_END_REASON, IE, REVERSE_IE, REVERSE_PEN, type FieldSpec } from './elements.js';
export { defineTemplate, MessageEncoder, setPadding, templateRecordLength, type MessageEncoderOptions, type RecordTemplate } from './encoder.js';
export { createIpfixExporter, IPFIX_DEFAULTS, IpfixExporter, type IpfixSection, type IpfixExporterOptions } from './exporter.js';
export {
  FLOW_TEMPLATE_IPV4,
  FLOW_TEMPLATE_IPV6,
  FLOW_TEMPLATES,
  PreparedFlow,
  prepareFlow,
  TEMPLATE_ID_IPV4,
  TEMPLATE_ID_IPV6,
} from './flow-templates.js';
export { backoffDelay, type BackoffOptions } from './transport.js';
export { nsToMs } from './values.js';
