#!/bin/sh
# check_example.sh PAGE WORK ASYNCC_CC - the example program of asyncc(7)
# (tests/man): the C between "/* demo.ac */" and the "$ asyncc-cc" line of
# the rendered page builds with asyncc-cc, and running it prints exactly the
# lines the page shows after that command.  Exits 77 without man.
set -u
page=$1
work=$2
cc=$3
fail() { echo "FAIL man example: $*" >&2; exit 1; }
if ! command -v man >/dev/null 2>&1; then
    echo "SKIP: no man (Debian: apt-get install man-db; scripts/deps.sh)"
    exit 77
fi
rm -rf "$work"
mkdir -p "$work" || exit 1
# The page's text, without the 7 columns of indentation.
MANWIDTH=200 man -l -E UTF-8 "$page" 2>/dev/null | sed 's/^       //' >"$work/page.txt"
sed -n '/^\/\* demo\.ac \*\/$/,/^\$ asyncc-cc /p' "$work/page.txt" |
    sed '$d' >"$work/demo.ac"
grep -q 'async_run' "$work/demo.ac" || fail "no example program in the page"
sed -n '/^\$ asyncc-cc demo\.ac/,/^SEE ALSO$/p' "$work/page.txt" |
    sed -e '1d' -e '/^SEE ALSO$/d' -e '/^$/d' >"$work/expected"
[ -s "$work/expected" ] || fail "no output shown after the command"
cd "$work" || exit 1
"$cc" -Wall -Wextra -Werror demo.ac -o demo || fail "asyncc-cc demo.ac exits $?"
./demo >out || fail "demo exits $?"
diff -u expected out || fail "demo prints other lines than the page shows"
echo "ok: the example of asyncc(7) builds and prints what the page shows"
