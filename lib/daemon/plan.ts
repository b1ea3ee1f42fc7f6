// From the config to what the pipeline worker needs: the capture sources (one
// per interface, or the replay file) and the pipeline's settings.
import { basename } from 'node:path';
import type { Config } from '../config/index.js';
import { DaemonStartError } from './errors.js';
import type { SourceSpec, ToWorker, WorkerSetup } from './protocol.js';

/** Snapshot period: the API's and dashboard's update rate. */
const TICK_MS = 1000;

export function sourceSpecs(config: Config): SourceSpec[] {
  const { capture } = config;
  if (capture.backend === 'file') {
    const file = capture.file;
    if (!file) throw new DaemonStartError('no_sources', 'capture.file: required when capture.backend is file');
    return [{ kind: 'file', id: 0, name: basename(file), file, filter: capture.bpf || undefined, speed: capture.speed, loop: capture.loop, rebaseTime: capture.rebase_time }];
  }
  const interfaces = config.interfaces ?? [];
  if (interfaces.length === 0) throw new DaemonStartError('no_sources', 'interfaces: list at least one interface for capture.backend pcap');
  return interfaces.map((entry, id) => {
    const i = typeof entry === 'string' ? { name: entry } : entry;
    return {
      kind: 'live',
      id,
      name: i.name,
      interface: i.name,
      filter: (i.bpf ?? capture.bpf) || undefined,
      promiscuous: i.promiscuous ?? capture.promiscuous,
      snaplen: capture.snaplen,
      bufferMb: capture.buffer_mb,
    };
  });
}

export function pipelineSetup(config: Config): WorkerSetup {
  return {
    sources: sourceSpecs(config),
    // Replays run on packet time (deterministic); live capture on the wall clock.
    clock: config.capture.backend === 'file' ? 'packet' : 'wall',
    windows: [...config.aggregation.windows],
    topN: config.aggregation.top_n,
    maxFlows: config.tracking.max_flows,
    timeouts: { ...config.tracking.timeouts },
    tickMs: TICK_MS,
  };
}

export function reconfigureMessage(id: number, config: Config): ToWorker {
  const filters: Record<number, string | undefined> = {};
  for (const s of sourceSpecs(config)) filters[s.id] = s.filter;
  return { t: 'reconfigure', id, windows: [...config.aggregation.windows], timeouts: { ...config.tracking.timeouts }, filters };
}
