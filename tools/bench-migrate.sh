#!/usr/bin/env bash
# Usage: tools/bench-migrate.sh [--kernel ELF] [--out LOG] [--rounds N] [--types "pv pvh"] [--timeout S]
#
# The migration half of make bench: how long a live `xl migrate` to the
# same host takes, and how long the guest is stopped by it, for Amphi and
# for Debian's Linux as domUs of the same size (128 MiB, 2 vCPUs, one
# read-only disk, one vif), one after the other under one Xen + Linux dom0
# run in QEMU per guest type: PV on Xen rebuilt with shadow paging (PV
# live migration needs log-dirty mode, which needs it, for Linux as for
# Amphi: tools/xen-shadow.sh, cached in build/xen-shadow), PVH on Debian's
# Xen.  The Linux guest is tools/dom0/mkdomu-linux.sh's, as in
# tools/bench-io.sh; the dom0 half is tools/dom0/bench-migrate-dom0.sh.
# --kernel measures another Amphi build than build/amphi.elf; --types
# runs one type only.
#
#   xl migrate total   dom0's time from starting `xl migrate -s ""` to its exit
#   ticker's gap       the largest gap between two wake-ups of a 1 ms sleep
#                      loop in the guest across the migration, on its boot
#                      clock, which counts the time the domain was stopped
#                      (Amphi's `ticker`, kernel/ticker_shell.c; Linux's
#                      tools/dom0/ticker.c on CLOCK_BOOTTIME); the same on
#                      the monotonic clock (sched_clock, CLOCK_MONOTONIC),
#                      which leaves out what the kernel counts as
#                      suspended, on a row of its own
#   pings lost         the longest run of dom0's pings (tools/dom0/pinger.c,
#                      one every 10 ms) to the guest's vif left unanswered,
#                      in ms from the first unanswered one's sending to the
#                      next answered one's
#   at rest            the ticker's gap and the pings lost over a few seconds
#                      without a migration: the floor of the two above
#
# Prints a table with Amphi/Linux ratios, medians over the rounds with the
# range beside them; a row that could not be measured says why.  Exit 0
# when every number was measured, 2 when a tool or input is missing, 1
# otherwise, with one line on stderr saying why.  LOG
# (build/bench/migrate.log) holds each run's dom0 report and the guests'
# consoles; LOG.pv.serial and LOG.pvh.serial everything.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPORT=$ROOT/build/bench/migrate.log
OUT=
KERNEL=
ROUNDS=3
REST=5
TYPES="pv pvh"
TIMEOUT=1500
TYPE=
WORK=
ME=bench-migrate

# shellcheck source=tests/vm/xl-lib.sh
. "$ROOT/tests/vm/xl-lib.sh"

xl_bench_xen

usage() { xl_usage 2; }

parse_args() {
	local t
	xl_options "--kernel KERNEL --out REPORT --rounds ROUNDS --types TYPES --timeout TIMEOUT" "$@"
	xl_want_number --rounds "$ROUNDS" rounds 1 9
	xl_want_number --timeout "$TIMEOUT" seconds 300
	for t in $TYPES; do TYPE=$t xl_want_type; done
	[ -n "${TYPES// /}" ] || die "--types names no type"
	OUT=$REPORT
	xl_want_out
}

# Both guests alike but for their kernels and MACs.
write_configs() { # DIR
	local same
	same="type = \"$TYPE\"
memory = 128
maxmem = 128
vcpus = 2
on_poweroff = \"destroy\"
on_reboot = \"destroy\"
on_crash = \"preserve\"
disk = [ 'phy:/dev/loop4,xvda,r' ]"
	cat >"$1/amphi.cfg" <<EOF
name = "amphi"
kernel = "/guest/kernel"
extra = "console=hvc0 ip=169.254.0.2::169.254.0.1:255.255.0.0"
$same
vif = [ 'bridge=xenbr0,mac=00:16:3e:00:00:02' ]
EOF
	cat >"$1/linux.cfg" <<EOF
name = "linux"
kernel = "/guest/vmlinux"
ramdisk = "/guest/domu.cpio.gz"
extra = "console=hvc0 loglevel=4 panic=5"
$same
vif = [ 'bridge=xenbr0,mac=00:16:3e:00:00:03' ]
EOF
}

make_initrd() {
	mkdir -p "$WORK/run/guest"
	cp "$XL_BUILD/pinger" "$WORK/run/guest/"
	xl_bench_initrd "$ROOT/tools/dom0/bench-migrate-dom0.sh" "TYPE=$TYPE" "ROUNDS=$ROUNDS" "REST=$REST"
}

watch_run() {
	xl_watch "dom0: ready" "bench-migrate: $TYPE amphi rest" "bench-migrate: $TYPE amphi migrate $ROUNDS" \
		"bench-migrate: $TYPE linux rest" "bench-migrate: $TYPE linux migrate $ROUNDS" "==== bench end ===="
}

