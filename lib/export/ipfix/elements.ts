// IPFIX Information Elements used by wirewatch's templates (IANA registry
// "IPFIX Information Elements"; reverse elements per RFC 5103 §6.1: the same
// element number with the enterprise bit set and Private Enterprise Number 29305).

/** PEN under which RFC 5103 defines the reverse counterpart of every IANA element. */
export const REVERSE_PEN = 29305;

/** One field specifier of a template: element id, encoded length and (for enterprise elements) the PEN. */
export interface FieldSpec {
  readonly name: string;
  /** Element id without the enterprise bit. */
  readonly id: number;
  readonly length: number;
  /** Private Enterprise Number; 0 for IANA elements. */
  readonly enterprise: number;
}

const ie = (name: string, id: number, length: number, enterprise = 0): FieldSpec => ({ name, id, length, enterprise });
const reverse = (f: FieldSpec): FieldSpec => ie(`reverse${f.name[0]!.toUpperCase()}${f.name.slice(1)}`, f.id, f.length, REVERSE_PEN);

export const IE = {
  octetDeltaCount: ie('octetDeltaCount', 1, 8),
  packetDeltaCount: ie('packetDeltaCount', 2, 8),
  protocolIdentifier: ie('protocolIdentifier', 4, 1),
  // unsigned16 since RFC 7125 (the 8 classic flags plus NS/CWR/ECE room)
  tcpControlBits: ie('tcpControlBits', 6, 2),
  sourceTransportPort: ie('sourceTransportPort', 7, 2),
  sourceIPv4Address: ie('sourceIPv4Address', 8, 4),
  ingressInterface: ie('ingressInterface', 10, 4),
  destinationTransportPort: ie('destinationTransportPort', 11, 2),
  destinationIPv4Address: ie('destinationIPv4Address', 12, 4),
  sourceIPv6Address: ie('sourceIPv6Address', 27, 16),
  destinationIPv6Address: ie('destinationIPv6Address', 28, 16),
  icmpTypeCodeIPv4: ie('icmpTypeCodeIPv4', 32, 2),
  vlanId: ie('vlanId', 58, 2),
  flowEndReason: ie('flowEndReason', 136, 1),
  icmpTypeCodeIPv6: ie('icmpTypeCodeIPv6', 139, 2),
  flowStartMilliseconds: ie('flowStartMilliseconds', 152, 8),
  flowEndMilliseconds: ie('flowEndMilliseconds', 153, 8),
} as const;

export const REVERSE_IE = {
  octetDeltaCount: reverse(IE.octetDeltaCount),
  packetDeltaCount: reverse(IE.packetDeltaCount),
} as const;

/** IPFIX flowEndReason values (IANA): contracts.md maps our end reasons onto them. */
export const FLOW_END_REASON = { idle: 1, active: 2, fin: 3, rst: 3, shutdown: 4, evicted: 5 } as const;

/** Set ids (RFC 7011 §3.3.2): 2 = Template Set, 3 = Options Template Set, ≥ 256 = Data Set of that template. */
export const SET_ID_TEMPLATE = 2;
export const MIN_DATA_SET_ID = 256;
export const IPFIX_VERSION = 10;
export const MESSAGE_HEADER_LENGTH = 16;
export const SET_HEADER_LENGTH = 4;
