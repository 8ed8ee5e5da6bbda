#!/usr/bin/env bash
# Scheduler benchmark: our crm_simulate against Debian's Pacemaker 2.1.5 crm_simulate, in one run.
#
#   pengine/benches/scale.sh [WORKDIR]
#
# 1. The whole open scheduler corpus with each tool (wall time of the run; graphs equal to the
#    expected ones, per tools/scheduler-corpus-run).
# 2. cib-gen CIBs on both ladders with tools/scheduler-scale-bench, each tool on the same CIBs:
#    "fresh" (no history) 2x10 .. 32x2000 and "status" (90% running) 2x10 .. 64x10000.
#    Prints wall time and peak RSS side by side, the ratio, and whether the two graphs are equal
#    (tools/graph-compare: same actions and ordering edges).
#
# Needs: apt-get install -y pacemaker-cli-utils (for /usr/sbin/crm_simulate), python3, and about
# 10 GB of memory for Pacemaker's largest rung. STOP_AFTER (default 900 s) stops a tool's ladder
# after the first rung slower than that; FRESH / STATUS override the ladders.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${SHARED:-$root/../shared}"
tools="$shared/tools"
corpus="${SCHEDULER_CORPUS:-$shared/scheduler-corpus}"
work="${1:-/tmp/hb-scheduler-bench}"
pcmk=/usr/sbin/crm_simulate
ours="$root/target/release/crm_simulate"
fresh="${FRESH:-2x10,4x100,8x500,16x1000,32x2000}"
status="${STATUS:-2x10,4x100,8x500,16x1000,32x2000,64x5000,64x10000}"
stop_after="${STOP_AFTER:-900}"

[ -x "$pcmk" ] || { echo "needs Pacemaker's crm_simulate: apt-get install -y pacemaker-cli-utils" >&2; exit 1; }
(cd "$root" && cargo build -q --release -p cli --bin crm_simulate)
rm -rf "$work"
mkdir -p "$work"

echo "## Scheduler corpus ($(ls "$corpus/xml" | wc -l) inputs)"
for tool in pacemaker ours; do
    bin="$pcmk"; [ "$tool" = ours ] && bin="$ours"
    start=$(date +%s.%N)
    result=$(cd "$work" && "$tools/scheduler-corpus-run" "$corpus" -j 1 -- "$bin" -x {xml} -G {graph} -Q {args} 2>/dev/null | tail -1 || true)
    end=$(date +%s.%N)
    awk -v t="$tool" -v r="$result" -v s="$start" -v e="$end" 'BEGIN { printf "%-10s %s in %.1f s\n", t, r, e - s }'
done
rm -f "$work/scheduler-corpus-results.txt"

for tool in pacemaker ours; do
    bin="$pcmk"; [ "$tool" = ours ] && bin="$ours"
    for mode in fresh status; do
        ladder="$fresh"; [ "$mode" = status ] && ladder="$status"
        echo "## $tool, $mode ladder" >&2
        "$tools/scheduler-scale-bench" "$work/$tool" --mode "$mode" --ladder "$ladder" \
            --cmd "$bin -x {xml} -G {graph} -Q" --stop-after "$stop_after" --timeout 1800 \
            --keep --json "$work/$tool-$mode.json" >&2
    done
done

python3 - "$work" "$tools/graph-compare" <<'PY'
import json, os, subprocess, sys
work, compare = sys.argv[1], sys.argv[2]
def rows(tool, mode):
    path = os.path.join(work, "%s-%s.json" % (tool, mode))
    if not os.path.exists(path):
        return {}
    return {(r["nodes"], r["resources"]): r for r in json.load(open(path))["rows"]}
print()
print("| ladder | nodes x resources | CIB MB | actions | Pacemaker s | ours s | speed-up | Pacemaker RSS MB | ours RSS MB | graphs equal |")
print("|---|---|---|---|---|---|---|---|---|---|")
for mode in ["fresh", "status"]:
    p, o = rows("pacemaker", mode), rows("ours", mode)
    for key in sorted(set(p) | set(o)):
        pr, orow = p.get(key), o.get(key)
        def wall(r):
            if r is None:
                return None
            return None if r["run"]["timed_out"] else r["run"]["wall_s"]
        pw, ow = wall(pr), wall(orow)
        ratio = "%.0fx" % (pw / ow) if pw and ow else "-"
        equal = "-"
        if pr and orow:
            tag = "%s-%dx%d" % (mode, key[0], key[1])
            g1 = os.path.join(work, "pacemaker", tag, "graph.xml")
            g2 = os.path.join(work, "ours", tag, "graph.xml")
            if os.path.exists(g1) and os.path.exists(g2):
                rc = subprocess.run([compare, "-q", g1, g2], capture_output=True).returncode
                equal = "yes" if rc == 0 else "no"
        ref = orow or pr
        print("| %s | %dx%d | %.1f | %s / %s | %s | %s | %s | %s | %s | %s |" % (
            mode, key[0], key[1], ref["cib_mb"],
            pr["actions"] if pr else "-", orow["actions"] if orow else "-",
            "%.2f" % pw if pw else ("not run" if pr is None else ">timeout"),
            "%.2f" % ow if ow else "-", ratio,
            "%.0f" % (pr["run"]["maxrss_kb"] / 1024) if pr else "-",
            "%.0f" % (orow["run"]["maxrss_kb"] / 1024) if orow else "-",
            equal))
PY
