#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""deps_cover.py - every program the test and benchmark scripts run, and
every Python module they import, comes from a package that
scripts/install-deps.sh installs (or one those depend on), or from the base
system listed below. A fresh Debian 12 machine has only these; a command
installed here by hand would pass every test here and fail there.

    /usr/bin/python3 tests/deps_cover.py        (from the project's root)
    DEPS_VERBOSE=1 ...                          also print every command's package

What it reads: every *.sh and *.py under tests/ and bench/ (and any file
there whose first line names sh, bash or python). Shell is parsed by shfmt
(its syntax tree, not a guess with regular expressions), so commands are
found wherever bash runs them: pipelines, lists, $(...), <(...), if/while
conditions, functions, `trap '...'` and `sh -c '...'` strings, and behind
the commands that run another: timeout, nsenter, env, nice, setpriv,
unshare, xargs, stdbuf, taskset, chrt, exec, `ip netns exec NS`, and the
scripts' own functions that end in "$@" (in_ns NS CMD, attack A B C D CMD:
the arguments they shift off are skipped). An array that holds a command
(NMAP=(nmap ...), run as "${NMAP[@]}") counts as that command; so does
each name in a `for t in A B C; do command -v "$t"` check. Python (files,
`python3 -c '...'`, `python3 - <<EOF` and heredocs written to *.py files)
is parsed by the ast module: its imports, and the programs that
subprocess/os calls run with a literal argument list.

Covered: shell builtins and keywords, the script's functions (and those of
the lib.sh it sources), the project's own programs (run through a
variable, e.g. "$pktlens"), and every command or module whose file `dpkg -S`
attributes to a covered package. A command run through a variable holding
something else is not seen: keep commands literal. Not found here, or
found outside a Debian package (/usr/local, pyenv), is a failure too.

