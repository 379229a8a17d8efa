#!/bin/sh
# Refresh natqueue's translations: extract every UI string, merge the new ones
# into translations/zh_CN/LC_MESSAGES/messages.po, compile messages.mo.
#
# After running it, translate each entry whose msgstr is empty or marked
# "#, fuzzy" in the .po, run it again, and commit the .pot, .po and .mo.
# tests/test_i18n.py fails while any string lacks a Chinese translation.
#
# pybabel comes with Babel, which Flask-Babel installs; set PYBABEL to use another.
set -eu
cd "$(dirname "$0")/.."

PYBABEL=${PYBABEL:-pybabel}
POT=translations/messages.pot
# Keep in step with KEYWORDS in tests/test_i18n.py.
KEYWORDS="-k _l -k lazy_gettext"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# shellcheck disable=SC2086
"$PYBABEL" extract -F babel.cfg $KEYWORDS --project=natqueue --copyright-holder="natqueue developers" \
    --add-comments=Translators: --add-location=file --sort-by-file --no-wrap -o "$tmp" .

# A new extraction date alone is not a change: keep the old file so git stays quiet.
if [ -f "$POT" ] && diff -q -I '^"POT-Creation-Date:' "$POT" "$tmp" >/dev/null; then
    echo "i18n: $POT unchanged"
else
    mkdir -p translations
    cat "$tmp" >"$POT"
    echo "i18n: $POT updated"
fi

"$PYBABEL" update -i "$POT" -d translations --no-wrap --ignore-obsolete --init-missing -l zh_CN
"$PYBABEL" compile -d translations -l zh_CN --statistics

# Babel reads the locale zh_CN as zh_Hans_CN and looks for that directory: point it at zh_CN.
[ -L translations/zh_Hans_CN ] || ln -s zh_CN translations/zh_Hans_CN

# Say plainly what still needs a translator (empty or fuzzy entries are left out of the .mo).
PO=translations/zh_CN/LC_MESSAGES/messages.po
todo=$(awk '
    function done_entry() { if (!header && (fuzzy || empty)) print "  " id; fuzzy = 0; empty = 0 }
    /^$/ { done_entry() }
    /^#,.*fuzzy/ { fuzzy = 1 }
    /^msgid "/ { id = substr($0, 7); header = (id == "\"\"") }
    /^msgstr ""$/ { empty = 1 }
    /^"/ { if (empty) empty = 0 }
    END { done_entry() }
' "$PO")
if [ -n "$todo" ]; then
    echo "i18n: translate these in $PO, then run this script again:"
    echo "$todo"
    exit 1
fi
echo "i18n: every string has a Chinese translation"
