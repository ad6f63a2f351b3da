#!/bin/sh
# test_gdb.sh MODE GDB SCRIPT SOURCE PROGRAM: the gdb extension on PROGRAM
# (built from SOURCE, stopped.ac) stopped in stop_here.
#   live: gdb runs PROGRAM to a breakpoint on stop_here;
#   core: gdb runs `PROGRAM abort` until it aborts in stop_here and writes a
#         core (generate-core-file: the system's core_pattern is not ours),
#         then a second gdb opens PROGRAM with that core.
# Then ac-tasks, ac-bt, ac-locals and `ac-locals 2`/`ac-locals 5` (frames
# further out) are compared line by line with tasks.expected, bt.expected
# and locals*.expected, where @NAME is the line of SOURCE marked @NAME
# (check_report.sh).  Live, ac-tasks must also equal the program's own
# ac_dump_tasks (`PROGRAM dump`) without what the leaves wait on, which
# only a call into the program could say.  Exits 77 (skipped) without gdb.
mode=$1 gdb=$2 script=$3 src=$4 prog=$5
here=$(dirname "$0")
report="$here/../io/check_report.sh"
if ! [ -x "$gdb" ] || ! "$gdb" -batch -nx -ex 'python print("py ok")' 2>/dev/null | grep -q 'py ok'; then
    echo "SKIP: no gdb with Python (${gdb:-none})"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/cmds" <<END
source $script
echo ==tasks\\n
ac-tasks
echo ==bt\\n
ac-bt
echo ==locals\\n
ac-locals
echo ==locals2\\n
ac-locals 2
echo ==locals5\\n
ac-locals 5
echo ==end\\n
END
case $mode in
live)
    "$gdb" -batch -nx -ex 'break stop_here' -ex run -x "$tmp/cmds" -ex kill "$prog" \
        >"$tmp/gdb.out" 2>"$tmp/gdb.err" </dev/null ;;
core)
    "$gdb" -batch -nx -ex 'run abort' -ex "generate-core-file $tmp/core" -ex kill "$prog" \
        >"$tmp/gen.out" 2>&1 </dev/null
    if ! [ -s "$tmp/core" ]; then
        echo "FAIL: gdb wrote no core"; cat "$tmp/gen.out"; exit 1
    fi
    grep -q SIGABRT "$tmp/gen.out" || { echo "FAIL: the program did not abort"; cat "$tmp/gen.out"; exit 1; }
    "$gdb" -batch -nx -x "$tmp/cmds" "$prog" "$tmp/core" \
        >"$tmp/gdb.out" 2>"$tmp/gdb.err" </dev/null ;;
*)
    echo "usage: $0 live|core GDB SCRIPT SOURCE PROGRAM"; exit 2 ;;
esac

# The sections, one file each; gdb's errors would fail the comparison.
awk -v d="$tmp" '/^==end$/ { print "" > (d "/end"); exit } /^==[a-z0-9]+$/ { f = d "/" substr($0, 3); next } f { print > f }' "$tmp/gdb.out"
# (gdb stops reading a command file at the first error: no ==end then.)
if ! [ -f "$tmp/end" ]; then
    echo "FAIL: gdb did not run the commands"; cat "$tmp/gdb.out" "$tmp/gdb.err"; exit 1
fi
: >"$tmp/empty"
status=0
for sec in tasks bt locals locals2 locals5; do
    touch "$tmp/$sec"
    sh "$report" "$src" "$here/$sec.expected" "$tmp/empty" cat "$tmp/$sec" || status=1
done
if [ $mode = live ]; then
    # The program's own dump, leaves' descriptions cut, its last line dropped.
    "$prog" dump >"$tmp/own" || { echo "FAIL: $prog dump exited with $?"; status=1; }
    sed -e '/^top: /d' -e 's/^\( *#0 [^:]*\): .*$/\1/' "$tmp/own" >"$tmp/own.cut"
    if ! cmp -s "$tmp/own.cut" "$tmp/tasks"; then
        echo "FAIL: ac-tasks differs from the program's ac_dump_tasks:"
        diff "$tmp/own.cut" "$tmp/tasks"
        status=1
    else
        echo "ok: ac-tasks equals the program's ac_dump_tasks"
    fi
fi
[ $status = 0 ] || { echo "--- gdb's output:"; cat "$tmp/gdb.out" "$tmp/gdb.err"; }
exit $status
