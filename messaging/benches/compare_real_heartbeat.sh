#!/bin/sh
# Measures the real Heartbeat 3.0.6 (Debian package `heartbeat`) the way benches/hb_bench.rs measures
# heartbeat-rs: two nodes on a veth bridge, keepalive 200ms / deadtime 1500ms; idle CPU and RSS
# (all heartbeat processes of a node), then time from SIGKILL of node1 until node0's cl_status
# reports it dead. Needs root; each node gets its own netns, UTS and mount namespace (/etc/ha.d,
# /var/lib/heartbeat and /run are private). Usage: sh compare_real_heartbeat.sh
set -e
HB=/usr/libexec/heartbeat/heartbeat
[ -x $HB ] || { echo "SKIP: $HB not installed (apt-get install heartbeat)"; exit 0; }
P=hbcmp$$
procs() { ns=$(readlink /proc/$1/ns/mnt 2>/dev/null) || return 0; for p in $(pgrep -f 'heartbeat: '); do [ "$(readlink /proc/$p/ns/mnt)" = "$ns" ] && echo $p; done; true; }
W=$(mktemp -d)
cleanup() {
  # `heartbeat -k` can hang once the namespaces are gone; the processes are ours, kill them by pid.
  for m in $M0 $M1; do for p in $(procs $m); do kill -9 $p 2>/dev/null || true; done; done
  for n in ${P}0 ${P}1 ${P}sw; do ip netns del $n 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
ip netns add ${P}sw; ip -n ${P}sw link add br0 type bridge; ip -n ${P}sw link set br0 up
for i in 0 1; do
  ip netns add ${P}$i
  ip link add ${P}${i}a type veth peer name ${P}${i}b
  ip link set ${P}${i}a netns ${P}$i; ip link set ${P}${i}b netns ${P}sw
  ip -n ${P}$i link set ${P}${i}a name eth0
  ip -n ${P}$i addr add 10.9.0.$((i+1))/24 brd + dev eth0; ip -n ${P}$i link set eth0 up
  ip -n ${P}sw link set ${P}${i}b master br0; ip -n ${P}sw link set ${P}${i}b up
  d=$W/n$i; mkdir -p $d/etc $d/lib
  cp -a /etc/ha.d/. $d/etc/; cp -a /var/lib/heartbeat/. $d/lib/; rm -f $d/lib/hb_generation $d/lib/hb_uuid $d/lib/fifo
  printf 'keepalive 200ms\ndeadtime 1500ms\nwarntime 1\ninitdead 3\nbcast eth0\nnode node0 node1\nlogfile %s/ha-log\n' $d > $d/etc/ha.cf
  printf 'auth 1\n1 sha1 x\n' > $d/etc/authkeys; chmod 600 $d/etc/authkeys; : > $d/etc/haresources
  ip netns exec ${P}$i unshare --uts --mount --propagation private sh -c "
    hostname node$i
    mount --bind $d/etc /etc/ha.d
    mount --bind $d/lib /var/lib/heartbeat
    mount -t tmpfs tmpfs /run
    mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/lock
    chown -R hacluster:haclient /run/heartbeat
    $HB >/dev/null 2>&1"
done
master() { for p in $(pgrep -f 'heartbeat: master'); do [ "$(readlink /proc/$p/ns/net)" = "$(ip netns exec ${P}$1 readlink /proc/self/ns/net)" ] && echo $p; done; true; }
i=0; M0=; P1=
while [ -z "$M0" ] || [ -z "$M1" ]; do
  sleep 0.2; M0=$(master 0); M1=$(master 1); i=$((i+1)); [ $i -lt 50 ] || { echo "heartbeat did not start"; exit 1; }
done
q() { nsenter --target $M0 --mount --uts --net cl_status nodestatus node1 2>/dev/null; }
i=0; while [ "$(q)" != active ]; do sleep 0.2; i=$((i+1)); [ $i -lt 100 ] || { echo "cluster did not form"; exit 1; }; done
P0=$(procs $M0); P1=$(procs $M1)
ticks() { t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
HZ=$(getconf CLK_TCK)
a=$(ticks $P0 $P1); sleep 10; b=$(ticks $P0 $P1)
rss=0; for p in $P0; do rss=$((rss + $(awk '/VmRSS/{print $2}' /proc/$p/status))); done
t0=$(date +%s%N); kill -9 $P1
while [ "$(q)" != dead ]; do sleep 0.01; done
t1=$(date +%s%N)
echo "| nodes | detect ms | idle CPU % per node | RSS KiB per node (processes) |"
echo "|------:|----------:|--------------------:|-----------------------------:|"
echo "| 2 | $(( (t1 - t0) / 1000000 )) | $(echo "scale=3; ($b - $a) * 100 / $HZ / 10 / 2" | bc) | $rss ($(echo $P0 | wc -w)) |"
P1=
