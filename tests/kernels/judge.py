# SPDX-License-Identifier: BSD-3-Clause
"""judge.py RESULTS GUESTDIR HOSTDIR HOST_RELEASE QEMU_RC COUNTS HOST_VERIFIER
HOST_CHECK - the cases
of `make test-kernels` (tests/kernels/run.sh), from what the guest collected
(RESULTS: the framed stream of its second serial port, split here into
GUESTDIR) and the host's own `pktlens analyze` of the same captures
(HOSTDIR/NAME.{out,err,rc}). Prints one line per case (ok / FAIL / skip) and
writes "PASSED FAILED" to COUNTS.

Records are compared line for line, in order: `pktlens analyze` writes them
in a defined order (the collector's, not the kernel map's: two runs on one
kernel give the same bytes), so a different order is a difference too.
Nothing is normalised: no field of a record or line of the summary differs
by design between two kernels.
"""
import json
import os
import re
import sys

results, gdir, hdir, host_release, qemu_rc, counts_path, host_verifier, hcheck = sys.argv[1:9]
qemu_rc = int(qemu_rc)
passed = failed = 0


def case(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(problems)))
    else:
        passed += 1
        print("ok   %s" % name)


def skip(name, why):
    print("skip %s: %s" % (name, why))


# --- split the framed stream: "@@@ FILE NAME" ... "@@@ END NAME" --------------
files, done = {}, False
try:
    with open(results, "rb") as f:
        raw = f.read().decode("utf-8", "replace")
except OSError:
    raw = ""
cur, buf = None, []
for line in raw.split("\n"):
    line = line[:-1] if line.endswith("\r") else line    # the tty's, not ours
    if cur is None:
        m = re.fullmatch(r"@@@ FILE (\S+)", line)
        if m:
            cur, buf = m.group(1), []
        elif line == "@@@ DONE":
            done = True
    elif line == "@@@ END " + cur:
        files[cur] = "".join(l + "\n" for l in buf)
        cur = None
    else:
        buf.append(line)
