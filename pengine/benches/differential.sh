#!/usr/bin/env bash
# Differential run: small random cib-gen CIBs, our crm_simulate against Debian's Pacemaker 2.1.5.
#
#   pengine/benches/differential.sh [SEEDS] [WORKDIR]
#
# SEEDS is a count (60: seeds 1..60) or a range (61-200). Each seed picks its own cluster shape
# from the seed (2-6 nodes, 10-59 primitives, 0-3 groups, 0-2 clones, 0-79 constraints, with or
# without status history and probe results, stickiness 0-150); PROFILE=wide also varies the
# group size, the running fraction and the number of constraints per unit (more groups, longer
# groups, more clones), so the seeds cover shapes the default profile never generates. Both
# tools write a graph for each CIB; tools/graph-compare (actions and ordering edges) decides
# whether they are equal. Prints one line per differing seed (with the CIB's shape) and a table:
# seeds run, equal, differing. The CIBs and graphs stay in WORKDIR for a closer look.
#
# Needs: apt-get install -y pacemaker-cli-utils (for /usr/sbin/crm_simulate), python3. OURS
# overrides our binary (default: this tree's debug build, built first).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${SHARED:-$root/../shared}"
tools="$shared/tools"
seeds="${1:-60}"
work="${2:-/tmp/hb-differential}"
profile="${PROFILE:-default}"
pcmk=/usr/sbin/crm_simulate
ours="${OURS:-$root/target/debug/crm_simulate}"

[ -x "$pcmk" ] || { echo "needs Pacemaker's crm_simulate: apt-get install -y pacemaker-cli-utils" >&2; exit 1; }
if [ -z "${OURS:-}" ]; then
    (cd "$root" && cargo build -q -p cli --bin crm_simulate) || exit 1
fi
case "$seeds" in
    *-*) first="${seeds%-*}"; last="${seeds#*-}" ;;
    *) first=1; last="$seeds" ;;
esac
mkdir -p "$work"

# The cib-gen arguments for one seed (the lead's first differential run, for PROFILE=default).
shape() {
    local s=$1 nodes rsc grp cl k extra
    nodes=$((2 + s % 5)); rsc=$((10 + (s * 7) % 50)); grp=$((s % 4)); cl=$((s % 3)); k=$((s * 3 % 80))
    extra="--stickiness $(((s % 4) * 50))"
    [ $((s % 3)) -ne 0 ] && extra="$extra --status --running-fraction 0.$((5 + s % 5))"
    [ $((s % 5)) -eq 0 ] && extra="$extra --no-probe-history"
    if [ "$profile" = wide ]; then
        grp=$((1 + s % 6)); cl=$((s % 4)); k=$((10 + (s * 13) % 110))
        extra="$extra --group-size $((2 + s % 4))"
    fi
    echo "--nodes $nodes --resources $rsc --groups $grp --clones $cl --constraints $k $extra"
}

run=0; equal=0; differing=()
for s in $(seq "$first" "$last"); do
    args=$(shape "$s")
    # shellcheck disable=SC2086
    "$tools/cib-gen" $args --seed $((s + 1000)) -o "$work/c$s.xml" 2>/dev/null || continue
    CIB_shadow_dir="$work" LC_ALL=C "$pcmk" -x "$work/c$s.xml" -G "$work/p$s.graph" -Q >/dev/null 2>&1
    CIB_shadow_dir="$work" LC_ALL=C "$ours" -x "$work/c$s.xml" -G "$work/o$s.graph" -Q >/dev/null 2>&1
    verdict=$("$tools/graph-compare" "$work/p$s.graph" "$work/o$s.graph" 2>&1 | head -1)
    run=$((run + 1))
    case "$verdict" in
        EQUAL*) equal=$((equal + 1)) ;;
        *) differing+=("$s"); echo "seed $s ($args): $verdict" ;;
    esac
done

echo
echo "| profile | seeds | run | equal | differing | differing seeds |"
echo "|---|---|---|---|---|---|"
echo "| $profile | $first-$last | $run | $equal | ${#differing[@]} | ${differing[*]:-} |"
