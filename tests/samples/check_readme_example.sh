#!/bin/sh
# check_readme_example.sh README ASYNCC_CC WORK - the example at the top of
# README.md builds with asyncc-cc and prints what the README says it prints
# (the elapsed time within 250..449 ms: tea's 300 ms, not 300 + 200).
set -u
readme=$1
cc_wrap=$2
work=$3
fail() { echo "FAIL readme example: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work" || exit 1
# The code block that starts with the breakfast.ac comment line.
sed -n '/^\/\* breakfast\.ac \*\/$/,/^```$/p' "$readme" | sed '$d' \
    >"$work/breakfast.ac"
[ -s "$work/breakfast.ac" ] || fail "no breakfast.ac block in $readme"
"$cc_wrap" -Wall -Wextra -Werror "$work/breakfast.ac" -o "$work/breakfast" ||
    fail "does not build"
"$work/breakfast" >"$work/out" || fail "exit status $?"
cat "$work/out"
# The output block that follows the `./breakfast` command line in the README.
sed -n '/\.\/breakfast$/,/^```$/p' "$readme" | sed '1d;$d' >"$work/readme.out"
[ -s "$work/readme.out" ] || fail "no output block after ./breakfast in the README"
head -n 4 "$work/readme.out" >"$work/want4"
head -n 4 "$work/out" >"$work/got4"
if ! cmp -s "$work/want4" "$work/got4"; then
    diff -u "$work/want4" "$work/got4" >&2
    fail "the first four lines differ from the README"
fi
ms=$(sed -n 's/^tea 300 + toast 200 ms of waiting took \([0-9][0-9]*\) ms$/\1/p' "$work/out")
[ -n "$ms" ] || fail "no 'tea 300 + toast 200 ms of waiting took N ms' line"
if [ "$ms" -lt 250 ] || [ "$ms" -ge 450 ]; then
    fail "took $ms ms, expected about 300"
fi
grep -qx 'tea 300 + toast 200 ms of waiting took [0-9]* ms' "$work/readme.out" ||
    fail "the README's last line no longer has the checked shape"
echo ok
