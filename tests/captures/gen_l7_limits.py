#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen_l7_limits.py DIR - crafted captures at the limits of L7 names.

One capture per case in DIR, and DIR/cases.json: for each case its file and
what its records must show (tests/integration/l7_limits.py checks them):
DNS names of 127 labels (255 octets), 253 characters, 40 labels (a DNS
tunnel's: the tunnel detection must see their queries), a compression
pointer loop; HTTP requests with a 600-byte request line then Host, with a
Host past the kernel's window, and one whose header block runs past all
the collector reads (host_not_in_window); an SNI of 300 bytes (kept to 255
bytes exactly, flagged). Deterministic: the same bytes every run.
"""
import json
import os
import random
import struct
import sys

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

CLI, SRV = '10.77.0.1', '10.77.0.2'
MAC_C, MAC_S = '02:00:00:77:00:01', '02:00:00:77:00:02'
cases = []


def case(name, frames, **expect):
    path = name + '.pcap'
    t = 1_700_000_000.0
    for i, f in enumerate(frames):
        f.time = t + i * 0.001
    wrpcap(os.path.join(out, path), frames)
    cases.append(dict(name=name, file=path, **expect))


def dns_query(labels, qid=0x4242, ptr_loop=False):
    """A query of type A for the given labels; ptr_loop: the name's end
    is a compression pointer to itself."""
    b = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for lab in labels:
        b += bytes([len(lab)]) + lab.encode()
    if ptr_loop:
        off = len(b)
        b += struct.pack('!H', 0xc000 | off)
    else:
        b += b'\x00'
    return b + struct.pack('!HH', 1, 1)


def udp_dns(msg, sport):
    return Ether(src=MAC_C, dst=MAC_S) / IP(src=CLI, dst=SRV) / \
        UDP(sport=sport, dport=53) / Raw(msg)


def tcp_stream(payloads, sport, dport):
    """A handshake, then the client's payload segments, then FIN."""
    e = Ether(src=MAC_C, dst=MAC_S)
    r = Ether(src=MAC_S, dst=MAC_C)
    c, s = 1000, 5000
    f = [e / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=dport, flags='S', seq=c - 1),
         r / IP(src=SRV, dst=CLI) / TCP(sport=dport, dport=sport, flags='SA', seq=s - 1, ack=c),
         e / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=dport, flags='A', seq=c, ack=s)]
    for p in payloads:
        f.append(e / IP(src=CLI, dst=SRV) /
                 TCP(sport=sport, dport=dport, flags='PA', seq=c, ack=s) / Raw(p))
        c += len(p)
    f.append(e / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=dport, flags='FA', seq=c, ack=s))
    f.append(r / IP(src=SRV, dst=CLI) / TCP(sport=dport, dport=sport, flags='FA', seq=s, ack=c + 1))
    f.append(e / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=dport, flags='A', seq=c + 1, ack=s + 1))
    return f


def client_hello(sni):
    name = sni.encode()
    ext_sni = struct.pack('!HHHBH', 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = struct.pack('!H', 0x0303) + bytes(32) + b'\x00' + \
        struct.pack('!HH', 2, 0x1301) + b'\x01\x00' + \
        struct.pack('!H', len(ext_sni)) + ext_sni
    hs = b'\x01' + struct.pack('!I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('!H', len(hs)) + hs


def main():
    rnd = random.Random(10)
    # DNS: 127 labels of one letter (255 octets on the wire, 253 characters)
    labels = [chr(ord('a') + i % 26) for i in range(127)]
    case('dns-127-labels', [udp_dns(dns_query(labels), 40001)],
         dns=[dict(query='.'.join(labels), qtype=1)])
    # 253 characters in 4 labels
    labels = ['a' * 63, 'b' * 63, 'c' * 63, 'd' * 61]
    case('dns-253-chars', [udp_dns(dns_query(labels), 40002)],
         dns=[dict(query='.'.join(labels), qtype=1)])
    # a tunnel: 12 queries of 41 labels, random base32 under example.com
    alpha = 'abcdefghijklmnopqrstuvwxyz234567'
    names, frames = [], []
    for i in range(12):
        labels = [''.join(rnd.choice(alpha) for _ in range(5)) for _ in range(39)]
        labels += ['example', 'com']
        names.append('.'.join(labels))
        frames.append(udp_dns(dns_query(labels, qid=0x100 + i), 41000 + i))
    case('dns-40-labels-tunnel', frames,
         dns=[dict(query=n, qtype=1) for n in names], notice='DNS::Tunneling')
    # a compression pointer loop after 34 labels (past the kernel's 32)
    labels = [chr(ord('a') + i % 26) for i in range(34)]
    case('dns-pointer-loop', [udp_dns(dns_query(labels, ptr_loop=True), 40003)],
         dns=[], weird='dns_bad_pointer')

    # HTTP: a 600-byte request line, then Host (inside the kernel's window)
    path = '/' + 'p' * 585
    req = ('GET %s HTTP/1.1\r\nHost: near.example\r\n\r\n' % path).encode()
    case('http-600-line', tcp_stream([req], 42001, 80),
         http=[dict(host='near.example', uri=path[:255], uri_truncated=True)])
    # Host 1,100 bytes in: past the kernel's window, found by the collector
    path = '/' + 'q' * 1079
    req = ('GET %s HTTP/1.1\r\nHost: far.example\r\n\r\n' % path).encode()
    case('http-host-past-kernel-window', tcp_stream([req], 42002, 80),
         http=[dict(host='far.example', uri=path[:255], uri_truncated=True)])
    # header block longer than all the collector reassembles (4 x 1536)
    hdr = b'GET / HTTP/1.1\r\n' + b''.join(b'X-Pad-%03d: %s\r\n' % (i, b'x' * 48)
                                           for i in range(110))
    req = hdr + b'Host: hidden.example\r\n\r\n'
    segs = [req[i:i + 1400] for i in range(0, len(req), 1400)]
    case('http-host-not-in-window', tcp_stream(segs, 42003, 80),
         http=[dict(host=None, uri='/', host_not_in_window=True)])

    # an SNI of 300 bytes: the first 255 kept, exactly, and flagged
    sni = '.'.join(['s%02d' % i + 'n' * 56 for i in range(5)]) + 'z'
    assert len(sni) == 300
    case('tls-sni-300', tcp_stream([client_hello(sni)], 42004, 443),
         ssl=[dict(server_name=sni[:255], server_name_truncated=True)])

    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump(cases, f, indent=1)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: gen_l7_limits.py DIR')
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    main()
