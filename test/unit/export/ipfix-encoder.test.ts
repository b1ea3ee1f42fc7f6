// IPFIX message framing and record encoding, read back with an independent decoder.
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../lib/flows/index.js';
import {
  defineTemplate,
  FLOW_TEMPLATE_IPV4,
  FLOW_TEMPLATE_IPV6,
  FLOW_TEMPLATES,
  IE,
  MessageEncoder,
  PreparedFlow,
  prepareFlow,
  REVERSE_PEN,
  type RecordTemplate,
} from '../../../lib/export/index.js';
import { flow } from './helpers.js';
import { IpfixSession, type DecodedMessage } from './ipfix-decode.js';

const CLOCK_MS = 1_767_225_700_999;

interface Encoded {
  buffers: Buffer[];
  counts: number[];
  messages: DecodedMessage[];
  encoder: MessageEncoder<PreparedFlow>;
}

function encoderFor(maxMessageSize = 1400, extra: { templatesInEveryMessage?: boolean; domain?: number } = {}) {
  const buffers: Buffer[] = [];
  const counts: number[] = [];
  const encoder = new MessageEncoder<PreparedFlow>({
    observationDomainId: extra.domain ?? 7,
    maxMessageSize,
    templates: FLOW_TEMPLATES,
    clock: () => CLOCK_MS,
    templatesInEveryMessage: extra.templatesInEveryMessage,
    onMessage: (m, n) => {
      buffers.push(m);
      counts.push(n);
    },
  });
  return { encoder, buffers, counts };
}

function addAll(encoder: MessageEncoder<PreparedFlow>, records: FlowRecord[]): void {
  const p = new PreparedFlow();
  for (const r of records) {
    expect(prepareFlow(r, p)).toBe(true);
    encoder.add(p.v6 ? FLOW_TEMPLATE_IPV6 : FLOW_TEMPLATE_IPV4, p);
  }
  encoder.flush();
}

function encode(records: FlowRecord[], maxMessageSize = 1400, opts: { templatesInEveryMessage?: boolean } = {}): Encoded {
  const { encoder, buffers, counts } = encoderFor(maxMessageSize, opts);
  encoder.includeTemplates();
  addAll(encoder, records);
  const session = new IpfixSession();
  return { buffers, counts, messages: buffers.map((b) => session.decode(b)), encoder };
}

const v6 = (over: Partial<FlowRecord> = {}) => flow({ src_ip: 'fd00::11', dst_ip: '2001:db8:113::10', ...over });

describe('prepareFlow refuses what it cannot encode faithfully', () => {
  const bad: Array<[string, Partial<FlowRecord> | null]> = [
    ['not an address', { src_ip: 'example.com' }],
    ['IPv4 with a 5th octet', { src_ip: '10.0.0.1.5' }],
    ['IPv4 octet 256', { dst_ip: '10.0.0.256' }],
    ['mixed families', { src_ip: '10.0.0.1', dst_ip: '::1' }],
    ['mixed families, v6 first', { src_ip: '::1', dst_ip: '10.0.0.1' }],
    ['two ::', { src_ip: '1::2::3', dst_ip: '::1' }],
    ['9 groups', { src_ip: '1:2:3:4:5:6:7:8:9', dst_ip: '::1' }],
    ['empty address', { src_ip: '' }],
    ['address not a string', { src_ip: 167772161 as unknown as string }],
    ['negative counter', { bytes_c2s: -1 }],
    ['fractional counter', { packets_s2c: 1.5 }],
    ['counter 2^53', { bytes_s2c: 2 ** 53 }],
    ['NaN counter', { packets_c2s: NaN }],
    ['counter as a string', { bytes_c2s: '10' as unknown as number }],
    ['port 65536', { src_port: 65536 }],
    ['negative port', { dst_port: -1 }],
    ['proto 256', { proto: 256 }],
    ['vlan 4096', { vlan: 4096 }],
    ['source 2^32', { source: 2 ** 32 }],
    ['tcp_flags 65536', { tcp_flags: 65536 }],
    ['first_ns not decimal', { first_ns: '1.5e18' }],
    ['first_ns negative', { first_ns: '-1000000' }],
    ['last_ns empty', { last_ns: '' }],
    ['last_ns a number', { last_ns: 1767225600000000000 as unknown as string }],
    ['last_ns beyond 2^53 ms', { last_ns: '9'.repeat(23) }],
    ['end_reason null (live snapshot)', { end_reason: null }],
    ['end_reason unknown', { end_reason: 'timeout' as FlowRecord['end_reason'] }],
    ['end_reason from the prototype', { end_reason: 'toString' as FlowRecord['end_reason'] }],
  ];
  for (const [what, over] of bad) {
    it(`rejects ${what}`, () => {
      expect(prepareFlow(flow(over ?? {}), new PreparedFlow())).toBe(false);
    });
  }
  it('rejects null and non-objects without throwing', () => {
    expect(prepareFlow(null as unknown as FlowRecord, new PreparedFlow())).toBe(false);
    expect(prepareFlow(42 as unknown as FlowRecord, new PreparedFlow())).toBe(false);
    expect(prepareFlow({} as FlowRecord, new PreparedFlow())).toBe(false);
  });
});

