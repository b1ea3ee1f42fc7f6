// Big benchmark captures (not committed): millions of packets, streamed.
//
//   mixed (default)  realistic mix: web TCP (TLS/HTTP), DNS, NTP, pings, ARP, RTP,
//                    ESP, syslog, some VLAN tags, 30 % IPv6, rare fragments
//   --flows M        M short sessions that all start in the first half of the
//                    capture and end in the second: about M concurrent flows
//   --small          minimum-size frames only (60 bytes: IPv4 TCP without options
//                    and tiny payloads, tiny UDP, ICMP echo, ARP)

import {
  openPcap, openPcapng, LINKTYPE_ETHERNET, type PacketWriter,
} from './writer.js';
import {
  Engine, makeTopology, deriveSeed, MS, SEC, type SessionInit, type LayerCounts, type FlowCounts,
  K_TCP, K_DNS, K_NTP, K_RTP, K_SYSLOG, K_PING, K_UDPFRAG, K_UNREACH, K_ARP, K_ESP, K_UDP_TINY,
  APP_HTTP, APP_TLS, APP_RAW, CLOSE_FIN_C, CLOSE_FIN_S, CLOSE_RST_C, CLOSE_RST_S, CLOSE_REFUSED,
  F_V6, F_SACK, F_UPLOAD,
} from './traffic.js';
import { pump } from './fixtures.js';

export interface BenchOptions {
  out: string;
  packets: number;
  flows?: number;
  small?: boolean;
  seed: number;
  format?: 'pcap' | 'pcapng';
  nanos?: boolean;
  snaplen?: number;
  progress?: (packets: number, elapsedMs: number) => void;
}

export interface BenchResult {
  packets: number;
  wireBytes: number;
  fileBytes: number;
  sessions: number;
  maxLive: number;
  elapsedMs: number;
  layers: LayerCounts;
  flows: FlowCounts;
}

const CLOSES = [CLOSE_FIN_C, CLOSE_FIN_C, CLOSE_FIN_S, CLOSE_RST_C, CLOSE_RST_S];

