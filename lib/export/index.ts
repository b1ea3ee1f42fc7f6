// Flow export (issue 10): IPFIX to existing collectors and a JSON-lines flow log.
// createFlowSinks() turns the `export` config section into the sinks to feed from
// the pipeline's `flow` event; each sink queues, never blocks, counts its drops.
import { createIpfixExporter, type IpfixSection } from './ipfix/exporter.js';
import { createJsonlSink, type JsonlSection } from './jsonl/sink.js';
import type { ExportLogger, FlowSink } from './sink.js';

export * from './ipfix/index.js';
export * from './jsonl/index.js';
export { BoundedQueue } from './queue.js';
export { emptyStats, type ExportLogger, type ExportStats, type FlowSink, type NamedExportStats } from './sink.js';

/** The `export` config section: each present (non-null) subsection enables that exporter. */
export interface ExportSection {
  ipfix?: IpfixSection | null;
  jsonl?: JsonlSection | null;
}

/**
 * The sinks `config` asks for, IPFIX first; [] when it asks for none. Throws a
 * TypeError/RangeError (or an open error) naming the config key on a bad option,
 * after closing any sink already built.
 */
export function createFlowSinks(config: ExportSection | null | undefined, logger?: ExportLogger): FlowSink[] {
  const sinks: FlowSink[] = [];
  try {
    if (config?.ipfix) sinks.push(createIpfixExporter({ ...config.ipfix, logger }));
    if (config?.jsonl) sinks.push(createJsonlSink({ ...config.jsonl, logger }));
  } catch (e) {
    for (const s of sinks) void s.close();
    throw e;
  }
  return sinks;
}
