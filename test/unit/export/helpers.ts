// Shared by the export tests: synthetic FlowRecords, fixture replays and a
// small UDP/TCP receiver that keeps what arrives.
import dgram from 'node:dgram';
import net from 'node:net';
import { CaptureSource } from '../../../lib/capture/index.js';
import { FlowTable, type FlowRecord } from '../../../lib/flows/index.js';
import { fixture } from '../../support/paths.js';

let n = 0;
/** A plausible ended TCP/IPv4 record; override anything. */
export function flow(over: Partial<FlowRecord> = {}): FlowRecord {
  n++;
  return {
    community_id: '1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    source: 0,
    vlan: 0,
    proto: 6,
    src_ip: `10.0.${(n >> 8) & 0xff}.${n & 0xff}`,
    src_port: 40000 + (n % 20000),
    dst_ip: '192.0.2.1',
    dst_port: 443,
    first_ns: '1767225600123456789',
    last_ns: '1767225601987654321',
    packets_c2s: 10,
    bytes_c2s: 1500,
    packets_s2c: 8,
    bytes_s2c: 9000,
    tcp_flags: 0x1b,
    state: 'closed',
    end_reason: 'fin',
    ...over,
  };
}

/** The records FlowTable emits for a fixture (flushed at the end: shutdown for the rest). */
export async function fixtureFlows(name: string): Promise<FlowRecord[]> {
  const records: FlowRecord[] = [];
  const table = new FlowTable({ maxFlows: 10_000, onRecord: (r) => records.push(r) });
  const source = CaptureSource.openFile({ file: fixture(name) });
  source.on('batch', (batch) => table.ingest(batch));
  source.start();
  await source.ended();
  if (source.error) throw source.error;
  table.flush();
  return records;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until true or `ms` pass. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

export interface UdpCollector {
  port: number;
  datagrams: Buffer[];
  close(): Promise<void>;
}

export async function udpCollector(family: 4 | 6 = 4): Promise<UdpCollector> {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (m) => datagrams.push(m));
  await new Promise<void>((resolve) => socket.bind(0, family === 6 ? '::1' : '127.0.0.1', resolve));
  return { port: socket.address().port, datagrams, close: () => new Promise((r) => socket.close(() => r())) };
}

export interface TcpCollector {
  port: number;
  /** Bytes per accepted connection, in order. */
  streams: Buffer[][];
  /** Ends every open connection (the exporter sees the collector go away). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function tcpCollector(port = 0): Promise<TcpCollector> {
  const streams: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    const chunks: Buffer[] = [];
    streams.push(chunks);
    sockets.add(s);
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    streams,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
