#!/usr/bin/python3
"""make_corpus.py DIR - writes the hostile corpus (issue 10) into DIR.

One file per finding: captures, config files and rule files built byte by
byte (no network, no third-party module), each small except the one whose
size is the point. tests/hostile/cases.tsv says what pktlens must do with
each; tests/hostile/run.sh runs them. The fuzzers take the same files as
seeds (tests/fuzz/run.sh copies the ones for its target).

Every file is deterministic: the same bytes on every run."""
import os
import struct
import sys

ETH_HDR = bytes(6) + bytes.fromhex("020000000001") + b"\x08\x00"
T2026 = 1767225600          # 2026-01-01 00:00:00 UTC
T2038 = 2147483000          # 2038-01-19, just before the 32-bit rollover


def ipv4_udp(src, dst, sport, dport, payload=b"x" * 8):
    """An IPv4/UDP packet (checksum 0: UDP allows it over IPv4)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, 17, 0,
                      bytes(src), bytes(dst))
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return hdr[:10] + struct.pack("!H", ~s & 0xffff) + hdr[12:] + udp


def eth_udp(n, sport=40000):
    """Frame of flow n: 10.0.x.y -> 192.0.2.1:53 is DNS, so use port 7."""
    return ETH_HDR + ipv4_udp([10, 0, (n >> 8) & 0xff, n & 0xff], [192, 0, 2, 1], sport, 7)


class Pcap:
    """A classic pcap file: little-endian, micro- or nanosecond."""

    def __init__(self, path, linktype=1, nano=False):
        self.f = open(path, "wb")
        magic = 0xa1b23c4d if nano else 0xa1b2c3d4
        self.f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))

    def rec(self, sec, frac, data, caplen=None, length=None):
        caplen = len(data) if caplen is None else caplen
        length = len(data) if length is None else length
        self.f.write(struct.pack("<IIII", sec, frac, caplen, length) + data)

    def raw(self, b):
        self.f.write(b)

    def close(self):
        self.f.close()


def pcapng_block(btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    # Many Linux cooked (SLL) records shorter than their 16-byte header,
    # 3 MB of them, then one real packet: the reader once called itself
    # per record (a stack overflow); now each is a weird record.
    c = Pcap(p("sll_short_3mb.pcap"), linktype=113)
    n = 0
    while n * 26 < 3 * 1024 * 1024:
        c.rec(T2026, n % 1000000, b"\x00" * 10)
        n += 1
    sll = struct.pack("!HHH8sH", 0, 1, 6, bytes.fromhex("020000000001") + b"\0\0", 0x0800)
    c.rec(T2026 + 1, 0, sll + ipv4_udp([10, 0, 0, 1], [192, 0, 2, 1], 40000, 7))
    c.close()
    with open(p("sll_short_3mb.count"), "w") as f:
        f.write("%d\n" % n)

    # SLL2 whose original length is 0 (and 10): below its 20-byte header.
    # It once logged 4,294,967,290 wire bytes; more captured than sent is
    # a weird record now.
    c = Pcap(p("sll2_origlen0.pcap"), linktype=276)
    sll2 = struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, bytes.fromhex("020000000001") + b"\0\0")
    pkt = sll2 + ipv4_udp([10, 0, 0, 1], [192, 0, 2, 1], 40000, 7)
    c.rec(T2026, 0, pkt, length=0)
    c.rec(T2026, 1, pkt, length=10)
    c.rec(T2026 + 1, 0, sll2 + ipv4_udp([10, 0, 0, 2], [192, 0, 2, 1], 40000, 7))
    c.close()

    # A 10-byte frame between two good ones: it aborted analyze, and every
    # record was lost.
    c = Pcap(p("frame_short.pcap"))
    c.rec(T2026, 0, eth_udp(1))
    c.rec(T2026, 1000, ETH_HDR[:10])
    c.rec(T2026 + 1, 0, eth_udp(2))
    c.close()

    # Two good frames, for `analyze -` on standard input.
    c = Pcap(p("two_flows.pcap"))
    c.rec(T2026, 0, eth_udp(1))
    c.rec(T2026 + 1, 0, eth_udp(2))
    c.close()

    # 3000 one-packet flows a second apart, one packet dated 2038 in the
    # middle: it once became the clock, no sweep ran after it, and with a
    # small flow table the rest were lost.
    c = Pcap(p("ts_2038.pcap"))
    for i in range(3000):
        if i == 1500:
            c.rec(T2038, 0, eth_udp(4000))
        c.rec(T2026 + i, 0, eth_udp(i))
    c.close()

    # Timestamp fractions out of range: a nanosecond file with 2e9 ns, a
    # microsecond one with 2e6 us (libpcap scales it to ns: 2e9; it reads
    # the field as a signed 32-bit number, so larger ones wrap there).
    c = Pcap(p("pcap_ts_ns_frac.pcap"), nano=True)
    c.rec(T2026, 0, eth_udp(1))
    c.rec(T2026, 2000000000, eth_udp(2))
    c.rec(T2026 + 1, 0, eth_udp(3))
    c.close()
    c = Pcap(p("pcap_ts_us_frac.pcap"))
    c.rec(T2026, 0, eth_udp(1))
    c.rec(T2026, 2000000, eth_udp(2))
    c.rec(T2026 + 1, 0, eth_udp(3))
    c.close()

    # pcapng with whole seconds as its unit (if_tsresol 0) and timestamps
    # of 2^63 s (negative as a time_t) and 2^40 s (the year 36,812): the
    # nanosecond product wrapped.
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(1, struct.pack("<HHI", 1, 0, 262144) +
                       struct.pack("<HHB", 9, 1, 0) + bytes(3) + struct.pack("<HH", 0, 0))

    def epb(ts, data):
        return pcapng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff,
                                           len(data), len(data)) + data)
    write(p("pcapng_ts_range.pcapng"), shb + idb + epb(T2026, eth_udp(1)) +
          epb(1 << 63, eth_udp(2)) + epb(1 << 40, eth_udp(3)) + epb(T2026 + 1, eth_udp(4)))

    # Lengths that wrapped in whatever wrote the file: 60 bytes captured
    # of 40 sent, and 4,294,967,280 bytes sent.
    c = Pcap(p("caplen_gt_len.pcap"))
    c.rec(T2026, 0, eth_udp(1))
    f = eth_udp(2) + bytes(60 - len(eth_udp(2)))
    c.rec(T2026, 1, f, length=40)
    c.rec(T2026, 2, f, length=0xFFFFFFF0)
    c.rec(T2026 + 1, 0, eth_udp(3))
    c.close()

    # The last record cut short: the records before it are written, then
    # an error naming the byte offset.
    c = Pcap(p("truncated_last.pcap"))
    c.rec(T2026, 0, eth_udp(1))
    c.rec(T2026 + 1, 0, eth_udp(2))
    c.raw(struct.pack("<IIII", T2026 + 2, 0, 60, 60) + eth_udp(3)[:20])
    c.close()

    # Config files.
    long_val = "/var/" + "a" * 5000
    write(p("long_line.conf"), ("flows = 2048\nlog-dir = %sinterface=evil0\n" % long_val).encode())
    write(p("long_comment.conf"),
          ("flows = 2048\n\n# %s detect-dry-run = false\nsummary = 5\n" % ("c" * 5000)).encode())
    write(p("nul.conf"), b"flows = 2048\nlog-dir = /var/log\0/../../tmp\n")
    write(p("inline_comment.conf"),
          b"flows = 2048   # a comment after a value\nsummary = 5\t; the other kind\nbogus = 1\n")
    write(p("big.conf"), b"# a comment line of 64 bytes .................................\n" * 17000)

    # Rule files.
    write(p("dup.rules"), b"deny 192.0.2.0/24\nallow 198.51.100.7\ndeny 192.0.2.0/24   # again\n")
    write(p("long_line.rules"), ("deny 192.0.2.0/24\n# %s\n" % ("r" * 5000)).encode())
    write(p("nul.rules"), b"deny 192.0.2.0/24\ndeny 198.51.100.0/24\0allow any\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: make_corpus.py DIR\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
