// Formatting helpers for addresses in batches. They allocate strings: call them
// when a person or a record needs text, never per packet on the hot path.

/** Formats the 16 address bytes at `offset` of `bytes`: dotted IPv4 for v4-mapped addresses, IPv6 otherwise. */
export function formatAddress(bytes: Uint8Array, offset = 0): string {
  if (isV4Mapped(bytes, offset)) {
    return `${bytes[offset + 12]}.${bytes[offset + 13]}.${bytes[offset + 14]}.${bytes[offset + 15]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[offset + i]! << 8) | bytes[offset + i + 1]!);
  // RFC 5952: compress the longest run (≥ 2) of zero groups, the first if tied.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** True when the 16 bytes at `offset` are an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function isV4Mapped(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) return false;
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}
