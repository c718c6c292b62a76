#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""lvo.py - helper of live_vs_offline.sh (standard library only).

  lvo.py prep CAPTURE OUTDIR
      Prints "PATH MTU LINKTYPE": PATH is CAPTURE itself when it is Ethernet,
      else an Ethernet copy written to OUTDIR; MTU is what the veth needs for
      the largest frame of PATH.

  lvo.py compare NAME OFFDIR LIVEDIR CAPTURE TRUTH.tsv KNOWN.tsv [NOTES]
      Compares the Zeek-style logs of `pktlens analyze` (OFFDIR) and
      `pktlens run` (LIVEDIR) with each other and both with tshark: its
      per-frame TRUTH.tsv, and tshark run on CAPTURE for the DNS
      transactions. NOTES holds problems the script met on the way
      ("check<TAB>item" lines, e.g. a non-zero exit status); they count as
      differences too. Prints one line "ok   NAME ..." or "FAIL NAME ..."
      (then the differing items, indented); exits 0 if the file agrees, 1
      otherwise.

  lvo.py known KNOWN.tsv PCAPS
      Checks the known-differences file as a whole: four fields a row, a
      known check, no row twice, every file in PCAPS. Prints "ok   NAME" or
      "FAIL NAME: why"; exits 0 or 1.

Known differences (KNOWN.tsv): "file<TAB>check<TAB>item<TAB>reason" rows; item
is the differing item's whole text as this script prints it under a FAIL (a
5-tuple with its counts, a record's key with its counts), compared exactly:
no patterns. Every row of a file must excuse at least one difference of its
run, or the file fails naming the stale row.

Records are compared as multisets (live with offline, and each with tshark),
so a record logged twice is a difference.

