import { loadAddon } from './binding.js';
import { toCaptureError } from './errors.js';
import type { NativeInterface } from './native-types.js';

export type InterfaceInfo = NativeInterface;

/** The interfaces libpcap can capture on, with their addresses and flags. Needs no privileges. */
export function listInterfaces(): InterfaceInfo[] {
  try {
    return loadAddon().listInterfaces();
  } catch (error) {
    throw toCaptureError(error);
  }
}

/** libpcap's version string, e.g. "libpcap version 1.10.3 (with TPACKET_V3)". */
export function libpcapVersion(): string {
  return loadAddon().libpcapVersion();
}

/** Throws CaptureError(bad_filter) with libpcap's reason when `expression` does not compile for `linkType`. */
export function checkFilter(expression: string, linkType = 1): void {
  if (typeof expression !== 'string') throw new TypeError('filter: expected a string');
  try {
    loadAddon().checkFilter(expression, linkType);
  } catch (error) {
    throw toCaptureError(error);
  }
}
