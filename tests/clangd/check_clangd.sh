#!/bin/sh
# check_clangd.sh MODE CLANGD SRC WORK ARG - clangd on .ac files, with the
# compilation databases asyncc makes (tests/clangd).  SRC is tests/clangd;
# CLANGD is "none" when no clangd was found: the test is skipped (77).
#
#   cmake      ARG = asyncc's build dir.  A user project (SRC/project with
#              SRC/forms.ac) configured with CMAKE_EXPORT_COMPILE_COMMANDS=ON
#              and built: compile_commands.json is valid JSON with CMake's
#              entry for the generated .c and one entry for forms.ac
#              (-x c, the target's -I and -D, no __ASYNCC_OUTPUT__); still
#              one after a second build; clangd --check takes that entry
#              and finds no error.
#   asyncc_cc  ARG = asyncc-cc.  asyncc-cc --compile-commands, three calls
#              (two files, one twice, once as ./x/../x): valid JSON, one
#              entry per file, the last call's flags, -x c, no -o; clangd
#              --check finds no error; a file in another format is refused
#              and left unchanged.
#   negative   ARG = asyncc-cc.  The checks above can fail: clangd --check
#              with asyncc-cc's database reports a type error put into
#              forms.ac, and the #error of forms.ac when the database lacks
#              its -D.
set -u
mode=$1
clangd=$2
src=$3
work=$4
arg=$5
fail() { echo "FAIL clangd.$mode: $*" >&2; exit 1; }

if [ "$clangd" = none ] || ! command -v "$clangd" >/dev/null 2>&1; then
    echo "SKIP: no clangd (Debian: apt-get install clangd; scripts/deps.sh)"
    exit 77
fi

rm -rf "$work"
mkdir -p "$work" || exit 1

# json_check FILE PYTHON-EXPRESSION...: FILE is JSON (db) and each
# expression is true.
json_check() {
    f=$1
    shift
    python3 - "$f" "$@" <<'PY' || fail "$f: JSON check failed (above)"
import json, sys
with open(sys.argv[1]) as fh:
    db = json.load(fh)
def entries(suffix):
    return [e for e in db if e["file"].endswith(suffix)]
def argv(e):
    return e["arguments"] if "arguments" in e else e["command"].split()
for expr in sys.argv[2:]:
    if not eval(expr):
        print("not true: %s\n%s" % (expr, json.dumps(db, indent=1)))
        sys.exit(1)
PY
}

# clangd_ok FILE DBDIR: clangd takes FILE's command from the database in
# DBDIR and reports no error.
clangd_ok() {
    out="$work/clangd.$(basename "$1").log"
    "$clangd" --compile-commands-dir="$2" --check="$1" >"$out" 2>&1
    rc=$?
    grep -q 'Compile command from CDB is: .* -x c ' "$out" ||
        { cat "$out"; fail "clangd did not take $1's command (-x c) from $2"; }
    if [ $rc -ne 0 ] || grep -q '^E\[' "$out" ||
        ! grep -q 'All checks completed, 0 errors' "$out"; then
        cat "$out"
        fail "clangd --check $1: errors (exit $rc)"
    fi
}

# clangd_err FILE DBDIR TEXT: clangd reports an error line with TEXT.
clangd_err() {
    out="$work/clangd.err.log"
    "$clangd" --compile-commands-dir="$2" --check="$1" >"$out" 2>&1
    rc=$?
    grep '^E\[' "$out" | grep -q -- "$3" ||
        { cat "$out"; fail "clangd --check $1: no error line with '$3'"; }
    [ $rc -ne 0 ] || { cat "$out"; fail "clangd --check $1 exits 0 on an error"; }
}

case $mode in
cmake)
    cp -r "$src/project" "$work/src" && cp "$src/forms.ac" "$work/src/" || exit 1
    cmake -S "$work/src" -B "$work/build" -Dasyncc_DIR="$arg" \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/configure.log" 2>&1 ||
        { cat "$work/configure.log"; fail "configure"; }
    cmake --build "$work/build" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log"; fail "build"; }
    "$work/build/forms" >/dev/null || fail "the forms program failed"
    db="$work/build/compile_commands.json"
    ac="$work/src/forms.ac"
    for pass in 1 2; do
        json_check "$db" \
            'len(entries("/forms.ac")) == 1' \
            'len(entries("asyncc_gen/forms/forms.c")) == 1' \
            'argv(entries("/forms.ac")[0])[1:4] == ["-x", "c", "-std=gnu11"]' \
            '"-DFORMS_DEFINED=0" in argv(entries("/forms.ac")[0])' \
            "'-I$work/src/include' in argv(entries('/forms.ac')[0])" \
            'not any("__ASYNCC_OUTPUT__" in a for a in argv(entries("/forms.ac")[0]))' \
            'argv(entries("/forms.ac")[0])[-2:] == ["-c", entries("/forms.ac")[0]["file"]]'
        # A second build (and a touched .ac) leaves one entry per file.
        touch "$ac"
        cmake --build "$work/build" >"$work/build2.log" 2>&1 ||
            { cat "$work/build2.log"; fail "second build"; }
    done
    clangd_ok "$ac" "$work/build"
    ;;
