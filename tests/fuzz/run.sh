#!/bin/sh
# tests/fuzz/run.sh [run.py options]: the differential tester with the
# build directory defaulting to $ASYNCC_BUILD, else <source>/build.
#   tests/fuzz/run.sh --from 1 --to 10000
here=$(cd "$(dirname "$0")" && pwd)
build=${ASYNCC_BUILD:-$here/../../build}
case " $* " in
*" --build "* | *" --asyncc "* | *" --erased-only "*) exec python3 "$here/run.py" "$@" ;;
*) exec python3 "$here/run.py" --build "$build" "$@" ;;
esac
