#!/bin/sh
# Regenerates pacemaker-verdicts.tsv from the installed Pacemaker crm_verify (Debian 2.1.5).
# Usage: regenerate-verdicts.sh [CORPUS_XML_DIR] > pacemaker-verdicts.tsv
# Columns: corpus name, crm_verify -x exit code, the first message that made it reject (or "ok").
dir=${1:-/work/shared/scheduler-corpus/xml}
for f in "$dir"/*.xml; do
    name=$(basename "$f" .xml)
    out=$(crm_verify -VV -x "$f" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then
        reason=ok
    else
        # Prefer the scheduler message that set the verdict; fall back to the summary line.
        reason=$(printf '%s\n' "$out" | grep -v -e 'Blind faith' -e 'lack of quorum' -e 'is unrunnable' \
            -e 'Unexpected result' -e 'cannot run on' -e 'might be active' -e '^crm_verify:' \
            -e 'Pretending failed' -e "isn't allowed" -e 'Guest node' -e 'revoked' | head -n 1)
        [ -n "$reason" ] || reason=$(printf '%s\n' "$out" | grep '^crm_verify:' | head -n 1)
        reason=$(printf '%s' "$reason" | tr '\t' ' ')
    fi
    printf '%s\t%s\t%s\n' "$name" "$rc" "$reason"
done