Prints one case per script: "ok   deps: FILE ..." or "FAIL deps: FILE:
CMD (FILE:LINE; package P, not installed by scripts/install-deps.sh) ...",
then "N passed, N failed" (", N skipped" for scripts of an optional
group, GROUPS, whose packages are not installed here). Exits 1 if any case
failed.
"""
import ast
import importlib.util
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ("tests", "bench")
# The PATH of a fresh root's login shell: a command only pyenv or
# /usr/local provide here does not count.
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
VERBOSE = os.environ.get("DEPS_VERBOSE") == "1"

# Base packages the scripts may rely on without installing them: a fresh
# Debian 12 root (mmdebstrap --variant=important, as
# ../shared/tools/fresh-debian.sh builds it) has every package of priority
# required or important, plus FRESH_EXTRAS. Each one listed here is checked
# to be one of those, so the list cannot hide a missing install.
BASE = {
    "bash", "dash", "coreutils", "grep", "sed", "mawk", "findutils", "diffutils",
    "util-linux", "bsdutils", "mount", "procps", "iproute2", "iputils-ping",
    "debianutils", "gzip", "tar", "hostname", "ncurses-bin", "dpkg",
    "sysvinit-utils", "libc-bin", "login", "passwd", "apt", "git", "make", "sudo",
}
FRESH_EXTRAS = {"git", "make", "ca-certificates", "sudo"}

# Commands that run another one: how many words to skip to reach it.
#   opts_arg: options whose value is the next word
#   lead: words after the options before the command (timeout's duration)
#   no_cmd: an option that means there is no command (taskset -p PID)
WRAPPERS = {
    "timeout": dict(opts_arg={"-k", "-s", "--kill-after", "--signal"}, lead=1),
    "nsenter": dict(opts_arg={"-t", "--target", "-S", "--setuid", "-G", "--setgid"}),
    "env": dict(opts_arg={"-u", "--unset", "-C", "--chdir"}, assigns=True),
    "nice": dict(opts_arg={"-n", "--adjustment"}),
    "setpriv": dict(opts_arg={"--reuid", "--ruid", "--euid", "--regid", "--rgid", "--egid",
                              "--groups", "--inh-caps", "--ambient-caps", "--bounding-set",
                              "--securebits", "--pdeathsig", "--selinux-label",
                              "--apparmor-profile"}),
    "unshare": dict(opts_arg={"--propagation", "--setgroups", "-S", "--setuid", "-G",
                              "--setgid", "-R", "--root", "-w", "--wd", "--map-user",
                              "--map-group"}),
    "xargs": dict(opts_arg={"-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L",
                            "-n", "--max-args", "-P", "--max-procs", "-s"}),
    "stdbuf": dict(opts_arg={"-i", "-o", "-e"}),
    "taskset": dict(opts_arg=set(), lead=1, no_cmd=re.compile(r"^-[a-z]*p")),
    "chrt": dict(opts_arg={"-T", "-P", "-D"}, lead=1, no_cmd=re.compile(r"^-[a-z]*p")),
    "nohup": dict(opts_arg=set()),
    "exec": dict(opts_arg={"-a"}),
    "command": dict(opts_arg=set(), no_cmd=re.compile(r"^-[vV]$")),
    "builtin": dict(opts_arg=set()),
    "sudo": dict(opts_arg={"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
}
PYTHONS = {"python3", "python", "/usr/bin/python3"}
SHELLS = {"sh", "bash", "dash"}


class Uses:
    """Where each command and module is used: name -> [(file, line)]."""

    def __init__(self):
        self.cmds = {}
        self.mods = {}
        self.problems = []      # (file, line, text): what could not be read

    def cmd(self, name, where):
        self.cmds.setdefault(name, []).append(where)

    def mod(self, name, where):
        self.mods.setdefault(name, []).append(where)


# ---- Python --------------------------------------------------------------

SUBPROCESS = {"run", "call", "check_call", "check_output", "Popen", "getoutput",
              "getstatusoutput"}


def python_source(code, fname, first_line, uses, here):
    """Imports and literal subprocess commands of CODE (a file or a part of
    one starting at FIRST_LINE)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        uses.problems.append((fname, first_line + (e.lineno or 1) - 1,
                              "Python that does not parse: %s" % e.msg))
        return
    for n in ast.walk(tree):
        line = first_line + getattr(n, "lineno", 1) - 1
        if isinstance(n, ast.Import):
            for a in n.names:
                uses.mod((a.name.split(".")[0], here), (fname, line))
        elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
            uses.mod((n.module.split(".")[0], here), (fname, line))
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and \
                isinstance(n.func.value, ast.Name) and n.args:
            mod, fn, a0 = n.func.value.id, n.func.attr, n.args[0]
            text = a0.value if isinstance(a0, ast.Constant) and isinstance(a0.value, str) else None
            if mod == "subprocess" and fn in SUBPROCESS:
                if isinstance(a0, ast.BinOp) and isinstance(a0.op, ast.Add):
                    a0 = a0.left                # ["dpkg-query", "-S"] + paths
                if isinstance(a0, (ast.List, ast.Tuple)) and a0.elts and \
                        isinstance(a0.elts[0], ast.Constant) and isinstance(a0.elts[0].value, str):
                    uses.cmd(a0.elts[0].value, (fname, line))
                elif text is not None:      # a string: a shell line with shell=True
                    if any(k.arg == "shell" for k in n.keywords) or fn.startswith("get"):
                        shell_source(text, fname, line, uses, here)
                    elif text.split():
                        uses.cmd(text.split()[0], (fname, line))
            elif mod == "os" and fn in ("system", "popen") and text is not None:
                shell_source(text, fname, line, uses, here)
            elif mod == "os" and fn.startswith(("exec", "spawn")) and text is not None:
                uses.cmd(text, (fname, line))     # os.execvp(FILE, ARGS)


# ---- shell -----------------------------------------------------------------

def shfmt_tree(code):
    p = subprocess.run(["shfmt", "--to-json"], input=code, capture_output=True, text=True)
    if p.returncode:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "shfmt failed"
    return json.loads(p.stdout), None


def lit(parts):
    """The text of word parts if it is fixed (no expansion), else None."""
    out = []
    for p in parts:
        t = p.get("Type")
        if t in ("Lit", "SglQuoted"):
            out.append(p.get("Value", ""))
        elif t == "DblQuoted":
            s = lit(p.get("Parts", []))
            if s is None:
                return None
            out.append(s)
        else:
            return None
    return "".join(out)


