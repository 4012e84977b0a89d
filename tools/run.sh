#!/usr/bin/env bash
# make run: boot Amphi natively under QEMU (PVH direct boot, software
# emulation) with its serial console on this terminal.  Extra kernel
# arguments may be given in AMPHI_CMDLINE.  Leave with 'poweroff' in the
# shell, or Ctrl-A X.
set -euo pipefail
elf=${1:-build/amphi.elf}
exec qemu-system-x86_64 -accel tcg -cpu qemu64 -m 256 -no-reboot \
	-display none -serial mon:stdio -nic none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$elf" -append "${AMPHI_CMDLINE:-}"
