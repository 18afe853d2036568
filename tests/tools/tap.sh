# tap.sh - sourced by the tools' shell tests: TAP output and the helpers
# they share. The plan is printed at the end ("1..N" last is valid TAP).
set -u
R="$top_builddir/tools/rondo"
Q="$top_builddir/tools/rondo-query"
S="$top_srcdir/tests/tools"
G="$S/golden"
T=$(mktemp -d "${TMPDIR:-/tmp}/rondo-tools.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Deterministic output: UTF-8 without a translation, no terminal.
export LC_ALL=C.UTF-8 LANGUAGE= NO_COLOR=1 COLUMNS=80
unset LANG
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# check DESC CMD...: passes when CMD succeeds.
check() {
    d=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then ok "$d"; else not_ok "$d" "$(head -3 "$T/err")"; fi
}

# golden DESC FILE CMD...: CMD exits 0 and prints exactly FILE.
golden() {
    d=$1; f=$2; shift 2
    if "$@" >"$T/out" 2>"$T/err" && cmp -s "$T/out" "$f"; then
        ok "$d"
    else
        not_ok "$d" "$(diff "$f" "$T/out" | head -10)" "$(head -3 "$T/err")"
    fi
}

# fails DESC STATUS PREFIX CMD...: CMD exits STATUS with exactly one line
# on stderr starting with PREFIX, and nothing on stdout.
fails() {
    d=$1; want=$2; prefix=$3; shift 3
    "$@" >"$T/out" 2>"$T/err" </dev/null
    got=$?
    lines=$(wc -l <"$T/err")
    if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$T/out" ] &&
        head -1 "$T/err" | grep -q "^$prefix"; then
        ok "$d"
    else
        not_ok "$d" "exit $got (want $want), $lines stderr lines" "$(head -3 "$T/err")"
    fi
}

done_testing() { echo "1..$n"; }
