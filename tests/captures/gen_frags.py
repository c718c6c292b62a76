#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen_frags.py OUTDIR - crafted captures of IP fragments, for
tests/integration/frag_records.sh (python3-scapy, Debian's /usr/bin/python3).

Writes OUTDIR/NAME.pcap for every case below, OUTDIR/live-N.pcap for the
live replay (the cases that take the same pktlens options, one after the
other: one daemon for them all), and OUTDIR/cases.json: {"cases": [...],
"groups": [...]}, one object per case:
  name, file
  client4, client6  the case's own client addresses (every case has its
           own, so that its records can be told apart in a group's)
  oracle   "on": tshark with IP reassembly on says what the records hold (the
           datagrams complete); "off": tshark without it, frame by frame (the
           datagram never completes for pktlens or Linux: an overlap, a
           timeout, an eviction...), which is what the first fragment alone
           holds and where the kernel counted each fragment
  weird    the reassembly's weird records (source "reassembly") by name:
           pktlens' policy (Linux's), which tshark does not share; a count,
           or "+" for at least one (with weird_total: how many in all)
  conn     fields some conn record must have (the TCP state of a fragmented
           SYN: tshark has no conn state)
  args     extra options for both `pktlens analyze` and `pktlens run`
  live     "topspeed" or "timed" (tcpreplay honouring the capture's gaps:
           a timeout in event time), how the live replay goes
