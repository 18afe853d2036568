#!/bin/sh
# check-complete.sh - fail when a translation lags behind the sources.
#
# Extracts the messages from the sources exactly as "make -C po update-po"
# does (xgettext with po/Makevars' XGETTEXT_OPTIONS over po/POTFILES.in),
# merges every catalogue of po/LINGUAS against that template, and fails
# listing each message that is untranslated or fuzzy. Also fails when a
# source file marks strings for translation but is missing from
# po/POTFILES.in (its messages would silently never reach a catalogue).
#
# Everything is written to a temporary directory: the tree is never
# touched, so the check runs in a clean clone (./configure is not even
# needed) and beside a build. Needs xgettext, msgmerge, msgattrib, msgfmt.
#
# Fixing a failure: make -C po update-po, translate the entries listed in
# po/LANG.po, remove the "#, fuzzy" marks and the obsolete "#~" entries.
set -eu
cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rondo-po-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
status=0

# Files that mark strings (_, N_, C_, NC_) must be in POTFILES.in; the
# library (lib/) never translates, so it is not searched.
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' po/POTFILES.in >"$tmp/potfiles"
find src vmm tools -name '*.[ch]' 2>/dev/null | LC_ALL=C sort >"$tmp/sources"
while read -r f; do
    grep -qE '(^|[^A-Za-z0-9_])N?C?_\(' "$f" || continue
    grep -qxF "$f" "$tmp/potfiles" || {
        echo "po/POTFILES.in: $f marks strings for translation but is not listed" >&2
        status=1
    }
done <"$tmp/sources"

# The template, as po/Makefile's $(DOMAIN).pot-update makes it.
domain=$(sed -n 's/^AC_SUBST(\[GETTEXT_PACKAGE\], \[\([^]]*\)\])$/\1/p' configure.ac)
options=$(sed -n 's/^XGETTEXT_OPTIONS[[:space:]]*=[[:space:]]*//p' po/Makevars)
# shellcheck disable=SC2086 # $options is a list of options
xgettext --default-domain="${domain:-rondo}" --directory=. --add-comments=TRANSLATORS: \
    --files-from="$tmp/potfiles" --output="$tmp/template.pot" $options

# xgettext ends a message at a macro ("%" G_GUINT64_FORMAT): such a message
# is cut short in the catalogue and never found at run time. Use %llu, %zu.
awk 'cut != "" && /^msgstr/ { print cut } { cut = "" } /(^|[^%])(%%)*%"$/ { cut = ref }
     /^#: / { ref = $2 }' "$tmp/template.pot" >"$tmp/cut"
while read -r ref; do
    echo "$ref: a translatable message is cut at a format macro (use %llu or %zu)" >&2
    status=1
done <"$tmp/cut"

# Prints "  [fuzzy] FILE:LINE  MSGID" for each entry of a PO file (no header).
list_entries() {
    awk '
        function flush() {
            if (have && id != "")
                printf "  %s%s  \"%s\"\n", (fuzzy ? "[fuzzy] " : ""), (ref == "" ? "?" : ref), id
            have = 0; fuzzy = 0; ref = ""; id = ""; inid = 0
        }
        /^$/ { flush(); next }
        /^#~/ { next }
        /^#: / { if (ref == "") ref = $2; next }
        /^#,.*fuzzy/ { fuzzy = 1; next }
        /^msgid / {
            have = 1; inid = 1
            s = $0; sub(/^msgid "/, "", s); sub(/"$/, "", s); id = s
            next
        }
        /^"/ && inid { s = $0; sub(/^"/, "", s); sub(/"$/, "", s); id = id s; next }
        { inid = 0 }
        END { flush() }
    ' "$1"
}

# shellcheck disable=SC2013 # LINGUAS lists words, several on a line allowed
for lang in $(sed -e 's/#.*//' po/LINGUAS); do
    po="po/$lang.po"
    [ -f "$po" ] || { echo "$po: listed in po/LINGUAS but missing" >&2; status=1; continue; }
    msgmerge --quiet --no-wrap --output-file="$tmp/$lang.po" "$po" "$tmp/template.pot"
    msgfmt --check --output-file=/dev/null "$tmp/$lang.po" || status=1
    msgattrib --force-po --no-wrap --no-obsolete --untranslated \
        --output-file="$tmp/$lang.untranslated" "$tmp/$lang.po"
    msgattrib --force-po --no-wrap --no-obsolete --only-fuzzy \
        --output-file="$tmp/$lang.fuzzy" "$tmp/$lang.po"
    list_entries "$tmp/$lang.untranslated" >"$tmp/$lang.list"
    list_entries "$tmp/$lang.fuzzy" >>"$tmp/$lang.list"
    n=$(wc -l <"$tmp/$lang.list")
    if [ "$n" -gt 0 ]; then
        echo "$po: $n messages untranslated or fuzzy against the sources:" >&2
        cat "$tmp/$lang.list" >&2
        status=1
    else
        printf '%s: ' "$po"
        LC_ALL=C msgfmt --statistics --output-file=/dev/null "$tmp/$lang.po" 2>&1
    fi
done
if [ "$status" -ne 0 ]; then
    echo "to fix: make -C po update-po, translate the messages above, drop fuzzy marks" >&2
fi
exit "$status"
