#!/bin/sh
# Installs a built heartbeat-rs into $DESTDIR (default: the running system) in the layout the
# Debian package ships:
#
#   /usr/lib/heartbeat-rs/{heartbeat,ccm,lrmd,stonithd,crmd,hb_v1rsc}   the daemons (heartbeat starts the rest)
#   /usr/lib/heartbeat-rs/resource.d/<Agent>                   our Heartbeat-class (v1) scripts
#   /usr/sbin/<tool>                                           the user commands and fence_ssh
#   /usr/lib/ocf/lib/heartbeat-rs/ocf-agents, /usr/lib/ocf/resource.d/heartbeat-rs/<Agent>
#   /lib/systemd/system/heartbeat.service, /etc/logrotate.d/heartbeat, /etc/ha.d/resource.d/
#   /usr/share/doc/heartbeat-rs/examples/{ha.cf,authkeys,haresources}
#
# Accounts, owners and the state directories are the post-install step's job
# (packaging/debian/postinst), so a DESTDIR install needs no root.
#
#   packaging/install.sh [BUILD_DIR]      BUILD_DIR defaults to target/release
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${1:-$top/target/release}
dest=${DESTDIR:-}

daemons="heartbeat ccm lrmd stonithd crmd hb_v1rsc"
# Every binary of the cli crate is a user command.
tools=$(awk '/^\[\[bin\]\]/{b=1; next} b && /^name *=/{gsub(/[" ]/, "", $0); sub(/name=/, ""); print; b=0}' "$top/cli/Cargo.toml")
tools="$tools fence_ssh"

for b in $daemons $tools ocf-agents; do
    [ -x "$build/$b" ] || { echo "install.sh: $build/$b is missing: build with 'cargo build --release --workspace --bins'" >&2; exit 1; }
done

install -d -m 0755 "$dest/usr/lib/heartbeat-rs" "$dest/usr/sbin" "$dest/etc/ha.d/resource.d" \
    "$dest/lib/systemd/system" "$dest/etc/logrotate.d" "$dest/usr/share/doc/heartbeat-rs/examples"
for b in $daemons; do
    install -m 0755 "$build/$b" "$dest/usr/lib/heartbeat-rs/$b"
done
for b in $tools; do
    install -m 0755 "$build/$b" "$dest/usr/sbin/$b"
done

# Our OCF agents: one multi-call binary, a link per agent (relative, so DESTDIR works).
ocf=$dest/usr/lib/ocf
install -d -m 0755 "$ocf/lib/heartbeat-rs" "$ocf/resource.d/heartbeat-rs"
install -m 0755 "$build/ocf-agents" "$ocf/lib/heartbeat-rs/ocf-agents"
for a in $("$build/ocf-agents" list); do
    ln -sfn ../../lib/heartbeat-rs/ocf-agents "$ocf/resource.d/heartbeat-rs/$a"
done
# The same agents as Heartbeat-class scripts (IPaddr 10.0.0.5/24/eth0 start), outside /etc so
# the package never owns an administrator's file; the LRM searches here after /etc/ha.d/resource.d.
install -d -m 0755 "$dest/usr/lib/heartbeat-rs/resource.d"
for a in $("$build/ocf-agents" list --heartbeat); do
    ln -sfn ../../ocf/lib/heartbeat-rs/ocf-agents "$dest/usr/lib/heartbeat-rs/resource.d/$a"
done

install -m 0644 "$here/heartbeat.service" "$dest/lib/systemd/system/heartbeat.service"
install -m 0644 "$here/heartbeat.logrotate" "$dest/etc/logrotate.d/heartbeat"
for f in ha.cf authkeys haresources; do
    install -m 0644 "$here/examples/$f" "$dest/usr/share/doc/heartbeat-rs/examples/$f"
done
