// Replays a capture through the real Pipeline (packet clock) and feeds Alerts
// the way the daemon does: once per second of packet time, the flow records
// that ended since the last tick, then a DaemonSnapshot.
import { CaptureSource } from '../../../lib/capture/index.js';
import type { Alerts, AlertEvent } from '../../../lib/alerts/index.js';
import type { FlowRecord } from '../../../lib/flows/index.js';
import { Pipeline } from '../../../lib/pipeline/index.js';

export interface ReplayOptions {
  /** Packet time (unix s) at which the Alerts instance is replaced (a daemon restart). */
  restartAt?: number;
  /** Called at restartAt after the old instance's close() began (baselines are persisted by then). */
  restart?: () => Alerts;
}

export interface ReplayResult {
  events: AlertEvent[];
  alerts: Alerts;
  closing: Array<Promise<void>>;
  ticks: number;
}

/**
 * One row per batch, and the ticks of the seconds before a packet run before
 * it is ingested, so every tick sees the windows exactly as at its second (a
 * batch spanning seconds would show later packets to earlier ticks).
 */
export async function replayWithAlerts(file: string, first: Alerts, options: ReplayOptions = {}): Promise<ReplayResult> {
  const pipeline = new Pipeline({ clock: 'packet' });
  let pending: FlowRecord[] = [];
  pipeline.on('flow', (r) => pending.push(r));
  const result: ReplayResult = { events: [], alerts: first, closing: [], ticks: 0 };
  const listen = (a: Alerts) => a.on('alert', (e) => result.events.push(e));
  listen(first);
  let last = -1;
  const tick = (sec: number) => {
    if (options.restartAt !== undefined && options.restart && sec >= options.restartAt) {
      result.closing.push(result.alerts.close());
      result.alerts = options.restart();
      listen(result.alerts);
      options.restartAt = undefined;
    }
    const snapshot = pipeline.tick(sec);
    const records = pending;
    pending = [];
    if (records.length > 0) result.alerts.onFlows(records);
    result.alerts.onSnapshot({ taken: sec, pipeline: snapshot, sources: [], lag_s: 0 });
    result.ticks++;
  };
  const source = CaptureSource.openFile({ file, batchRows: 1 });
  source.on('batch', (batch) => {
    // Seconds before this packet's are complete: tick them first, then take the packet.
    const sec = batch.tsSec[0]!;
    if (last >= 0) for (let s = last + 1; s <= sec; s++) tick(s);
    last = Math.max(last, sec);
    pipeline.ingest(batch);
  });
  source.start();
  await source.ended();
  if (source.error) throw source.error;
  tick(last + 1);
  return result;
}
