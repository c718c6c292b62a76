#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bpf_stack.py OBJ... - the deepest chain of BPF-to-BPF calls of each
program fits the stack as Linux 6.1 counts it, one `ok`/`FAIL` line each.

The verifier adds up the frames along every chain of calls and refuses a
program whose deepest chain passes 512 bytes. Linux 6.1 (Debian 12's
kernel) rounds each frame up to 32 bytes before adding, later kernels
less, so an object that loads on this machine's kernel can be refused
there ("combined stack size of 3 calls is 544. Too large"). make
test-kernels shows it in qemu in 20 minutes; this shows it from the
object in a second, in every `make test`. A frame is the deepest r10
offset its instructions use; the calls are the relocations of
`call -1` (llvm-objdump -dr)."""
import re
import subprocess
import sys

LIMIT, STEP = 512, 32


def functions(obj):
    out = subprocess.run(["llvm-objdump-14", "-dr", "--no-show-raw-insn", obj],
                         capture_output=True, text=True, check=True).stdout
    frame, calls, progs, fn, section = {}, {}, set(), None, None
    pending_call = False
    for line in out.splitlines():
        m = re.match(r"^Disassembly of section (\S+):", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^[0-9a-f]+ <([A-Za-z_][A-Za-z_0-9]*)>:", line)
        if m and not m.group(1).startswith("LBB"):
            fn = m.group(1)
            frame.setdefault(fn, 0)
            calls.setdefault(fn, set())
            if section != ".text":
                progs.add(fn)
            continue
        if fn is None:
            continue
        for off in re.findall(r"r10 - (\d+)", line):
            frame[fn] = max(frame[fn], int(off))
        if re.search(r"\bcall -1$", line):
            pending_call = True
            continue
        m = re.search(r"R_BPF_64_32\s+(\S+)", line)
        if pending_call and m:
            calls[fn].add(m.group(1))
        pending_call = False
    return frame, calls, progs


def deepest(fn, frame, calls, seen=()):
    """(bytes, chain) of the deepest chain from fn, frames rounded up."""
    own = max(STEP, -(-frame.get(fn, 0) // STEP) * STEP)
    best = (0, [])
    for c in calls.get(fn, ()):
        if c in seen or c not in frame:
            continue
        best = max(best, deepest(c, frame, calls, seen + (fn,)))
    return own + best[0], ["%s %d" % (fn, frame.get(fn, 0))] + best[1]


def main(objs):
    passed = failed = 0
    for obj in objs:
        frame, calls, progs = functions(obj)
        if not progs:
            print("FAIL bpf stack: %s: no program found in it" % obj)
            failed += 1
            continue
        for p in sorted(progs):
            total, chain = deepest(p, frame, calls)
            text = "%s %s: deepest calls %s = %d of %d bytes in %d-byte steps (Linux 6.1)" % (
                obj.rsplit("/", 1)[-1], p, " -> ".join(chain), total, LIMIT, STEP)
            if total <= LIMIT:
                passed += 1
                print("ok   bpf stack: " + text)
            else:
                failed += 1
                print("FAIL bpf stack: " + text)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
