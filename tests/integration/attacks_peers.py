#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""attacks_peers.py - the small peers of attacks.sh, each bounded in time.

  server LOG ADDR           victim: TCP echo on ADDR:8080 and UDP echo on
                            ADDR:9999; one line per TCP connection or UDP
                            datagram ("tcp SRC" / "udp SRC DATA") in LOG;
                            runs until killed.
  legit ADDR SECS OUT       legitimate client: a small TCP request to
                            ADDR:8080 every 50 ms for SECS seconds; writes
                            "OK TOTAL" to OUT.
  probe ADDR TAG [SRC]      attacker: one UDP datagram TAG to ADDR:9999 and
                            one TCP connect to ADDR:8080 (1 s timeout each),
                            from SRC if given; prints "tcp ok" or "tcp fail".
  garp IFACE MAC IP COUNT   gratuitous ARP requests (sender IP == target
                            IP) from MAC for IP, COUNT of them, 20 ms apart.
"""
import socket
import struct
import sys
import threading
import time


def server(log, addr):
    out = open(log, "a", buffering=1)
    lock = threading.Lock()

    def w(line):
        with lock:
            out.write(line + "\n")

    def tcp_conn(c, a):
        w("tcp %s" % a[0])
        c.settimeout(2)
        try:
            d = c.recv(256)
            if d:
                c.sendall(d)
        except OSError:
            pass
        c.close()

    def tcp():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 8080))
        s.listen(512)
        while True:
            c, a = s.accept()
            threading.Thread(target=tcp_conn, args=(c, a), daemon=True).start()

    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 9999))
        while True:
            d, a = s.recvfrom(2048)
            w("udp %s %s" % (a[0], d[:64].decode("ascii", "replace")))
            s.sendto(d, a)

    threading.Thread(target=tcp, daemon=True).start()
    threading.Thread(target=udp, daemon=True).start()
    while True:
        time.sleep(3600)


def legit(addr, secs, outf):
    ok = total = 0
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        total += 1
        try:
            with socket.create_connection((addr, 8080), timeout=1) as c:
                c.settimeout(1)
                c.sendall(b"hello")
                if c.recv(16) == b"hello":
                    ok += 1
        except OSError:
            pass
        time.sleep(0.05)
    with open(outf, "w") as f:
        f.write("%d %d\n" % (ok, total))


def probe(addr, tag, src=""):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if src:
        u.bind((src, 0))
    u.sendto(tag.encode(), (addr, 9999))
    u.close()
    try:
        with socket.create_connection((addr, 8080), timeout=1,
                                      source_address=(src, 0) if src else None) as c:
            c.settimeout(1)
            c.sendall(b"x")
            c.recv(4)
        print("tcp ok")
    except OSError:
        print("tcp fail")


def garp(iface, mac, ip, count):
    m = bytes.fromhex(mac.replace(":", ""))
    a = socket.inet_aton(ip)
    frame = (b"\xff" * 6 + m + b"\x08\x06" +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + m + a + b"\x00" * 6 + a)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for _ in range(int(count)):
        s.send(frame)
        time.sleep(0.02)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"server": server, "legit": legit, "probe": probe, "garp": garp}[cmd](*args)
