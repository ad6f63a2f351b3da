#!/usr/bin/env python3
"""Differential tester: random Async C programs, transpiled vs erased.

For every seed in --from..--to: generate a program with gen.py, build it
twice -- transpiled with asyncc and linked with the runtime, and erased
(-DASYNCC_ERASED, plain sequential C) -- run both and compare stdout and
exit status.  A mismatch (or a failure to transpile, compile or run) keeps
the program, the generated C, both outputs and a log under --keep/seed-N/
and makes the exit status 1.  The last line is a summary:
"N passed, M failed".

--erased-only skips the transpiler: it checks that the programs compile
warning-free with gcc and clang (-Wall -Wextra -Werror) and run cleanly,
and with --sanitize that the erased build under
-fsanitize=address,undefined prints the same (proving the generator writes
no undefined behaviour).
"""

import argparse
import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import gen  # noqa: E402

WARN = ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]


class Failure(Exception):
    pass


def sh(cmd, log, timeout=None, cwd=None):
    """Run cmd, append it and its stderr to log; return (rc, stdout)."""
    log.append("$ " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        log.append("TIMEOUT after %ss" % timeout)
        return None, b""
    if p.stderr:
        log.append(p.stderr.decode("utf-8", "replace").rstrip())
    log.append("(exit %d)" % p.returncode)
    return p.returncode, p.stdout


def must(cmd, log, what, timeout=120):
    rc, _ = sh(cmd, log, timeout)
    if rc != 0:
        raise Failure("%s failed" % what)


def run_prog(path, log, timeout):
    rc, out = sh([path], log, timeout)
    if rc is None:
        raise Failure("%s timed out" % os.path.basename(path))
    return rc, out


def check_seed(seed, a, uv_flags):
    """Returns (seed, None) or (seed, reason); keeps evidence on failure."""
    work = tempfile.mkdtemp(prefix="acfuzz-%d-" % seed, dir=a.tmp)
    log = []
    outs = {}
    try:
        src = os.path.join(work, "prog.ac")
        with open(src, "w") as fh:
            fh.write(gen.generate(seed, a.expr_awaits, a.goto, a.recursion, a.fnptrs, a.forms,
                                  a.macros, a.names))
        inc = ["-I", a.include]

        erased = os.path.join(work, "erased")
        must([a.cc] + WARN + ["-O1", "-DASYNCC_ERASED"] + inc +
             ["-x", "c", src, "-o", erased], log, "erased compile (%s)" % a.cc)
        if a.erased_only:
            must(["clang"] + WARN + ["-fsyntax-only", "-DASYNCC_ERASED"] + inc +
                 ["-x", "c", src], log, "erased compile (clang)")
        rc_e, out_e = run_prog(erased, log, a.timeout)
        outs["erased.out"] = out_e
        if rc_e != 0 or not out_e.endswith(b"rc 0\n"):
            raise Failure("erased build exited %d" % rc_e)

        if a.sanitize:
            san = os.path.join(work, "erased-san")
            must([a.cc, "-std=gnu11", "-g", "-O1", "-fsanitize=address,undefined",
                  "-fno-sanitize-recover=all", "-DASYNCC_ERASED"] + inc +
                 ["-x", "c", src, "-o", san], log, "sanitized compile")
            rc_s, out_s = run_prog(san, log, a.timeout * 4)
            outs["erased-san.out"] = out_s
            if rc_s != 0 or out_s != out_e:
                raise Failure("sanitized erased build differs or failed (exit %d)" % rc_s)

        if a.erased_only:
            return seed, None

        gen_c = os.path.join(work, "prog.c")
        must([a.asyncc, src, "-o", gen_c] + inc, log, "asyncc")
        prog = os.path.join(work, "prog")
        must([a.cc] + WARN + ["-O1"] + inc + [gen_c, a.runtime_lib, "-o", prog] +
             uv_flags, log, "compile of transpiled C (%s)" % a.cc)
        if a.clang_too:
            must(["clang"] + WARN + ["-fsyntax-only"] + inc + [gen_c], log,
                 "compile of transpiled C (clang)")
        rc_t, out_t = run_prog(prog, log, a.timeout)
        outs["transpiled.out"] = out_t
        if rc_t != rc_e:
            raise Failure("exit status: transpiled %d, erased %d" % (rc_t, rc_e))
        if out_t != out_e:
            raise Failure("output differs")
        if a.sanitize_transpiled:
            san = os.path.join(work, "prog-san")
            must([a.cc, "-std=gnu11", "-g", "-O1", "-fsanitize=address,undefined",
                  "-fno-sanitize-recover=all"] + inc + [gen_c, a.runtime_lib, "-o", san] +
                 uv_flags, log, "sanitized compile of transpiled C")
            rc_s, out_s = run_prog(san, log, a.timeout * 4)
            outs["transpiled-san.out"] = out_s
            if rc_s != rc_e or out_s != out_e:
                raise Failure("sanitized transpiled build differs or failed (exit %d)" % rc_s)
        return seed, None
    except Failure as e:
        keep = os.path.join(a.keep, "seed-%d" % seed)
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(work, keep, ignore=shutil.ignore_patterns(
            "erased", "erased-san", "prog", "prog-san"))
        for name, data in outs.items():
            with open(os.path.join(keep, name), "wb") as fh:
                fh.write(data)
        with open(os.path.join(keep, "log.txt"), "w") as fh:
            fh.write("seed %d: %s\n\n" % (seed, e))
            fh.write("\n".join(log) + "\n")
        return seed, str(e)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def uv_link_flags():
    try:
        out = subprocess.run(["pkg-config", "--libs", "libuv"], check=True,
                             stdout=subprocess.PIPE).stdout.decode().split()
    except (OSError, subprocess.CalledProcessError):
        out = ["-luv"]
    return out + ["-lpthread"]


def main(argv=None):
    ap = argparse.ArgumentParser(description="asyncc differential tester")
    ap.add_argument("--from", dest="first", type=int, default=1)
    ap.add_argument("--to", dest="last", type=int, default=100)
    ap.add_argument("--build", help="a CMake build directory: takes bin/asyncc "
                    "and lib/libasyncc.a from it")
    ap.add_argument("--asyncc", help="the transpiler")
    ap.add_argument("--runtime-lib", help="the runtime library (libasyncc.a)")
    ap.add_argument("--include", default=os.path.normpath(
        os.path.join(HERE, "..", "..", "runtime", "include")))
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--clang-too", action="store_true",
                    help="also check that clang compiles the transpiled C warning-free")
    ap.add_argument("--erased-only", action="store_true")
    ap.add_argument("--sanitize", action="store_true",
                    help="also run the erased build under ASan/UBSan")
    ap.add_argument("--sanitize-transpiled", action="store_true",
                    help="also run the transpiled C (not the runtime) under ASan/UBSan")
    ap.add_argument("--expr-awaits", action="store_true")
    ap.add_argument("--goto", action="store_true")
    ap.add_argument("--recursion", action="store_true")
    ap.add_argument("--fnptrs", action="store_true",
                    help="pointers to async functions (gen.py --fnptrs)")
    ap.add_argument("--forms", action="store_true",
                    help="composed gather/with_timeout/to_thread/spawn (gen.py --forms)")
    ap.add_argument("--macros", action="store_true", help="awaits inside macros (gen.py --macros)")
    ap.add_argument("--names", action="store_true",
                    help="locals named like generated code (gen.py --names)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="seconds each program may run")
    ap.add_argument("--keep", default="fuzz-failures",
                    help="where failing seeds are kept")
    ap.add_argument("--tmp", default=None, help="scratch directory")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)

    if a.build:
        a.asyncc = a.asyncc or os.path.join(a.build, "bin", "asyncc")
        a.runtime_lib = a.runtime_lib or os.path.join(a.build, "lib", "libasyncc.a")
    if not a.erased_only and not (a.asyncc and a.runtime_lib):
        ap.error("need --build, or --asyncc and --runtime-lib (or --erased-only)")
    a.keep = os.path.abspath(a.keep)
    os.makedirs(a.keep, exist_ok=True)
    uv_flags = uv_link_flags()

    seeds = range(a.first, a.last + 1)
    failed = []
    passed = 0
    with cf.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = [pool.submit(check_seed, s, a, uv_flags) for s in seeds]
        for fut in futs:
            seed, why = fut.result()
            if why is None:
                passed += 1
                if not a.quiet:
                    print("seed %d: ok" % seed, flush=True)
            else:
                failed.append(seed)
                print("seed %d: FAIL: %s (kept in %s/seed-%d)" % (seed, why, a.keep, seed),
                      flush=True)
    if failed:
        print("failed seeds: %s" % " ".join(map(str, failed)))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