# One boot for TYPE: PV on the shadow-paging Xen, PVH on Debian's.  Its
# report goes into REPORT (or a line saying why there is none), its
# serial log into REPORT.TYPE.serial.
run_type() {
	case $TYPE in pv) XL_XEN=shadow ;; pvh) XL_XEN=debian ;; esac
	note "$TYPE: Xen ($XL_XEN) and the Linux dom0 in QEMU, Amphi then Linux as $TYPE domUs..."
	xl_check_host
	OUT=$REPORT.$TYPE
	xl_run "$ME-$TYPE"
	OUT=$REPORT
	echo "==== $TYPE on Xen $XL_XEN ====" >>"$REPORT"
	xl_bench_collect "bench-migrate: $TYPE" "$REPORT.$TYPE.serial"
}

# --- the table, from the "bench-migrate: TYPE GUEST ..." lines in REPORT ---

# The number of KEY in one result line, or nothing.
value() { # KEY LINE
	case $1 in
	total) sed -n 's/.*: xl migrate in \([0-9]*\) cs.*/\1/p' <<<"$2" | awk '{ printf "%.2f", $1 / 100 }' ;;
	gap) sed -n 's/.* largest gap \([0-9.]*\) ms (boot clock).*/\1/p' <<<"$2" ;;
	mono) sed -n 's/.*, \([0-9.]*\) ms (monotonic clock).*/\1/p' <<<"$2" ;;
	lost) sed -n 's/.* longest run unanswered [0-9]* (\([0-9]*\) ms).*/\1/p' <<<"$2" ;;
	esac
}

# CELL: the median of KEY over a guest's lines of WHAT (rest, migrate),
# SPREAD the lowest and highest; or "-", the reason added to REASONS.
REASONS=() CELL='' SPREAD=''
cell() { # TYPE GUEST WHAT KEY
	local line v vals=() failed
	while IFS= read -r line; do
		v=$(value "$4" "$line")
		[ -z "$v" ] || vals+=("$v")
	done < <(grep -E "^bench-migrate: $1 $2 $3( [0-9]+)?: " "$REPORT" || :)
	if [ ${#vals[@]} -gt 0 ]; then
		read -r CELL SPREAD < <(printf '%s\n' "${vals[@]}" | sort -g |
			awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)], a[1] "-" a[NR] }')
		return
	fi
	CELL=- SPREAD=
	failed=$(grep -m1 -E "^bench-migrate: $1 ($2 ($3|all)|all)[ 0-9]* FAILED" "$REPORT" || :)
	REASONS+=("$1 $2 $3 $4: ${failed:-no result (see $REPORT)}")
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.3f", a / b }'
}

print_table() {
	local rows=("xl migrate total (s)|migrate total"
		"ticker's largest gap (ms)|migrate gap"
		"  on the monotonic clock|migrate mono"
		"pings lost in a row (ms)|migrate lost"
		"at rest: ticker gap (ms)|rest gap"
		"at rest: pings lost (ms)|rest lost")
	local t r a l as ls k
	REASONS=()
	echo
	printf '%-30s %10s %10s %12s   %s\n' benchmark Amphi Linux Amphi/Linux "range Amphi; Linux"
	for t in $TYPES; do
		for r in "${rows[@]}"; do
			k=${r#*|}
			# shellcheck disable=SC2086
			cell "$t" amphi $k
			a=$CELL as=$SPREAD
			# shellcheck disable=SC2086
			cell "$t" linux $k
			l=$CELL ls=$SPREAD
			printf '%-30s %10s %10s %12s   %s\n' "${t^^} ${r%|*}" "$a" "$l" "$(ratio "$a" "$l")" \
				"${as:--}; ${ls:--}"
		done
	done
	echo
	echo "(Amphi and Linux 6.1 each a Xen 4.17 domU of 128 MiB with 2 vCPUs, a read-only disk"
	echo " and a vif, of a Linux 6.1 dom0, Xen's credit scheduler, all under QEMU TCG with two"
	echo " CPUs; PV on Xen rebuilt with shadow paging, PVH on Debian's.  Each the median of"
	echo " $ROUNDS live migrations to the same host (xl migrate -s \"\"), the range beside it; at rest:"
	echo " $REST s without a migration.  Ticker: the largest gap in a 1 ms sleep loop in the guest,"
	echo " on its boot clock (CLOCK_BOOTTIME for Linux), which counts the time the domain was"
	echo " stopped, and on its monotonic clock (sched_clock, CLOCK_MONOTONIC), which leaves out"
	echo " what the kernel counts as suspended.  Pings: one every 10 ms from dom0"
	echo " to the guest's vif, the longest run unanswered, from its first sending to the next answered)"
	for r in "${REASONS[@]}"; do echo "  $r"; done
}

main() {
	parse_args "$@"
	xl_bench_guests
	make -s -C "$ROOT" build/pinger >/dev/null || die "cannot build tools/dom0/pinger.c"
	mkdir -p "$(dirname "$REPORT")"
	: >"$REPORT"
	for TYPE in $TYPES; do run_type; done
	print_table
	[ ${#REASONS[@]} -eq 0 ] || fail "not every number was measured (see $REPORT)"
}

main "$@"
