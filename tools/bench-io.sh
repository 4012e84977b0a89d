#!/usr/bin/env bash
# Usage: tools/bench-io.sh [--kernel ELF] [--out LOG] [--net-mib N] [--rounds N] [--timeout S]
#
# The I/O half of make bench: Amphi's Xen frontends beside Linux's, as PV
# domUs of one Xen + Linux dom0 run under QEMU, one guest after the other
# on the same backends: the same 64 MiB image on a dom0 loop device through
# blkback, and a vif on dom0's bridge through netback.  The Linux guest is
# Debian's kernel with its xen-blkfront and xen-netfront modules and a
# busybox initramfs (tools/dom0/mkdomu-linux.sh), measured with
# tools/dom0/blkbench.c, which makes the reads of Amphi's `blk bench DEV 64
# 1 4096`.  The dom0 half is tools/dom0/bench-io-dom0.sh.  --kernel
# measures another Amphi build than build/amphi.elf.
#
#   blk seq    64 MiB in 64 KiB reads, one at a time (MiB/s, guest-timed)
#   blk rand   4096 random 4 KiB reads within those 64 MiB (IOPS)
#   tcp in     N MiB dom0 -> guest with busybox nc (MiB/s, dom0-timed)
#   tcp out    N MiB guest -> dom0 (MiB/s, dom0-timed)
#
# Prints a table with Amphi/Linux ratios; a row that could not be measured
# says why.  Exit 0 when every number was measured or skipped for a stated
# reason, 2 when a tool or input is missing, 1 otherwise, with one line
# on stderr saying why.  LOG (build/bench/io.log) holds the dom0's report
# and both guests' consoles; LOG.serial everything.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/build/bench/io.log
KERNEL=
NET_MIB=16
ROUNDS=3
TIMEOUT=720
WORK=
ME=bench-io

# shellcheck source=tests/vm/xl-lib.sh
. "$ROOT/tests/vm/xl-lib.sh"

xl_bench_xen

usage() { xl_usage 2; }

parse_args() {
	xl_options "--kernel KERNEL --out OUT --net-mib NET_MIB --rounds ROUNDS --timeout TIMEOUT" "$@"
	xl_want_number --net-mib "$NET_MIB" MiB 1
	xl_want_number --rounds "$ROUNDS" rounds 1 9
	xl_want_number --timeout "$TIMEOUT" seconds 120
	xl_want_out
}

# The same disk and bridge for both guests; only the MAC differs.
write_configs() { # DIR
	local disk="disk = [ 'phy:/dev/loop4,xvda,r' ]"
	cat >"$1/amphi.cfg" <<EOF
name = "amphi"
type = "pv"
kernel = "/guest/kernel"
extra = "console=hvc0 ip=169.254.0.2::169.254.0.1:255.255.0.0"
memory = 128
maxmem = 128
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
$disk
vif = [ 'bridge=xenbr0,mac=00:16:3e:00:00:02' ]
EOF
	cat >"$1/linux.cfg" <<EOF
name = "linux"
type = "pv"
kernel = "/guest/vmlinux"
ramdisk = "/guest/domu.cpio.gz"
extra = "console=hvc0 loglevel=4 panic=5"
memory = 256
maxmem = 256
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
$disk
vif = [ 'bridge=xenbr0,mac=00:16:3e:00:00:03' ]
EOF
}

make_initrd() {
	xl_bench_initrd "$ROOT/tools/dom0/bench-io-dom0.sh" "BYTES=$((NET_MIB << 20))" "ROUNDS=$ROUNDS"
}

watch_run() {
	xl_watch "dom0: ready" "bench-io: amphi blk" "bench-io: amphi tcp-out" \
		"bench-io: linux blk" "bench-io: linux tcp-out" "==== bench end ===="
}

# --- the table, from the "bench-io: GUEST ..." lines in $OUT ---

# The first report line of GUEST starting with WHAT, without the prefix.
result() { grep -m1 "^bench-io: $1 $2" "$OUT" | sed "s/^bench-io: $1 //" || :; }

