// Application payload encoders (DNS, HTTP, NTP, syslog, RTP, LLDP, IGMP, ESP,
// TLS record headers). Each writes into a caller buffer and returns the length.

import { put16, put32, finishChecksum, sum16 } from './packets.js';

export const DNS_NAMES = [
  'www.example.com', 'api.example.net', 'cdn.example.org', 'mail.example.com',
  'time.example.net', 'updates.example.org', 'static.example.com', 'login.example.net',
  'img.example.org', 'video.example.com', 'news.example.net', 'git.example.org',
];

function writeName(b: Uint8Array, o: number, name: string): number {
  for (const label of name.split('.')) {
    b[o++] = label.length;
    for (let i = 0; i < label.length; i++) b[o++] = label.charCodeAt(i);
  }
  b[o++] = 0;
  return o;
}

/** A DNS query with one question and an EDNS0 OPT record. */
export function dnsQuery(b: Uint8Array, o: number, id: number, name: string, qtype: number): number {
  const start = o;
  put16(b, o, id);
  put16(b, o + 2, 0x0100); // RD
  put16(b, o + 4, 1); put16(b, o + 6, 0); put16(b, o + 8, 0); put16(b, o + 10, 1);
  o = writeName(b, o + 12, name);
  put16(b, o, qtype); put16(b, o + 2, 1); o += 4;
  // OPT: root name, type 41, UDP size 1232, ext rcode/flags 0, rdlen 0
  b[o] = 0; put16(b, o + 1, 41); put16(b, o + 3, 1232); put32(b, o + 5, 0); put16(b, o + 9, 0); o += 11;
  return o - start;
}

/**
 * A DNS response: the question, then `answers` A/AAAA records (rdata from
 * `addrs`, 4 or 16 bytes each, taken consecutively) or none with rcode 3 (NXDOMAIN).
 */
export function dnsResponse(
  b: Uint8Array, o: number, id: number, name: string, qtype: number, rcode: number,
  addrs: Uint8Array, answers: number, ttl: number,
): number {
  const start = o;
  put16(b, o, id);
  put16(b, o + 2, 0x8180 | (rcode & 15)); // QR RD RA
  put16(b, o + 4, 1); put16(b, o + 6, rcode === 0 ? answers : 0); put16(b, o + 8, 0); put16(b, o + 10, 1);
  o = writeName(b, o + 12, name);
  put16(b, o, qtype); put16(b, o + 2, 1); o += 4;
  if (rcode === 0) {
    const alen = qtype === 28 ? 16 : 4;
    for (let i = 0; i < answers; i++) {
      put16(b, o, 0xc00c); put16(b, o + 2, qtype); put16(b, o + 4, 1); put32(b, o + 6, ttl); put16(b, o + 10, alen);
      for (let k = 0; k < alen; k++) b[o + 12 + k] = addrs[i * alen + k];
      o += 12 + alen;
    }
  }
  b[o] = 0; put16(b, o + 1, 41); put16(b, o + 3, 1232); put32(b, o + 5, 0); put16(b, o + 9, 0); o += 11;
  return o - start;
}

function ascii(b: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[o + i] = s.charCodeAt(i) & 0x7f;
  return s.length;
}

export const HTTP_PATHS = ['/', '/index.html', '/api/v1/status', '/static/app.js', '/images/logo.png', '/feed.xml'];