for name, text in files.items():
    if ".." in name.split("/"):
        continue
    p = os.path.join(gdir, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def g(name, default=None):
    return files.get(name, default)


def read(p):
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


release = (g("uname") or "").strip()

# --- the guest itself ---------------------------------------------------------
pr = []
if not files:
    pr.append("the guest sent nothing (qemu exit status %d; see its console)" % qemu_rc)
if qemu_rc == 124:
    pr.append("the guest was stopped by the time limit (KERNELS_TIMEOUT)")
elif qemu_rc != 0:
    pr.append("qemu exit status %d" % qemu_rc)
if files and not done:
    pr.append("the guest did not reach its end (no DONE)")
if files and not release.startswith("6.1."):
    pr.append("the guest runs '%s', want Debian 12's 6.1" % release)
if g("btf", "").strip() != "yes":
    pr.append("no /sys/kernel/btf/vmlinux in the guest")
case("boot: Debian 12's kernel %s in qemu ran every check to the end" % (release or "?"), pr)

mods = g("modules", "")
bad = [l for l in mods.splitlines() if not l.startswith("loaded ")]
case("modules: veth, sch_ingress, cls_bpf load into %s" % (release or "?"),
     ["module output: " + " | ".join(bad)] if bad or not mods else [])

# --- analyze --------------------------------------------------------------------
caps = sorted(n[len("analyze/"):-len(".rc")] for n in files
              if n.startswith("analyze/") and n.endswith(".rc"))
host_caps = sorted(n[:-3] for n in os.listdir(hdir) if n.endswith(".rc")) \
    if os.path.isdir(hdir) else []
load_errs = {}
for c in caps:
    err = g("analyze/%s.err" % c, "")
    if "cannot load" in err or "libbpf:" in err:
        load_errs[c] = next((l for l in err.splitlines() if "cannot load" in l),
                            err.splitlines()[0] if err else "")
if not caps:
    case("analyze: the XDP object (replay mode) loads on %s" % (release or "?"),
         ["no capture was analysed in the guest"])
else:
    case("analyze: the XDP object (replay mode) loads on %s" % release,
         ["%d of %d captures: %s" % (len(load_errs), len(caps), next(iter(load_errs.values())))]
         if load_errs else [])


def differ(what, a, b):
    """What differs between the guest's text a and the host's b, in a line."""
    la, lb = a.splitlines(), b.splitlines()
    if la == lb:
        return None
    if sorted(la) == sorted(lb):
        return "%s: the same %d lines in another order" % (what, len(la))
    sa, sb = set(la), set(lb)
    only_g = [l for l in la if l not in sb]
    only_h = [l for l in lb if l not in sa]
    first = (only_g or only_h or ["(duplicates differ)"])[0]
    return "%s: %d lines on 6.1, %d on the host; %d only on 6.1, %d only on the host; first: %s%s" % (
        what, len(la), len(lb), len(only_g), len(only_h),
        "6.1 " if only_g else "host ", first[:300])


for c in sorted(set(caps) | set(host_caps)):
    name = "analyze %s: the same records, summary and exit status on %s as on %s" % (
        c, release or "6.1", host_release)
    if c not in caps:
        case(name, ["not analysed in the guest"])
        continue
    if c in load_errs:
        case(name, ["the program did not load: " + load_errs[c]])
        continue
    h_rc = read(os.path.join(hdir, c + ".rc"))
    if h_rc is None:
        case(name, ["not analysed on the host"])
        continue
    pr = []
    g_rc = g("analyze/%s.rc" % c, "").strip()
    if g_rc != h_rc.strip():
        pr.append("exit status %s on 6.1, %s on the host" % (g_rc, h_rc.strip()))
    for what, ext in (("records", ".out"), ("summary and messages", ".err")):
        d = differ(what, g("analyze/%s%s" % (c, ext), ""), read(os.path.join(hdir, c + ext)) or "")
        if d:
            pr.append(d)
    # the summary (kernel counters) is compared even where a capture has
    # no records (ARP only); without it there is nothing to compare
    if not g("analyze/%s.err" % c, "").strip():
        pr.append("no summary from the guest's pktlens analyze")
    case(name, pr)

# --- run --egress on a veth pair ---------------------------------------------------
err = g("run/run.err", "")
setup = g("run/setup", "")
pr = []
if "setup exit 0" not in setup:
    pr.append("the veth pair could not be made: " + " | ".join(setup.splitlines()[-3:]))
attached = re.search(r"attached to vk0", err)
if not attached:
    pr.append("no 'attached to vk0' from pktlens run: " +
              " | ".join([l for l in err.splitlines() if "libbpf" not in l][-3:]))
if not re.search(r"\bxdp\b", g("run/link.during", "")):
    pr.append("ip link shows no XDP program on vk0 while pktlens runs: " +
              g("run/link.during", "").strip()[:200])
case("run -i VETH: the XDP object (live mode) loads and attaches on %s (after %ss)" % (
    release or "6.1", g("run/attach-secs", "?").strip()), pr)

pr = []
if not attached:
    pr.append("pktlens run did not attach")
else:
    if not re.search(r"no tcx links", err):
        pr.append("pktlens did not say that this kernel has no tcx links")
    if not re.search(r"egress: clsact filter", err):
        pr.append("the start-up message names no clsact filter: " +
                  " | ".join(l for l in err.splitlines() if "attached" in l))
    tcd = g("run/tc.during", "")
    if not re.search(r"\bbpf\b.*pktlens_egress", tcd):
        pr.append("tc shows no pktlens_egress filter on vk0 egress: " + tcd.strip()[:200])
case("run --egress: no tcx links on %s, said so; the TC object loads and its clsact filter attaches"
     % (release or "6.1"), pr)

pr = []
ping = g("run/ping", "")
if "ping exit 0" not in ping:
    pr.append("ping failed: " + " | ".join(ping.splitlines()[-2:]))
conns = []
for l in g("run/logs/conn.log", "").splitlines():
    try:
        conns.append(json.loads(l))
    except ValueError:
        pr.append("a conn.log line is no JSON: " + l[:100])
icmp = [r for r in conns if r.get("proto") == "icmp" and r.get("id.orig_h") == "10.77.0.1"
        and r.get("id.resp_h") == "10.77.0.2"]
if len(icmp) != 1:
    pr.append("%d conn records of the pings 10.77.0.1 -> 10.77.0.2, want 1 (conn.log: %d records)"
              % (len(icmp), len(conns)))
elif (icmp[0].get("orig_pkts"), icmp[0].get("resp_pkts")) != (5, 5):
    pr.append("the pings' conn has %s+%s packets, want 5 sent (egress) + 5 received (XDP)" % (
        icmp[0].get("orig_pkts"), icmp[0].get("resp_pkts")))
case("run --egress: 5 pings from the guest are one conn with 5+5 packets (clsact egress + XDP)", pr)

pr = []
rc = g("run/rc", "").strip()
if rc != "0":
    pr.append("pktlens run exit status %s after SIGINT" % rc)
if re.search(r"\bxdp\b", g("run/link.after", "")):
    pr.append("XDP still on vk0 after pktlens ended")
if g("run/tc.after", "").strip():
    pr.append("a filter is left on vk0 egress: " + g("run/tc.after", "").strip()[:200])
case("run --egress: SIGINT ends pktlens with status 0 and leaves no XDP and no clsact filter", pr)

# --- check --strict: BPF parser vs native, every frame --------------------------------
pr = []
c_rc = g("check/rc", "").strip()
h_rc = (read(os.path.join(hcheck, "rc")) or "").strip()
if c_rc != "0":
    pr.append("exit status %s on 6.1 (host %s): %s" % (
        c_rc or "?", h_rc or "?", " | ".join(g("check/err", "").splitlines()[-2:])))
for what, f in (("output", "out"), ("messages", "err")):
    d = differ(what, g("check/" + f, ""), read(os.path.join(hcheck, f)) or "")
    if d:
        pr.append(d)
summ = [l for l in g("check/out", "").splitlines() if "BPF and native parser identical" in l]
case("check --strict on %s: %s; the same output as on %s" % (
    release or "6.1", summ[0].split(": ", 1)[-1] if summ else "no summary line", host_release), pr)

# --- the verifier's work: prog_info lines "NAME verified_insns N ..." ----------------
INSN_LIMIT = 1000000


def insns(text):
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r"^(\S+) verified_insns (\d+)", text or "", re.M)}


