#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""fragments_peers.py - the peers of fragments.sh, each bounded in time.

  serve LOG                 victim: TCP listeners on ports 22 and 2222 and a
                            UDP one on 5000, IPv4 and IPv6; one line per
                            connection ("tcp SRC PORT") or datagram ("udp SRC
                            LEN") in LOG; runs until killed.
  v6syn IFACE SRC DST DMAC DPORT SHAPE
                            attacker: one TCP SYN to DST:DPORT in IPv6
                            fragments behind hop-by-hop and destination
                            options headers, sent as Ethernet frames to
                            DMAC. SHAPE: "whole" (the first fragment holds
                            the TCP header and 4 bytes more) or "tiny" (the
                            first holds 8 bytes of it). Listens 3 s for a
                            SYN-ACK from DPORT; prints "answers N".
  udp DST PORT SIZE         one UDP datagram of SIZE bytes to DST:PORT (the
                            kernel fragments it at the interface's MTU).

Needs Debian's python3-scapy for v6syn: run with /usr/bin/python3.
"""
import random
import socket
import sys
import threading
import time


def serve(log):
    out = open(log, "a", buffering=1)
    lock = threading.Lock()

    def w(line):
        with lock:
            out.write(line + "\n")

    def tcp(port):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.listen(512)
        while True:
            c, a = s.accept()
            w("tcp %s %d" % (a[0], port))
            c.close()

    def udp():
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 5000))
        while True:
            d, a = s.recvfrom(65536)
            w("udp %s %d" % (a[0], len(d)))

    for t in (lambda: tcp(22), lambda: tcp(2222), udp):
        threading.Thread(target=t, daemon=True).start()
    while True:
        time.sleep(3600)


def v6syn(iface, src, dst, dmac, dport, shape):
    from scapy.all import (AsyncSniffer, Ether, IPv6, IPv6ExtHdrDestOpt,
                           IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw, TCP,
                           conf, sendp)
    conf.verb = 0
    sport = random.randint(20000, 60000)
    # the TCP segment with its checksum over the IPv6 pseudo-header
    seg = bytes(IPv6(src=src, dst=dst, nh=6) /
                TCP(sport=sport, dport=dport, flags="S", seq=random.getrandbits(32)) /
                Raw(b"\0" * 40))[40:]
    cut = 24 if shape == "whole" else 8
    ident = random.getrandbits(32)
    frames = []
    for off, end in ((0, cut), (cut, len(seg))):
        frames.append(Ether(dst=dmac) / IPv6(src=src, dst=dst, nh=0) /
                      IPv6ExtHdrHopByHop(nh=60) / IPv6ExtHdrDestOpt(nh=44) /
                      IPv6ExtHdrFragment(nh=6, offset=off // 8, m=int(end < len(seg)),
                                         id=ident) /
                      Raw(seg[off:end]))
    sniff = AsyncSniffer(iface=iface, store=True,
                         filter="ip6 and tcp and src port %d and dst port %d" % (dport, sport))
    sniff.start()
    time.sleep(0.5)         # the capture is open before anything is sent
    sendp(frames, iface=iface)
    time.sleep(3)
    got = sniff.stop() or []
    print("answers %d" % sum(1 for p in got if p.haslayer(TCP) and
                             (int(p[TCP].flags) & 0x12) == 0x12))


def udp(dst, port, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # let the kernel fragment it: no path MTU discovery's DF bit
    s.setsockopt(socket.IPPROTO_IP, 10, 0)      # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    s.sendto(bytes(size), (dst, port))


def main():
    a = sys.argv[1:]
    if a[:1] == ["serve"] and len(a) == 2:
        serve(a[1])
    elif a[:1] == ["v6syn"] and len(a) == 7:
        v6syn(a[1], a[2], a[3], a[4], int(a[5]), a[6])
    elif a[:1] == ["udp"] and len(a) == 4:
        udp(a[1], int(a[2]), int(a[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