describe('MessageEncoder options', () => {
  const mk = (o: Partial<{ observationDomainId: number; maxMessageSize: number; templates: RecordTemplate<PreparedFlow>[] }>) => () =>
    new MessageEncoder<PreparedFlow>({ observationDomainId: 1, maxMessageSize: 1400, templates: FLOW_TEMPLATES, onMessage: () => {}, ...o });
  it('refuses sizes outside 512..65535 and bad domains, naming the key', () => {
    expect(mk({ maxMessageSize: 511 })).toThrow(/max_message_size/);
    expect(mk({ maxMessageSize: 65536 })).toThrow(/max_message_size/);
    expect(mk({ maxMessageSize: 1400.5 })).toThrow(/max_message_size/);
    expect(mk({ observationDomainId: -1 })).toThrow(/observation_domain_id/);
    expect(mk({ observationDomainId: 2 ** 32 })).toThrow(/observation_domain_id/);
    expect(mk({ templates: [] })).toThrow(/templates/);
    expect(mk({ templates: [FLOW_TEMPLATE_IPV4, FLOW_TEMPLATE_IPV4] })).toThrow(/distinct/);
  });
  it('refuses templates that could never fit a message', () => {
    const huge = defineTemplate<PreparedFlow>(300, Array.from({ length: 60 }, () => IE.sourceIPv6Address), () => {});
    expect(mk({ maxMessageSize: 512, templates: [huge] })).toThrow(/too small/);
  });
  it('refuses template ids below 256, variable-length and zero-length fields', () => {
    expect(() => defineTemplate(255, [IE.vlanId], () => {})).toThrow(/256/);
    expect(() => defineTemplate(256, [{ ...IE.vlanId, length: 0xffff }], () => {})).toThrow(/length/);
    expect(() => defineTemplate(256, [{ ...IE.vlanId, length: 0 }], () => {})).toThrow(/length/);
    expect(() => defineTemplate(256, [], () => {})).toThrow(/no fields/);
  });
});

