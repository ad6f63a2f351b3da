#!/usr/bin/env python3
"""bench/transpile_speed.py - how asyncc's time grows with the file.

Generates .ac files of growing size (N async functions of about 17 lines
each: locals, a loop with an await, an await in a condition, a gather),
then times, on each file,

    asyncc FILE -o OUT.c                 (the transpiler)
    clang -fsyntax-only FILE             (clang parsing the same file once)

with the same include path and -std, and prints the middle of ROUNDS runs
of each and their ratio.  asyncc pays one libclang parse of the file, so
the ratio says what the rest of the pipeline costs on top of it; the issue's
target is <= 1.5 at every size, and a ratio that stays flat as N grows
shows linear time.

usage: bench/transpile_speed.py [--build DIR] [--sizes 250,500,1000,2000]
                                [--rounds 5] [--keep DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def function(i):
    """One async function.  It awaits f(i/2), so call chains are log n deep
    (frames embed their callees' frames: a chain n long would make the
    last frame n times as big)."""
    callee = "leaf" if i == 0 else "f%d" % (i // 2)
    return """\
static async int f{i}(int n)
{{
    int total = 0, k;
    int parts[4] = {{{i}, 1, 2, 3}};
    for (k = 0; k < n % 3; k++) {{
        total += await {callee}(k);
        parts[k & 3] ^= total;
    }}
    if (await ac_yield() == 0 && n > {m})
        total -= parts[n & 3];
    int a = 0, b = 0;
    await gather(a = leaf(n), b = {callee}(n + 1));
    switch (total & 1) {{
    case 0: return a + b + total;
    default: return a - b;
    }}
}}

""".format(i=i, callee=callee, m=i % 7)


def source(n):
    parts = ["#include <asyncc.h>\n#include <stdio.h>\n\n",
             "static async int leaf(int x)\n{\n    await ac_yield();\n"
             "    return x + 1;\n}\n\n"]
    parts += [function(i) for i in range(n)]
    parts.append("int main(void)\n{\n    printf(\"%%d\\n\", async_run(f%d(3)));\n"
                 "    return 0;\n}\n" % (n - 1))
    return "".join(parts)


def clang_path():
    for name in ("clang", "clang-19", "clang-18", "clang-17", "clang-16",
                 "clang-15", "clang-14"):
        p = shutil.which(name)
        if p:
            return p
    sys.exit("transpile_speed: clang not found")


def middle_time(cmd, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit("transpile_speed: %s failed:\n%s" % (" ".join(cmd),
                                                          r.stderr.decode()))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sizes", default="250,500,1000,2000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", help="write the generated files here")
    args = ap.parse_args()
    asyncc = os.path.join(args.build, "bin", "asyncc")
    if not os.access(asyncc, os.X_OK):
        sys.exit("transpile_speed: no %s (build first)" % asyncc)
    clang = clang_path()
    include = os.path.join(ROOT, "runtime", "include")
    work = args.keep or tempfile.mkdtemp(prefix="transpile_speed.")
    os.makedirs(work, exist_ok=True)
    print("%8s %8s %10s %10s %7s" % ("fns", "lines", "asyncc s", "clang s",
                                     "ratio"))
    ratios = []
    for n in (int(s) for s in args.sizes.split(",")):
        path = os.path.join(work, "gen%d.ac" % n)
        text = source(n)
        with open(path, "w") as f:
            f.write(text)
        out = os.path.join(work, "gen%d.c" % n)
        t_asyncc = middle_time([asyncc, path, "-o", out], args.rounds)
        t_clang = middle_time([clang, "-fsyntax-only", "-x", "c",
                               "-std=gnu11", "-I", include, path], args.rounds)
        ratio = t_asyncc / t_clang
        ratios.append(ratio)
        print("%8d %8d %10.3f %10.3f %7.2f" % (n, text.count("\n"), t_asyncc,
                                               t_clang, ratio), flush=True)
    print("worst ratio %.2f (target <= 1.5)" % max(ratios))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