def loose(parts):
    """The text of word parts with expansions as ${NAME} (for file names)."""
    out = []
    for p in parts:
        t = p.get("Type")
        if t in ("Lit", "SglQuoted"):
            out.append(p.get("Value", ""))
        elif t == "DblQuoted":
            out.append(loose(p.get("Parts", [])))
        elif t == "ParamExp":
            out.append("${%s}" % p.get("Param", {}).get("Value", ""))
        else:
            out.append("$(...)")
    return "".join(out)


def word(w):
    """("lit", text), ("at",) for "$@", ("array", NAME) for "${NAME[@]}", or
    ("dyn", text with ${NAME} for expansions) for anything else."""
    parts = w.get("Parts", [])
    if len(parts) == 1 and parts[0].get("Type") == "DblQuoted" and \
            len(parts[0].get("Parts", [])) == 1:
        parts = parts[0]["Parts"]
    if len(parts) == 1 and parts[0].get("Type") == "ParamExp":
        pe = parts[0]
        name = pe.get("Param", {}).get("Value")
        idx = pe.get("Index")
        if name in ("@", "*") and not idx:
            return ("at",)
        if idx and lit(idx.get("Parts", [])) in ("@", "*") and not pe.get("Exp") \
                and not pe.get("Slice") and not pe.get("Repl"):
            return ("array", name)
    s = lit(parts)
    return ("lit", s) if s is not None else ("dyn", loose(parts))


def line_of(node, default):
    for k in ("Position", "Pos"):
        if isinstance(node.get(k), dict) and node[k].get("Line"):
            return node[k]["Line"]
    return default


