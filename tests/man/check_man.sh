#!/bin/sh
# check_man.sh PAGE WORK [TOOL] - a manual page of man/ (tests/man).
#
# Renders PAGE with man -l (groff) at 80 columns, UTF-8, and fails when
#  - groff or man prints any warning or error (--warnings: groff's default
#    set, which covers unknown macros, bad escapes and bad font changes),
#  - the rendering is empty,
#  - a section the page must have is missing: NAME, SYNOPSIS, DESCRIPTION,
#    OPTIONS, EXIT STATUS, ENVIRONMENT, EXAMPLES for a section-1 page;
#    NAME, DESCRIPTION, SEE ALSO for a section-7 page,
#  - TOOL is given and an option its help text lists is not in the page:
#    for asyncc, the words of `asyncc --help` that start with "-"; for
#    asyncc-cc, those of its usage text (`asyncc-cc --help`).  An option
#    written "-std=STD" is looked for as "-std=".
# The rendered text is left in WORK/PAGE.txt.
# Exits 77 (skipped) when man is not installed.
set -u
page=$1
work=$2
tool=${3:-}
name=${page##*/}
fail() { echo "FAIL man $name: $*" >&2; exit 1; }

if ! command -v man >/dev/null 2>&1; then
    echo "SKIP: no man (Debian: apt-get install man-db; scripts/deps.sh)"
    exit 77
fi
[ -r "$page" ] || fail "cannot read $page"
mkdir -p "$work" || exit 1
txt=$work/$name.txt

# Warnings and errors: everything man and groff write on stderr.
warn=$(MANWIDTH=80 man -l --warnings -E UTF-8 "$page" 2>&1 >/dev/null)
[ -z "$warn" ] || fail "groff says:
$warn"
MANWIDTH=80 man -l -E UTF-8 "$page" >"$txt" 2>"$work/$name.err" ||
    fail "man -l exits $?: $(cat "$work/$name.err")"
[ -s "$txt" ] || fail "empty rendering"
[ "$(grep -c '[[:alnum:]]' "$txt")" -ge 10 ] || fail "almost empty rendering"

case $name in
*.1) sections="NAME|SYNOPSIS|DESCRIPTION|OPTIONS|EXIT STATUS|ENVIRONMENT|EXAMPLES" ;;
*.7) sections="NAME|DESCRIPTION|SEE ALSO" ;;
*) fail "not a page of section 1 or 7" ;;
esac
IFS='|'
for s in $sections; do
    grep -qx "$s" "$txt" || fail "no $s section"
done
unset IFS

[ -n "$tool" ] || { echo "ok: $name"; exit 0; }

# The options TOOL's help lists: words (split at blanks, "[", "]", "(",
# ")", "|" and ",") that start with "-" and a letter, cut after a "=".
help=$("$tool" --help 2>&1) || fail "$tool --help exits $?"
opts=$(printf '%s\n' "$help" | tr '[]()|,;' '       ' | tr -s ' \t' '\n\n' |
    grep -E '^--?[A-Za-z]' | sed -e 's/=.*/=/' -e 's/[.:]$//' | sort -u)
[ -n "$opts" ] || fail "no option found in $tool --help"
n=0
for o in $opts; do
    # The option as a word of the page: not inside a longer option name.
    case $o in
    *=) pat="(^|[^-[:alnum:]])$o" ;;
    *) pat="(^|[^-[:alnum:]])$o([^-[:alnum:]=]|=|$)" ;;
    esac
    grep -Eq -- "$pat" "$txt" || fail "option $o (in $tool --help) is not in the page"
    n=$((n + 1))
done
echo "ok: $name, with the $n options of ${tool##*/} --help:" $opts
