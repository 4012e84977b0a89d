#!/bin/sh
# Runs in the test dom0: prints where a domain's vCPUs stopped, for a
# domain kept after it went down (on_reboot or on_crash = "preserve").  A
# PVH guest that triple-faults is "rebooted" by Xen and prints nothing
# itself; this shows its registers, control registers and stack, named
# with the guest's symbols (/guest/kernel.map, from nm) when there are any.
#   sh /guest/context.sh DOMID
# Each line starts with "context: ".
domid=$1
map=/guest/kernel.map
set --
[ ! -s "$map" ] || set -- -s "$map"
{
	if ! command -v xenctx >/dev/null 2>&1; then
		echo "xenctx is not in this dom0: no registers to show"
	else
		# -k 0: every address counts as the kernel's; the kernel is in the
		# upper half, and a PVH program's user addresses are named by
		# nothing in the map anyway.
		xenctx -a -C -S -k 0 -l 16 "$@" "$domid" 2>&1
	fi
} | sed 's/^/context: /'
