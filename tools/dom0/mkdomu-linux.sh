#!/usr/bin/env bash
# Usage: tools/dom0/mkdomu-linux.sh OUTDIR TOOL...
#
# Builds OUTDIR/domu.cpio.gz, the initramfs of the Linux PV and PVH domU
# that make bench measures beside Amphi: busybox, Debian's xen-blkfront and
# xen-netfront modules (modules in Debian's kernel, not built in), the
# static TOOLs in /usr/bin under their own names (tools/dom0/blkbench.c,
# ticker.c: xl_linux_guest in tests/vm/xl-lib.sh builds them) and
# tools/dom0/domu-init.
# The kernel is the dom0's (tools/dom0/mkdom0.sh): the same Debian kernel,
# whose plain ELF copy Xen loads as a PV domU far faster than the bzImage.
# Like the dom0 image it comes from the installed packages only and is
# rebuilt only when an input changes.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/dom0/mkdom0.sh
. "$HERE/mkdom0.sh"
die() { echo "mkdomu-linux: $*" >&2; exit 2; }

MODULES=(xen-blkfront xen-netfront)
DOMU_PKGS=(busybox-static)

domu_stamp() {
	local kver=$1 t
	shift
	echo "kernel $kver"
	dpkg-query -W -f='${Package} ${Version}\n' "${DOMU_PKGS[@]}" "linux-image-$kver" \
		2>/dev/null || true
	sha256sum "$HERE/mkdomu-linux.sh" "$HERE/mkdom0.sh" "$HERE/domu-init" | sed "s|$HERE/||"
	for t in "$@"; do echo "$(basename "$t") $(sha256sum <"$t" | cut -d' ' -f1)"; done
}

domu_build() {
	local out=$1 kver=$2 root t
	shift 2
	root=$(mktemp -d "$out/root.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$root'" EXIT
	make_skeleton "$root"
	echo linux-domu >"$root/etc/hostname"
	install_busybox "$root"
	install_modules "$root" "$kver" /etc/domu-modules
	for t in "$@"; do install -m 0755 "$t" "$root/usr/bin/$(basename "$t")"; done
	install -m 0755 "$HERE/domu-init" "$root/init"
	pack "$root" "$out/domu.cpio.gz"
}

domu_main() {
	[ $# -ge 2 ] || { echo "usage: $0 OUTDIR TOOL..." >&2; exit 2; }
	local out=$1 kver want t
	shift
	[ -x /bin/busybox ] || die "/bin/busybox missing: install busybox-static"
	for t in "$@"; do [ -x "$t" ] || die "$t missing: make $t"; done
	command -v cpio >/dev/null || die "cpio missing: install cpio"
	kver=$(pick_kver)
	mkdir -p "$out"
	exec 9>"$out/.lock"
	flock 9
	want=$(domu_stamp "$kver" "$@")
	if [ -s "$out/domu.cpio.gz" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	echo "mkdomu-linux: building $out (kernel $kver)"
	rm -f "$out/stamp"
	domu_build "$out" "$kver" "$@"
	echo "$want" >"$out/stamp"
}

domu_main "$@"
