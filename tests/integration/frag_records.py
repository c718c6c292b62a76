#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_records.py - helper of frag_records.sh (standard library and tshark only).

  frag_records.py list CASES.json
      One line per case: name, capture file, then the extra pktlens
      options, tab-separated.

  frag_records.py groups CASES.json
      One line per live replay: capture file, live mode ("topspeed" or
      "timed"), the names of its cases (comma-separated), then the extra
      pktlens options.

  frag_records.py frames CAPTURE
      How many frames the capture holds (what the live daemon must count).

  frag_records.py mtu CAPTURE
      The veth MTU its largest frame needs.

  frag_records.py check CASES.json NAME CAPTURE LOGDIR
      pktlens' records of CAPTURE (LOGDIR, from `pktlens analyze`) against
      tshark and the case's own expectations; prints "ok   offline NAME" or
      "FAIL offline NAME: why"; exits 0 or 1.

  frag_records.py same CASES.json NAME OFFDIR LIVEDIR
      The records of `pktlens run` fed the case's group over a veth
      (LIVEDIR), those with the case's client addresses, against those of
      `pktlens analyze` of the case alone (OFFDIR); "ok   live NAME" or
      "FAIL live NAME: why".

The oracle is tshark 4.0. Where a case's datagrams complete for pktlens (and
for Linux), tshark with IP reassembly on (-o ip.defragment:TRUE -o
ipv6.defragment:TRUE) says what the DNS, HTTP and TLS records hold, and
which frames make each datagram: the reassembling frame lists its fragments
(ip.fragment / ipv6.fragment) and carries the ports, so every one of them
counts in that 5-tuple, direction by direction. Frames in no reassembled
datagram count where tshark puts them frame by frame (reassembly off): the
first fragment under its ports, the others without. Where pktlens, as Linux
does, discards a datagram that tshark reassembles anyway (an overlap, a
timeout: tshark has neither), the case says oracle "off": tshark frame by
frame says what the first fragment alone holds, which is what pktlens reads
then. What tshark cannot say (the weird records of the reassembly, a
connection's TCP state) is in the case.
"""
import collections
import ipaddress
import json
import os
import struct
import subprocess
import sys

FIELDS = ['frame.number', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.proto', 'ipv6.nxt',
          'ipv6.hopopts.nxt', 'ipv6.dstopts.nxt', 'ipv6.fraghdr.nxt', 'tcp.srcport',
          'tcp.dstport', 'udp.srcport', 'udp.dstport', 'ip.fragment', 'ipv6.fragment',
          'dns.qry.name', 'dns.qry.type', 'dns.flags.response', 'dns.flags.rcode',
          'http.request.method', 'http.host', 'http.request.uri',
          'tls.handshake.extensions_server_name', 'ip.id', 'ip.frag_offset',
          'ipv6.fraghdr.ident', 'ipv6.fraghdr.offset']


def addr(s):
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        return s
    return str(a.ipv4_mapped) if a.version == 6 and a.ipv4_mapped else a.compressed


def first(v):
    return v.split(',')[0] if v else ''


def num(v):
    try:
        return int(first(v))
    except ValueError:
        return 0


def tshark(cap, defrag):
    flag = 'TRUE' if defrag else 'FALSE'
    cmd = ['tshark', '-r', cap, '-o', 'ip.defragment:' + flag, '-o', 'ipv6.defragment:' + flag,
           '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,']
    for f in FIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        c = line.split('\t')
        c += [''] * (len(FIELDS) - len(c))
        rows.append(dict(zip(FIELDS, c)))
    return rows


def l3(r):
    """(src, dst, proto) of a frame, the protocol after the IPv6 headers."""
    if r['ip.src']:
        return addr(first(r['ip.src'])), addr(first(r['ip.dst'])), num(r['ip.proto'])
    if r['ipv6.src']:
        for f in ('ipv6.fraghdr.nxt', 'ipv6.dstopts.nxt', 'ipv6.hopopts.nxt', 'ipv6.nxt'):
            if r[f]:
                return addr(first(r['ipv6.src'])), addr(first(r['ipv6.dst'])), num(r[f])
    return None


def ports(r):
    if r['tcp.srcport']:
        return num(r['tcp.srcport']), num(r['tcp.dstport'])
    if r['udp.srcport']:
        return num(r['udp.srcport']), num(r['udp.dstport'])
    return 0, 0


def truth(cap, oracle):
    """flows: packets per direction; may_move: {(portless flow, port flow):
    frames}; and the L7 sets.

    may_move: later fragments of a datagram that does not complete (or that
    tshark's reassembly does not speak for, oracle "off") whose first
    fragment, ports and all, came before them. Where the kernel counts such
    a fragment is the kernel's fragment policy: without ports, as it came,
    or under the ports it remembers from the first fragment; either is
    right, so either is taken."""
    off = tshark(cap, False)
    on = tshark(cap, True)
    dgram = {}                  # frame -> its datagram's ports
    if oracle == 'on':
        for r in on:
            lst = r['ip.fragment'] or r['ipv6.fragment']
            if lst:
                for fr in lst.split(','):
                    dgram[int(fr)] = ports(r)
    flows, may_move = collections.Counter(), collections.Counter()
    firsts = {}                 # datagram -> its first fragment's ports, once seen
    for r in off:
        k = l3(r)
        if not k:
            continue
        fr = int(r['frame.number'])
        p = dgram.get(fr, ports(r))
        flows[k + p] += 1
        ident = first(r['ip.id']) or first(r['ipv6.fraghdr.ident'])
        offset = num(r['ip.frag_offset'] or r['ipv6.fraghdr.offset'])
        if fr in dgram or not ident:
            continue
        if offset == 0 and p != (0, 0):
            firsts[k + (ident,)] = p
        elif offset and p == (0, 0) and k + (ident,) in firsts:
            may_move[(k + p, k + firsts[k + (ident,)])] += 1
    dns, rcodes, http, sni = set(), set(), set(), set()
    for r in (on if oracle == 'on' else off):
        if r['dns.qry.name']:
            dns.add((first(r['dns.qry.name']), num(r['dns.qry.type'])))
            if first(r['dns.flags.response']) in ('1', 'True') and r['dns.flags.rcode']:
                rcodes.add((first(r['dns.qry.name']), num(r['dns.flags.rcode'])))
        if r['http.request.method']:
            http.add((first(r['http.request.method']), first(r['http.host']),
                      first(r['http.request.uri'])))
        if r['tls.handshake.extensions_server_name']:
            sni.add(first(r['tls.handshake.extensions_server_name']))
    return flows, may_move, dns, rcodes, http, sni


def read_log(d, kind):
    path = os.path.join(d, kind + '.log')
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


PROTO = {'tcp': 6, 'udp': 17}


def directions(conns):
    out = collections.Counter()
    for c in conns:
        p = PROTO.get(c['proto'], None)
        if p is None:
            p = 58 if ':' in c['id.orig_h'] else 1 if c['proto'] == 'icmp' else int(c['proto'])
        o, r = addr(c['id.orig_h']), addr(c['id.resp_h'])
        if c['orig_pkts']:
            out[(o, r, p, c['id.orig_p'], c['id.resp_p'])] += c['orig_pkts']
        if c['resp_pkts']:
            out[(r, o, p, c['id.resp_p'], c['id.orig_p'])] += c['resp_pkts']
    return out


def set_diff(what, want, got, why):
    for k in sorted(want - got, key=str):
        why.append(f'{what} {k!r} in tshark, not in the log')
    for k in sorted(got - want, key=str):
        why.append(f'{what} {k!r} in the log, not in tshark')


def load_case(cases_path, name):
    with open(cases_path) as f:
        return {c['name']: c for c in json.load(f)['cases']}[name]


def cmd_check(cases_path, name, cap, logdir):
    case = load_case(cases_path, name)
    flows, may_move, dns, rcodes, http, sni = truth(cap, case['oracle'])
    conns = read_log(logdir, 'conn')
    why = []
    got = directions(conns)
    for (pl, pt), n in may_move.items():        # as many as the log moved
        x = min(n, max(0, got[pt] - flows[pt]), flows[pl])
        flows[pt] += x
        flows[pl] -= x
        if not flows[pl]:
            del flows[pl]
    for k in sorted(set(flows) | set(got), key=str):
        if flows[k] != got[k]:
            why.append(f'flow {" ".join(map(str, k))}: tshark {flows[k]} pkts, log {got[k]}')
    dl = read_log(logdir, 'dns')
    set_diff('dns', dns, {(r['query'], r['qtype']) for r in dl if 'query' in r}, why)
    set_diff('dns rcode', rcodes, {(r.get('query'), r['rcode']) for r in dl if 'rcode' in r}, why)
    set_diff('http', http, {(r['method'], r.get('host', ''), r['uri'])
                            for r in read_log(logdir, 'http')}, why)
    set_diff('sni', sni, {r['server_name'] for r in read_log(logdir, 'ssl')
                          if 'server_name' in r}, why)
    # every datagram has its weird: logged, or counted in a rate-limit
    # record (at most 10 a second per name and source, docs/bounds.md)
    weird = collections.Counter()
    for r in read_log(logdir, 'weird'):
        if r.get('source') == 'reassembly':
            weird[r['name']] += 1
        elif r.get('source') == 'rate-limit' and r['name'].startswith('frag_'):
            weird[r['name']] += r['suppressed']
    for n in sorted(set(weird) | set(case['weird'])):
        want = case['weird'].get(n, 0)
        if (weird[n] < 1) if want == '+' else (weird[n] != want):
            why.append(f'weird {n}: want {want}, log {weird[n]}')
    if case.get('weird_total') is not None and sum(weird.values()) != case['weird_total']:
        why.append(f'weird records in all: want {case["weird_total"]}, log {sum(weird.values())}')
    for want in case['conn']:
        if not any(all(c.get(k) == v for k, v in want.items()) for c in conns):
            why.append(f'no conn record with {want}')
    if why:
        print(f'FAIL offline {name}: ' + '; '.join(why[:8]) +
              (f'; ... and {len(why) - 8} more' if len(why) > 8 else ''))
        return 1
    print(f'ok   offline {name}')
    return 0


def records(d, hosts):
    """What live and offline must agree on: all but times and uids, of the
    records with one of hosts at either end."""
    def mine(r):
        return addr(r.get('id.orig_h', '')) in hosts or addr(r.get('id.resp_h', '')) in hosts

    def log(kind):
        return [r for r in read_log(d, kind) if mine(r)]

    conn = collections.Counter()
    for c in log('conn'):
        conn[(addr(c['id.orig_h']), c['id.orig_p'], addr(c['id.resp_h']), c['id.resp_p'],
              c['proto'], c['orig_pkts'], c['orig_ip_bytes'], c['resp_pkts'],
              c['resp_ip_bytes'], c.get('history', ''))] += 1
    dns = collections.Counter((r.get('query'), r.get('qtype'), r.get('rcode'), r.get('ancount'))
                              for r in log('dns'))
    http = collections.Counter((r['method'], r.get('host'), r['uri']) for r in log('http'))
    ssl = collections.Counter(r.get('server_name') for r in log('ssl'))
    weird = collections.Counter((r['name'], r.get('id.orig_p'), r.get('id.resp_p'))
                                for r in log('weird'))
    return dict(conn=conn, dns=dns, http=http, ssl=ssl, weird=weird)


def cmd_same(cases_path, name, offdir, livedir):
    case = load_case(cases_path, name)
    hosts = {addr(case['client4']), addr(case['client6'])}
    off, live = records(offdir, hosts), records(livedir, hosts)
    if not any(off.values()):
        print(f'FAIL live {name}: no offline records with {sorted(hosts)}')
        return 1
    why = []
    for kind in off:
        a, b = off[kind], live[kind]
        for k in sorted(set(a) | set(b), key=str):
            if a[k] != b[k]:
                why.append(f'{kind} {k}: offline x{a[k]}, live x{b[k]}')
    if why:
        print(f'FAIL live {name}: ' + '; '.join(why[:6]) +
              (f'; ... and {len(why) - 6} more' if len(why) > 6 else ''))
        return 1
    print(f'ok   live {name}')
    return 0


def pcap_frames(cap):
    """Frame lengths of a classic pcap (either byte order)."""
    with open(cap, 'rb') as f:
        blob = f.read()
    e = '<' if blob[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    out, off = [], 24
    while off + 16 <= len(blob):
        incl = struct.unpack(e + 'I', blob[off + 8:off + 12])[0]
        out.append(incl)
        off += 16 + incl
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == 'list':
        with open(argv[2]) as f:
            for c in json.load(f)['cases']:
                print('\t'.join([c['name'], c['file']] + c['args']))
        return 0
    if len(argv) == 3 and argv[1] == 'groups':
        with open(argv[2]) as f:
            for g in json.load(f)['groups']:
                print('\t'.join([g['file'], g['live'], ','.join(g['cases'])] + g['args']))
        return 0
    if len(argv) == 3 and argv[1] == 'frames':
        print(len(pcap_frames(argv[2])))
        return 0
    if len(argv) == 3 and argv[1] == 'mtu':
        # a veth forwards frames of up to MTU + 14 (+ 4 for a VLAN tag)
        print(max([1500] + [n - 14 for n in pcap_frames(argv[2])]))
        return 0
    if len(argv) == 6 and argv[1] == 'check':
        return cmd_check(*argv[2:])
    if len(argv) == 6 and argv[1] == 'same':
        return cmd_same(*argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
