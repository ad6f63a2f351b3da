#!/usr/bin/env python3
"""check_lines.py - what tests/lines checks about the #line directives and
positions of asyncc's output.

  check_lines.py directives OUT.c
      Simulates the line numbers a compiler presumes while reading OUT.c:
      no #line directive may restate the line the compiler already
      presumes (a duplicate), every directive naming OUT.c itself must
      name the physical line that follows it, and the code that exists
      only in OUT.c (frame structs, init functions, exports) must be
      presumed to be in OUT.c.

  check_lines.py columns AC OUT.c CC [CFLAGS...]
      Compiles the erased build of AC and OUT.c with CC -Wall -Wextra and
      compares the warnings reported on AC's lines without `await`: same
      line, same column, same text.  There must be at least one.
"""
import re
import subprocess
import sys

LINE = re.compile(r'^#line (\d+) "((?:[^"\\]|\\.)*)"\s*$')
GENERATED = re.compile(r'^(struct \w+__frame \{|static inline void \w+__init\(|'
                       r'ac_coro \*\w+__new\(|static void \w+__resume\(ac_coro)')


def directives(out_c):
    presumed_file, presumed = out_c, 1
    bad = 0
    with open(out_c) as f:
        lines = f.read().split("\n")
    for n, text in enumerate(lines, 1):
        m = LINE.match(text)
        if m:
            line, name = int(m.group(1)), m.group(2).replace('\\"', '"').replace("\\\\", "\\")
            if (name, line) == (presumed_file, presumed):
                print("%s:%d: duplicate directive %s" % (out_c, n, text))
                bad += 1
            if name == out_c and line != n + 1:
                print("%s:%d: %s does not name the next line (%d)" % (out_c, n, text, n + 1))
                bad += 1
            presumed_file, presumed = name, line
        else:
            if GENERATED.match(text) and presumed_file != out_c:
                print("%s:%d: generated code placed in %s:%d: %s" %
                      (out_c, n, presumed_file, presumed, text))
                bad += 1
            presumed += 1
    return bad


WARN = re.compile(r'^(.*?):(\d+):(\d+): warning: (.*)$')


def warnings(cc, args, ac):
    r = subprocess.run([cc, "-fsyntax-only", "-Wall", "-Wextra"] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    found = set()
    for text in r.stdout.split("\n"):
        m = WARN.match(text)
        if m and m.group(1).endswith(ac.split("/")[-1]):
            found.add((int(m.group(2)), int(m.group(3)), m.group(4)))
    return found


def columns(ac, out_c, cc, cflags):
    with open(ac) as f:
        src = f.read().split("\n")
    keep = lambda w: "await" not in src[w[0] - 1]
    erased = set(filter(keep, warnings(cc, cflags + ["-DASYNCC_ERASED", "-x", "c", ac], ac)))
    trans = set(filter(keep, warnings(cc, cflags + [out_c], ac)))
    for w in sorted(erased - trans):
        print("erased only:     %s:%d:%d: %s" % (ac, w[0], w[1], w[2]))
    for w in sorted(trans - erased):
        print("transpiled only: %s:%d:%d: %s" % (ac, w[0], w[1], w[2]))
    if not erased:
        print("no warnings at all: the test proves nothing")
        return 1
    print("%d warnings at the same positions" % len(erased & trans))
    return len(erased ^ trans)


def main():
    if sys.argv[1] == "directives":
        sys.exit(1 if directives(sys.argv[2]) else 0)
    if sys.argv[1] == "columns":
        sys.exit(1 if columns(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]) else 0)
    sys.exit("usage: see the docstring")


if __name__ == "__main__":
    main()
