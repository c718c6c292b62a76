#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench_detect.py - the measuring half of bench_detect.sh.

  measure VIC_PID ATT_PID NOTICE_LOG NOTE SECS -- CMD...

Starts CMD (the attack, already wrapped in `ip netns exec`), then every
5 ms reads the attacker's transmitted packets (/proc/ATT_PID/net/dev, eth0)
and what reached the victim's IP stack (/proc/VIC_PID/net/snmp, Ip
InReceives; Tcp OutSegs: what the victim's TCP sent back), and watches
NOTICE_LOG for the first new line of NOTE. Stops after SECS or when CMD
ends. Prints one JSON object:
  notice_s     attack start .. first notice (null if none)
  drop99_s     attack start .. the first 100 ms bin from which on at least
               99% of what the attacker sent never reached the victim's stack
               (null if never)
  sent, reached, replies: totals; sent_pps, reached_pps, replies_pps over
  the steady part (from drop99_s, or from 1 s in, to the end of sending)
"""
import json
import subprocess
import sys
import time


def tx_packets(pid):
    with open("/proc/%s/net/dev" % pid) as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() == "eth0":
                return int(rest.split()[9])
    return 0


def snmp(pid):
    vals = {}
    with open("/proc/%s/net/snmp" % pid) as f:
        lines = f.read().splitlines()
    for i in range(0, len(lines) - 1, 2):
        k, v = lines[i].split(), lines[i + 1].split()
        for a, b in zip(k[1:], v[1:]):
            vals[k[0] + a] = int(b)
    return vals["Ip:InReceives"], vals["Tcp:OutSegs"]


def count_lines(path, note):
    try:
        with open(path) as f:
            return sum(1 for l in f if '"note":"%s"' % note in l)
    except FileNotFoundError:
        return 0


def measure(vic, att, log, note, secs, cmd):
    n0 = count_lines(log, note)
    samples = []
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    notice = None
    last_check = 0
    while time.monotonic() - t0 < float(secs):
        t = time.monotonic() - t0
        rx, out = snmp(vic)
        samples.append((t, tx_packets(att), rx, out))
        if notice is None and t - last_check >= 0.01:
            last_check = t
            if count_lines(log, note) > n0:
                notice = t
        if p.poll() is not None and t > 1 and samples[-1][1] == samples[-2][1]:
            break
        time.sleep(0.005)
    if p.poll() is None:
        p.terminate()
        p.wait()
    # 100 ms bins
    bins = []
    j = 0
    for i, s in enumerate(samples):
        if s[0] - samples[j][0] >= 0.1 or i == len(samples) - 1:
            a = samples[j]
            bins.append((a[0], s[0], s[1] - a[1], s[2] - a[2], s[3] - a[3]))
            j = i
    drop99 = None
    for k, b in enumerate(bins):
        rest = [x for x in bins[k:] if x[2] > 0]
        if rest and all(x[3] <= 0.01 * x[2] for x in rest):
            drop99 = b[0]
            break
    sending = [b for b in bins if b[2] > 0]
    end = sending[-1][1] if sending else 0
    start = drop99 if drop99 is not None else 1.0
    steady = [b for b in bins if b[0] >= start and b[1] <= end]
    dur = sum(b[1] - b[0] for b in steady) or 1e-9
    first, last = samples[0], samples[-1]
    print(json.dumps({
        "notice_s": notice, "drop99_s": drop99,
        "sent": last[1] - first[1], "reached": last[2] - first[2],
        "replies": last[3] - first[3],
        "sent_pps": sum(b[2] for b in steady) / dur,
        "reached_pps": sum(b[3] for b in steady) / dur,
        "replies_pps": sum(b[4] for b in steady) / dur,
        "steady_s": dur,
    }))


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) < 7 or a[0] != "measure" or a[6] != "--":
        sys.exit(__doc__)
    measure(a[1], a[2], a[3], a[4], a[5], a[7:])