export function writeBench(o: BenchOptions): BenchResult {
  if (!(Number.isInteger(o.packets) && o.packets > 0)) throw new RangeError(`--packets must be a positive integer, got ${o.packets}`);
  const seed = deriveSeed(o.seed, 'bench');
  const small = o.small ?? false;
  const flowsMode = o.flows !== undefined;
  const nFlows = o.flows ?? 0;
  if (flowsMode && !(Number.isInteger(nFlows) && nFlows > 0)) throw new RangeError(`--flows must be a positive integer, got ${o.flows}`);
  const nLocal = flowsMode ? 4096 : small ? 1024 : 250;
  const nRemote = flowsMode ? 2048 : small ? 1024 : 600;
  const topo = makeTopology(nLocal, nRemote, seed);
  const e = new Engine({ seed, topology: topo, small });
  const g = e.grng;
  const L = topo.locals, R = topo.remotes;
  const init: SessionInit = { kind: 0, cli: 0, srv: 0 };
  const reset = (kind: number, cli: number, srv: number): SessionInit => {
    init.kind = kind; init.cli = cli; init.srv = srv;
    init.flags = 0; init.vlan = 0; init.ext = 0; init.rtt = undefined; init.sport = undefined; init.cport = undefined;
    init.app = APP_TLS; init.close = CLOSE_FIN_C; init.count = 1; init.size = undefined; init.interval = undefined;
    init.qtype = undefined; init.rcode = undefined;
    return init;
  };
  let maxLive = 0;

  if (flowsMode) {
    // Duration D such that the rate is ~100k packets/s of capture time; every
    // session starts in [0, D/2) and takes about D/2, so near D/2 all are live.
    const D = Math.max(10 * SEC, (o.packets / 100_000) * SEC);
    const step = D / 2 / nFlows;
    let k = 0;
    e.setSpawner((eng, t) => {
      const cli = L[k % L.length];
      const srv = R[g.int(R.length)];
      const r = g.float();
      let x: SessionInit;
      if (small) {
        if (r < 0.5) { x = reset(K_TCP, cli, srv); x.app = APP_RAW; x.close = r < 0.2 ? CLOSE_REFUSED : CLOSE_RST_C; }
        else if (r < 0.85) { x = reset(K_UDP_TINY, cli, srv); x.count = 2; }
        else { x = reset(K_PING, cli, srv); x.count = 1; }
      } else if (r < 0.35) { x = reset(K_DNS, cli, topo.dns); x.qtype = g.chance(0.3) ? 28 : 1; }
      else if (r < 0.65) { x = reset(K_TCP, cli, srv); x.size = 400; x.close = CLOSE_RST_C; }
      else if (r < 0.8) { x = reset(K_TCP, cli, srv); x.close = CLOSE_REFUSED; x.sport = 8080; }
      else if (r < 0.95) { x = reset(K_NTP, cli, srv); x.sport = 123; }
      else { x = reset(K_PING, cli, srv); }
      if (!small && g.chance(0.25)) x.flags = (x.flags ?? 0) | F_V6;
      // stretch the RTT so the session's last packet lands in [D/2, 3D/4): every
      // session starts before D/2 and ends after it, so all M are live at D/2.
      // 2-packet sessions span 1 RTT; TCP with data spans about 2 RTTs.
      const span = D / 2 - t + g.float() * (D / 4);
      const rtts = x.kind === K_TCP && x.close !== CLOSE_REFUSED ? (small ? 2 : 2.2) : 1;
      x.rtt = Math.max(MS, Math.round(span / rtts));
      eng.add(t, x);
      if (eng.S.live > maxLive) maxLive = eng.S.live;
      k++;
      return k < nFlows ? Math.round(k * step + g.float() * step) : Infinity;
    }, 0);
  } else {
    // Poisson arrivals; concurrency settles at a few thousand sessions.
    const rate = small ? 20_000 : 2_000; // sessions per second of capture time
    e.setSpawner((eng, t) => {
      const cli = L[g.int(L.length)];
      const srv = R[g.int(R.length)];
      const r = g.float();
      let x: SessionInit;
      if (small) {
        if (r < 0.55) {
          x = reset(K_TCP, cli, srv); x.app = APP_RAW; x.count = 1 + g.int(3);
          x.close = r < 0.1 ? CLOSE_REFUSED : CLOSES[g.int(CLOSES.length)]; x.sport = [80, 443, 22, 25][g.int(4)];
        } else if (r < 0.85) { x = reset(K_UDP_TINY, cli, srv); x.count = 2 + g.int(6); x.interval = 5 * SEC; }
        else if (r < 0.97) { x = reset(K_PING, cli, srv); x.count = 1 + g.int(4); }
        else { x = reset(K_ARP, cli, L[g.int(L.length)]); }
        x.rtt = Math.round((0.5 + g.float() * 60) * MS);
      } else {
        if (r < 0.42) {
          x = reset(K_TCP, cli, srv); x.app = g.chance(0.2) ? APP_HTTP : APP_TLS;
          x.size = Math.round(g.logUniform(1000, 150_000)); x.count = 1 + g.int(3);
          x.close = CLOSES[g.int(CLOSES.length)]; if (g.chance(0.2)) x.flags = F_SACK;
          if (g.chance(0.03)) x.flags = (x.flags ?? 0) | F_UPLOAD;
        } else if (r < 0.44) { x = reset(K_TCP, cli, srv); x.close = CLOSE_REFUSED; x.sport = 3389; }
        else if (r < 0.74) { x = reset(K_DNS, cli, topo.dns); x.size = g.int(12); x.rcode = g.chance(0.05) ? 3 : 0; }
        else if (r < 0.78) { x = reset(K_NTP, cli, topo.ntp); }
        else if (r < 0.84) { x = reset(K_PING, cli, srv); x.count = 1 + g.int(4); }
        else if (r < 0.87) { x = reset(K_ARP, cli, topo.gateway); }
        else if (r < 0.875) { x = reset(K_RTP, cli, srv); x.count = 200 + g.int(800); }
        else if (r < 0.88) { x = reset(K_UDPFRAG, cli, srv); x.size = 1600 + g.int(4000); }
        else if (r < 0.885) { x = reset(K_UNREACH, cli, srv); }
        else if (r < 0.93) { x = reset(K_ESP, cli, srv); x.count = 4 + g.int(30); }
        else { x = reset(K_SYSLOG, cli, topo.syslog); x.count = 1 + g.int(4); x.interval = SEC; }
        if (x.kind !== K_ARP && x.kind !== K_SYSLOG && g.chance(0.3)) { x.flags = (x.flags ?? 0) | F_V6; x.ext = g.chance(0.05) ? 1 + g.int(5) : 0; }
        if (g.chance(0.1)) x.vlan = 1 + g.int(5);
        x.rtt = x.srv === topo.dns ? Math.round((0.2 + g.float()) * MS) : Math.round((2 + g.float() * 120) * MS);
      }
      eng.add(t, x);
      if (eng.S.live > maxLive) maxLive = eng.S.live;
      return t + Math.max(1, Math.round(g.exp(SEC / rate)));
    }, 0);
  }

  const w: PacketWriter = o.format === 'pcapng'
    ? openPcapng(o.out, { interfaces: [{ linkType: LINKTYPE_ETHERNET, snaplen: o.snaplen, nanos: o.nanos, name: 'bench0' }], userAppl: 'wirewatch gen-fixtures' })
    : openPcap(o.out, { linkType: LINKTYPE_ETHERNET, snaplen: o.snaplen, nanos: o.nanos });
  const t0 = performance.now();
  pump(e, w, o.packets, o.progress ? (n) => o.progress!(n, performance.now() - t0) : undefined);
  w.close();
  return {
    packets: w.stats.packets,
    wireBytes: w.stats.wireBytes,
    fileBytes: w.stats.fileBytes,
    sessions: e.sessionsStarted,
    maxLive,
    elapsedMs: performance.now() - t0,
    layers: { ...e.layers },
    flows: { ...e.flows },
  };
}