describe('IPFIX message framing', () => {
  it('header: version 10, length = bytes, export time, sequence 0, domain', () => {
    const { buffers, messages } = encode([flow()]);
    expect(buffers).toHaveLength(1);
    const m = messages[0]!;
    expect(m.version).toBe(10);
    expect(m.length).toBe(buffers[0]!.length);
    expect(m.exportTime).toBe(Math.floor(CLOCK_MS / 1000));
    expect(m.sequence).toBe(0);
    expect(m.domain).toBe(7);
  });

  it('template set: id 2 with templates 256 (IPv4) and 257 (IPv6), reverse counters under PEN 29305', () => {
    const { buffers, messages } = encode([flow()]);
    const set = messages[0]!.sets[0]!;
    expect(set.id).toBe(2);
    expect(set.offset).toBe(16);
    expect(set.templates.map((t) => t.id)).toEqual([256, 257]);
    const names = (i: number) => set.templates[i]!.fields.map((f) => f.name);
    const common = [
      'sourceTransportPort', 'destinationTransportPort', 'protocolIdentifier', 'tcpControlBits',
      'octetDeltaCount', 'packetDeltaCount', 'reverseOctetDeltaCount', 'reversePacketDeltaCount',
      'flowStartMilliseconds', 'flowEndMilliseconds', 'flowEndReason', 'ingressInterface', 'vlanId',
    ];
    expect(names(0)).toEqual(expect.arrayContaining(['sourceIPv4Address', 'destinationIPv4Address', 'icmpTypeCodeIPv4', ...common]));
    expect(names(1)).toEqual(expect.arrayContaining(['sourceIPv6Address', 'destinationIPv6Address', 'icmpTypeCodeIPv6', ...common]));
    expect(names(0)).toHaveLength(16);
    const reverse = set.templates[0]!.fields.filter((f) => f.enterprise !== 0);
    expect(reverse.map((f) => [f.id, f.length, f.enterprise])).toEqual([[1, 8, REVERSE_PEN], [2, 8, REVERSE_PEN]]);
    // raw bytes of the first reverse field specifier: enterprise bit | 1, length 8, PEN
    const b = buffers[0]!;
    const idx = b.indexOf(Buffer.from([0x80, 0x01, 0x00, 0x08, 0x00, 0x00, 0x72, 0x79]));
    expect(idx).toBeGreaterThan(16);
    // set length: header + 2 × (4 + 14 × 4 + 2 × 8)
    expect(set.length).toBe(4 + 2 * (4 + 14 * 4 + 2 * 8));
    expect(set.padding).toBe(0);
  });

  it('data sets: consecutive records of one family share a set; a family change opens a new one', () => {
    const records = [flow(), flow(), v6(), v6(), v6(), flow()];
    const { messages } = encode(records);
    const data = messages[0]!.sets.slice(1);
    expect(data.map((s) => [s.id, s.records.length, s.length, s.padding])).toEqual([
      [256, 2, 4 + 2 * FLOW_TEMPLATE_IPV4.recordLength, 0],
      [257, 3, 4 + 3 * FLOW_TEMPLATE_IPV6.recordLength, 0],
      [256, 1, 4 + FLOW_TEMPLATE_IPV4.recordLength, 0],
    ]);
    expect(FLOW_TEMPLATE_IPV4.recordLength).toBe(72);
    expect(FLOW_TEMPLATE_IPV6.recordLength).toBe(96);
    expect(messages[0]!.records).toHaveLength(6);
  });

  it('splits at max_message_size: every message fits, is full, and sequence numbers count the records before it', () => {
    const records = Array.from({ length: 1000 }, (_, i) => (i % 7 < 4 ? flow() : v6()));
    for (const max of [512, 513, 1400, 1500, 9000, 65535]) {
      const { buffers, counts, messages } = encode(records, max);
      let before = 0;
      for (const [i, m] of messages.entries()) {
        expect(buffers[i]!.length).toBeLessThanOrEqual(max);
        expect(m.sequence).toBe(before);
        expect(m.records).toHaveLength(counts[i]!);
        before += m.records.length;
        if (i < messages.length - 1) {
          // full: the next record (worst case: a new set of the next record's family) would not have fitted
          const next = records[before]!.src_ip.includes(':') ? 96 : 72;
          const lastSet = m.sets[m.sets.length - 1]!;
          const sameFamily = lastSet.id === (next === 96 ? 257 : 256);
          expect(buffers[i]!.length + next + (sameFamily ? 0 : 4)).toBeGreaterThan(max);
        }
      }
      expect(before).toBe(1000);
      expect(messages[0]!.sets[0]!.id).toBe(2); // templates only in the first message
      expect(messages.slice(1).every((m) => m.sets[0]!.id !== 2)).toBe(true);
    }
  });

  it('the sequence number carries across flushes and a template-only message does not advance it', () => {
    const { encoder, buffers } = encoderFor();
    const session = new IpfixSession();
    encoder.includeTemplates();
    encoder.flush(); // template-only
    addAll(encoder, [flow(), flow(), flow()]);
    addAll(encoder, [v6()]);
    encoder.includeTemplates();
    encoder.flush();
    addAll(encoder, [flow()]);
    const decoded = buffers.map((b) => session.decode(b));
    expect(decoded.map((m) => [m.sequence, m.records.length, m.sets.map((s) => s.id)])).toEqual([
      [0, 0, [2]],
      [0, 3, [256]],
      [3, 1, [257]],
      [4, 0, [2]],
      [4, 1, [256]],
    ]);
    expect(encoder.sequence).toBe(5);
    encoder.flush(); // nothing pending: no empty message
    expect(buffers).toHaveLength(5);
    encoder.resetSession();
    expect(encoder.sequence).toBe(0);
    addAll(encoder, [flow()]);
    const last = new IpfixSession().decode(buffers[5]!);
    expect([last.sequence, last.sets.map((s) => s.id)]).toEqual([0, [2, 256]]);
  });

  it('templatesInEveryMessage: each message starts with the template set and still fits', () => {
    const { buffers, messages } = encode(Array.from({ length: 100 }, () => v6()), 600, { templatesInEveryMessage: true });
    expect(messages.length).toBeGreaterThan(10);
    for (const [i, m] of messages.entries()) {
      expect(m.sets[0]!.id).toBe(2);
      expect(buffers[i]!.length).toBeLessThanOrEqual(600);
    }
  });
});