rep, live = insns(g("verifier/replay")), insns(g("verifier/live"))
host_rep = insns(read(host_verifier))
got = [("XDP replay", rep.get("pktlens_xdp")), ("XDP live", live.get("pktlens_xdp")),
       ("TC egress", live.get("pktlens_egress"))]
pr = ["no figure for the %s program" % w for w, n in got if n is None]
pr += ["%s: %d instructions, over the limit" % (w, n) for w, n in got
       if n is not None and n >= INSN_LIMIT]
figs = ", ".join("%s %s" % (w, "{:,} ({:.0%})".format(n, n / INSN_LIMIT) if n is not None
                             else "?") for w, n in got)
case("verifier on %s: %s of %s instructions (host %s: XDP replay %s)" % (
    release or "6.1", figs, "{:,}".format(INSN_LIMIT), host_release,
    "{:,}".format(host_rep["pktlens_xdp"]) if "pktlens_xdp" in host_rep else "?"), pr)

# What else pktlens said about the kernel on 6.1: for the report, not judged.
notes = [l for l in err.splitlines() if "no tcx links" not in l and
         re.search(r"kernel|not supported|unsupported|fall(s|ing)? ?back", l, re.I)]
for l in notes[:10]:
    print("  note: pktlens run on %s said: %s" % (release or "6.1", l[:300]))

with open(counts_path, "w") as f:
    f.write("%d %d\n" % (passed, failed))
