// JSON-lines flow log.
export { FLOW_KEYS, flowLine } from './line.js';
export { createJsonlSink, JSONL_DEFAULTS, JsonlSink, type JsonlSection, type JsonlSinkOptions } from './sink.js';