and one per group: file, live, args, cases (names).
Nothing random: the same bytes on every run.
"""
import json
import os
import struct
import sys

from scapy.all import (DNS, DNSQR, DNSRR, IP, TCP, UDP, Dot1Q, Ether, IPv6,  # noqa: E402
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       Raw, wrpcap)

CLI_MAC, SRV_MAC = '02:00:00:00:00:01', '02:00:00:00:00:02'
C4, S4 = '192.0.2.10', '198.51.100.20'
C6, S6 = '2001:db8:1::10', '2001:db8:2::20'
T0 = 1700000000.0


class Cap:
    """Frames of one capture, 1 ms apart unless told otherwise."""

    def __init__(self):
        self.frames = []
        self.t = T0

    def add(self, pkt, gap=0.001):
        self.t += gap
        pkt.time = self.t
        self.frames.append(pkt)

    def extend(self, pkts, gap=0.001):
        for p in pkts:
            self.add(p, gap)


def eth(to_server=True, vlan=None):
    e = Ether(src=CLI_MAC, dst=SRV_MAC) if to_server else Ether(src=SRV_MAC, dst=CLI_MAC)
    return e / Dot1Q(vlan=vlan) if vlan else e


def v4_frags(l3, pieces, to_server=True, vlan=None):
    """The fragments of a whole IPv4 packet l3 (checksums filled in first):
    pieces are (offset, length[, mf]) of its payload, in the order sent;
    length None runs to the end; mf defaults to 'not the end'."""
    b = bytes(l3)
    ihl = (b[0] & 15) * 4
    body = b[ihl:]
    out = []
    for p in pieces:
        off, ln = p[0], p[1]
        end = len(body) if ln is None else off + ln
        mf = p[2] if len(p) > 2 else end < len(body)
        f = IP(src=l3.src, dst=l3.dst, id=l3.id, proto=b[9], ttl=l3.ttl,
               flags='MF' if mf else 0, frag=off // 8) / Raw(body[off:end])
        out.append(eth(to_server, vlan) / f)
    return out


def v6_frags(l3, pieces, ident, to_server=True, ext=False):
    """The same for IPv6 (l3 without extension headers); with ext, hop-by-hop
    and destination options come before the fragment header."""
    b = bytes(l3)
    nh, body = b[6], b[40:]
    out = []
    for p in pieces:
        off, ln = p[0], p[1]
        end = len(body) if ln is None else off + ln
        mf = p[2] if len(p) > 2 else end < len(body)
        fh = IPv6ExtHdrFragment(nh=nh, offset=off // 8, m=1 if mf else 0, id=ident)
        if ext:
            hdrs = IPv6(src=l3.src, dst=l3.dst, hlim=l3.hlim, nh=0) / \
                IPv6ExtHdrHopByHop(nh=60) / IPv6ExtHdrDestOpt(nh=44) / fh
        else:
            hdrs = IPv6(src=l3.src, dst=l3.dst, hlim=l3.hlim, nh=44) / fh
        out.append(eth(to_server) / hdrs / Raw(body[off:end]))
    return out


def dns_response(qname, qtype, n_txt, v6=False, sport=5353):
    """A query and a response long enough to need fragments."""
    ip_q = IPv6(src=C6, dst=S6) if v6 else IP(src=C4, dst=S4, id=0x1000)
    ip_r = IPv6(src=S6, dst=C6) if v6 else IP(src=S4, dst=C4, id=0x2000)
    q = ip_q / UDP(sport=sport, dport=53) / DNS(id=0x4242, rd=1, qd=DNSQR(qname=qname, qtype=qtype))
    an = None
    for i in range(n_txt):
        rr = DNSRR(rrname=qname, type='TXT', ttl=60, rdata=[('%03d' % i) * 60])
        an = rr if an is None else an / rr
    r = ip_r / UDP(sport=53, dport=sport) / DNS(id=0x4242, qr=1, aa=1, rd=1, ra=1,
                                               qd=DNSQR(qname=qname, qtype=qtype), an=an)
    return q, r


def tcp_handshake(cap, sport, dport, v6=False):
    ip_c = IPv6(src=C6, dst=S6) if v6 else IP(src=C4, dst=S4)
    ip_s = IPv6(src=S6, dst=C6) if v6 else IP(src=S4, dst=C4)
    cap.add(eth() / ip_c / TCP(sport=sport, dport=dport, flags='S', seq=1000))
    cap.add(eth(False) / ip_s / TCP(sport=dport, dport=sport, flags='SA', seq=5000, ack=1001))
    cap.add(eth() / ip_c / TCP(sport=sport, dport=dport, flags='A', seq=1001, ack=5001))


def client_hello(sni):
    """A TLS 1.3 ClientHello with server_name and supported_versions, fixed bytes."""
    name = sni.encode()
    ext_sni = struct.pack('>HHHBH', 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    ext_sv = struct.pack('>HHB', 43, 5, 4) + b'\x03\x04\x03\x03'
    ext_pad = struct.pack('>HH', 21, 600) + b'\0' * 600     # padding: several fragments
    exts = ext_sni + ext_sv + ext_pad
    body = b'\x03\x03' + bytes(range(32)) + b'\x20' + bytes(range(32, 64)) + \
        b'\x00\x04\x13\x01\x13\x02' + b'\x01\x00' + struct.pack('>H', len(exts)) + exts
    hs = b'\x01' + struct.pack('>I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('>H', len(hs)) + hs


CASES = []


def case(name, oracle, weird=None, weird_total=None, conn=None, args=(), live='topspeed'):
    def deco(fn):
        CASES.append(dict(name=name, file=name + '.pcap', oracle=oracle, weird=weird or {},
                          weird_total=weird_total, conn=conn or [], args=list(args),
                          live=live, build=fn))
        return fn
    return deco


# ---- cases ---------------------------------------------------------------

@case('tiny-syn-v4', 'on',
      conn=[{'id.orig_p': 12345, 'id.resp_p': 8080, 'conn_state': 'S1', 'history': 'Sha',
             'orig_pkts': 3, 'resp_pkts': 1}])
def _(cap):
    """A SYN (24-byte header: window scale) in three 8-byte fragments behind
    a VLAN tag, as ../shared/pcaps/vlan-ipv4-frag-tcp-syn.pcap, and the
    SYN-ACK: the first fragment holds only the ports and sequence number."""
    syn = IP(src=C4, dst=S4, id=1) / TCP(sport=12345, dport=8080, flags='S', seq=1,
                                         window=8192, options=[('WScale', 14), ('NOP', None)])
    cap.extend(v4_frags(syn, [(0, 8), (8, 8), (16, None)], vlan=6))
    cap.add(eth(False, 6) / IP(src=S4, dst=C4) / TCP(sport=8080, dport=12345, flags='SA',
                                                     seq=9, ack=2))


@case('tiny-syn-v4-last', 'on',
      conn=[{'id.orig_p': 12345, 'id.resp_p': 8080, 'conn_state': 'S0', 'history': 'S',
             'orig_pkts': 3}])
def _(cap):
    """The same SYN, its tiny first fragment last: the kernel sees no
    ports in any fragment; the SYN still counts in its connection."""
    syn = IP(src=C4, dst=S4, id=2) / TCP(sport=12345, dport=8080, flags='S', seq=1,
                                         window=8192, options=[('WScale', 14), ('NOP', None)])
    cap.extend(v4_frags(syn, [(8, 8), (16, None), (0, 8)]))


@case('dns-v4', 'on')
def _(cap):
    """A DNS query and a ~2.6 KB response in IPv4 fragments."""
    q, r = dns_response('big.frag.example', 'TXT', 14)
    cap.add(eth() / q)
    cap.extend(v4_frags(r, [(0, 1480), (1480, 1480), (2960, None)], to_server=False))


@case('dns-v6', 'on')
def _(cap):
    q, r = dns_response('big6.frag.example', 'TXT', 14, v6=True)
    cap.add(eth() / q)
    cap.extend(v6_frags(r, [(0, 1448), (1448, 1448), (2896, None)], 0xabcd0001,
                        to_server=False))


@case('dns-v6-ext', 'on')
def _(cap):
    """IPv6 fragments behind hop-by-hop and destination options."""
    q, r = dns_response('ext6.frag.example', 'TXT', 14, v6=True, sport=5354)
    cap.add(eth() / q)
    cap.extend(v6_frags(r, [(0, 1400), (1400, 1400), (2800, None)], 0xabcd0002,
                        to_server=False, ext=True))


@case('dns-v6-atomic', 'on')
def _(cap):
    """An IPv6 atomic fragment (offset 0, M 0; RFC 6946): a whole packet."""
    q, r = dns_response('atomic.frag.example', 'A', 0, v6=True, sport=5355)
    cap.extend(v6_frags(q, [(0, None, False)], 0xabcd0003))
    cap.add(eth(False) / r)


@case('dns-v4-reordered-dup', 'on')
def _(cap):
    """Fragments out of order, with a duplicate of a middle one before the
    datagram completes (Linux: ignored)."""
    q, r = dns_response('order.frag.example', 'TXT', 14, sport=5356)
    cap.add(eth() / q)
    cap.extend(v4_frags(r, [(1480, 1480), (2960, None), (1480, 1480), (0, 1480)],
                        to_server=False))


@case('http-v4', 'on')
def _(cap):
    """An HTTP request in IPv4 fragments: the first holds 'GET ' only."""
    tcp_handshake(cap, 40001, 80)
    req = b'GET /frag/index.html?a=1 HTTP/1.1\r\nHost: www.frag.example\r\n' \
          b'User-Agent: pktlens-test\r\nAccept: */*\r\n\r\n'
    pkt = IP(src=C4, dst=S4, id=0x3000) / TCP(sport=40001, dport=80, flags='PA', seq=1001,
                                              ack=5001) / Raw(req)
    cap.extend(v4_frags(pkt, [(0, 24), (24, 32), (56, None)]))


@case('tls-v4', 'on')
def _(cap):
    """A TLS ClientHello in IPv4 fragments; SNI beyond the first."""
    tcp_handshake(cap, 40002, 443)
    pkt = IP(src=C4, dst=S4, id=0x3001) / TCP(sport=40002, dport=443, flags='PA', seq=1001,
                                              ack=5001) / Raw(client_hello('hello.frag.example'))
    cap.extend(v4_frags(pkt, [(0, 96), (96, 296), (392, None)]))


@case('tls-v6', 'on')
def _(cap):
    tcp_handshake(cap, 40003, 443, v6=True)
    pkt = IPv6(src=C6, dst=S6) / TCP(sport=40003, dport=443, flags='PA', seq=1001,
                                     ack=5001) / Raw(client_hello('hello6.frag.example'))
    cap.extend(v6_frags(pkt, [(0, 96), (96, None)], 0xabcd0004))


@case('overlap-v4', 'off', weird={'frag_overlap': 1})
def _(cap):
    """ipv4-frag-tcp.pcap's shape: a fragment that covers part of another.
    Linux (4.19+) and pktlens discard the datagram; what the first fragment
    holds (a bare GET) is still read, as the kernel read it before."""
    tcp_handshake(cap, 40004, 80)
    req = b'GET /overlap HTTP/1.1\r\nHost: overlap.frag.example\r\n\r\n'
    pkt = IP(src=C4, dst=S4, id=0x3002) / TCP(sport=40004, dport=80, flags='PA', seq=1001,
                                              ack=5001) / Raw(req)
    cap.extend(v4_frags(pkt, [(0, 24), (48, 24), (72, None), (24, 48)]))


@case('overlap-v6', 'off', weird={'frag_overlap': 1})
def _(cap):
    """RFC 5722: overlapping IPv6 fragments discard the datagram, and the
    fragments of it still to come (the last one here) go too."""
    q, r = dns_response('overlap6.frag.example', 'TXT', 14, v6=True, sport=5357)
    cap.add(eth() / q)
    cap.extend(v6_frags(r, [(0, 1400), (1392, 400, True), (1792, None)], 0xabcd0005,
                        to_server=False))


@case('timeout-v4', 'off', weird={'frag_timeout': 2}, args=['--frag-timeout', '1'],
      live='timed')
def _(cap):
    """The rest of a request 3 s after its first fragment, with a 1 s
    timeout: the first datagram times out (its first fragment gives the
    bare GET), the rest starts one that never completes."""
    tcp_handshake(cap, 40005, 80)
    req = b'GET /late HTTP/1.1\r\nHost: late.frag.example\r\n\r\n'
    pkt = IP(src=C4, dst=S4, id=0x3003) / TCP(sport=40005, dport=80, flags='PA', seq=1001,
                                              ack=5001) / Raw(req)
    f = v4_frags(pkt, [(0, 24), (24, None)])
    cap.add(f[0])
    cap.add(f[1], gap=3.0)


@case('evict-v4', 'on', weird={'frag_evicted': '+', 'frag_timeout': '+'}, weird_total=120,
      args=['--frag-src-kb', '128'])
def _(cap):
    """120 datagrams of one source that never complete, 128 KiB for it:
    the oldest go first; a datagram after them still completes."""
    for i in range(120):
        pkt = IP(src=C4, dst=S4, id=0x5000 + i) / UDP(sport=7000, dport=9) / Raw(b'x' * 2000)
        cap.add(v4_frags(pkt, [(0, 1480)])[0])
    q, r = dns_response('after.frag.example', 'TXT', 14, sport=5358)
    r[IP].id = 0x6000
    cap.add(eth() / q)
    cap.extend(v4_frags(r, [(0, 1480), (1480, 1480), (2960, None)], to_server=False))


@case('oversize-v4', 'on', weird={'frag_oversize': 1})
def _(cap):
    """A last fragment ending at 65520 bytes of payload: 65540 with the
    header, more than an IPv4 datagram holds."""
    pkt = IP(src=C4, dst=S4, id=0x3004) / UDP(sport=7001, dport=9) / Raw(b'y' * 1500)
    f = v4_frags(pkt, [(0, 1480)])[0]
    cap.add(f)
    cap.add(eth() / IP(src=C4, dst=S4, id=0x3004, proto=17, frag=65512 // 8) / Raw(b'z' * 8))


@case('inconsistent-v4', 'off', weird={'frag_inconsistent': 1})
def _(cap):
    """Two last fragments that end in different places."""
    pkt = IP(src=C4, dst=S4, id=0x3005) / UDP(sport=7002, dport=9) / Raw(b'w' * 40)
    cap.extend(v4_frags(pkt, [(0, 16), (32, None)]))
    cap.add(eth() / IP(src=C4, dst=S4, id=0x3005, proto=17, frag=40 // 8) / Raw(b'v' * 16))


@case('jumbo-cut-v4', 'on', weird={'frag_cut': 1})
def _(cap):
    """A 4 KB first fragment (a 9000-byte MTU): the kernel sends its first
    1536 bytes; the datagram completes, its bytes past the cut are not seen,
    and the DNS question before it is read all the same."""
    q, r = dns_response('jumbo.frag.example', 'TXT', 30, sport=5359)
    r[IP].id = 0x6001
    cap.add(eth() / q)
    cap.extend(v4_frags(r, [(0, 4000), (4000, None)], to_server=False))


def main(argv):
    global C4, C6
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    meta, groups = [], {}
    for i, c in enumerate(CASES):
        C4, C6 = '192.0.2.%d' % (10 + i), '2001:db8:1::%x' % (0x10 + i)
        cap = Cap()
        c['build'](cap)
        wrpcap(os.path.join(out, c['file']), cap.frames)
        m = {k: v for k, v in c.items() if k != 'build'}
        m.update(client4=C4, client6=C6)
        meta.append(m)
        g = groups.setdefault((c['live'], tuple(c['args'])), dict(
            file='live-%d.pcap' % len(groups), live=c['live'], args=c['args'], cases=[],
            frames=[]))
        g['cases'].append(c['name'])
        g['frames'].append(cap.frames)
    for g in groups.values():
        t, frames = T0, []
        for fr in g.pop('frames'):      # one case after the other, gaps kept
            shift = t + 0.001 - float(fr[0].time)
            for p in fr:
                p.time = float(p.time) + shift
            t = float(fr[-1].time)
            frames += fr
        wrpcap(os.path.join(out, g['file']), frames)
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump(dict(cases=meta, groups=list(groups.values())), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
