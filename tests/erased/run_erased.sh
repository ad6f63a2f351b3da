#!/bin/sh
# run_erased.sh CC NAME SRCDIR INCLUDE WORKDIR [extra cflags...]
# Compiles SRCDIR/NAME.ac as the erased build with CC -Wall -Wextra -Werror,
# runs it and compares stdout with NAME.expected.out.
set -u
cc=$1 name=$2 src=$3 inc=$4 work=$5
shift 5
mkdir -p "$work" || exit 1
exe="$work/$name.$(basename "$cc")$#"
"$cc" -std=gnu11 -Wall -Wextra -Werror -DASYNCC_ERASED -I "$inc" "$@" \
    -x c "$src/$name.ac" -o "$exe" || { echo "compile failed"; exit 1; }
"$exe" > "$exe.out"
st=$?
[ $st -eq 0 ] || { echo "exit status $st"; exit 1; }
diff -u "$src/$name.expected.out" "$exe.out" || exit 1
