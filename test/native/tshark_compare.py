#!/usr/bin/env python3
"""Compare the parser's layer bits with tshark's frame.protocols, per frame.

usage: tshark_compare.py [-v] CAPTURE...

Builds test/native/parse_dump.cc, feeds it every frame (read with the reader in
pcap_to_seeds.py), runs `tshark -o ip.defragment:FALSE -o ipv6.defragment:FALSE
-T fields -e frame.protocols` and counts, per layer, frames where the two
disagree. tshark's chain is cut to the OUTERMOST layers the way wirewatch counts
them: the link layer, VLAN tags and ARP/IP before the first IP header, and the
L4 protocol that this first IP header carries directly (after IPv6 extension
headers). Quoted headers in ICMP errors and tunnel payloads are not counted.
Files whose frame count differs between the two readers are skipped.
"""
import collections
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_to_seeds  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BITS = {'ethernet': 1 << 0, 'llc': 1 << 1, 'vlan': 1 << 2, 'arp': 1 << 3, 'ipv4': 1 << 4,
        'ipv6': 1 << 5, 'tcp': 1 << 6, 'udp': 1 << 7, 'icmp': 1 << 8, 'icmpv6': 1 << 9,
        'sll': 1 << 10, 'null': 1 << 11}
LINK = {'eth': 'ethernet', 'sll': 'sll', 'null': 'null'}
IPV6_EXT = {'ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts', 'ah', 'ipv6.shim6'}


def tshark_layers(chain):
    toks = chain.split(':')
    got = set()
    if toks and toks[0] in LINK:
        got.add(LINK[toks[0]])
    for i, t in enumerate(toks[1:], 1):
        if t in ('vlan', 'ieee8021ad'):
            got.add('vlan')
        elif t == 'llc':
            got.add('llc')
        elif t == 'arp':
            got.add('arp')
            break
        elif t in ('ip', 'ipv6'):
            got.add('ipv4' if t == 'ip' else 'ipv6')
            j = i + 1
            while j < len(toks) and toks[j] in IPV6_EXT:
                j += 1
            if j < len(toks) and toks[j] in ('tcp', 'udp', 'icmp', 'icmpv6'):
                got.add(toks[j])
            break
        elif t not in ('ethertype', 'eth'):
            break
    return got


def ours(bits):
    return {name for name, b in BITS.items() if bits & b}


def main():
    args = [a for a in sys.argv[1:] if a != '-v']
    verbose = '-v' in sys.argv
    tmp = tempfile.mkdtemp()
    exe = os.path.join(tmp, 'parse_dump')
    subprocess.run(['g++', '-std=c++17', '-O1', os.path.join(ROOT, 'test/native/parse_dump.cc'),
                    os.path.join(ROOT, 'native/parse/parser.cc'), '-o', exe], check=True)
    diff = collections.Counter()
    examples = collections.defaultdict(list)
    frames_total = 0
    skipped = 0
    for path in args:
        try:
            frames = list(pcap_to_seeds.frames(path))
        except (OSError, struct.error):
            skipped += 1
            continue
        ts = subprocess.run(['tshark', '-r', path, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
                             '-T', 'fields', '-e', 'frame.protocols'], capture_output=True, text=True)
        chains = ts.stdout.splitlines()
        if len(chains) != len(frames) or not frames:
            skipped += 1
            continue
        stream = b''.join(struct.pack('<I', len(f) + 2) + struct.pack('>H', pcap_to_seeds.SELECTOR.get(
            link, pcap_to_seeds.UNSUPPORTED_OTHER)) + f for link, f in frames)
        out = subprocess.run([exe], input=stream, capture_output=True, check=True).stdout.decode().splitlines()
        for n, (line, chain) in enumerate(zip(out, chains), 1):
            layers, l3, proto, frag, err, errl, _ = map(int, line.split())
            if err == 3:
                continue  # unsupported link: not compared
            frames_total += 1
            a, b = ours(layers), tshark_layers(chain)
            for name in a ^ b:
                key = (name, 'ours only' if name in a else 'tshark only')
                diff[key] += 1
                if len(examples[key]) < 6:
                    examples[key].append(f'{os.path.relpath(path)}#{n} err={err}/{errl} proto={proto} '
                                         f'frag={frag} tshark={chain}')
    print(f'{frames_total} frames compared, {skipped} files skipped')
    for key, count in sorted(diff.items(), key=lambda kv: -kv[1]):
        print(f'{count:7d}  {key[0]:9s} {key[1]}')
        if verbose:
            for e in examples[key]:
                print('           ', e)


if __name__ == '__main__':
    main()
