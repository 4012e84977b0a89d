#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian's packages only.
#   tools/deps.sh run   the build plus QEMU (make run)
#   tools/deps.sh all   everything make test uses
#   tools/deps.sh initramfs  what make needs for the test initramfs
#   tools/deps.sh xen-shadow what tools/xen-shadow.sh needs to rebuild Xen
# Packages already present are not reinstalled; apt-get update runs once,
# when something is missing.
set -euo pipefail
# dpkg-dev: dpkg-source unpacks lwIP's Debian source package (tools/lwip-fetch.sh).
build=(gcc make binutils libxen-dev dpkg-dev)
# libclang-rt-14-dev: libFuzzer and the sanitizers' runtimes for clang 14
# (make fuzz), which clang only recommends; llvm-14: llvm-cov and
# llvm-profdata for make fuzz-cov; clang-format: the build tier's check
# that the tree is as make format leaves it.
run=(qemu-system-x86)
# The test initramfs (tests/initramfs/mkinitramfs.sh), which make builds.
initramfs=(cpio busybox-static)
# Xen's hypervisor rebuilt with shadow paging (tools/xen-shadow.sh): its
# source package, and what `make -C xen` runs (flex and bison for its kconfig).
xen_shadow=(gcc make binutils bison flex python3 dpkg-dev debian-archive-keyring)
test=(clang clang-format libclang-rt-14-dev llvm-14 libcmocka-dev grub-pc-bin grub-common xorriso mtools
      xen-hypervisor-4.17-amd64 xen-utils-4.17 linux-image-amd64 busybox-static cpio xz-utils)

want=("${build[@]}")
case "${1:-all}" in
run) want+=("${run[@]}") ;;
initramfs) want+=("${initramfs[@]}") ;;
xen-shadow) want+=("${xen_shadow[@]}") ;;
all) want+=("${run[@]}" "${test[@]}" "${xen_shadow[@]}") ;;
*) echo "usage: $0 run|all|initramfs|xen-shadow" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; install them as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
