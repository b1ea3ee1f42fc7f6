import { describe, expect, it } from 'vitest';
import { sseFrame, StreamHub } from '../../../lib/api/stream.js';

describe('SSE frames', () => {
  it('one data line per payload line, so a newline cannot end an event early', () => {
    expect(sseFrame('snapshot', '{"a":1}')).toBe('event: snapshot\ndata: {"a":1}\n\n');
    expect(sseFrame('alert', 'x\n\nevent: evil\ndata: y')).toBe('event: alert\ndata: x\ndata: \ndata: event: evil\ndata: data: y\n\n');
  });
});

describe('StreamHub', () => {
  it('rejects bad limits, naming them', () => {
    expect(() => new StreamHub({ queueFrames: 0 })).toThrow(/^stream\.queueFrames: expected an integer ≥ 1, got 0$/);
    expect(() => new StreamHub({ heartbeatMs: 1.5 })).toThrow(/^stream\.heartbeatMs/);
    const hub = new StreamHub();
    expect(hub.stats()).toEqual({ clients: 0, dropped_total: 0, sent_total: 0, per_client: [] });
    hub.close();
  });
});
