#!/usr/bin/env bash
# Usage: tools/dom0/mkdom0.sh OUTDIR
#
# Builds the Linux dom0 that VM tests boot under Xen: OUTDIR/vmlinuz (Debian's
# kernel, copied), OUTDIR/vmlinux (the same kernel as a plain ELF, which
# spares Xen ~3 s of decompressing it under QEMU's emulation at every boot)
# and OUTDIR/dom0.cpio.gz, a busybox initramfs holding the Xen
# toolstack (xl, xenstored, xenconsoled, xen-init-dom0, xenstore clients),
# the hotplug scripts with bash and flock, and the Xen backend modules.
# Everything comes from the Debian packages installed on this machine, so
# nothing is downloaded and no binary is kept in git. The image is rebuilt
# only when an input changes: the stamp records the package versions, the
# kernel version and the hashes of this script and tools/dom0/init.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XENBIN=/usr/lib/xen-4.17/bin
# Whose files go into the image, besides linux-image-KVER.
PKGS=(busybox-static bash util-linux xen-utils-4.17 xen-utils-common
	xenstore-utils libxenmisc4.17 libxenstore4 libxencall1 libxenevtchn1
	libxengnttab1 libxenforeignmemory1 libxendevicemodel1 libxenhypfs1
	libxentoolcore1 libxentoollog1 libc6 libgcc-s1 libyajl2 libuuid1 zlib1g
	liblzma5 libzstd1 libtinfo6)
XEN_TOOLS=(xl xenstored xenconsoled xen-init-dom0 xenstore-control
	libxl-save-helper xenconsole lsevtchn xenctx)
XENSTORE_CLIENTS=(xenstore xenstore-read xenstore-write xenstore-ls
	xenstore-list xenstore-exists xenstore-rm xenstore-chmod xenstore-watch)
MODULES=(xen-evtchn xenfs xen-privcmd xen-gntdev xen-gntalloc xen-blkback
	xen-netback loop bridge)

die() { echo "mkdom0: $*" >&2; exit 2; }

# The newest kernel that has both an image in /boot and its modules.
pick_kver() {
	local v
	if [ -n "${DOM0_KVER:-}" ]; then
		echo "$DOM0_KVER"
		return
	fi
	for v in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -rV); do
		[ -d "/lib/modules/$v" ] && { echo "$v"; return; }
	done
	die "no /boot/vmlinuz-* with /lib/modules: install Debian's linux-image-amd64"
}

check_inputs() {
	local f
	[ -x /bin/busybox ] || die "/bin/busybox missing: install busybox-static"
	! ldd /bin/busybox >/dev/null 2>&1 ||
		die "/bin/busybox is not static: install busybox-static"
	for f in "${XEN_TOOLS[@]}"; do
		[ -x "$XENBIN/$f" ] || die "$XENBIN/$f missing: install xen-utils-4.17"
	done
	[ -x /usr/bin/xenstore ] || die "/usr/bin/xenstore missing: install xenstore-utils"
	[ -d /etc/xen/scripts ] || die "/etc/xen/scripts missing: install xen-utils-common"
	command -v cpio >/dev/null || die "cpio missing: install cpio"
	command -v flock >/dev/null || die "flock missing: install util-linux"
}

# What the image is made from; equal stamps mean an equal image.
stamp() {
	local kver=$1
	echo "kernel $kver $(sha256sum "/boot/vmlinuz-$kver" | cut -d' ' -f1)"
	dpkg-query -W -f='${Package} ${Version}\n' "${PKGS[@]}" "linux-image-$kver" \
		2>/dev/null || true
	sha256sum "$HERE/mkdom0.sh" "$HERE/init" | sed "s|$HERE/||"
}

# Copies a host file to the same path under $root, following symlinks.
put() {
	local root=$1 src=$2 dst=${3:-$2}
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
}

# Every shared library (and the loader) that the given binaries load.
libs_of() {
	ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | sort -u
}

make_skeleton() {
	local root=$1 d
	for d in usr/bin usr/sbin usr/lib usr/lib64 proc sys dev run tmp etc \
		var/lib/xen var/log/xen root; do
		mkdir -p "$root/$d"
	done
	# Debian's merged /usr layout, so paths baked into binaries resolve.
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	ln -s ../run "$root/var/run"
	ln -s ../run/lock "$root/var/lock"
	chmod 1777 "$root/tmp"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	echo "dom0" >"$root/etc/hostname"
}

install_busybox() {
	local root=$1 applet
	put "$root" /bin/busybox /usr/bin/busybox
	for applet in $(/bin/busybox --list); do
		case $applet in busybox | bash) continue ;; esac
		[ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
	done
}

