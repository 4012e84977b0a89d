#!/usr/bin/env bash
# Usage: tools/dom0/mkhello.sh OUT
#
# Builds OUT, a tiny busybox initramfs for a Linux domU whose /init prints
# "hello from domU" (and the guest type Linux sees) on the PV console and
# powers off. With Debian's kernel as the guest it checks the Xen VM harness
# (tests/vm/xl-domu.sh --ramdisk OUT) independently of Amphi. Made from the
# installed busybox-static only; rebuilt only when this script changes.
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

die() { echo "mkhello: $*" >&2; exit 2; }

write_init() {
	cat >"$1" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
type=$(cat /sys/hypervisor/guest_type 2>/dev/null || echo unknown)
echo "hello from domU (guest_type $type, kernel $(uname -r))" >/dev/hvc0
poweroff -f
EOF
	chmod 0755 "$1"
}

build() {
	local out=$1 root
	root=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$root'" EXIT
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp /bin/busybox "$root/bin/busybox"
	local a
	for a in sh mount cat echo uname poweroff; do
		ln -s busybox "$root/bin/$a"
	done
	write_init "$root/init"
	local tmp
	tmp=$(mktemp "$out.XXXXXX")
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -6n >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$out"
}

main() {
	[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
	local out=$1
	[ -x /bin/busybox ] || die "/bin/busybox missing: install busybox-static"
	command -v cpio >/dev/null || die "cpio missing: install cpio"
	if [ -s "$out" ] && [ "$out" -nt "$SELF" ] && [ "$out" -nt /bin/busybox ]; then
		return 0
	fi
	mkdir -p "$(dirname "$out")"
	build "$out"
}

main "$@"
