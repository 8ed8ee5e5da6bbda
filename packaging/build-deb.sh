#!/bin/sh
# Builds the Debian package heartbeat-rs_<version>_<arch>.deb from a workspace build:
#
#   packaging/build-deb.sh                  cargo build --release, then package target/release
#   packaging/build-deb.sh BUILD_DIR OUTDIR package an existing build (e.g. target/debug) into OUTDIR
#   DEB_COMPRESSION=none|gzip|xz (default xz; the tests use none for debug builds)
#
# Needs only dpkg-deb (always on Debian). Prints the path of the .deb.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ $# -ge 1 ]; then
    build=$(cd "$1" && pwd)
else
    (cd "$top" && cargo build --release --workspace --bins >&2)
    build=$top/target/release
fi
out=${2:-$top/target/debian}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(awk -F'"' '/^\[workspace.package\]/{w=1} w && /^version/{print $2; exit}' "$top/Cargo.toml")
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage "$here/install.sh" "$build" >&2
install -d -m 0755 "$stage/DEBIAN"
size=$(du -sk "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    "$here/debian/control.in" > "$stage/DEBIAN/control"
for f in postinst postrm; do install -m 0755 "$here/debian/$f" "$stage/DEBIAN/$f"; done
install -m 0644 "$here/debian/conffiles" "$stage/DEBIAN/conffiles"
deb=$out/heartbeat-rs_${version}_${arch}.deb
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$stage" "$deb" >&2
echo "$deb"