install_xen_tools() {
	local root=$1 f bins=()
	for f in "${XEN_TOOLS[@]}"; do
		put "$root" "$XENBIN/$f"
		ln -sf "../lib/xen-4.17/bin/$f" "$root/usr/sbin/$f"
		bins+=("$XENBIN/$f")
	done
	# xenstore-* are one binary that acts on the name it is called by.
	put "$root" /usr/bin/xenstore
	for f in "${XENSTORE_CLIENTS[@]}"; do
		[ "$f" = xenstore ] || ln -sf xenstore "$root/usr/bin/$f"
	done
	# The hotplug scripts are bash and lock with flock(1).
	put "$root" /bin/bash /usr/bin/bash
	rm -f "$root/usr/bin/flock"
	put "$root" "$(command -v flock)" /usr/bin/flock
	bins+=(/usr/bin/xenstore /bin/bash "$(command -v flock)")
	cp -a /etc/xen "$root/etc/"
	for f in $(libs_of "${bins[@]}"); do
		put "$root" "$f"
	done
	# xl's threads need libgcc_s for pthread_cancel/exit, loaded by dlopen:
	# ldd does not list it, and xl aborts without it.
	put "$root" "$(find_libgcc_s)"
}

find_libgcc_s() {
	local f
	for f in /lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
		[ -e "$f" ] && { echo "$f"; return; }
	done
	die "libgcc_s.so.1 not found: install libgcc-s1"
}

# Module paths relative to /lib/modules/KVER, dependencies first.
module_order() {
	local kver=$1 m line dep
	local depfile=/lib/modules/$kver/modules.dep
	declare -A seen=()
	for m in "${MODULES[@]}"; do
		line=$(grep -E "/$m\.ko(\.xz|\.zst|\.gz)?:" "$depfile") ||
			die "module $m not found in $depfile"
		for dep in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
			[ -n "${seen[$dep]:-}" ] && continue
			seen[$dep]=1
			echo "$dep"
		done
	done
}

# busybox insmod cannot read compressed modules: store them plain, and
# list them in load order in LIST (a path in the image).
install_modules() {
	local root=$1 kver=$2 list=${3:-/etc/dom0-modules} rel src dst
	: >"$root$list"
	for rel in $(module_order "$kver"); do
		src=/lib/modules/$kver/$rel
		dst=/lib/modules/$kver/${rel%.*}.ko
		mkdir -p "$root$(dirname "$dst")"
		case $rel in
		*.ko.xz) xz -dc "$src" >"$root$dst" ;;
		*.ko.zst) zstd -qdc "$src" >"$root$dst" ;;
		*.ko.gz) gzip -dc "$src" >"$root$dst" ;;
		*) cp "$src" "$root$dst" ;;
		esac
		echo "$dst" >>"$root$list"
	done
}

# A bzImage's payload (setup header: setup_sects at 0x1f1, payload_offset at
# 0x248, payload_length at 0x24c) is the compressed ELF vmlinux, followed by
# its 4-byte uncompressed size, which the decompressors reject as garbage.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

extract_vmlinux() {
	local img=$1 out=$2 sects start len magic
	sects=$(u8 "$img" $((0x1f1)))
	[ "$sects" -ne 0 ] || sects=4
	start=$(((sects + 1) * 512 + $(u32 "$img" $((0x248)))))
	len=$(($(u32 "$img" $((0x24c))) - 4))
	magic=$(od -An -tx1 -j "$start" -N4 "$img" | tr -d ' ')
	local unpack
	case $magic in
	fd377a58) unpack="xz -dc" ;;
	1f8b*) unpack="gzip -dc" ;;
	28b52ffd) unpack="zstd -qdc" ;;
	*) return 1 ;;
	esac
	dd if="$img" bs=1M iflag=skip_bytes,count_bytes skip="$start" count="$len" \
		status=none | $unpack >"$out.tmp" 2>/dev/null || return 1
	[ "$(od -An -tx1 -N4 "$out.tmp" | tr -d ' ')" = 7f454c46 ] || return 1
	mv -f "$out.tmp" "$out"
}

pack() {
	local root=$1 out=$2
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -6n >"$out.tmp"
	mv -f "$out.tmp" "$out"
}

build() {
	local out=$1 kver=$2 root
	root=$(mktemp -d "$out/root.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$root'" EXIT
	make_skeleton "$root"
	install_busybox "$root"
	install_xen_tools "$root"
	install_modules "$root" "$kver"
	install -m 0755 "$HERE/init" "$root/init"
	pack "$root" "$out/dom0.cpio.gz"
	cp "/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"
	mv -f "$out/vmlinuz.tmp" "$out/vmlinuz"
	rm -f "$out/vmlinux"
	extract_vmlinux "$out/vmlinuz" "$out/vmlinux" || {
		rm -f "$out/vmlinux.tmp"
		echo "mkdom0: note: cannot unpack the kernel to ELF; Xen will boot vmlinuz" >&2
	}
}

main() {
	[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
	local out=$1 kver want
	check_inputs
	kver=$(pick_kver)
	[ -r "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver not readable"
	mkdir -p "$out"
	# Parallel test runs share OUTDIR: one builds, the others wait.
	exec 9>"$out/.lock"
	flock 9
	want=$(stamp "$kver")
	if [ -s "$out/vmlinuz" ] && [ -s "$out/dom0.cpio.gz" ] &&
		[ "$(cat "$out/stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	echo "mkdom0: building $out (kernel $kver)"
	rm -f "$out/stamp"
	build "$out" "$kver"
	echo "$want" >"$out/stamp"
}

# tools/dom0/mkdomu-linux.sh sources this file for its helpers.
[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"
