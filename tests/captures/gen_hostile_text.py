#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen_hostile_text.py OUTDIR - captures whose names are hostile text.

Each case is one string of bytes a remote client chose (terminal escape
sequences, CR LF and a forged summary line, invalid UTF-8, C1 controls, a
bidi override, a clean name to show clean text stays as it was) sent in
every place pktlens reads a name from: a DNS query (UDP), a TLS ClientHello's
SNI and an HTTP request's Host and path, wherever the protocol lets those
bytes through (a Host header ends at CR or LF, a request target at SP).

Writes OUTDIR/CASE.pcap for each case, OUTDIR/all.pcap with every case (one
client port each) and OUTDIR/cases.json: per case the capture, and for each
record field the value a JSON parser must read from the record, and for
each summary line (dns names, tls sni, http hosts) the exact text the
terminal must show; and notice.pcap, whose DNS tunnel notice quotes a
hostile domain. The expected texts are written here by hand, not
computed by an escaper: they are what docs/records.md promises."""
import json
import os
import struct
import sys

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

C, S = '10.9.0.1', '10.9.0.2'

# name: (bytes, record value (as JSON decodes it), terminal text, where)
# where: which carriers may hold the bytes: d = DNS query, t = SNI,
# h = HTTP Host, u = HTTP path. A DNS name is given with '.' between labels.
CASES = {
    'clean': (b'www.example.com', 'www.example.com', 'www.example.com', 'dthu'),
    'clear-screen': (b'\x1b[2J\x1b[H.clear.test', '\x1b[2J\x1b[H.clear.test',
                     '\\x1b[2J\\x1b[H.clear.test', 'dthu'),
    'retitle': (b'\x1b]0;pwned\x07.title.test', '\x1b]0;pwned\x07.title.test',
                '\\x1b]0;pwned\\x07.title.test', 'dthu'),
    'forged-line': (b'x\r\npktlens: 0 packets FORGED.forge.test',
                    'x\r\npktlens: 0 packets FORGED.forge.test',
                    'x\\x0d\\x0apktlens: 0 packets FORGED.forge.test', 'dt'),
    'invalid-utf8': (b'bad\xff\xfe\xc0\x80.ed\xa0\x80.cut\xe2\x82.test',
                     'bad\\xff\\xfe\\xc0\\x80.ed\\xa0\\x80.cut\\xe2\\x82.test',
                     'bad\\xff\\xfe\\xc0\\x80.ed\\xa0\\x80.cut\\xe2\\x82.test', 'dthu'),
    'c1-raw': (b'c1\x9b2J\x85.c1raw.test', 'c1\\x9b2J\\x85.c1raw.test',
               'c1\\x9b2J\\x85.c1raw.test', 'dthu'),
    'c1-utf8': (b'c1\xc2\x9b2J\xc2\x85.c1utf8.test', 'c1\u009b2J\u0085.c1utf8.test',
                'c1\\xc2\\x9b2J\\xc2\\x85.c1utf8.test', 'dthu'),
    'bidi': (b'bidi\xe2\x80\xaetxt.exe.test', 'bidi\u202etxt.exe.test',
             'bidi\\xe2\\x80\\xaetxt.exe.test', 'dthu'),
    'del-backslash': (b'del\x7fback\\slash.test', 'del\x7fback\\slash.test',
                      'del\\x7fback\\x5cslash.test', 'dthu'),
    'nul': (b'nul\x00\x1b[2J.test', 'nul\x00\x1b[2J.test', 'nul', 'dthu'),
    'cut-at-end': (b'end.test\xf0\x9f\x98', 'end.test\\xf0\\x9f\\x98',
                   'end.test\\xf0\\x9f\\x98', 'dthu'),
}
# The summary's top-name tables are C strings: a name is shown up to its
# first NUL (its record keeps all of it). 'nul' checks that nothing after
# the NUL reaches the terminal.


def dns_query(name, qid):
    q = b''.join(bytes([len(lab)]) + lab for lab in name.split(b'.')) + b'\0'
    return struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0) + q + struct.pack('>HH', 1, 1)


def client_hello(sni):
    """A TLS 1.2 ClientHello with server_name, fixed bytes."""
    ext_sni = struct.pack('>HHHBH', 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    ext_sv = struct.pack('>HHB', 43, 5, 4) + b'\x03\x04\x03\x03'
    exts = ext_sni + ext_sv
    body = b'\x03\x03' + bytes(range(32)) + b'\x20' + bytes(range(32, 64)) + \
        b'\x00\x04\x13\x01\x13\x02' + b'\x01\x00' + struct.pack('>H', len(exts)) + exts
    hs = b'\x01' + struct.pack('>I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('>H', len(hs)) + hs


def tcp_session(pkts, sport, dport, payload, t):
    c, s = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / IP(src=C, dst=S), \
        Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01') / IP(src=S, dst=C)
    for p in (c / TCP(sport=sport, dport=dport, flags='S', seq=1000),
              s / TCP(sport=dport, dport=sport, flags='SA', seq=5000, ack=1001),
              c / TCP(sport=sport, dport=dport, flags='A', seq=1001, ack=5001),
              c / TCP(sport=sport, dport=dport, flags='PA', seq=1001, ack=5001) / Raw(payload),
              s / TCP(sport=dport, dport=sport, flags='A', seq=5001, ack=1001 + len(payload))):
        p.time = t[0]
        t[0] += 0.001
        pkts.append(p)


def build(raw, where, base, t):
    """The frames of one case; client ports from base."""
    pkts = []
    if 'd' in where:
        p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / IP(src=C, dst=S) / \
            UDP(sport=base, dport=53) / Raw(dns_query(raw, base & 0xffff))
        p.time = t[0]
        t[0] += 0.001
        pkts.append(p)
    if 't' in where:
        tcp_session(pkts, base + 1, 443, client_hello(raw), t)
    if 'h' in where or 'u' in where:
        path = b'/' + raw if 'u' in where else b'/'
        host = raw if 'h' in where else b'plain.test'
        tcp_session(pkts, base + 2, 80,
                    b'GET ' + path + b' HTTP/1.1\r\nHost: ' + host + b'\r\nAccept: */*\r\n\r\n', t)
    return pkts


# A DNS tunnel notice quotes the domain the names are under, in msg and sub:
# three unique names under it, with `--dns-subdomains 3 --dns-sustain 0
# --dns-notice-score 1` (one weak sign is enough).
NOTICE_BASE = b'\x1b]0;t\x07\xff.test'
NOTICE = {'notice.msg~': 'asked 3 names under \x1b]0;t\x07\\xff.test in ',
          'notice.sub': '\x1b]0;t\x07\\xff.test'}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    meta, every, t = {}, [], [1700000000.0]
    for i, (name, (raw, rec, term, where)) in enumerate(CASES.items()):
        pkts = build(raw, where, 20000 + 10 * i, t)
        wrpcap(os.path.join(out, name + '.pcap'), pkts)
        every += pkts
        fields = {}
        if 'd' in where:
            fields['dns.query'] = rec
        if 't' in where:
            fields['ssl.server_name'] = rec
        if 'h' in where:
            fields['http.host'] = rec
        if 'u' in where:
            fields['http.uri'] = '/' + rec
        summary = {}
        for c, title in (('d', 'dns names'), ('t', 'tls sni'), ('h', 'http hosts')):
            if c in where:
                summary[title] = term
        meta[name] = {'file': name + '.pcap', 'fields': fields, 'summary': summary,
                      'port': 20000 + 10 * i}
    pkts = []
    for i in range(3):
        p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / IP(src=C, dst=S) / \
            UDP(sport=30000 + i, dport=53) / Raw(dns_query(b'n%d.' % i + NOTICE_BASE, 30000 + i))
        p.time = t[0]
        t[0] += 0.001
        pkts.append(p)
    wrpcap(os.path.join(out, 'notice.pcap'), pkts)
    every += pkts
    meta['notice'] = {'file': 'notice.pcap', 'fields': NOTICE, 'summary': {}, 'port': 30000}
    wrpcap(os.path.join(out, 'all.pcap'), every)
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