class Shell:
    """One shell text: its functions, arrays, and the commands it runs."""

    def __init__(self, fname, first_line, uses, here, funcs=None, arrays=None):
        self.fname, self.first, self.uses, self.here = fname, first_line, uses, here
        self.funcs = funcs if funcs is not None else {}
        self.arrays = arrays if arrays is not None else {}
        self.wrap_cache = {}

    def at(self, line):
        return (self.fname, self.first + line - 1)

    def collect(self, node):
        """Functions and array assignments, anywhere in NODE."""
        if isinstance(node, dict):
            if node.get("Type") == "FuncDecl":
                self.funcs[node["Name"]["Value"]] = node["Body"]
            for a in node.get("Assigns", []) or []:
                if a.get("Array") and a.get("Name"):
                    elems = [word(e["Value"]) for e in a["Array"].get("Elems", [])
                             if e.get("Value")]
                    self.arrays.setdefault(a["Name"]["Value"], []).append(elems)
            for v in node.values():
                self.collect(v)
        elif isinstance(node, list):
            for v in node:
                self.collect(v)

    def source_libs(self, tree):
        """`. DIR/lib.sh` / `source ...`: the library beside the script, read
        for its functions (it is checked as a file of its own)."""
        for call in calls(tree):
            ws = [word(w) for w in call.get("Args", [])]
            if len(ws) >= 2 and ws[0] in (("lit", "."), ("lit", "source")):
                name = os.path.basename(loose(call["Args"][1].get("Parts", [])))
                path = os.path.join(self.here, name)
                if os.path.isfile(path):
                    lib, _ = shfmt_tree(open(path).read())
                    if lib:
                        self.collect(lib)

    def wrapper_shift(self, fname):
        """Words a function shifts off before running "$@" as a command,
        or None if it does not run "$@"."""
        if fname in self.wrap_cache:
            return self.wrap_cache[fname]
        self.wrap_cache[fname] = None           # recursion guard
        body, shifts, runs = self.funcs[fname], 0, False
        for call in calls(body):
            ws = [word(w) for w in call.get("Args", [])]
            if ws and ws[0] == ("lit", "shift"):
                shifts += int(ws[1][1]) if len(ws) > 1 and ws[1][0] == "lit" and \
                    ws[1][1].isdigit() else 1
            elif ws and self.command(ws, 0, record=False):
                runs = True
        self.wrap_cache[fname] = shifts if runs else None
        return self.wrap_cache[fname]

    def command(self, ws, line, record=True):
        """Record the command WS runs (and what it runs in turn); true if it
        ends in "$@" (the caller's arguments as a command)."""
        while ws and ws[0][0] == "lit" and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", ws[0][1]):
            ws = ws[1:]                         # VAR=value before the command
        if not ws:
            return False
        kind = ws[0][0]
        if kind == "at":
            return True
        if kind == "array":
            hit = False
            for elems in self.arrays.get(ws[0][1], []):
                hit |= self.command(elems + ws[1:], line, record)
            return hit
        if kind == "dyn":
            return False                        # "$pktlens", "$measure": the project's own
        name = ws[0][1]
        args = ws[1:]
        if "/" in name and not name.startswith("/"):
            return False                        # tests/integration/x.sh: the project's own
        if name in self.funcs:
            n = self.wrapper_shift(name)
            return n is not None and self.command(args[n:], line, record)
        if record:
            self.uses.cmd(name, self.at(line))
        base = os.path.basename(name)
        if base in WRAPPERS:
            return self.wrapped(WRAPPERS[base], args, line, record)
        if base == "ip":
            texts = [a[1] if a[0] == "lit" else None for a in args]
            for i in range(len(texts) - 1):
                if texts[i] == "netns" and texts[i + 1] == "exec":
                    return self.command(args[i + 3:], line, record)
            return False
        if name in PYTHONS and ("lit", "--") in args and ("lit", "-c") not in args:
            # a helper of ours that runs a command takes it after "--"
            # (bench_detect.py measure ... -- CMD)
            return self.command(args[args.index(("lit", "--")) + 1:], line, record)
        if not record:
            return False
        at = self.first + line - 1
        if base == "trap" and args and args[0][0] == "lit" and args[0][1] != "-":
            # the handler runs in this shell: its functions and arrays
            sh = Shell(self.fname, at, self.uses, self.here, self.funcs, self.arrays)
            tree, err = shfmt_tree(args[0][1])
            if tree is None:
                self.uses.problems.append((self.fname, at, "a trap shfmt cannot parse: %s" % err))
            else:
                sh.walk(tree)
        elif (base in SHELLS or name in PYTHONS) and ("lit", "-c") in args:
            i = args.index(("lit", "-c")) + 1
            if i < len(args) and args[i][0] == "lit":
                if name in PYTHONS:
                    python_source(args[i][1], self.fname, at, self.uses, self.here)
                else:           # a new shell: nothing of this one's
                    shell_source(args[i][1], self.fname, at, self.uses, self.here)
        return False

    def wrapped(self, spec, args, line, record):
        i = 0
        # an option may expand (--net="/run/netns/$ns"): its text decides
        while i < len(args) and args[i][0] in ("lit", "dyn") and \
                args[i][1].startswith("-") and args[i][1] != "-":
            a = args[i][1]
            if a == "--":
                i += 1
                break
            if spec.get("no_cmd") and spec["no_cmd"].match(a):
                return False
            i += 2 if a in spec["opts_arg"] else 1
        if spec.get("assigns"):
            while i < len(args) and args[i][0] == "lit" and "=" in args[i][1]:
                i += 1
        i += spec.get("lead", 0)
        return self.command(args[i:], line, record)

    def walk(self, node, line=1):
        if isinstance(node, dict):
            line = line_of(node, line)
            t = node.get("Type")
            if t == "CallExpr" and node.get("Args"):
                self.command([word(w) for w in node["Args"]], line)
            if t == "ForClause":
                self.for_checks(node, line)
            for r in node.get("Redirs", []) or []:
                if r.get("Hdoc"):
                    self.heredoc(node, r)
            for k, v in node.items():
                if k != "Hdoc":
                    self.walk(v, line)
        elif isinstance(node, list):
            for v in node:
                self.walk(v, line)

    def heredoc(self, stmt, r):
        """A heredoc fed to python3, or written to a *.py file: Python."""
        cmd = stmt.get("Cmd") or {}
        ws = [word(w) for w in cmd.get("Args", [])] if cmd.get("Type") == "CallExpr" else []
        to_py = any(loose(x.get("Word", {}).get("Parts", [])).endswith(".py")
                    for x in stmt.get("Redirs", []) if not x.get("Hdoc"))
        if (ws and ws[0] in [("lit", p) for p in PYTHONS]) or to_py:
            body = loose(r["Hdoc"].get("Parts", []))
            first = line_of(r["Hdoc"], line_of(stmt, 1))
            python_source(body, self.fname, self.first + first - 1, self.uses, self.here)

    def for_checks(self, node, line):
        """for t in A B C; do command -v "$t" ...: A, B and C are commands."""
        loop = node.get("Loop", {})
        var = loop.get("Name", {}).get("Value")
        if not var:
            return
        checks = False
        for call in calls(node.get("Do", [])):
            ws = [word(w) for w in call.get("Args", [])]
            a = call.get("Args", [])
            if ws[:2] == [("lit", "command"), ("lit", "-v")] and len(a) > 2 and \
                    loose(a[2].get("Parts", [])) == "${%s}" % var:
                checks = True
        if checks:
            for w in loop.get("Items", []):
                x = word(w)
                if x[0] == "lit":
                    self.uses.cmd(x[1], self.at(line_of(w, line)))


