#!/usr/bin/env bash
# Counts, among the scheduler-corpus tests our graphs pass (pengine/tests/corpus-passing.txt),
# how many `crm_simulate -x xml/NAME.xml -S` outputs equal summary/NAME.summary, compared the way
# Pacemaker's regression script compares them (stdout+stderr, its sed mapping, ignoring
# whitespace and blank lines). Prints the count and writes the matching names to $OUT.
#
#   pengine/scripts/corpus-summary.sh [CRM_SIMULATE] [CORPUS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
sim="${1:-$here/../target/debug/crm_simulate}"
corpus="${2:-${SCHEDULER_CORPUS:-$here/../../shared/scheduler-corpus}}"
out="${OUT:-/dev/null}"
pass=0 total=0
: > "$out"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
while read -r name; do
    [ -n "$name" ] || continue
    total=$((total + 1))
    "$sim" -x "$corpus/xml/$name.xml" -S 2>&1 \
        | sed -e 's/ocf::/ocf:/g' -e 's/Masters:/Promoted:/g' -e 's/Slaves:/Unpromoted:/g' \
              -e 's/ Master / Promoted /g' -e 's/ Slave / Unpromoted /g' > "$tmp" || true
    if diff -q --ignore-all-space --ignore-blank-lines "$corpus/summary/$name.summary" "$tmp" >/dev/null; then
        pass=$((pass + 1))
        echo "$name" >> "$out"
    fi
done < "$here/tests/corpus-passing.txt"
echo "$pass of $total passing graphs also match summary/NAME.summary"
