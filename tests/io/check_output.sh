#!/bin/sh
# check_output.sh EXPECTED PROGRAM [ARGS...]: run PROGRAM, compare its
# standard output with the file EXPECTED, and fail (showing the diff) when
# they differ or when PROGRAM fails.
expected=$1
shift
out=$("$@") || { echo "FAIL: $* exited with $?"; exit 1; }
printf '%s\n' "$out" | diff -u "$expected" - || { echo "FAIL: output differs"; exit 1; }
echo "ok: $*"