def calls(node):
    """Every CallExpr in NODE."""
    if isinstance(node, dict):
        if node.get("Type") == "CallExpr":
            yield node
        for v in node.values():
            yield from calls(v)
    elif isinstance(node, list):
        for v in node:
            yield from calls(v)


def shell_source(code, fname, first_line, uses, here, libs=False):
    tree, err = shfmt_tree(code)
    if tree is None:
        uses.problems.append((fname, first_line, "shell that shfmt cannot parse: %s" % err))
        return
    sh = Shell(fname, first_line, uses, here)
    sh.collect(tree)
    if libs:
        sh.source_libs(tree)
    sh.walk(tree)


# ---- packages --------------------------------------------------------------

def installed():
    """Installed packages: name -> (priority, provides, [dependency groups])."""
    p = subprocess.run(["dpkg-query", "-W", "-f",
                        "${db:Status-Abbrev}\t${Package}\t${Priority}\t${Provides}\t"
                        "${Pre-Depends}, ${Depends}\n"], capture_output=True, text=True)
    pk = {}
    for ln in p.stdout.splitlines():
        f = ln.split("\t")
        if len(f) < 5 or not f[0].startswith("ii"):
            continue
        groups = [[re.split(r"[ (:]", a.strip())[0] for a in g.split("|")]
                  for g in f[4].split(",") if g.strip()]
        provides = [re.split(r"[ (:]", x.strip())[0] for x in f[3].split(",") if x.strip()]
        pk[f[1]] = (f[2], provides, groups)
    return pk


def closure(roots, pk):
    """ROOTS and everything they depend on (Depends, Pre-Depends), as
    installed here: each dependency by the first alternative that is
    installed or provided by an installed package."""
    providers = {}
    for name, (_, provides, _) in pk.items():
        for v in provides:
            providers.setdefault(v, []).append(name)
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for g in pk.get(n, (None, None, []))[2]:
            for alt in g:
                got = [alt] if alt in pk else providers.get(alt, [])
                if got:
                    todo.extend(got)
                    break
    return seen


def owners(paths):
    """dpkg -S for many paths: path -> package."""
    out = {}
    if not paths:
        return out
    p = subprocess.run(["dpkg-query", "-S"] + sorted(set(paths)), capture_output=True, text=True)
    for ln in p.stdout.splitlines():
        if ln.startswith("diversion ") or ": " not in ln:
            continue
        pkgs, path = ln.split(": ", 1)
        out[path] = pkgs.split(",")[0].strip().split(":")[0]
    return out


def candidates(path):
    """PATH, what it links to, and both under merged /usr (dpkg knows
    /bin/ip, the shell finds /usr/sbin/ip)."""
    c = []
    for p in (path, os.path.realpath(path)):
        for q in (p, re.sub(r"^/usr/(s?bin|lib)/", r"/\1/", p), re.sub(r"^/(s?bin|lib)/", r"/usr/\1/", p)):
            if q not in c:
                c.append(q)
    return c


