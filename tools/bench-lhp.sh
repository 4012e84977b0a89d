#!/usr/bin/env bash
# Usage: tools/bench-lhp.sh [--type pv|pvh] [--vcpus N] [--out DIR]
#
# Lock-holder preemption, the spinlock half of make bench: Amphi as a Xen
# domU of the Linux dom0 (tests/vm/xl-domu.sh) with more vCPUs (4) than
# that Xen has physical CPUs (QEMU's 2), booted with `bench=lhp`: every
# vCPU takes one lock over and over, and the acquisitions are counted
# (kernel/bench_lhp.c) in alternating windows of Xen's time, in one with
# the PV spinlock slow path (waiters block in SCHEDOP_poll and are
# kicked), in the next with waiters only spinning, as `nopvspin` has them.
# Taken in turn in one boot, the two meet the same conditions: from one
# boot of this emulated machine to the next the same figure was seen to
# vary eightfold.  A second boot with `nopvspin` is the control: there
# both kinds of window spin, and their ratio shows what the method itself
# makes of no difference.
#
# Prints a table; exit 0 when both runs gave their figure, 2 when a tool or
# input is missing, 1 otherwise.  DIR (build/bench) gets lhp-pv.log and
# lhp-nopvspin.log (with .serial).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TYPE=pv VCPUS=4 OUT=$ROOT/build/bench

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || { echo "usage: $0 [--type pv|pvh] [--vcpus N] [--out DIR]" >&2; exit 2; }
	case $1 in
	--type) TYPE=$2 ;;
	--vcpus) VCPUS=$2 ;;
	--out) OUT=$2 ;;
	*) echo "usage: $0 [--type pv|pvh] [--vcpus N] [--out DIR]" >&2; exit 2 ;;
	esac
	shift 2
done
mkdir -p "$OUT"
make -s -C "$ROOT" all || exit 1

run() { # NAME CMDLINE
	"$ROOT/tests/vm/xl-domu.sh" --kernel "$ROOT/build/amphi.elf" --type "$TYPE" \
		--cmdline "$2" --memory 64 --vcpus "$VCPUS" --out "$OUT/lhp-$1.log" \
		2>"$OUT/lhp-$1.err"
	local rc=$?
	[ $rc = 0 ] || echo "bench-lhp: the $1 run failed: $(tail -n 1 "$OUT/lhp-$1.err")" >&2
	return $rc
}

# The guest's "bench: lhp" line: cpus, ns of each kind of window,
# acquisitions while blocking and while spinning, polls, kicks, slow
# waits, lost kicks.
figures() { tr -d '\r' <"$OUT/lhp-$1.log" | awk '$1 == "bench:" && $2 == "lhp" && $3 ~ /^[0-9]+$/ { $1 = $2 = ""; print }' | tail -n 1; }
# How long SPIN_THRESHOLD turns took in that guest, in us.
threshold() { tr -d '\r' <"$OUT/lhp-$1.log" | awk '$1 == "bench:" && $3 == "threshold" { print $7 }' | tail -n 1; }

echo "bench: lock-holder preemption ($TYPE domU, $VCPUS vCPUs, two boots of Xen)..."
fail=0
run pv "bench=lhp" || fail=1
run nopvspin "bench=lhp nopvspin" || fail=1
pcpus=$(grep -ao 'Brought up [0-9]* CPUs' "$OUT/lhp-pv.log.serial" 2>/dev/null | awk '{ print $3 }' | head -n 1)
read -r c1 ns1 b1 s1 p1 k1 w1 l1 <<<"$(figures pv)"
read -r c2 ns2 b2 s2 p2 k2 w2 l2 <<<"$(figures nopvspin)"
[ -n "${b1:-}" ] && [ -n "${b2:-}" ] || fail=1
rate() { [ -n "${1:-}" ] && awk -v n="$1" -v ns="$2" 'BEGIN { printf "%.0f", n / (ns / 1e9) }' || printf -- -; }
ratio() { [ -n "${1:-}" ] && [ -n "${2:-}" ] && [ "$2" != 0 ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || printf -- -; }
row() { # LABEL BLOCKING SPINNING NS POLLS KICKS SLOW LOST THRESHOLD
	printf '%-24s %12s %12s %7s %13s %10s %6s %11s\n' "$1" "$(rate "$2" "$4")" "$(rate "$3" "$4")" \
		"$(ratio "$2" "$3")" "${5:--} / ${6:--}" "${7:--}" "${8:--}" "${9:--}"
}
echo
printf '%-24s %12s %12s %7s %13s %10s %6s %11s\n' "acquisitions per second" "PV slow path" \
	"spinning" ratio "polls / kicks" "slow waits" lost "spin (us)"
row "boot with PV spinlocks" "${b1:-}" "${s1:-}" "${ns1:-}" "${p1:-}" "${k1:-}" "${w1:-}" "${l1:-}" "$(threshold pv)"
row "boot with nopvspin" "${b2:-}" "${s2:-}" "${ns2:-}" "${p2:-}" "${k2:-}" "${w2:-}" "${l2:-}" "$(threshold nopvspin)"
echo
echo "(Amphi as a Xen 4.17 $TYPE domU, ${c1:-$VCPUS} vCPUs online, on Xen with ${pcpus:-?} physical CPUs"
echo " under QEMU TCG beside an idle Linux dom0; every vCPU on one ticket lock, the"
echo " two kinds of window taken in turn, $(( ${ns1:-0} / 1000000 )) ms of each; with nopvspin both kinds spin;"
echo " spin: how long a waiter spins before it may block, SPIN_THRESHOLD turns. Logs: $OUT/lhp-*.log)"
exit $fail
