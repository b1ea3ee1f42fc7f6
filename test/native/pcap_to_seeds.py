#!/usr/bin/env python3
"""Turn pcap/pcapng files into parse_fuzzer seed inputs.

usage: pcap_to_seeds.py OUT_DIR FILE_OR_DIR...

Each captured frame becomes one file in OUT_DIR: a 2-byte big-endian selector
(index into kFuzzLinkTypes in native/fuzz/fuzz_input.hpp) followed by the
captured bytes. Link types the parser does not know map to the unsupported
entries; Ethernet frames are also re-encoded as SLL2 and null frames as loop
(the corpus has neither); at most PER_FILE seeds per capture, duplicates dropped. Unreadable or
corrupt captures are skipped (the corpus has hostile files on purpose): this
reader only needs to be good enough to seed a fuzzer.
"""
import hashlib
import os
import struct
import sys

# Must match kFuzzLinkTypes (native/fuzz/fuzz_input.hpp).
SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 12: 4, 14: 5, 0: 6, 108: 7,
            105: 8, 127: 9, 229: 10, 9: 11}
UNSUPPORTED_OTHER = 12
PER_FILE = 96
MAX_FRAME = 1 << 16


def pcap_frames(buf):
    magic = buf[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return
    if len(buf) < 24:
        return
    link = struct.unpack(e + 'I', buf[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(buf):
        _, _, incl, _ = struct.unpack(e + 'IIII', buf[off:off + 16])
        off += 16
        if incl > MAX_FRAME or off + incl > len(buf):
            return
        yield link, buf[off:off + incl]
        off += incl


def pcapng_frames(buf):
    off = 0
    e = '<'
    links = []
    while off + 12 <= len(buf):
        btype = struct.unpack(e + 'I', buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order from its magic
            bom = buf[off + 8:off + 12]
            e = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            links = []
        blen = struct.unpack(e + 'I', buf[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(buf):
            return
        body = buf[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            links.append(struct.unpack(e + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            ifid, _, _, cap, _ = struct.unpack(e + 'IIIII', body[:20])
            if ifid < len(links) and 20 + cap <= len(body):
                yield links[ifid], body[20:20 + cap]
        elif btype == 3 and len(body) >= 4 and links:  # simple packet
            orig = struct.unpack(e + 'I', body[:4])[0]
            yield links[0], body[4:4 + min(orig, len(body) - 4)]
        elif btype == 2 and len(body) >= 20:  # obsolete packet block
            ifid, _, _, _, cap, _ = struct.unpack(e + 'HHIIII', body[:20])
            if ifid < len(links) and 20 + cap <= len(body):
                yield links[ifid], body[20:20 + cap]
        off += blen


def frames(path):
    with open(path, 'rb') as f:
        buf = f.read()
    if buf[:4] == b'\x0a\x0d\x0d\x0a':
        return pcapng_frames(buf)
    return pcap_frames(buf)


def variants(link, frame):
    """The frame as read, plus re-encodings for link types the corpus lacks:
    Ethernet frames also as SLL2 (276), null frames also as loop (108)."""
    yield link, frame
    if link == 1 and len(frame) >= 14:
        sll2 = frame[12:14] + bytes(2) + struct.pack('>IHBB', 2, 1, 0, 6) + frame[6:12] + bytes(2)
        yield 276, sll2 + frame[14:]
    elif link == 0 and len(frame) >= 4:
        af = struct.unpack('<I', frame[:4])[0]
        if af & 0xFFFF0000:
            af = struct.unpack('>I', frame[:4])[0]
        yield 108, struct.pack('>I', af) + frame[4:]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    paths = []
    for arg in sys.argv[2:]:
        if os.path.isdir(arg):
            for root, _, names in os.walk(arg):
                paths += [os.path.join(root, n) for n in names
                          if n.endswith(('.pcap', '.pcapng', '.cap', '.pcap-ns'))]
        else:
            paths.append(arg)
    seen = set()
    written = 0
    for path in sorted(paths):
        n = 0
        try:
            for link, frame in (v for lf in frames(path) for v in variants(*lf)):
                data = struct.pack('>H', SELECTOR.get(link, UNSUPPORTED_OTHER)) + frame
                digest = hashlib.sha1(data).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                with open(os.path.join(out, digest), 'wb') as f:
                    f.write(data)
                written += 1
                n += 1
                if n >= PER_FILE:
                    break
        except (OSError, struct.error):
            continue
    print(f'{written} seeds from {len(paths)} captures in {out}')


if __name__ == '__main__':
    main()