def which(name):
    if "/" in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for d in PATH.split(":"):
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def module_file(name, here):
    """The file a top-level module comes from: "builtin", a path, or None."""
    if os.path.isfile(os.path.join(here, name + ".py")):
        return "own"
    if name in sys.builtin_module_names:
        return "builtin"
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin in ("built-in", "frozen"):
        return "builtin"
    if spec.origin:
        return spec.origin
    locs = list(spec.submodule_search_locations or [])
    return locs[0] if locs else None


# ---- main --------------------------------------------------------------------

# Scripts that run elsewhere than on this machine, and why: their commands
# come from what that place holds, which its own builder checks.
ELSEWHERE = {
    # /init of the qemu guest of `make test-kernels`: busybox's applets and
    # the binaries tests/kernels/run.sh copies into the initramfs
    "tests/kernels/guest-init.sh",
}

# Scripts that only an optional make target runs, with the install-deps.sh
# group that installs what they call (`install-deps.sh kernels`). Checked
# like the rest when that group is installed here; skipped (said so, not
# passed) when it is not: make test does not install it.
GROUPS = {
    "tests/kernels/": "kernels",
}
# Either package of a pair serves (install-deps.sh keeps a dynamic busybox
# that is there instead of installing busybox-static)
ALTERNATIVES = {"busybox-static": "busybox"}


def group_of(rel):
    for prefix, group in GROUPS.items():
        if rel.startswith(prefix):
            return group
    return None


def scripts():
    out = []
    for d in DIRS:
        for base, _, files in os.walk(os.path.join(ROOT, d)):
            for f in sorted(files):
                path = os.path.join(base, f)
                kind = None
                if f.endswith(".sh"):
                    kind = "sh"
                elif f.endswith(".py"):
                    kind = "py"
                else:
                    try:
                        first = open(path, "rb").readline(200)
                    except OSError:
                        continue
                    if first.startswith(b"#!") and re.search(rb"\b(ba|da)?sh\b", first):
                        kind = "sh"
                    elif first.startswith(b"#!") and b"python" in first:
                        kind = "py"
                rel = os.path.relpath(path, ROOT)
                if kind and rel not in ELSEWHERE:
                    out.append((rel, kind))
    return sorted(out)