# CELL: the value of a test for a guest, or "-" with the reason added
# to REASONS.
REASONS=() CELL=
# The number in one report LINE of TEST, or nothing.
value() { # TEST LINE
	case $1:$2 in
	blk-seq:"blk: blk bench: "*)
		sed -n 's/.*(\([0-9]*\) KiB\/s).*/\1/p' <<<"$2" | awk '{ printf "%.2f", $1 / 1024 }' ;;
	blk-rand:"blk: blk bench: "*)
		sed -n 's/.*(\([0-9]*\) IOPS).*/\1/p' <<<"$2" ;;
	tcp-*:"tcp-"*": "*" bytes in "*" cs")
		awk '{ printf "%.2f", $2 / ($5 / 100) / 1048576 }' <<<"$2" ;;
	esac
}

# CELL: the median over the rounds of a test for a guest, or "-" with the
# reason added to REASONS; SPREAD: the lowest and highest.
REASONS=() CELL= SPREAD=
cell() { # GUEST TEST
	local what=$2 line v vals=()
	# Both blk rows come from the one "blk bench:" line of each round.
	[[ $2 != blk-* ]] || what=blk
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		v=$(value "$2" "$line")
		if [ -z "$v" ]; then
			REASONS+=("$1 $line")
			CELL=- SPREAD=
			return
		fi
		vals+=("$v")
	done < <(grep "^bench-io: $1 $what[: ]" "$OUT" | grep -v "^bench-io: $1 $what note:" |
		sed "s/^bench-io: $1 //" || :)
	if [ ${#vals[@]} -eq 0 ]; then
		line=$(result "$1" all)
		REASONS+=("$1 $2: ${line:-no result (see $OUT)}")
		CELL=- SPREAD=
		return
	fi
	read -r CELL SPREAD < <(printf '%s\n' "${vals[@]}" | sort -g |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)], a[1] "-" a[NR] }')
}

ratio() { [ "$1" != - ] && [ "$2" != - ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }' || printf -- -; }

print_table() {
	local rows=("blk seq read (MiB/s)|blk-seq"
		"blk rand 4K read (IOPS)|blk-rand"
		"tcp dom0->guest (MiB/s)|tcp-in"
		"tcp guest->dom0 (MiB/s)|tcp-out")
	local r a l
	REASONS=()
	echo
	printf '%-26s %10s %10s %12s   %s\n' benchmark Amphi Linux Amphi/Linux "range Amphi; Linux"
	for r in "${rows[@]}"; do
		cell amphi "${r#*|}"
		a=$CELL as=$SPREAD
		cell linux "${r#*|}"
		l=$CELL ls=$SPREAD
		printf '%-26s %10s %10s %12s   %s\n' "${r%|*}" "$a" "$l" "$(ratio "$a" "$l")" "${as:--}; ${ls:--}"
	done
	echo
	echo "(Amphi and Linux 6.1 each as a one-vCPU Xen 4.17 PV domU of a Linux 6.1 dom0,"
	echo " Xen's credit scheduler, all under QEMU TCG with two CPUs and no hardware"
	echo " virtualisation; the same blkback on a 64 MiB loop image cached in dom0 and the"
	echo " same netback vif on xenbr0.  blk: 64 MiB in 64 KiB reads and 4096 random 4 KiB"
	echo " reads, one at a time, timed by the guest; tcp: $NET_MIB MiB with busybox nc, timed by dom0;"
	echo " each the median of $ROUNDS rounds, the range beside it)"
	for r in "${REASONS[@]}"; do echo "  $r"; done
}

main() {
	local trouble r
	parse_args "$@"
	xl_check_host
	xl_bench_guests
	xl_run "$ME"
	xl_extract bench >"$OUT"
	trouble=$(xl_dom0_trouble)
	[ -z "$trouble" ] || fail "$trouble (see $OUT.serial)"
	[ "$QRC" -ne 124 ] || note "timeout: the run took more than $TIMEOUT s"
	grep -q '^==== bench begin ====$' "$XL_TEXT" || fail "the dom0 never started the bench (see $OUT.serial)"
	print_table
	[ ${#REASONS[@]} -eq 0 ] && return 0
	for r in "${REASONS[@]}"; do
		[[ $r == *SKIPPED:* ]] || fail "not every number was measured (see $OUT)"
	done
}

main "$@"