describe('set padding', () => {
  // 3-byte records: padding is allowed only when shorter than a record (RFC 7011 §3.3.1)
  const odd = defineTemplate<number>(300, [IE.protocolIdentifier, IE.vlanId], (b, o, v) => {
    b[o] = v;
    b.writeUInt16BE(v, o + 1);
  });
  const one = defineTemplate<number>(301, [IE.protocolIdentifier], (b, o, v) => {
    b[o] = v;
  });

  function run(template: RecordTemplate<number>, count: number, max = 512) {
    const buffers: Buffer[] = [];
    const enc = new MessageEncoder<number>({ observationDomainId: 1, maxMessageSize: max, templates: [odd, one], onMessage: (m) => buffers.push(m) });
    enc.includeTemplates();
    for (let i = 0; i < count; i++) enc.add(template, i + 1);
    enc.flush();
    const session = new IpfixSession();
    return { buffers, messages: buffers.map((b) => session.decode(b)) };
  }

  it('pads a 3-byte-record set to 4 bytes with zeros when the padding is shorter than a record', () => {
    for (const [count, setLength, padding] of [[1, 8, 1], [2, 12, 2], [4, 16, 0]] as const) {
      const { buffers, messages } = run(odd, count);
      const set = messages[0]!.sets[1]!;
      expect([set.length, set.padding, set.records.length]).toEqual([setLength, padding, count]);
      expect(buffers[0]!.length % 4).toBe(0);
    }
  });

  it('leaves the set unpadded when the padding would be as long as a record', () => {
    const { buffers, messages } = run(odd, 3); // 4 + 9 = 13: 3 bytes of padding would look like a record
    expect([messages[0]!.sets[1]!.length, messages[0]!.sets[1]!.padding]).toEqual([13, 0]);
    expect(buffers[0]!.length % 4).toBe(1);
    const single = run(one, 5); // 1-byte records: never padded
    expect([single.messages[0]!.sets[1]!.length, single.messages[0]!.sets[1]!.padding]).toEqual([9, 0]);
  });

  it('counts the padding when splitting: no message exceeds the bound', () => {
    for (const max of [512, 513, 514, 515]) {
      const { buffers, messages } = run(odd, 1000, max);
      for (const b of buffers) expect(b.length).toBeLessThanOrEqual(max);
      expect(messages.reduce((n, m) => n + m.records.length, 0)).toBe(1000);
    }
  });
});