def main():
    passed = failed = 0

    def case(ok, text):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok   deps: %s" % text)
        else:
            failed += 1
            print("FAIL deps: %s" % text)

    if not which("shfmt") or not which("dpkg-query"):
        case(False, "the check itself: needs shfmt and dpkg-query (scripts/install-deps.sh)")
        print("%d passed, %d failed" % (passed, failed))
        return 1
    lst = subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh"), "--list"],
                         capture_output=True, text=True)
    wanted = lst.stdout.split()
    pk = installed()
    case(lst.returncode == 0 and wanted,
         "scripts/install-deps.sh --list names the packages it installs"
         + ("" if lst.returncode == 0 and wanted else ": %s" % lst.stderr.strip()))
    missing = [p for p in wanted if p not in pk]
    case(not missing, "every package scripts/install-deps.sh names is installed here"
         + ("" if not missing else ": not %s (run scripts/install-deps.sh)" % ", ".join(missing)))
    # the optional groups: which are installed here
    group_pkgs, group_missing = {}, {}
    for group in sorted(set(GROUPS.values())):
        g = subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh"), "--list", group],
                           capture_output=True, text=True)
        group_pkgs[group] = g.stdout.split()
        case(g.returncode == 0 and group_pkgs[group],
             "scripts/install-deps.sh --list %s names the packages of that group" % group)
        group_missing[group] = [p for p in group_pkgs[group]
                                if p not in pk and ALTERNATIVES.get(p) not in pk]
    not_base = sorted(b for b in BASE if b not in FRESH_EXTRAS and
                      pk.get(b, ("?",))[0] not in ("required", "important"))
    case(not not_base, "the base packages this check takes as present are Debian's required "
         "and important ones (or git, make, ca-certificates, sudo)"
         + ("" if not not_base else ": not so for %s" % ", ".join(
             "%s (%s)" % (b, pk[b][0] if b in pk else "not installed") for b in not_base)))
    covered = closure(set(wanted) | BASE, pk)
    group_covered = {g: closure(set(wanted) | BASE | set(ps) |
                                {ALTERNATIVES[p] for p in ps if p in ALTERNATIVES}, pk)
                     for g, ps in group_pkgs.items()}
    gone = sorted(e for e in ELSEWHERE if not os.path.isfile(os.path.join(ROOT, e)))
    case(not gone, "every script left out as running elsewhere exists"
         + ("" if not gone else ": not %s (remove it from ELSEWHERE)" % ", ".join(gone)))

    files = scripts()
    per_file = {}
    for rel, kind in files:
        uses = Uses()
        here = os.path.dirname(os.path.join(ROOT, rel))
        code = open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace").read()
        if kind == "py":
            python_source(code, rel, 1, uses, here)
        else:
            shell_source(code, rel, 1, uses, here, libs=True)
        per_file[rel] = uses

    builtins = set(subprocess.run(["bash", "-c", "compgen -b; compgen -k"],
                                  capture_output=True, text=True).stdout.split())
    # command -> path, path -> package
    paths = {}
    for u in per_file.values():
        for c in u.cmds:
            if c not in builtins and c not in paths:
                paths[c] = which(c)
    own = owners([q for p in paths.values() if p for q in candidates(p)])
    mod_paths = {}
    for u in per_file.values():
        for m in u.mods:
            if m not in mod_paths:
                mod_paths[m] = module_file(*m)
    mod_own = owners([q for p in mod_paths.values() if p and p.startswith("/")
                      for q in candidates(p)])

    def package(path, table):
        for q in candidates(path):
            if q in table:
                return table[q]
        return None

    table = []
    skipped = 0
    for rel, _ in files:
        u = per_file[rel]
        bad = []
        group = group_of(rel)
        if group and group_missing[group]:
            skipped += 1
            print("skip deps: %s: run only by `make test-kernels`, whose packages (%s) are "
                  "not installed here (scripts/install-deps.sh %s)"
                  % (rel, ", ".join(group_missing[group]), group))
            continue
        cov = group_covered[group] if group else covered
        for c, where in sorted(u.cmds.items()):
            at = ", ".join("%s:%d" % w for w in where[:3]) + (" ..." if len(where) > 3 else "")
            if c in builtins:
                continue
            p = paths[c]
            if not p:
                bad.append("%s (%s): not found here (no package installed here provides it)" % (c, at))
                continue
            pkg = package(p, own)
            table.append((c, p, pkg, pkg in cov if pkg else False))
            if not pkg:
                bad.append("%s (%s): %s belongs to no Debian package" % (c, at, p))
            elif pkg not in cov:
                bad.append("%s (%s): package %s, not installed by scripts/install-deps.sh "
                           "(nor a base package)" % (c, at, pkg))
        for m, where in sorted(u.mods.items()):
            at = ", ".join("%s:%d" % w for w in where[:3])
            p = mod_paths[m]
            if p in ("own", "builtin"):
                continue
            if not p:
                bad.append("Python module %s (%s): not importable by /usr/bin/python3" % (m[0], at))
                continue
            pkg = package(p, mod_own)
            table.append(("python3: import " + m[0], p, pkg, pkg in cov if pkg else False))
            if not pkg:
                bad.append("Python module %s (%s): %s belongs to no Debian package" % (m[0], at, p))
            elif pkg not in cov:
                bad.append("Python module %s (%s): package %s, not installed by "
                           "scripts/install-deps.sh" % (m[0], at, pkg))
        for f, line, text in u.problems:
            bad.append("%s:%d: %s" % (f, line, text))
        n_cmd = sum(1 for c in u.cmds if c not in builtins)
        if bad:
            case(False, "%s: %s" % (rel, "; ".join(bad)))
        else:
            case(True, "%s: %d commands, %d Python modules, all installed" % (rel, n_cmd, len(u.mods)))
    if VERBOSE:
        for c, p, pkg, ok in sorted(set(table)):
            print("    %-28s %-44s %-24s %s" % (c, p, pkg or "-", "covered" if ok else "NOT COVERED"))
    print("%d passed, %d failed%s" % (passed, failed,
                                      ", %d skipped" % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
