#!/usr/bin/env bash
# Usage: tools/bench-lm.sh [--kernel ELF] [--out LOG] [--types "native pv pvh"] [--scale N]
#                          [--linux-args ARGS] [--timeout S]
#
# The lmbench half of make bench: one static C program, tests/user/lmbench.c
# (Debian's gcc and glibc), run on Amphi and on Debian's Linux in one go:
#
#   native  each kernel booted by QEMU with -icount shift=0, where the TSC
#           advances with executed instructions: the figures are
#           instructions per operation, both kernels' and the program's.
#           Amphi boots with an initramfs of busybox and the program;
#           Linux is the dom0's kernel (tools/dom0/mkdom0.sh,
#           build/dom0/vmlinuz) with the same initramfs, whose /init
#           mounts /dev and /proc first (tools/dom0/lm-init).
#   pv, pvh Amphi and the Linux domU of make bench (tools/dom0/
#           mkdomu-linux.sh, with the program in its /usr/bin) as Xen
#           domUs of one Xen + Linux dom0 run in QEMU without -icount, one
#           after the other: time-based, so ratios.  Amphi runs the program
#           as its /init (rdinit=); Linux's domu-init runs it when dom0
#           types it on the console.  The dom0 half is
#           tools/dom0/bench-lm-dom0.sh.
#
# The tests (see tests/user/lmbench.c): the null system call (getppid),
# a one-byte read of /dev/zero, fork+exit, fork+execve, a pipe round trip
# between two processes (two context switches), a page fault on fresh
# anonymous memory, and mmap+munmap of 64 KiB.  Each figure is the best of
# a few runs.  On Xen PV every system call bounces through Xen; the
# "PV/PVH" column says what that costs Amphi and Linux each.
#
# Prints one table per run, Amphi beside Linux with the ratio.  Exit 0
# when every number was measured, 2 when a tool or input is missing, 1
# otherwise, with one line on stderr saying why.  LOG
# (build/bench/lm.log) holds every kernel's output; LOG.TYPE.serial the
# Xen run's whole serial log.  --scale divides every test's count in the
# Xen domUs (default 10: the emulated Xen machine runs slowly);
# --linux-args adds to the Linux domU's command line (as
# randomize_kstack_offset=off: Debian's Linux reads the TSC on every
# system call's way out to pick its stack offset, and rdtsc traps to Xen
# in these domUs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPORT=$ROOT/build/bench/lm.log
OUT=
KERNEL=
TYPES="native pv pvh"
SCALE=10
LINUX_ARGS=
TIMEOUT=1500
WORK=
ME=bench-lm
TESTS=(null_syscall read_zero fork_exit fork_exec pipe_rt page_fault mmap_munmap)

# shellcheck source=tests/vm/xl-lib.sh
. "$ROOT/tests/vm/xl-lib.sh"

xl_bench_xen

usage() { xl_usage 2; }

