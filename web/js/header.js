// The status strip in the header: connection, capture state, sources, drops,
// active flows and pipeline lag, from each snapshot.
import { $, setText } from './dom.js';
import { formatCount, formatDuration, formatInt } from './format.js';

const CONN_TEXT = { connecting: 'connecting', live: 'live', reconnecting: 'reconnecting' };

export function setConnection(status) {
  // Figures from a lost daemon are shown dimmed until the stream is back.
  $('status').classList.toggle('stale', status !== 'live');
  const chip = $('st-conn');
  chip.classList.toggle('live', status === 'live');
  chip.classList.toggle('down', status === 'reconnecting');
  setText($('st-conn-text'), CONN_TEXT[status] ?? status);
  chip.title = status === 'live' ? 'Receiving live updates' : status === 'reconnecting' ? 'Lost the daemon: reconnecting' : 'Connecting to the daemon';
}

/** @param {import('./snapshot.js').View} view */
export function renderStatus(view) {
  const states = new Set(view.sources.map((s) => s.state));
  let state = view.state ?? 'running';
  if (state === 'running') state = states.has('capturing') ? 'capturing' : states.has('failed') ? 'failed' : [...states][0] ?? 'capturing';
  setText($('st-state-value'), state);
  const stateChip = $('st-state');
  stateChip.classList.toggle('warn', state === 'paused' || state === 'opening' || state === 'ended');
  stateChip.classList.toggle('bad', state === 'failed' || state === 'stopped');

  const names = view.sources.map((s) => s.name);
  setText($('st-sources-value'), names.length === 0 ? 'none' : names.length <= 2 ? names.join(', ') : `${names.length}`);
  $('st-sources').title = view.sources.map((s) => `${s.name}: ${s.state}${s.error ? ` (${s.error.message})` : ''}`).join('\n') || 'Capture sources';

  const drops = view.sources.reduce((sum, s) => sum + (s.kernel_drops ?? 0) + (s.if_drops ?? 0) + (s.ring_drops ?? 0), 0);
  setText($('st-drops-value'), formatCount(drops));
  $('st-drops').classList.toggle('bad', drops > 0);
  $('st-drops').title = `Dropped packets: ${formatInt(drops)} (kernel + interface + ring)`;

  setText($('st-flows-value'), formatCount(view.flowsActive));
  setText($('st-lag-value'), view.lag === null ? '–' : formatDuration(view.lag));
  $('st-lag').classList.toggle('warn', (view.lag ?? 0) > 2);
}
