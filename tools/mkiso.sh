#!/usr/bin/env bash
# Builds a BIOS-bootable ISO in which GRUB loads Amphi with multiboot2: the
# way real hardware boots it.
#   Usage: mkiso.sh [--initrd CPIO] ELF OUT.iso [KERNEL ARGS...]
# --initrd adds a newc cpio as GRUB's module2, the initramfs.  GRUB talks
# on the serial port as well as the screen, and boots at once.
set -euo pipefail
initrd=
if [ "${1:-}" = --initrd ]; then
	initrd=$2
	shift 2
	[ -r "$initrd" ] || { echo "mkiso: $initrd not found" >&2; exit 2; }
fi
elf=$1 out=$2
shift 2
args="$*"
for tool in grub-mkrescue xorriso; do
	command -v $tool >/dev/null || { echo "mkiso: $tool missing: run 'make deps'" >&2; exit 2; }
done
[ -d /usr/lib/grub/i386-pc ] || { echo "mkiso: GRUB's BIOS modules missing (grub-pc-bin): run 'make deps'" >&2; exit 2; }

root=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$root" "$log"' EXIT
mkdir -p "$root/boot/grub"
cp "$elf" "$root/boot/amphi.elf"
module=
if [ -n "$initrd" ]; then
	cp "$initrd" "$root/boot/initramfs.cpio"
	module="module2 /boot/initramfs.cpio initramfs"
fi
cat >"$root/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Amphi" {
	multiboot2 /boot/amphi.elf $args
	$module
	boot
}
CFG
grub-mkrescue -o "$out" "$root" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
