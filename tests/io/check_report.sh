#!/bin/sh
# check_report.sh SOURCE EXPECTED_OUT EXPECTED_ERR PROGRAM [ARGS...]: run
# PROGRAM and compare its standard output and standard error, line by line,
# with the two files.  In them, @NAME stands for the number of the line of
# SOURCE that carries the mark `@NAME` (in a comment), so a report that
# names .ac lines is checked against the source itself; a line starting
# with `~` is an extended regular expression for the whole line (for the
# parts that depend on time).  Paths ending in SOURCE's file name are
# compared by that name only.
src=$1 exp_out=$2 exp_err=$3
shift 3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/out" 2>"$tmp/err" || { echo "FAIL: $* exited with $?"; cat "$tmp/err"; exit 1; }
base=$(basename "$src")
status=0
for pair in "out:$exp_out" "err:$exp_err"; do
    which=${pair%%:*} expected=${pair#*:}
    awk -v base="$base" '
        FNR == NR {   # the source: where each mark is
            while (match($0, /@[A-Za-z_][A-Za-z_0-9]*/)) {
                mark[substr($0, RSTART, RLENGTH)] = FNR
                $0 = substr($0, RSTART + RLENGTH)
            }
            next
        }
        FILENAME == ARGV[2] {   # the expectations, marks replaced
            line = $0
            out = ""
            while (match(line, /@[A-Za-z_][A-Za-z_0-9]*/)) {
                m = substr(line, RSTART, RLENGTH)
                if (!(m in mark)) { print "no mark " m " in the source"; bad = 1 }
                out = out substr(line, 1, RSTART - 1) mark[m]
                line = substr(line, RSTART + RLENGTH)
            }
            want[++nwant] = out line
            next
        }
        {   # the program: its lines, paths shortened to the file name
            gsub("[^ ]*/" base ":", base ":")
            got[++ngot] = $0
        }
        END {
            n = nwant > ngot ? nwant : ngot
            for (i = 1; i <= n; i++) {
                w = want[i]; g = got[i]
                ok = substr(w, 1, 1) == "~" ? (i <= ngot && g ~ ("^" substr(w, 2) "$")) : (i <= nwant && i <= ngot && w == g)
                if (!ok) { printf "line %d: expected <%s>\n         got      <%s>\n", i, w, g; bad = 1 }
            }
            exit bad
        }' "$src" "$expected" "$tmp/$which" || { echo "FAIL: std$which of $* differs from $expected"; status=1; }
done
[ $status = 0 ] && echo "ok: $*"
exit $status
