#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""l7_limits.py CASES_JSON NAME RECORDS - one case of gen_l7_limits.py.

RECORDS: the JSON lines `pktlens analyze` wrote for the case's capture.
Checks them against the case's expectations (cases.json) and, where tshark
is the oracle (DNS names, HTTP hosts, the SNI's kept part), against tshark's
fields of the same capture. Prints one line per problem and exits 1 if
there is any; prints nothing and exits 0 otherwise.
"""
import json
import os
import subprocess
import sys


def short(v):
    """A value for a message: long names cut, so a line stays readable."""
    r = repr(v)
    return r if len(r) <= 60 else r[:40] + '...' + r[-12:] + ' (%d)' % len(v)


def tshark(pcap, filt, field):
    out = subprocess.run(['tshark', '-n', '-r', pcap, '-Y', filt, '-T', 'fields',
                          '-E', 'occurrence=f', '-e', field],
                         capture_output=True, text=True, timeout=120, check=True)
    return [line for line in out.stdout.split('\n') if line]


def main():
    cases_json, name, records = sys.argv[1:4]
    case = next(c for c in json.load(open(cases_json)) if c['name'] == name)
    pcap = os.path.join(os.path.dirname(cases_json), case['file'])
    recs = {}
    for line in open(records):
        o = json.loads(line)
        recs.setdefault(o.get('_path'), []).append(o)
    bad = []

    def fields(kind, want, oracle):
        got = recs.get(kind, [])
        if len(got) != len(want):
            bad.append('%d %s records, want %d' % (len(got), kind, len(want)))
            return
        for i, (g, w) in enumerate(zip(got, want)):
            for k, v in w.items():
                gv = g.get(k)
                if v is None and k in g:
                    bad.append('%s[%d].%s is %s, want none' % (kind, i, k, short(gv)))
                elif v is not None and gv != v:
                    bad.append('%s[%d].%s is %s, want %s' % (kind, i, k, short(gv), short(v)))
            # no flag the case does not expect
            for k in g:
                if (k.endswith('_truncated') or k == 'host_not_in_window') and k not in w:
                    bad.append('%s[%d] has %s' % (kind, i, k))
        if oracle:
            filt, field, key, cut = oracle
            t = tshark(pcap, filt, field)
            if len(t) != len(got):
                bad.append('tshark: %d %s, pktlens %d' % (len(t), field, len(got)))
            for i, (g, tv) in enumerate(zip(got, t)):
                if g.get(key) != tv[:cut]:
                    bad.append('%s[%d].%s %s, tshark %s' % (kind, i, key, short(g.get(key)),
                                                            short(tv[:cut])))

    if 'dns' in case:
        fields('dns', case['dns'],
               ('dns.flags.response == 0', 'dns.qry.name', 'query', None)
               if case['dns'] else None)
    if 'http' in case:
        oracle = None
        if all(h.get('host') for h in case['http']):
            oracle = ('http.request', 'http.host', 'host', None)
        fields('http', case['http'], oracle)
    if 'ssl' in case:
        fields('ssl', case['ssl'], ('tls.handshake.type == 1',
                                    'tls.handshake.extensions_server_name', 'server_name', 255))
    if 'notice' in case:
        notes = [n.get('note') for n in recs.get('notice', [])]
        if case['notice'] not in notes:
            bad.append('no %s notice (notices: %s)' % (case['notice'], notes))
    if 'weird' in case:
        names = [w.get('name') for w in recs.get('weird', [])]
        if case['weird'] not in names:
            bad.append('no weird %s (weirds: %s)' % (case['weird'], names))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
