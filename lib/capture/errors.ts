// The catalogue of capture failures. The addon throws plain Errors carrying a
// `kind`; toCaptureError() turns them into CaptureErrors at the edge, so
// `instanceof CaptureError` and `error.kind` work everywhere.

export const CAPTURE_ERROR_KINDS = {
  no_such_device: 'the interface does not exist; the message lists the ones that do',
  permission_denied: 'capturing needs root or CAP_NET_RAW (or read permission on the file)',
  interface_down: 'the interface exists but is down',
  bad_filter: 'the BPF expression does not compile; the message has libpcap\'s reason',
  file_not_found: 'the capture file does not exist',
  bad_file: 'not a pcap/pcapng file, or corrupt past repair',
  truncated_file: 'the capture file ends in the middle of a record; every packet before the cut was delivered',
  already_running: 'start() was called twice',
  not_running: 'the source has ended',
  capture_failed: 'libpcap failed for another reason; the message has its words',
  privilege_drop_failed: 'switching to the unprivileged user failed; nothing was changed that could be trusted',
} as const;

export type CaptureErrorKind = keyof typeof CAPTURE_ERROR_KINDS;

const PERMISSION_ADVICE =
  'run as root, grant CAP_NET_RAW (e.g. systemd AmbientCapabilities=CAP_NET_RAW, or setcap cap_net_raw+ep on node), or replay a capture file instead';

export class CaptureError extends Error {
  readonly kind: CaptureErrorKind;

  constructor(kind: CaptureErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaptureError';
    this.kind = kind;
  }
}

function isKind(kind: unknown): kind is CaptureErrorKind {
  return typeof kind === 'string' && kind in CAPTURE_ERROR_KINDS;
}

/**
 * Converts an error thrown or reported by the addon. `interfaces` is called only
 * for no_such_device, to name the interfaces that exist.
 */
export function toCaptureError(error: unknown, interfaces?: () => string[]): Error {
  if (error instanceof CaptureError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const kind = (error as Error & { kind?: unknown }).kind;
  if (!isKind(kind)) return error; // TypeError/RangeError from argument checks stay what they are
  let message = error.message;
  if (kind === 'permission_denied' && !message.includes('CAP_NET_RAW')) message += `: ${PERMISSION_ADVICE}`;
  if (kind === 'no_such_device' && interfaces) {
    let names: string[] = [];
    try {
      names = interfaces();
    } catch {
      // listing needs no privileges, but never let it hide the real error
    }
    message += names.length ? ` (interfaces here: ${names.join(', ')})` : ' (no capture interfaces found)';
  }
  return new CaptureError(kind, message, { cause: error });
}
