#!/usr/bin/env bash
# Fetches lwIP, the TCP/IP stack the kernel compiles in, as Debian's source
# package, and unpacks it under DEST (the Makefile passes build/lwip).
#
#   tools/lwip-fetch.sh DEST
#
# The system's apt configuration is left alone: a private sources list and
# private list and cache directories under DEST's parent are used instead.
# `apt-get update` fetches Debian's signed Sources index and checks it
# against the archive keyring; `apt-get source` then checks each file
# against the hashes in that index, and `dpkg-source -x` unpacks the
# tarball and applies Debian's patches.  Nothing from lwIP is ever kept in
# the project's tree.
#
# An already-unpacked tree is reused: DEST/src is a symlink to the unpacked
# source, made last, so its presence means a complete extraction.
set -euo pipefail

dest=${1:?usage: $0 DEST}
[ -e "$dest/src/src/core/tcp.c" ] && exit 0

suite=bookworm
mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
work=$(dirname "$dest")/lwip-apt

die() {
	echo "lwip-fetch: $*" >&2
	exit 1
}

command -v apt-get >/dev/null || die "apt-get missing: this needs a Debian system"
command -v dpkg-source >/dev/null || die "dpkg-source missing: install dpkg-dev (make deps)"
[ -r "$keyring" ] || die "$keyring missing: install debian-archive-keyring"

mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$dest"
work=$(cd "$work" && pwd)
echo "deb-src [signed-by=$keyring] $mirror $suite main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
	-o "Dir::Etc::Preferences=/nonexistent" -o "Dir::Etc::PreferencesParts=/nonexistent"
	-o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=1"
	-o "Acquire::Retries=1" -o "Acquire::http::Timeout=30")

echo "  FETCH   lwip (Debian $suite source package)"
# apt-get update exits 0 even when it could fetch nothing: its messages
# say so.
if ! apt-get "${apt_opts[@]}" -q update >"$work/update.log" 2>&1 ||
	grep -qE '^(E: |W: (Failed to fetch|Some index files failed))' "$work/update.log"; then
	sed -n 's/^[WE]: /  /p' "$work/update.log" >&2
	die "could not fetch Debian's source index from $mirror (offline?); log: $work/update.log"
fi
rm -rf "$work/src"
mkdir -p "$work/src"
(cd "$work/src" && apt-get "${apt_opts[@]}" -q source --download-only lwip) >"$work/source.log" 2>&1 ||
	{
		tail -5 "$work/source.log" >&2
		die "could not download the lwip source package; log: $work/source.log"
	}

dsc=$(ls "$work/src"/lwip_*.dsc 2>/dev/null | head -1)
[ -n "$dsc" ] || die "no lwip .dsc was downloaded"
# The tarball must hold the stack itself: a repacked (+dfsg) tarball that
# dropped it would be of no use to us.  (grep reads the whole listing: with
# pipefail, grep -q stopping early could fail the pipe through SIGPIPE.)
orig=$(ls "$work/src"/lwip_*.orig.tar.* | head -1)
tar -tf "$orig" | grep -E '/src/(core/tcp|core/ipv4/ip4|netif/ethernet|api/tcpip)\.c$' |
	wc -l | grep -x 4 >/dev/null || die "$orig lacks lwIP's src/core, src/netif or src/api"
rm -rf "$dest/tree"
dpkg-source -x "$dsc" "$dest/tree" >"$work/extract.log" 2>&1 ||
	{
		tail -5 "$work/extract.log" >&2
		die "dpkg-source -x $dsc failed"
	}
for f in src/core/tcp.c src/core/ipv4/ip4.c src/netif/ethernet.c src/api/tcpip.c \
	src/include/lwip/opt.h; do
	[ -e "$dest/tree/$f" ] || die "the unpacked source lacks $f"
done
ln -sfn tree "$dest/src"
echo "  FETCH   $(basename "$dsc" .dsc) unpacked in $dest/tree"
