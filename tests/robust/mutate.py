#!/usr/bin/env python3
"""Feed asyncc broken and odd input; it must never crash or hang.

Each mutant is a golden .ac file with a random edit (a token or line
deleted, duplicated, swapped, or an Async C keyword or bracket inserted).
For every mutant asyncc must exit with 0 or 1 within the time limit, never
by a signal.  When it exits 1 it must have printed a `file:line:col: error:`
message and written no output file; when it exits 0 the output must be C
that gcc accepts (-fsyntax-only): anything else would be silent
miscompilation of input that clang accepted.

    mutate.py --asyncc PATH --cases DIR --include DIR [--count N] [--seed S]
Prints one line per failure and a final 'N passed, N failed'.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

INSERTS = ["await ", "async ", "gather(", "to_thread(", "spawn(", "with_timeout(",
           "{", "}", "(", ")", ";", ",", "*", "&", "=", "return ", "goto x;",
           "x:", "case 1:", "break;", "continue;", "#define Q(a) a\n", "\"",
           "'", "/*", "*/", "0x", "int ", "static ", "...", "[", "]"]
TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|\S")


def mutate(text, rnd):
    lines = text.split("\n")
    kind = rnd.randrange(6)
    if kind == 0 and len(lines) > 2:          # delete a line
        del lines[rnd.randrange(len(lines))]
    elif kind == 1:                            # duplicate a line
        i = rnd.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 2 and len(lines) > 2:         # swap two lines
        i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:                                      # token-level edits
        toks = [m for m in TOKEN.finditer(text)]
        if not toks:
            return text
        m = toks[rnd.randrange(len(toks))]
        if kind == 3:
            return text[:m.start()] + text[m.end():]
        if kind == 4:
            return text[:m.start()] + rnd.choice(INSERTS) + text[m.start():]
        other = toks[rnd.randrange(len(toks))]
        return text[:m.start()] + other.group(0) + text[m.end():]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--asyncc", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--include", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    sources = sorted(f for f in os.listdir(a.cases) if f.endswith(".ac"))
    # In a sanitizer build a report must not pass for asyncc's own exit 1.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":exitcode=86"
    env["UBSAN_OPTIONS"] = env.get("UBSAN_OPTIONS", "") + ":halt_on_error=1:exitcode=87"
    rnd = random.Random(a.seed)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.count):
            name = rnd.choice(sources)
            with open(os.path.join(a.cases, name)) as f:
                text = f.read()
            for _ in range(rnd.randrange(1, 4)):
                text = mutate(text, rnd)
            src = os.path.join(tmp, "m%d.ac" % k)
            out = os.path.join(tmp, "m%d.c" % k)
            with open(src, "w") as f:
                f.write(text)
            why = None
            try:
                p = subprocess.run([a.asyncc, src, "-o", out], capture_output=True,
                                   text=True, timeout=a.timeout, env=env)
                if p.returncode == 1:
                    if not re.search(r":\d+:\d+: error: ", p.stderr):
                        why = "exit 1 without a located error: " + p.stderr[:200]
                    elif os.path.exists(out):
                        why = "exit 1 but wrote the output file"
                elif p.returncode == 0:
                    c = subprocess.run(["gcc", "-std=gnu11", "-fsyntax-only", "-w",
                                        "-I", a.include, "-x", "c", out],
                                       capture_output=True, text=True)
                    if c.returncode != 0:
                        why = "accepted, but gcc rejects the output: " + c.stderr[:300]
                else:
                    why = "exit status %d: %s" % (p.returncode, p.stderr[-300:])
            except subprocess.TimeoutExpired:
                why = "no answer within %.0f s" % a.timeout
            if why:
                failed += 1
                keep = os.path.join(os.getcwd(), "robust-failure-%d-%d.ac" % (a.seed, k))
                with open(keep, "w") as f:
                    f.write(text)
                print("FAIL mutant %d of %s (kept as %s): %s" % (k, name, keep, why))
            else:
                passed += 1
            for p_ in (src, out):
                if os.path.exists(p_):
                    os.unlink(p_)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
