#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""hostile_text.py - checks for hostile_text.sh (tests/captures/gen_hostile_text.py
writes the captures and cases.json, the expected texts).

  list CASES.json                       the case names, one a line
  frames FILE.pcap                      how many frames the capture holds
  records CASES.json CASE|all PATH...   every line of each record file (or
      JSON lines on stdout) decodes as strict UTF-8 and parses as JSON; the
      fields of CASE's records (told apart by client port) are exactly the
      expected values.
  terminal CASES.json CASE|any FILE     FILE (stderr: the summary) is strict
      UTF-8 with no control byte but LF, no DEL, no C1 control and no bidi
      override; for CASE each summary line of its kinds shows exactly the
      expected text; for `any` each name shown is one of the expected texts.
Prints nothing and exits 0 when all holds, else one line per problem on
stdout and exits 1."""
import json
import re
import struct
import sys

PORT_OF = {'dns': 0, 'ssl': 1, 'http': 2}        # client port = case port + this


def records(cases, which, paths):
    problems, got = [], {}
    for path in paths:
        with open(path, 'rb') as f:
            for n, raw in enumerate(f, 1):
                try:
                    rec = json.loads(raw.decode('utf-8', 'strict'))
                except (UnicodeDecodeError, ValueError) as e:
                    problems.append(f'{path}:{n}: not strict UTF-8 JSON ({e}): {raw[:120]!r}')
                    continue
                kind = rec.get('_path')
                if kind in PORT_OF:
                    got.setdefault((kind, rec.get('id.orig_p')), []).append(rec)
                elif kind == 'notice':
                    got.setdefault((kind, None), []).append(rec)
    names = list(cases) if which == 'all' else [which]
    for name in names:
        c = cases[name]
        for key, want in c['fields'].items():
            kind, field = key.split('.', 1)
            part = field.endswith('~')          # the text holds want
            field = field.rstrip('~')
            port = c['port'] + PORT_OF[kind] if kind in PORT_OF else None
            recs = got.get((kind, port), [])
            if len(recs) != 1:
                problems.append(f'{name}: {len(recs)} {kind} records, want 1')
                continue
            value = recs[0].get(field)
            if not (want in value if part and isinstance(value, str) else value == want):
                problems.append(f'{name}: {field} of {kind} is {value!r}, want '
                                f'{"a text holding " if part else ""}{want!r}')
    return problems


BIDI = set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))


def terminal(cases, which, path):
    problems = []
    with open(path, 'rb') as f:
        raw = f.read()
    for i, b in enumerate(raw):
        if (b < 0x20 and b != 0x0a) or b == 0x7f:
            problems.append(f'{path}: byte 0x{b:02x} at offset {i}: {raw[max(0, i - 40):i + 20]!r}')
            break
    try:
        text = raw.decode('utf-8', 'strict')
    except UnicodeDecodeError as e:
        return problems + [f'{path}: not strict UTF-8: {e}']
    for ch in text:
        if 0x80 <= ord(ch) <= 0x9f or ord(ch) in BIDI:
            problems.append(f'{path}: U+{ord(ch):04X} on the terminal')
            break
    lines = {}
    for line in text.splitlines():
        m = re.match(r'^  (dns names|tls sni|http hosts): (.*)$', line)
        if m:
            lines[m.group(1)] = m.group(2)        # the last summary counts
    if which == 'any':
        allowed = {t for c in cases.values() for t in c['summary'].values()}
        shown = 0
        for title, value in lines.items():
            for item in value.split(', '):
                name = re.sub(r' \(\d+\)$', '', item)
                shown += 1
                if name not in allowed:
                    problems.append(f'{path}: {title} shows {name!r}, not an expected text')
        if not shown:
            problems.append(f'{path}: no summary line with names')
        return problems
    for title, want in cases[which]['summary'].items():
        if lines.get(title) != f'{want} (1)':
            problems.append(f'{path}: {title}: {lines.get(title)!r}, want {want + " (1)"!r}')
    return problems


def frames(path):
    """Frames in a classic pcap file (what gen_hostile_text.py writes)."""
    n = 0
    with open(path, 'rb') as f:
        head = f.read(24)
        order = '<' if head[:4] == b'\xd4\xc3\xb2\xa1' else '>'
        while len(rec := f.read(16)) == 16:
            f.seek(struct.unpack(order + 'IIII', rec)[2], 1)
            n += 1
    return n


def main():
    cmd, cases_path, which = (sys.argv[1:4] + [''])[:3]
    if cmd == 'frames':
        print(frames(cases_path))
        return 0
    with open(cases_path) as f:
        cases = json.load(f)
    if cmd == 'records':
        problems = records(cases, which, sys.argv[4:])
    elif cmd == 'terminal':
        problems = terminal(cases, which, sys.argv[4])
    elif cmd == 'list':
        print('\n'.join(cases))
        return 0
    else:
        print(f'hostile_text.py: unknown command {cmd}', file=sys.stderr)
        return 2
    for p in problems[:5]:
        print(p[:300])
    if len(problems) > 5:
        print(f'... and {len(problems) - 5} more')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
