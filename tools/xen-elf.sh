#!/usr/bin/env bash
# Usage: tools/xen-elf.sh OUT
#
# Writes Debian's Xen hypervisor to OUT as a plain ELF. Debian ships it
# gzipped (/boot/xen-4.17-amd64.gz), but QEMU's multiboot loader (-kernel)
# only takes an uncompressed ELF, so every VM test that boots Xen needs this
# copy. It is redone only when the package's file changed: OUT.stamp keeps
# its size and mtime, since dpkg gives an upgraded file the mtime it had in
# the package, which can be older than OUT.
set -euo pipefail

XEN_GZ=${XEN_GZ:-/boot/xen-4.17-amd64.gz}

die() { echo "xen-elf: $*" >&2; exit 2; }

main() {
	[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
	local out=$1
	[ -r "$XEN_GZ" ] || die "$XEN_GZ not found: install Debian's xen-hypervisor-4.17-amd64"
	local want
	want=$(stat -Lc '%s %Y' "$XEN_GZ")
	if [ -s "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$out")"
	# A private temporary name: parallel test runs may all get here.
	local tmp
	tmp=$(mktemp "$out.XXXXXX")
	gzip -dc "$XEN_GZ" >"$tmp" || { rm -f "$tmp"; die "cannot gunzip $XEN_GZ"; }
	chmod 0644 "$tmp"
	mv -f "$tmp" "$out"
	echo "$want" >"$out.stamp"
}

main "$@"
