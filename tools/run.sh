#!/usr/bin/env bash
# make run: boot Amphi natively under QEMU (PVH direct boot, software
# emulation) with its serial console on this terminal and, when given,
# the initramfs (make run builds one with busybox's sh as PID 1).  Extra
# kernel arguments may be given in AMPHI_CMDLINE: `shell` keeps the
# built-in shell.  Leave with 'exit' in busybox's sh, 'poweroff' in the
# built-in shell, or Ctrl-A X.
set -euo pipefail
elf=${1:-build/amphi.elf}
initrd=${2:-}
exec qemu-system-x86_64 -accel tcg -cpu qemu64 -m 256 -no-reboot \
	-display none -serial mon:stdio -nic none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$elf" ${initrd:+-initrd "$initrd"} -append "${AMPHI_CMDLINE:-}"
