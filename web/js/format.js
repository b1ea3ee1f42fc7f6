// Number, size, rate and duration formatting for the dashboard. Pure functions:
// no DOM, so the browser tests and a reader can trust them in isolation.

const SI = ['', 'k', 'M', 'G', 'T', 'P'];
const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Three significant digits, so values keep their width while they change. */
function sig3(v) {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function scaled(value, base, units) {
  if (!Number.isFinite(value)) return { text: '–', unit: '' };
  let v = Math.abs(value);
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return { text: (value < 0 ? '-' : '') + sig3(v), unit: units[i] };
}

/** 1234567 → "1.23 Mb/s" (SI, bits). */
export function formatBits(bps) {
  const { text, unit } = scaled(bps, 1000, SI);
  return text === '–' ? text : `${text} ${unit}b/s`;
}

/** Packets or events per second: 12345 → "12.3 k/s". */
export function formatRate(pps, suffix = '/s') {
  const { text, unit } = scaled(pps, 1000, SI);
  return text === '–' ? text : `${text}${unit ? ' ' + unit : ''}${suffix}`;
}

/** Bytes in binary units: 1536 → "1.50 KiB"; whole bytes below 1 KiB. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–';
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  const { text, unit } = scaled(bytes, 1024, IEC);
  return `${text} ${unit}`;
}

/** A count: 1234567 → "1.23 M", below 10 000 as the integer with separators. */
export function formatCount(n) {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) < 10_000) return Math.round(n).toLocaleString('en-US');
  const { text, unit } = scaled(n, 1000, SI);
  return `${text} ${unit}`;
}

/** An exact integer with thousands separators (for totals someone may compare). */
export function formatInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** Seconds → "850 ms", "12.4 s", "3m 05s", "2h 04m", "3d 02h". */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 && !Number.isInteger(seconds) ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.floor(seconds);
  const pad = (v) => String(v).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** Share 0..1 → "42.0 %". */
export function formatPercent(share) {
  if (!Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(share >= 0.995 || share === 0 ? 0 : 1)} %`;
}

/** Unix seconds → "2026-01-01 00:03:12" in local time (what the user reads a clock in). */
export function formatTime(unix, withDate = true) {
  if (!Number.isFinite(unix)) return '–';
  const d = new Date(unix * 1000);
  const pad = (v) => String(v).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

/** Unix seconds → the value of an <input type="datetime-local"> (local time). */
export function toLocalInput(unix) {
  const d = new Date(unix * 1000);
  const pad = (v) => String(v).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** An <input type="datetime-local"> value → unix seconds (NaN when empty or invalid). */
export function fromLocalInput(value) {
  if (!value) return NaN;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : NaN;
}

const PROTOCOLS = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 132: 'SCTP', 2: 'IGMP' };

/** IP protocol number → name ("TCP"), or the number for the rare ones. */
export function protoName(proto) {
  return PROTOCOLS[proto] ?? `proto ${proto}`;
}

/** Protocols with ports: "10.0.0.1:443", "[fd00::1]:443"; others print the address only. */
export function endpoint(ip, port, proto) {
  const hasPorts = proto === 6 || proto === 17 || proto === 132;
  if (!hasPorts) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** "1767225600123456789" (ns, decimal string) → unix seconds as a float (µs precision is plenty here). */
export function nsToSeconds(ns) {
  if (typeof ns === 'number') return ns / 1e9;
  if (typeof ns !== 'string' || ns.length === 0) return NaN;
  const s = ns.length > 9 ? Number(ns.slice(0, -9)) : 0;
  const frac = Number(ns.slice(-9).padStart(9, '0'));
  return s + frac / 1e9;
}