asyncc_cc)
    mkdir -p "$work/x" && cp "$src/forms.ac" "$work/x/forms.ac" &&
        cp "$src/forms.ac" "$work/x/other.ac" || exit 1
    inc="$src/project/include"
    cd "$work" || exit 1
    "$arg" --compile-commands cc/compile_commands.json -c -I "$inc" \
        -DFORMS_DEFINED=1 x/forms.ac -o forms.o 2>&1 &&
        fail "a database in a missing directory was accepted"
    mkdir cc || exit 1
    "$arg" --compile-commands cc/compile_commands.json -c -I "$inc" \
        -DFORMS_DEFINED=1 x/forms.ac -o forms.o || fail "asyncc-cc -c forms.ac"
    ASYNCC_COMPILE_COMMANDS=cc/compile_commands.json "$arg" -fsyntax-only \
        -I "$inc" -D FORMS_DEFINED=0 x/other.ac || fail "asyncc-cc other.ac"
    "$arg" --compile-commands=cc/compile_commands.json -c -I "$inc" \
        -DFORMS_DEFINED=0 -Wall ./x/../x/forms.ac -o forms.o ||
        fail "asyncc-cc -c forms.ac, again"
    [ -f forms.o ] || fail "no forms.o"
    json_check cc/compile_commands.json \
        'len(db) == 2' \
        'len(entries("/x/forms.ac")) == 1 and len(entries("/x/other.ac")) == 1' \
        "entries('/x/forms.ac')[0]['file'] == '$work/x/forms.ac'" \
        "entries('/x/forms.ac')[0]['directory'] == '$work'" \
        '"-DFORMS_DEFINED=0" in argv(entries("/x/forms.ac")[0])' \
        '"-DFORMS_DEFINED=1" not in argv(entries("/x/forms.ac")[0])' \
        '"-Wall" in argv(entries("/x/forms.ac")[0])' \
        'argv(entries("/x/forms.ac")[0])[-4:] == ["-x", "c", "-c", entries("/x/forms.ac")[0]["file"]]' \
        '["-D", "FORMS_DEFINED=0"] == argv(entries("/x/other.ac")[0])[argv(entries("/x/other.ac")[0]).index("-D"):][:2]' \
        'all("-o" not in argv(e) and "forms.o" not in argv(e) for e in db)' \
        'not any("__ASYNCC_OUTPUT__" in a for e in db for a in argv(e))'
    clangd_ok "$work/x/forms.ac" "$work/cc"
    clangd_ok "$work/x/other.ac" "$work/cc"
    # Not asyncc-cc's format: refused, untouched.
    printf '[\n  {"file": "a.c", "command": "cc a.c", "directory": "/"}\n]\n' >foreign.json
    cp foreign.json foreign.orig
    "$arg" --compile-commands foreign.json -fsyntax-only -I "$inc" \
        -DFORMS_DEFINED=0 x/forms.ac 2>foreign.err
    rc=$?
    [ $rc -eq 2 ] || fail "a foreign database: exit $rc, not 2"
    grep -q 'not a compilation database written by asyncc-cc' foreign.err ||
        fail "a foreign database: no message"
    cmp -s foreign.json foreign.orig || fail "a foreign database was changed"
    ;;
negative)
    mkdir -p "$work/x" "$work/cc" || exit 1
    inc="$src/project/include"
    cd "$work" || exit 1
    # A struct where forms.ac returns an int: a type error clang reports.
    sed 's/^    return a + b + c + t + rc + sp + p.a - 42 - FORMS_DEFINED;/    return p;/' \
        "$src/forms.ac" >x/bad.ac
    cmp -s x/bad.ac "$src/forms.ac" && fail "the error was not put into bad.ac"
    "$arg" --compile-commands cc/compile_commands.json -fsyntax-only \
        -I "$inc" -DFORMS_DEFINED=0 x/bad.ac 2>/dev/null
    clangd_err "$work/x/bad.ac" "$work/cc" "returning 'struct pair'"
    # The good file, without the -D its command must carry.
    cp "$src/forms.ac" x/nodef.ac
    "$arg" --compile-commands cc/compile_commands.json -fsyntax-only \
        -I "$inc" x/nodef.ac 2>/dev/null
    clangd_err "$work/x/nodef.ac" "$work/cc" "FORMS_DEFINED must come from"
    ;;
*)
    fail "unknown mode"
    ;;
esac
echo "ok clangd.$mode"
