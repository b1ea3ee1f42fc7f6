// Puts the exact IPFIX bytes a collector received into a pcap (Ethernet/IPv4 on
// 127.0.0.1), so tshark can decode them without capture privileges: one UDP
// datagram per message, or a whole TCP session (handshake, the stream cut into
// segments with running sequence numbers, FIN) per TCP connection.
import { buildFrame, FrameSpec, IPPROTO_TCP, IPPROTO_UDP, L3_IPV4, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../../scripts/pcap/packets.js';
import { openPcap } from '../../../scripts/pcap/writer.js';

const LOOPBACK = Uint8Array.from([127, 0, 0, 1]);
const frame = new Uint8Array(70_000);

function spec(proto: number, sport: number, dport: number): FrameSpec {
  const s = new FrameSpec();
  s.l3 = L3_IPV4;
  s.proto = proto;
  s.src.set(LOOPBACK);
  s.dst.set(LOOPBACK);
  s.srcMac.set([2, 0, 0, 0, 0, 1]);
  s.dstMac.set([2, 0, 0, 0, 0, 2]);
  s.sport = sport;
  s.dport = dport;
  return s;
}

export function writeUdpPcap(path: string, datagrams: Buffer[], collectorPort: number, exporterPort = 50_000): void {
  const w = openPcap(path);
  const s = spec(IPPROTO_UDP, exporterPort, collectorPort);
  for (const [i, d] of datagrams.entries()) {
    s.payload = d;
    s.payloadLen = d.length;
    s.ipId = i & 0xffff;
    w.write(1_767_225_600, i * 1000, frame.subarray(0, buildFrame(frame, s)));
  }
  w.close();
}

/** One TCP session per stream: `streams[i]` is everything connection i carried. */
export function writeTcpPcap(path: string, streams: Buffer[], collectorPort: number, mss = 1448): void {
  const w = openPcap(path);
  let t = 0;
  const emit = (s: FrameSpec) => w.write(1_767_225_600, (t += 1000), frame.subarray(0, buildFrame(frame, s)));
  for (const [i, stream] of streams.entries()) {
    const c = spec(IPPROTO_TCP, 50_000 + i, collectorPort);
    const srv = spec(IPPROTO_TCP, collectorPort, 50_000 + i);
    let cseq = 1000;
    const sseq = 5000;
    c.seq = cseq; c.tcpFlags = TCP_SYN; emit(c);
    srv.seq = sseq; srv.ack = ++cseq; srv.tcpFlags = TCP_SYN | TCP_ACK; emit(srv);
    c.seq = cseq; c.ack = sseq + 1; c.tcpFlags = TCP_ACK; emit(c);
    for (let off = 0; off < stream.length; off += mss) {
      const seg = stream.subarray(off, Math.min(stream.length, off + mss));
      c.seq = cseq; c.tcpFlags = TCP_PSH | TCP_ACK;
      c.payload = seg; c.payloadOff = 0; c.payloadLen = seg.length; c.payloadSum = -1;
      emit(c);
      cseq += seg.length;
      srv.seq = sseq + 1; srv.ack = cseq; srv.tcpFlags = TCP_ACK; emit(srv);
    }
    c.payloadLen = 0;
    c.seq = cseq; c.tcpFlags = TCP_FIN | TCP_ACK; emit(c);
    srv.seq = sseq + 1; srv.ack = cseq + 1; srv.tcpFlags = TCP_FIN | TCP_ACK; emit(srv);
    c.seq = cseq + 1; c.ack = sseq + 2; c.tcpFlags = TCP_ACK; emit(c);
  }
  w.close();
}
