// Which addresses are "local" (alerts.local_networks): hosts that get a
// baseline. Addresses are compared as 16-byte keys (IPv4 mapped), so one CIDR
// is one [lo, hi] range whatever the spelling of the address.
import { parseAddress, parseCidr, type AddressRange } from '../store/index.js';

/** Distinct addresses remembered; the cache is cleared when full (per flow group, not per packet). */
const CACHE_MAX = 65536;

export class LocalNetworks {
  readonly #ranges: AddressRange[];
  readonly #cache = new Map<string, boolean>();

  /** Throws RangeError naming the first network that is not CIDR. */
  constructor(networks: readonly string[]) {
    if (!Array.isArray(networks)) throw new TypeError('local_networks: expected an array of CIDR strings');
    this.#ranges = networks.map((text, i) => {
      const range = parseCidr(text);
      if (!range) throw new RangeError(`local_networks[${i}]: expected a network in CIDR form, e.g. 10.0.0.0/8, got ${JSON.stringify(text)}`);
      return range;
    });
  }

  has(address: string): boolean {
    let hit = this.#cache.get(address);
    if (hit !== undefined) return hit;
    hit = false;
    const key = typeof address === 'string' ? parseAddress(address) : null;
    if (key) {
      for (const r of this.#ranges) {
        if (key.compare(r.lo) >= 0 && key.compare(r.hi) <= 0) {
          hit = true;
          break;
        }
      }
    }
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
    this.#cache.set(address, hit);
    return hit;
  }
}

/** Canonical text of an address (equal addresses, equal keys: "::FFFF:10.0.0.1" = "10.0.0.1"); null if not an address. */
export function addressKey(address: string): string | null {
  const key = typeof address === 'string' ? parseAddress(address) : null;
  return key ? key.toString('hex') : null;
}