parse_args() {
	local t
	xl_options "--kernel KERNEL --out REPORT --types TYPES --scale SCALE --linux-args LINUX_ARGS --timeout TIMEOUT" "$@"
	xl_want_number --scale "$SCALE" "" 1 1000
	[[ $LINUX_ARGS != *[\"\\]* ]] || die "--linux-args may not contain \" or \\"
	xl_want_number --timeout "$TIMEOUT" seconds 300
	for t in $TYPES; do
		case $t in native | pv | pvh) ;; *) die "--types takes native, pv and pvh, not '$t'" ;; esac
	done
	[ -n "${TYPES// /}" ] || die "--types names no type"
	OUT=$REPORT
	xl_want_out
}

# The program, the kernel and the Linux domU with the program in it.
build_inputs() {
	[ -z "$KERNEL" ] || [ -r "$KERNEL" ] || die "kernel $KERNEL not found"
	make -s -C "$ROOT" build/amphi.elf build/user/lmbench >/dev/null ||
		die "cannot build the kernel or tests/user/lmbench.c"
	KERNEL=${KERNEL:-$XL_BUILD/amphi.elf}
	[ -x /bin/busybox ] || die "/bin/busybox missing: install busybox-static"
	"$ROOT/tools/dom0/mkdom0.sh" "$DOM0_DIR" || exit 2
	LM_CPIO=$XL_BUILD/bench-lm/lm.cpio
	make_lm_cpio "$LM_CPIO" 1
	make_lm_cpio "$XL_BUILD/bench-lm/lm-xen.cpio" "$SCALE"
}

# The initramfs both kernels boot natively, and Amphi as a domU: busybox,
# the program as /bin/lmbench, and tools/dom0/lm-init as /init, which
# runs it with SCALE (in /etc/lmscale: Amphi has no /proc/cmdline).
make_lm_cpio() { # OUT SCALE
	local stage applet
	mkdir -p "$(dirname "$1")"
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/tmp" "$stage/etc"
	echo "$2" >"$stage/etc/lmscale"
	cp /bin/busybox "$stage/bin/busybox"
	for applet in sh mount poweroff cat echo sleep; do ln -s busybox "$stage/bin/$applet"; done
	cp "$XL_BUILD/user/lmbench" "$stage/bin/lmbench"
	install -m 0755 "$ROOT/tools/dom0/lm-init" "$stage/init"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$1"
	rm -rf "$stage"
}

# --- native: each kernel under QEMU with -icount shift=0 ---

native_run() { # NAME LOG QEMU-ARGS...
	local name=$1 log=$2
	shift 2
	note "native: $name under QEMU with -icount shift=0..."
	timeout 600 "$QEMU" -accel tcg -icount shift=0 -cpu qemu64 -m 512 -no-reboot \
		-display none -nic none -monitor none -serial "file:$log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" </dev/null >"$log.qemu" 2>&1 || :
	{
		echo "==== native $name begin ===="
		tr -d '\r' <"$log"
		echo "==== native $name end ===="
	} >>"$REPORT"
}

run_native() {
	native_run amphi "$WORK/amphi.log" -kernel "$KERNEL" -initrd "$LM_CPIO" -append ""
	native_run linux "$WORK/linux.log" -kernel "$DOM0_DIR/vmlinuz" -initrd "$LM_CPIO" \
		-append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init"
}

# --- Xen PV and PVH domUs, both in one run of Xen + the Linux dom0 ---

write_configs() { # DIR
	local t
	for t in pv pvh; do
		cat >"$1/amphi-$t.cfg" <<EOF
name = "amphi"
type = "$t"
kernel = "/guest/kernel"
ramdisk = "/guest/lm.cpio"
extra = "console=hvc0"
memory = 256
maxmem = 256
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
EOF
		cat >"$1/linux-$t.cfg" <<EOF
name = "linux"
type = "$t"
kernel = "/guest/vmlinux"
ramdisk = "/guest/domu.cpio.gz"
extra = "console=hvc0 loglevel=4 panic=5${LINUX_ARGS:+ $LINUX_ARGS}"
memory = 256
maxmem = 256
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
EOF
	done
}

make_initrd() {
	local run=$WORK/run
	mkdir -p "$run/guest"
	cp "$KERNEL" "$run/guest/kernel"
	cp "$(dom0_kernel)" "$run/guest/vmlinux"
	cp "$XL_BUILD/bench-lm/lm-xen.cpio" "$run/guest/lm.cpio"
	cp "$XL_BUILD/bench-lm/domu/domu.cpio.gz" "$run/guest/"
	write_configs "$run/guest"
	printf 'NAME=amphi\nMEMORY=256\nDEADLINE=%s\n' "$((TIMEOUT - 25))" >"$run/guest/params"
	printf 'SCALE=%s\nTYPES="%s"\n' "$SCALE" "$XEN_TYPES" >"$run/guest/bench-params"
	{ cat "$ROOT/tests/vm/xl-dom0-lib.sh"; echo; cat "$ROOT/tools/dom0/bench-lm-dom0.sh"; echo; echo main; } >"$run/scenario.sh"
	chmod 0755 "$run/scenario.sh"
	xl_pack_initrd "$run" "$WORK/initrd"
}

watch_run() {
	local marks=("dom0: ready") t
	for t in $XEN_TYPES; do marks+=("bench-lm: $t amphi done" "bench-lm: $t linux done"); done
	xl_watch "${marks[@]}" "==== bench end ===="
}

run_xen() {
	"$ROOT/tools/dom0/mkdomu-linux.sh" "$XL_BUILD/bench-lm/domu" "$XL_BUILD/user/lmbench" || exit 2
	note "xen: Xen and the Linux dom0 in QEMU, Amphi then Linux as $XEN_TYPES domUs..."
	xl_check_host
	OUT=$REPORT.xen
	xl_run "$ME"
	OUT=$REPORT
	xl_bench_collect "bench-lm: xen" "$REPORT.xen.serial"
}

# --- the tables, from the "lmbench: TEST N TICKS NS" lines in REPORT ---

# The lines of one kernel's run: between its markers natively, or after
# dom0's "bench-lm: TYPE GUEST begin" under Xen.
section() { # TYPE GUEST
	if [ "$1" = native ]; then
		sed -n "/^==== native $2 begin ====\$/,/^==== native $2 end ====\$/p" "$REPORT"
	else
		sed -n "/^bench-lm: $1 $2 begin/,/^bench-lm: $1 $2 done/p" "$REPORT"
	fi
}

# CELL: per operation, instructions (native) or microseconds (Xen); or
# "-" with the reason added to REASONS.
REASONS=() CELL=
cell() { # TYPE GUEST TEST
	local line
	line=$(section "$1" "$2" | grep -a -m1 "lmbench: $3 " || :)
	case $line in
	*" FAILED: "*) CELL=- REASONS+=("$1 $2: ${line#*lmbench: }") ;;
	"") CELL=- REASONS+=("$1 $2 $3: no result (see $REPORT)") ;;
	*)
		# Less than a tick or a nanosecond per operation: the clock stood
		# still across the loop (seen in Linux's PV domU, on a fast test).
		if awk -v n=native -v t="$1" '{ exit !((t == n ? $3 : $4) < $2) }' <<<"${line#*lmbench: }"; then
			CELL=- REASONS+=("$1 $2 $3: the clock did not advance across the loop: ${line#*lmbench: }")
		elif [ "$1" = native ]; then
			CELL=$(awk '{ printf "%.1f", $3 / $2 }' <<<"${line#*lmbench: }")
		else
			CELL=$(awk '{ printf "%.2f", $4 / $2 / 1000 }' <<<"${line#*lmbench: }")
		fi
		;;
	esac
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.3f", a / b }'
}

