// Boot: find out whether a login is needed, then run the dashboard. Views are
// switched by the URL hash (#/live, #/history, #/alerts) so the back button
// and bookmarks work without a server-side router.
import { api, onUnauthorized } from './api.js';
import { AlertsView } from './alerts.js';
import { $, setText } from './dom.js';
import { FlowTable } from './flows.js';
import { renderStatus, setConnection } from './header.js';
import { HistoryView } from './history.js';
import { LiveView } from './live.js';
import { showLogin } from './login.js';
import { readSnapshot } from './snapshot.js';
import { LiveStream } from './stream.js';
import { formatTime } from './format.js';

const VIEWS = ['live', 'history', 'alerts'];
const CONNECTIONS_REFRESH_MS = 2000;

const stream = new LiveStream();
let latest = null; // the last snapshot View
let live;
let history;
let alerts;
let connections;
let connTimer = 0;
let started = false;
let current = '';

function dataNow() {
  return latest?.time ?? Date.now() / 1000;
}

function route() {
  const name = location.hash.replace(/^#\/?/, '') || 'live';
  const view = VIEWS.includes(name) ? name : 'live';
  if (view === current) return;
  current = view;
  for (const v of VIEWS) {
    $(`view-${v}`).hidden = v !== view;
    const tab = $(`tab-${v}`);
    if (v === view) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  live.visible = view === 'live';
  if (view === 'history') history.show();
  if (view === 'alerts') void alerts.load();
  if (view === 'live') connections.refresh();
  document.title = `wirewatch · ${view}`;
}

function startDashboard() {
  $('app').hidden = false;
  if (!started) {
    started = true;
    live = new LiveView();
    history = new HistoryView(dataNow);
    alerts = new AlertsView();
    connections = new FlowTable($('conn-table'), {
      id: 'conn',
      label: 'Active connections',
      fetchPage: (q) => api.flows(q),
      sorts: { bytes: 'bytes', packets: 'packets', rate: 'rate', age: 'age' },
      defaultSort: 'bytes',
      states: true,
      paging: 'offset',
      now: dataNow,
    });
    stream.addEventListener('snapshot', (e) => onSnapshot(/** @type {CustomEvent} */ (e).detail));
    stream.addEventListener('alert', (e) => alerts.add(/** @type {CustomEvent} */ (e).detail));
    stream.addEventListener('status', (e) => onStatus(/** @type {CustomEvent} */ (e).detail));
    window.addEventListener('hashchange', route);
    $('logout').addEventListener('click', logout);
  }
  current = '';
  route();
  stream.start();
  void alerts.load();
  window.clearInterval(connTimer);
  connTimer = window.setInterval(() => {
    if (current === 'live' && !document.hidden && stream.status === 'live') connections.refresh();
  }, CONNECTIONS_REFRESH_MS);
}

function stopDashboard() {
  stream.stop();
  window.clearInterval(connTimer);
  $('app').hidden = true;
}

function onSnapshot(raw) {
  const view = readSnapshot(raw);
  if (!view) return;
  latest = view;
  renderStatus(view);
  live.update(view);
  setText($('conn-updated'), `as of ${formatTime(view.time, false)}`);
}

let wasDown = false;
function onStatus(status) {
  setConnection(status);
  const banner = $('banner');
  if (status === 'reconnecting') {
    wasDown = true;
    banner.textContent = 'Lost the connection to the daemon. Reconnecting…';
    banner.hidden = false;
  } else if (status === 'live') {
    banner.hidden = true;
    if (wasDown) {
      // Back after a restart: reload what is not streamed.
      wasDown = false;
      connections.refresh();
      void alerts.load();
    }
  }
}

/** 'open' (no users: loopback without login), 'session' (logged in) or 'login'. */
async function probe() {
  const s = await api.session();
  if (!s.auth_required) return 'open';
  return s.authenticated ? 'session' : 'login';
}

async function logout() {
  try {
    await api.logout();
  } catch {
    // Already gone: the login page is the right place either way.
  }
  stopDashboard();
  await loginFlow('');
}

let loginShown = false;
/** Shows the login (once, however many calls see the 401) and restarts the dashboard after it. */
async function loginFlow(message) {
  if (loginShown) return;
  loginShown = true;
  $('logout').hidden = true;
  await showLogin(message);
  loginShown = false;
  $('logout').hidden = false;
  startDashboard();
}

function sessionEnded() {
  if (loginShown) return;
  stopDashboard();
  void loginFlow('Your session ended. Sign in again.');
}
onUnauthorized(sessionEnded);
stream.addEventListener('unauthorized', sessionEnded);

async function boot() {
  const bootEl = $('boot');
  for (let attempt = 0; ; attempt++) {
    try {
      const mode = await probe();
      bootEl.hidden = true;
      if (mode === 'login') await loginFlow('');
      else {
        $('logout').hidden = mode === 'open';
        startDashboard();
      }
      return;
    } catch {
      bootEl.textContent = 'The daemon cannot be reached. Retrying…';
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10_000)));
    }
  }
}

void boot();