export function httpRequest(b: Uint8Array, o: number, host: string, path: string): number {
  return ascii(b, o, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: wirewatch-gen/1.0\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n`);
}

export function httpResponseHeader(b: Uint8Array | null, o: number, bodyLen: number): number {
  const s = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyLen}\r\nConnection: keep-alive\r\n\r\n`;
  if (b) ascii(b, o, s);
  return s.length;
}

/** NTP unix epoch offset. */
const NTP_EPOCH = 2208988800;

/** 48-byte NTPv4 client (mode 3) or server (mode 4) packet. */
export function ntpPacket(b: Uint8Array, o: number, server: boolean, unixSec: number, nsec: number): number {
  for (let i = 0; i < 48; i++) b[o + i] = 0;
  b[o] = server ? 0x24 : 0x23; // LI 0, VN 4, mode
  b[o + 1] = server ? 2 : 0; // stratum
  b[o + 2] = 6; // poll
  b[o + 3] = 0xec; // precision -20
  const sec = (unixSec + NTP_EPOCH) >>> 0;
  const frac = Math.floor((nsec / 1e9) * 4294967296) >>> 0;
  if (server) {
    put32(b, o + 4, 0x00000120); // root delay
    put32(b, o + 8, 0x00000300); // root dispersion
    put32(b, o + 12, 0xc0000201); // reference id (an upstream address)
    put32(b, o + 16, sec - 17); put32(b, o + 20, frac); // reference
    put32(b, o + 24, sec); put32(b, o + 28, frac ^ 0x5a5a5a5a); // origin (client's transmit)
    put32(b, o + 32, sec); put32(b, o + 36, frac); // receive
    put32(b, o + 40, sec); put32(b, o + 44, (frac + 40000) >>> 0); // transmit
  } else {
    put32(b, o + 40, sec); put32(b, o + 44, frac ^ 0x5a5a5a5a); // transmit
  }
  return 48;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SYSLOG_MSGS = [
  'sshd[812]: Accepted publickey for deploy from 10.0.0.5 port 51022',
  'CRON[2211]: (root) CMD (run-parts /etc/cron.hourly)',
  'kernel: [ 1234.5678] eth0: link up, 1000 Mbps, full duplex',
  'nginx[901]: 10.0.0.12 - - "GET /health HTTP/1.1" 200 2',
  'systemd[1]: Started Daily apt download activities.',
];

export function syslogMessage(b: Uint8Array, o: number, unixSec: number, host: string, n: number): number {
  const d = new Date(unixSec * 1000);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return ascii(b, o, `<30>${MONTHS[d.getUTCMonth()]} ${day} ${hh}:${mm}:${ss} ${host} ${SYSLOG_MSGS[n % SYSLOG_MSGS.length]}`);
}

/** RTP header (12 bytes), PCMU. */
export function rtpHeader(b: Uint8Array, o: number, seq: number, ts: number, ssrc: number, marker: boolean): number {
  b[o] = 0x80;
  b[o + 1] = marker ? 0x80 : 0x00;
  put16(b, o + 2, seq & 0xffff);
  put32(b, o + 4, ts >>> 0);
  put32(b, o + 8, ssrc >>> 0);
  return 12;
}

/** LLDPDU: chassis id (MAC), port id (interface name), TTL, port description, end. */
export function lldpPdu(b: Uint8Array, o: number, mac: Uint8Array, port: string, ttl: number): number {
  const start = o;
  const tlv = (type: number, len: number): void => { put16(b, o, (type << 9) | len); o += 2; };
  tlv(1, 7); b[o++] = 4; for (let i = 0; i < 6; i++) b[o++] = mac[i];
  tlv(2, 1 + port.length); b[o++] = 5; o += ascii(b, o, port);
  tlv(3, 2); put16(b, o, ttl); o += 2;
  const desc = `uplink ${port}`;
  tlv(4, desc.length); o += ascii(b, o, desc);
  tlv(0, 0);
  return o - start;
}

/** IGMPv2 membership report. */
export function igmpReport(b: Uint8Array, o: number, group: number): number {
  b[o] = 0x16; b[o + 1] = 0; b[o + 2] = 0; b[o + 3] = 0;
  put32(b, o + 4, group);
  put16(b, o + 2, finishChecksum(sum16(b, o, 8)));
  return 8;
}

/** IPv4 Router Alert option (RFC 2113). */
export const IPOPT_ROUTER_ALERT = new Uint8Array([0x94, 0x04, 0x00, 0x00]);
/** IPv4 Record Route option with room for 2 addresses, then End of Option List: 12 bytes. */
export const IPOPT_RECORD_ROUTE = new Uint8Array([0x07, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);

/** TLS 1.2/1.3 application-data record header for a body of `len` bytes. */
export function tlsRecordHeader(b: Uint8Array, o: number, len: number): number {
  b[o] = 0x17; b[o + 1] = 0x03; b[o + 2] = 0x03; put16(b, o + 3, len);
  return 5;
}