print_native() {
	local t a l r above=()
	echo
	printf '%-14s %14s %14s %12s\n' "native" Amphi Linux Amphi/Linux
	for t in "${TESTS[@]}"; do
		cell native amphi "$t"
		a=$CELL
		cell native linux "$t"
		l=$CELL
		r=$(ratio "$a" "$l")
		printf '%-14s %14s %14s %12s\n' "$t" "$a" "$l" "$r"
		if [ "$r" != - ] && awk -v r="$r" 'BEGIN { exit !(r > 1) }'; then above+=("$t"); fi
	done
	echo
	echo "(instructions per operation, the program's included: QEMU TCG with -icount shift=0,"
	echo " one CPU, qemu64; Linux $(kernel_version) with a busybox initramfs, Amphi"
	echo " with the same; each the best of 3 runs)"
	if [ ${#above[@]} -gt 0 ]; then
		echo "bench-lm: target missed: Amphi above Linux natively on ${above[*]}"
	else
		echo "bench-lm: target met: Amphi at or below Linux natively on every line measured"
	fi
}

print_xen() {
	local t a l x ap lp
	declare -A AP LP
	echo
	printf '%-14s' "Xen domU"
	for x in $XEN_TYPES; do printf ' %10s %10s %8s' "Amphi-${x^^}" "Linux-${x^^}" "A/L"; done
	[ "$XEN_TYPES" != "pv pvh" ] || printf ' %9s %9s' "A PV/PVH" "L PV/PVH"
	echo
	for t in "${TESTS[@]}"; do
		printf '%-14s' "$t"
		for x in $XEN_TYPES; do
			cell "$x" amphi "$t"
			a=$CELL
			cell "$x" linux "$t"
			l=$CELL
			AP[$x]=$a LP[$x]=$l
			printf ' %10s %10s %8s' "$a" "$l" "$(ratio "$a" "$l")"
		done
		if [ "$XEN_TYPES" = "pv pvh" ]; then
			ap=$(ratio "${AP[pv]}" "${AP[pvh]}")
			lp=$(ratio "${LP[pv]}" "${LP[pvh]}")
			printf ' %9s %9s' "$ap" "$lp"
		fi
		echo
	done
	echo
	echo "(microseconds per operation, CLOCK_MONOTONIC, the best of 3 runs of 1/$SCALE of the"
	echo " native counts; one-vCPU domUs of 256 MiB of a Linux dom0, Xen's credit scheduler,"
	echo " all under QEMU TCG with two CPUs and no -icount: time, noisy, so compare ratios."
	echo " PV/PVH: what running as PV costs each kernel, mostly every system call and page"
	echo " table update bouncing through Xen)"
}

kernel_version() { sed -n 's/^kernel \([^ ]*\).*/\1/p' "$DOM0_DIR/stamp" 2>/dev/null | head -1; }

main() {
	local t
	parse_args "$@"
	build_inputs
	mkdir -p "$(dirname "$REPORT")"
	: >"$REPORT"
	WORK=$(mktemp -d "$XL_BUILD/$ME.XXXXXX")
	trap xl_cleanup EXIT
	XEN_TYPES=
	for t in $TYPES; do [ "$t" = native ] || XEN_TYPES="${XEN_TYPES:+$XEN_TYPES }$t"; done
	[[ " $TYPES " != *" native "* ]] || run_native
	rm -rf "$WORK"
	[ -z "$XEN_TYPES" ] || run_xen
	REASONS=()
	[[ " $TYPES " != *" native "* ]] || print_native
	[ -z "$XEN_TYPES" ] || print_xen
	for t in "${REASONS[@]}"; do echo "  $t"; done
	[ ${#REASONS[@]} -eq 0 ] || fail "not every number was measured (see $REPORT)"
}

main "$@"