Why the conversion is done here and not with tcprewrite: Debian 12's
tcprewrite 4.4.3 was checked on every non-Ethernet link type of the corpus and
gets each one wrong:
  113 Linux SLL   --dlt=enet keeps 4 bytes of the SLL header and writes
                  EtherType 0 (tcpreplay issues #792/#826, fixed only in 4.5);
                  --dlt=user strips it only for hatype Ethernet/loopback, so
                  tcp-handshake-sll-nsec.pcap (hatype 0x200) is left unchanged.
  101 raw IP      --dlt=enet aborts in fix_ipv4_checksums ("Expected IPv4
                  packet"), even on the corpus' IPv4-only files; --dlt=user
                  with --user-dlink works but takes one EtherType for the
                  whole file: raw IPv6 needs 86dd given by hand, and a file
                  mixing versions cannot be done.
  228/229         raw IPv4/IPv6: "No DLT plugin available".
So this converter prepends the same synthetic Ethernet header that the
offline analyzer builds (src/pcap_frames.c): raw IP gets zero MACs and the
EtherType from the IP version nibble (0x86dd for 6, else 0x0800); SLL/SLL2
keep their protocol field as EtherType and the sender address as source MAC.
Live and offline then see byte-identical frames from the IP header on.
"""
import collections
import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile

# --------------------------------------------------------------------------
# capture files (classic pcap, both byte orders, usec and nsec)

PCAP_MAGICS = {0xA1B2C3D4: False, 0xA1B23C4D: True}   # value: nanosecond
MAX_RECORD = 262144            # libpcap's largest snap length


def read_pcap(path):
    """Returns (linktype, nsec, [(sec, frac, orig_len, data)]), stopping at the
    first damaged record as libpcap does."""
    with open(path, 'rb') as f:
        blob = f.read()
    if len(blob) < 24:
        raise ValueError(f'{path}: too short for a pcap header')
    for endian in '<>':
        magic = struct.unpack(endian + 'I', blob[:4])[0]
        if magic in PCAP_MAGICS:
            break
    else:
        raise ValueError(f'{path}: not a classic pcap file (pcapng is not supported here)')
    nsec = PCAP_MAGICS[magic]
    # The link-type field's upper bits carry FCS information (the corpus has
    # 0x300000E5 = link type 229); the type is the low 16 bits.
    linktype = struct.unpack(endian + 'I', blob[20:24])[0] & 0xFFFF
    recs, off = [], 24
    while off + 16 <= len(blob):
        sec, frac, incl, orig = struct.unpack(endian + 'IIII', blob[off:off + 16])
        if incl > MAX_RECORD or off + 16 + incl > len(blob):
            break
        recs.append((sec, frac, orig, blob[off + 16:off + 16 + incl]))
        off += 16 + incl
    return linktype, nsec, recs


def to_ethernet(linktype, data):
    """(bytes to drop, synthetic Ethernet header) for one frame, as
    src/pcap_frames.c does; None if the frame has no room for its header."""
    zero = b'\0' * 6
    if linktype in (101, 12, 14, 228, 229):               # raw IP
        v6 = len(data) > 0 and data[0] >> 4 == 6
        return 0, zero + zero + (b'\x86\xdd' if v6 else b'\x08\x00')
    if linktype == 113:                                   # Linux SLL
        if len(data) < 16:
            return None
        return 16, zero + data[6:12] + data[14:16]
    if linktype == 276:                                   # Linux SLL2
        if len(data) < 20:
            return None
        return 20, zero + data[12:18] + data[0:2]
    raise ValueError(f'link type {linktype} is not supported')


def cmd_prep(cap, outdir):
    linktype, nsec, recs = read_pcap(cap)
    path = cap
    if linktype != 1:
        out = []
        for sec, frac, orig, data in recs:
            conv = to_ethernet(linktype, data)
            if conv is None:
                continue
            skip, hdr = conv
            # tcpreplay refuses a record whose original length exceeds
            # libpcap's maximum (bad-ipv6-rthdr-raw.pcap claims 262144).
            orig = min(max(orig - skip, 0) + len(hdr), MAX_RECORD)
            out.append((sec, frac, orig, hdr + data[skip:]))
        recs = out
        path = os.path.join(outdir, 'eth-' + os.path.basename(cap))
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xA1B23C4D if nsec else 0xA1B2C3D4,
                                2, 4, 0, 0, MAX_RECORD, 1))
            for sec, frac, orig, data in recs:
                f.write(struct.pack('<IIII', sec, frac, len(data), orig))
                f.write(data)
    # A packet socket sends, and a veth forwards, a frame of up to MTU + 14
    # (+ 4 for one VLAN tag) bytes: MTU = largest frame covers any tag stack.
    biggest = max((len(r[3]) for r in recs), default=0)
    mtu = min(max(1500, biggest), 65535)
    print(path, mtu, linktype)
    return 0


# --------------------------------------------------------------------------
# logs

def canonical(s):
    """The one right spelling of an address: dotted quad, or RFC 5952 for
    IPv6 (lower case, longest run of two or more zero groups as '::', and
    ::ffff:a.b.c.d for IPv4-mapped); None if s is not an address."""
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        return None
    if a.version == 6 and a.ipv4_mapped:
        return '::ffff:' + str(a.ipv4_mapped)
    return a.compressed


def addr(s):
    """Addresses compared in one spelling (the truth's may differ)."""
    return canonical(s) or str(s)


def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def text(v):
    """Absent, null and Zeek's '-' all mean 'no value'."""
    if v is None or v == '-':
        return ''
    return str(v)


def read_log(d, name, errors):
    path = os.path.join(d, name + '.log')
    recs = []
    if not os.path.exists(path):
        return recs
    with open(path, encoding='utf-8', errors='replace') as f:
        for i, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f'{path}:{i}: not JSON ({e})')
                continue
            recs.append(r)
            for f in ('id.orig_h', 'id.resp_h'):
                if f in r and canonical(r[f]) != r[f]:
                    errors.append(f'{path}:{i}: {f} {r[f]!r} is not spelled '
                                  f'{canonical(r[f])!r}')
    return recs


PROTO_NUM = {'tcp': 6, 'udp': 17}


def proto_num(p, orig_h):
    p = text(p).lower()
    if p in PROTO_NUM:
        return PROTO_NUM[p]
    if p == 'icmp':                  # Zeek says "icmp" for ICMPv6 too
        return 58 if ':' in orig_h else 1
    return num(p)


def is_icmp(proto):
    return proto in (1, 58)


class Logs:
    """What one run (offline or live) produced, reduced to what is compared."""

    def __init__(self, d):
        self.errors = []
        conn = read_log(d, 'conn', self.errors)
        # conn keyed by the 5-tuple; a flow logged in several records (an
        # idle timeout in one run, not in the other) is summed.
        self.conn = collections.defaultdict(lambda: [0, 0, 0, 0])
        for r in conn:
            k = (addr(r.get('id.orig_h')), num(r.get('id.orig_p')),
                 addr(r.get('id.resp_h')), num(r.get('id.resp_p')),
                 text(r.get('proto')).lower())
            v = self.conn[k]
            for i, f in enumerate(('orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes')):
                v[i] += num(r.get(f))
        self.conn = dict(self.conn)
        # A record without "query" is a message whose name could not be
        # read (pktlens logs it all the same): None, not "" (the root).
        self.dns = collections.Counter(
            (None if r.get('query') is None else text(r.get('query')), num(r.get('qtype')))
            for r in read_log(d, 'dns', self.errors))
        self.http = collections.Counter(
            (text(r.get('method')), text(r.get('host')), text(r.get('uri')))
            for r in read_log(d, 'http', self.errors))
        # One ssl record per ClientHello; '' for one without a server name.
        self.sni = collections.Counter(
            text(r.get('server_name')) for r in read_log(d, 'ssl', self.errors))
        # Malformed packets by reason: the datapath must judge a frame the
        # same way live and offline. Weird records are rate-limited per
        # second (docs/bounds.md), and live seconds are not the capture's:
        # a rate-limit record counts as the `suppressed` ones it stands for.
        self.weird = collections.Counter()
        for r in read_log(d, 'weird', self.errors):
            n = r.get('suppressed') if r.get('source') == 'rate-limit' else 1
            self.weird[text(r.get('name'))] += n if isinstance(n, int) else 1

    def directions(self):
        """Packets per direction of every conn record, keyed like a truth
        group: (src, dst, proto, sport, dport); ICMP by addresses only (its
        'ports' are type and code, which differ between the two directions
        and are absent on non-first fragments)."""
        out = collections.Counter()
        for (oh, op, rh, rp, p), (opk, rpk, _, _) in self.conn.items():
            pn = proto_num(p, oh)
            if is_icmp(pn):
                op = rp = '*'
            if opk:
                out[(oh, rh, pn, op, rp)] += opk
            if rpk:
                out[(rh, oh, pn, rp, op)] += rpk
        return out


# --------------------------------------------------------------------------
# truth

def fragment_ports(cap):
    """{frame: (sport, dport)} for every frame that is a fragment of an IP
    datagram tshark reassembles (IP reassembly on), with the TCP or UDP
    ports of the datagram: the reassembling frame lists its fragments'
    frame numbers (ip.fragment / ipv6.fragment) and carries the ports.
    pktlens reassembles in the collector and counts every fragment of a
    datagram in its 5-tuple connection, as the truth does with this.
    Returns ({...}, problem or None)."""
    cmd = ['tshark', '-n', '-r', cap, '-o', 'ip.defragment:TRUE', '-o', 'ipv6.defragment:TRUE',
           '-T', 'fields', '-E', 'separator=\t', '-E', 'aggregator=,', '-e', 'ip.fragment',
           '-e', 'ipv6.fragment', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport',
           '-e', 'udp.dstport']
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TSHARK_SECS, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {}, f'tshark: {e}'
    out = {}
    # a damaged capture: the frames before the damage, as tshark_dns
    for line in r.stdout.decode('utf-8', 'replace').splitlines():
        c = (line.split('\t') + [''] * 6)[:6]
        frames = c[0] or c[1]
        sp, dp = (c[2], c[3]) if c[2] else (c[4], c[5])
        if frames and sp:
            for fr in frames.split(','):
                out[fr] = (num(sp.split(',')[0]), num(dp.split(',')[0]))
    return out, None


def read_truth(path, frag_ports=None):
    """The truth file, reduced to what is compared: (flows, sni, http).

    flows: frames with an outer IP header grouped by (ip_src, ip_dst,
      l4_proto, sport, dport). Non-first fragments have no ports in the truth;
      pktlens keys them with ports 0 (no L4 header), so empty ports are 0
      here, unless frag_ports (fragment_ports) gives the ports of the
      datagram they make. ICMP/ICMPv6 groups by addresses and protocol only
      (see Logs.directions).
    sni: the server name of every ClientHello (tls_ch; '' when it has none):
      an ssl record each.
    http: (method, host, uri) of every request: an http record each. tshark
      leaves the L7 columns of a segment it flags as a retransmission empty,
      so a request sent twice is one request here.
    sni and http are multisets (Counters): a record logged twice is caught.
    DNS needs more than the truth holds (transaction ids): see tshark_dns.
    """
    flows = collections.Counter()
    sni, http = collections.Counter(), collections.Counter()
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.startswith('#'):
                continue
            c = line.rstrip('\n').split('\t')
            c += [''] * (38 - len(c))
            src, dst, l4 = c[4], c[5], c[6]
            if src and dst and l4:
                p = num(l4)
                sp, dp = num(c[10]), num(c[11])
                if frag_ports and c[0] in frag_ports:
                    sp, dp = frag_ports[c[0]]
                if is_icmp(p):
                    sp = dp = '*'
                flows[(addr(src), addr(dst), p, sp, dp)] += 1
            if c[31] == '1':
                sni[c[16]] += 1
            if c[17]:
                ms, hs, us = c[17].split(','), c[18].split(','), c[19].split(',')
                if len(ms) == 1:
                    http[(c[17], c[18], c[19])] += 1
                else:           # pipelined requests in one segment
                    for i, m in enumerate(ms):
                        http[(m, hs[i] if i < len(hs) else '', us[i] if i < len(us) else '')] += 1
    return flows, sni, http


# The preferences of tshark-truth.sh's first pass (every frame on its own,
# retransmitted segments not dissected), so that tshark_dns sees the DNS
# messages the truth file's dns_* columns come from.
TSHARK_PREFS = ['-o', 'tcp.analyze_sequence_numbers:TRUE',
                '-o', 'tcp.no_subdissector_on_error:TRUE',
                '-o', 'ip.check_checksum:FALSE', '-o', 'tcp.check_checksum:FALSE',
                '-o', 'udp.check_checksum:FALSE',
                '-o', 'tcp.desegment_tcp_streams:FALSE',
                '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE']
TSHARK_SECS = 120


def dns_name(n):
    """tshark's spelling of a question name in a dns.log's: '<Root>' is the
    root (''); other '<...>' are its markers for a name it could not read
    (None, as a record without "query")."""
    if n is None:
        return None
    if n == '<Root>':
        return ''
    return None if n.startswith('<') else n


def dns_messages(layers):
    """The DNS messages of one frame of tshark's JSON, in order: (src, dst,
    is_response, id, (qname, qtype)) with src and dst (address, port,
    transport). [] when the frame has more than one IP layer (an ICMP error
    quoting a DNS packet is no message on the wire; the truth files skip it
    too)."""
    protos = layers.get('frame', {}).get('frame.protocols', '').split(':')
    ips = [p for p in protos if p in ('ip', 'ipv6')]
    if len(ips) != 1:
        return []
    l3 = layers.get(ips[0], {})
    l4name = 'tcp' if 'tcp' in protos else 'udp'
    l4 = layers.get(l4name, {})
    src = (addr(l3.get(ips[0] + '.src')), num(l4.get(l4name + '.srcport')), l4name)
    dst = (addr(l3.get(ips[0] + '.dst')), num(l4.get(l4name + '.dstport')), l4name)
    msgs = layers.get('dns', [])
    out = []
    for m in msgs if isinstance(msgs, list) else [msgs]:
        qs = m.get('Queries')
        q = {}
        if isinstance(qs, dict) and qs:
            q = next(iter(qs.values()))
            if isinstance(q, list):     # the same question twice
                q = q[0]
        out.append((src, dst, m.get('dns.flags_tree', {}).get('dns.flags.response') == '1',
                    m.get('dns.id'),
                    (dns_name(q.get('dns.qry.name')), num(q.get('dns.qry.type')))))
    return out


def tshark_dns(cap):
    """The dns records a capture should give: a multiset of (qname, qtype).

    tshark dissects the messages (the preferences of the truth's first
    pass); a transaction is a query and the first later response to it: the
    same id and question, between the same two ends the other way round
    (RFC 5452 9.1). Each transaction is one record, keyed by its question;
    so is a query never answered, and a response with no query open (its
    query not captured, or answered already: a repeated response). tshark's
    own pairing (dns.response_to) is not used: it does not pair a response
    that arrives in IP fragments. Returns (Counter, problem or None)."""
    with tempfile.TemporaryDirectory() as cfg:
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=cfg)   # no personal preferences
        try:
            r = subprocess.run(['tshark', '-n', '-r', cap] + TSHARK_PREFS +
                               ['-T', 'json', '--no-duplicate-keys',
                                '-J', 'frame ip ipv6 udp tcp dns', '-Y', 'dns'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               timeout=TSHARK_SECS, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return collections.Counter(), f'tshark: {e}'
    try:
        pkts = json.loads(r.stdout.decode('utf-8', 'replace') or '[]')
    except json.JSONDecodeError as e:
        err = r.stderr.decode('utf-8', 'replace').strip().splitlines()
        return collections.Counter(), f'tshark exit {r.returncode}: {err[-1] if err else e}'
    # A capture damaged part-way: tshark gives the frames before the damage
    # and exits non-zero; those frames are the ones compared.
    out = collections.Counter()
    open_q = collections.defaultdict(int)   # (client, server, id, question): queries open
    for p in pkts:
        for src, dst, is_resp, tid, key in dns_messages(p.get('_source', {}).get('layers', {})):
            if not is_resp:
                open_q[(src, dst, tid, key)] += 1
                out[key] += 1               # its record, answered or not
            elif open_q[(dst, src, tid, key)]:
                open_q[(dst, src, tid, key)] -= 1
            else:
                out[key] += 1
    return out, None


# --------------------------------------------------------------------------
# known differences

CHECKS = ('live-conn', 'live-dns', 'live-http', 'live-ssl', 'live-weird',
          'truth-flows', 'truth-dns', 'truth-sni', 'truth-http',
          'analyze', 'replay', 'daemon', 'tshark')


def read_known_rows(path):
    """Every row of the known-differences file as (line, file, check, item,
    reason), and the problems of the file (bad rows, rows twice)."""
    rows, problems, seen = [], [], {}
    if not path or not os.path.exists(path):
        return rows, problems
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            c = line.split('\t')
            if len(c) != 4 or not all(c):
                problems.append(f'line {i}: want file, check, item, reason: four '
                                f'non-empty tab-separated fields')
                continue
            if c[1] not in CHECKS:
                problems.append(f'line {i}: no check {c[1]!r} ({", ".join(CHECKS)})')
                continue
            key = tuple(c[:3])
            if key in seen:
                problems.append(f'line {i}: the same row as line {seen[key]}')
                continue
            seen[key] = i
            rows.append((i, c[0], c[1], c[2], c[3]))
    return rows, problems


def read_known(path, name):
    """This file's rows: {(check, item): line}."""
    rows, _ = read_known_rows(path)
    return {(check, item): i for i, file, check, item, _ in rows if file == name}


class Check:
    """The differences of one file's run, and those its known rows excuse. A
    row excuses the one item whose text it names exactly; a row that excused
    nothing is stale, which is a difference too (what it excused is gone, or
    its text changed: either way the list no longer says what happens)."""

    def __init__(self, known):
        self.known = known
        self.used = collections.Counter()
        self.diffs = []         # (check, item) not excused
        self.excused = []       # (check, item) in the known-differences list

    def diff(self, check, item):
        if (check, item) in self.known:
            self.used[(check, item)] += 1
            self.excused.append((check, item))
        else:
            self.diffs.append((check, item))

    def stale(self, path):
        for (check, item), line in sorted(self.known.items(), key=lambda kv: kv[1]):
            if not self.used[(check, item)]:
                self.diffs.append(('known', f'{os.path.basename(path)}:{line} matched nothing '
                                            f'(stale): {check}: {item}'))


def fmt_key(k):
    return ' '.join(str(x) for x in k)


def compare_live_offline(ck, off, live):
    for k in sorted(set(off.conn) | set(live.conn), key=str):
        a, b = off.conn.get(k), live.conn.get(k)
        if a != b:
            show = lambda v: 'absent' if v is None else 'pkts %d/%d ip_bytes %d/%d' % tuple(v)
            ck.diff('live-conn', f'{fmt_key(k)}: offline {show(a)}, live {show(b)}')
    for what, a, b in (('live-dns', off.dns, live.dns), ('live-http', off.http, live.http),
                       ('live-ssl', off.sni, live.sni), ('live-weird', off.weird, live.weird)):
        for k in sorted(set(a) | set(b), key=str):
            if a[k] != b[k]:
                ck.diff(what, f'{k!r}: offline x{a[k]}, live x{b[k]}')


def compare_truth(ck, run, logs, truth):
    """Returns 'flows a/b dns a/b sni a/b http a/b' for one run: groups or
    records that agree / all of the truth's."""
    tflows, tdns, tsni, thttp = truth
    flows = logs.directions()
    ok = 0
    for k in sorted(set(tflows) | set(flows), key=str):
        if tflows[k] == flows[k]:
            ok += 1
        else:
            ck.diff('truth-flows', f'{run}: {fmt_key(k)}: truth {tflows[k]} pkts, log {flows[k]}')
    parts = [f'flows {ok}/{len(tflows)}']
    for label, t, got in (('dns', tdns, logs.dns), ('sni', tsni, logs.sni),
                          ('http', thttp, logs.http)):
        for k in sorted(set(t) | set(got), key=str):
            if t[k] != got[k]:
                ck.diff('truth-' + label, f'{run}: {k!r}: truth x{t[k]}, log x{got[k]}')
        parts.append(f'{label} {sum((t & got).values())}/{sum(t.values())}')
    return ' '.join(parts)


def cmd_compare(name, offdir, livedir, cap, truthpath, knownpath, notes=None):
    ck = Check(read_known(knownpath, name))
    if notes and os.path.exists(notes):
        with open(notes, encoding='utf-8', errors='replace') as f:
            for line in f:
                check, _, item = line.rstrip('\n').partition('\t')
                ck.diff(check, item)
    off, live = Logs(offdir), Logs(livedir)
    for e in off.errors + live.errors:
        ck.diffs.append(('format', e))
    fports, problem = fragment_ports(cap)
    if problem:
        ck.diff('tshark', problem)
    tflows, tsni, thttp = read_truth(truthpath, fports)
    tdns, problem = tshark_dns(cap)
    if problem:
        ck.diff('tshark', problem)
    truth = (tflows, tdns, tsni, thttp)
    compare_live_offline(ck, off, live)
    n_live = len([c for c, _ in ck.diffs + ck.excused if c.startswith('live')])
    s_off = compare_truth(ck, 'offline', off, truth)
    s_live = compare_truth(ck, 'live', live, truth)
    ck.stale(knownpath)
    summary = s_off if s_off == s_live else f'offline: {s_off}; live: {s_live}'
    same = 'live==offline' if n_live == 0 else 'live!=offline'
    known = f' (known differences: {len(ck.excused)})' if ck.excused else ''
    status = 'ok  ' if not ck.diffs else 'FAIL'
    print(f'{status} {name:<34} {summary} {same}{known}')
    for check, item in ck.diffs[:40]:
        print(f'       {check}: {item}')
    if len(ck.diffs) > 40:
        print(f'       ... and {len(ck.diffs) - 40} more')
    return 0 if not ck.diffs else 1


def cmd_known(knownpath, pcaps):
    """The known-differences file as a whole: rows well formed, none twice,
    every file a capture in PCAPS."""
    name = os.path.basename(knownpath)
    rows, problems = read_known_rows(knownpath)
    if not os.path.exists(knownpath):
        problems.append('no such file')
    for i, file, _, _, _ in rows:
        if not os.path.exists(os.path.join(pcaps, file)):
            problems.append(f'line {i}: {file} is not a capture in {pcaps}')
    if not problems:
        print(f'ok   {name:<34} {len(rows)} rows')
        return 0
    print(f'FAIL {name}: {len(problems)} bad rows')
    for p in problems:
        print(f'       {p}')
    return 1


def main(argv):
    if len(argv) == 4 and argv[1] == 'prep':
        return cmd_prep(argv[2], argv[3])
    if len(argv) in (8, 9) and argv[1] == 'compare':
        return cmd_compare(*argv[2:])
    if len(argv) == 4 and argv[1] == 'known':
        return cmd_known(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