describe('record values', () => {
  it('IPv4 biflow: addresses, ports, protocol, both directions, times in ms, reason, interface, VLAN', () => {
    const r = flow({
      source: 3, vlan: 4094, proto: 17, src_ip: '10.1.2.3', src_port: 5353, dst_ip: '255.255.255.255', dst_port: 65535,
      first_ns: '1767225600123456789', last_ns: '1767225601999999999',
      packets_c2s: 1, bytes_c2s: 2, packets_s2c: 3, bytes_s2c: 4, tcp_flags: 0, end_reason: 'idle',
    });
    const rec = encode([r]).messages[0]!.records[0]!;
    expect(rec).toMatchObject({
      templateId: 256,
      sourceIPv4Address: '10.1.2.3', destinationIPv4Address: '255.255.255.255',
      sourceTransportPort: 5353, destinationTransportPort: 65535, icmpTypeCodeIPv4: 0, protocolIdentifier: 17,
      octetDeltaCount: 2n, packetDeltaCount: 1n, reverseOctetDeltaCount: 4n, reversePacketDeltaCount: 3n,
      flowStartMilliseconds: 1767225600123n, flowEndMilliseconds: 1767225601999n,
      flowEndReason: 1, ingressInterface: 3, vlanId: 4094, tcpControlBits: 0,
    });
  });

  it('IPv6 addresses in every textual form come out as the same 16 bytes', () => {
    const forms: Array<[string, string]> = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:db8::', '2001:db8::'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['fe80::1%eth0', 'fe80::1'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['64:ff9b::198.51.100.7', '64:ff9b::c633:6407'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1::8', '1::8'],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ];
    const { messages } = encode(forms.map(([a]) => v6({ src_ip: a, dst_ip: a })));
    expect(messages[0]!.records.map((r) => [r.sourceIPv6Address, r.destinationIPv6Address])).toEqual(forms.map(([, b]) => [b, b]));
  });

  it('counters up to 2^53 - 1 and the 32-bit boundaries are exact', () => {
    const values = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER];
    const { messages } = encode(values.map((v) => flow({ bytes_c2s: v, packets_c2s: v, bytes_s2c: v, packets_s2c: Number.MAX_SAFE_INTEGER - v })));
    for (const [i, rec] of messages[0]!.records.entries()) {
      expect(rec.octetDeltaCount).toBe(BigInt(values[i]!));
      expect(rec.packetDeltaCount).toBe(BigInt(values[i]!));
      expect(rec.reverseOctetDeltaCount).toBe(BigInt(values[i]!));
      expect(rec.reversePacketDeltaCount).toBe(2n ** 53n - 1n - BigInt(values[i]!));
    }
  });

  it('ns strings become ms exactly (truncated, never rounded), against BigInt division', () => {
    const ns = ['0', '999999', '1000000', '1999999', '1767225600000000000', '1767225600999999999', '4102444800123456789', '9007199254740991999999'];
    let seed = 12345;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      ns.push(`17${String(seed).padStart(10, '0')}${String((seed * 7) >>> 0).padStart(10, '0')}`.slice(0, 19));
    }
    const { messages } = encode(ns.map((s) => flow({ first_ns: s, last_ns: s })));
    expect(messages.flatMap((m) => m.records).map((r) => r.flowStartMilliseconds)).toEqual(ns.map((s) => BigInt(s) / 1_000_000n));
  });

  it('flowEndReason follows contracts.md: idle 1, active 2, fin 3, rst 3, shutdown 4, evicted 5', () => {
    const reasons = ['idle', 'active', 'fin', 'rst', 'shutdown', 'evicted'] as const;
    const { messages } = encode(reasons.map((end_reason) => flow({ end_reason })));
    expect(messages[0]!.records.map((r) => r.flowEndReason)).toEqual([1, 2, 3, 3, 4, 5]);
  });

  it('ICMP: type << 8 | code in icmpTypeCode and destinationTransportPort, source port 0', () => {
    const { messages } = encode([
      flow({ proto: 1, src_port: 8, dst_port: 0 }), // echo pair: dst_port is the counterpart type, code 0
      flow({ proto: 1, src_port: 3, dst_port: 3 }), // port unreachable: dst_port is the code
      flow({ proto: 1, src_port: 13, dst_port: 14 }), // timestamp request/reply
      v6({ proto: 58, src_port: 128, dst_port: 129 }),
      v6({ proto: 58, src_port: 1, dst_port: 4 }),
      flow({ proto: 6, src_port: 0x0800, dst_port: 0x0303 }), // not ICMP: ports as they are
    ]);
    const recs = messages[0]!.records;
    expect(recs.map((r) => [r.sourceTransportPort, r.destinationTransportPort, r.icmpTypeCodeIPv4 ?? r.icmpTypeCodeIPv6])).toEqual([
      [0, 0x0800, 0x0800],
      [0, 0x0303, 0x0303],
      [0, 0x0d00, 0x0d00],
      [0, 0x8000, 0x8000],
      [0, 0x0104, 0x0104],
      [0x0800, 0x0303, 0],
    ]);
  });

  it('tcpControlBits keeps ECE/CWR and the record is byte-exact where it matters', () => {
    const rec = encode([flow({ tcp_flags: 0xd3 })]).messages[0]!.records[0]!;
    expect(rec.tcpControlBits).toBe(0xd3);
  });
});
