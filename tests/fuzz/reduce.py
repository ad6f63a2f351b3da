#!/usr/bin/env python3
"""Shrink a failing differential-test program to a small one that still
fails the same way.

    reduce.py --build BUILD fuzz-failures/seed-N/prog.ac [-o small.ac]

The failure is classified first (asyncc rejects it, the transpiled C does
not compile, or the two builds print differently) and a candidate counts as
"still failing" only when it fails in the same class with the same first
message.  Candidates are the program minus a brace-balanced block, then
minus runs of lines (halving the run length down to one line).  Candidates
whose erased build does not compile, or misbehaves under ASan/UBSan, are
rejected, so removing a mask or an initialisation cannot turn the program
into one whose divergence is the program's own undefined behaviour.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b""
    return p.returncode, p.stdout, p.stderr


def first_error(stderr):
    """The first 'error: ...' message without its location."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        m = re.search(r"error: (.*)", line)
        if m:
            return re.sub(r"\s+", " ", m.group(1)).strip()
    return ""


class Oracle:
    def __init__(self, a, work):
        self.a = a
        self.work = work
        self.n = 0
        self.uv = subprocess.run(["pkg-config", "--libs", "libuv"],
                                 stdout=subprocess.PIPE).stdout.decode().split() or ["-luv"]

    def classify(self, text, light=False):
        """(class, detail) of a program, or None when the program itself is
        unusable: its erased build does not compile, reads an uninitialised
        variable or falls off the end of a non-void function (as far as gcc
        can tell), or misbehaves under ASan/UBSan.  light: only check that
        the erased build compiles (enough when the failure is a rejection or
        a compile error)."""
        a = self.a
        self.n += 1
        src = os.path.join(self.work, "c%d.ac" % self.n)
        with open(src, "w") as fh:
            fh.write(text)
        inc = ["-I", a.include]
        erased = src[:-3] + ".erased"
        strict = ["-Werror=return-type", "-Werror=uninitialized",
                  "-Werror=maybe-uninitialized"]
        if light:
            rc, _, _ = run([a.cc, "-std=gnu11", "-fsyntax-only", "-DASYNCC_ERASED"] + inc +
                           ["-x", "c", src])
            if rc != 0:
                return None
            out_e, rc_e = b"", 0
        else:
            rc, _, _ = run([a.cc, "-std=gnu11", "-O1", "-g", "-Wall"] + strict +
                           ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                            "-DASYNCC_ERASED"] + inc + ["-x", "c", src, "-o", erased])
            if rc != 0:
                return None
            rc_e, out_e, _ = run([erased], a.timeout * 4)
            if rc_e is None or rc_e != 0:
                return None
        gen_c = src[:-3] + ".c"
        rc, _, err = run([a.asyncc, src, "-o", gen_c] + inc)
        if rc != 0:
            return ("asyncc", first_error(err))
        prog = src[:-3] + ".prog"
        rc, _, err = run([a.cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1"] + inc +
                         [gen_c, a.runtime_lib, "-o", prog] + self.uv + ["-lpthread"])
        if rc != 0:
            return ("compile", first_error(err))
        if light:
            return ("pass", "")
        rc_t, out_t, _ = run([prog], a.timeout)
        if rc_t is None:
            return ("timeout", "")
        if rc_t != rc_e:
            return ("status", "%s" % rc_t)
        if out_t != out_e:
            return ("output", "")
        return ("pass", "")


def blocks(lines):
    """(start, end) line ranges of brace-balanced blocks: a line ending in
    '{' through the line holding its matching '}'."""
    out = []
    stack = []
    for i, l in enumerate(lines):
        s = l.rstrip()
        opens = s.count("{") - s.count("}")
        if s.endswith("{"):
            stack.append((i, len(stack)))
        elif opens < 0 and stack:
            start, _ = stack.pop()
            out.append((start, i))
    out.sort(key=lambda r: r[0] - r[1])   # biggest first
    return out


def reduce(lines, still_fails, log):
    progress = True
    while progress:
        progress = False
        # whole blocks first
        for start, end in blocks(lines):
            if end >= len(lines):
                continue
            cand = lines[:start] + lines[end + 1:]
            if still_fails(cand):
                log("block %d-%d removed: %d lines" % (start + 1, end + 1, len(cand)))
                lines = cand
                progress = True
                break
        if progress:
            continue
        # then runs of lines
        n = max(1, len(lines) // 2)
        while n >= 1:
            i = 0
            while i < len(lines):
                cand = lines[:i] + lines[i + n:]
                if still_fails(cand):
                    log("lines %d-%d removed: %d lines" % (i + 1, i + n, len(cand)))
                    lines = cand
                    progress = True
                else:
                    i += n
            n //= 2
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description="shrink a failing fuzz program")
    ap.add_argument("program")
    ap.add_argument("-o", "--output", help="default: PROGRAM with .min.ac")
    ap.add_argument("--build")
    ap.add_argument("--asyncc")
    ap.add_argument("--runtime-lib")
    ap.add_argument("--include", default=os.path.normpath(
        os.path.join(HERE, "..", "..", "runtime", "include")))
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--classify", action="store_true",
                    help="only print how the program fails (exit 0 when it does)")
    a = ap.parse_args(argv)
    if a.build:
        a.asyncc = a.asyncc or os.path.join(a.build, "bin", "asyncc")
        a.runtime_lib = a.runtime_lib or os.path.join(a.build, "lib", "libasyncc.a")
    if not (a.asyncc and a.runtime_lib):
        ap.error("need --build, or --asyncc and --runtime-lib")
    out = a.output or re.sub(r"\.ac$", "", a.program) + ".min.ac"

    with open(a.program) as fh:
        lines = fh.read().split("\n")
    with tempfile.TemporaryDirectory(prefix="acreduce-") as work:
        oracle = Oracle(a, work)
        want = oracle.classify("\n".join(lines))
        if want is None:
            print("the program's erased build is not clean; nothing to reduce")
            return 2
        if want[0] == "pass":
            print("the program does not fail")
            return 2
        print("failure: %s %s" % want, flush=True)
        if a.classify:
            return 0

        light = want[0] in ("asyncc", "compile")

        def still_fails(cand):
            return oracle.classify("\n".join(cand), light) == want

        def log(msg):
            print(msg, flush=True)

        small = reduce(lines, still_fails, log)
    with open(out, "w") as fh:
        fh.write("\n".join(small))
    print("%d -> %d lines: %s" % (len(lines), len(small), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
