#!/usr/bin/env bash
# make bench: the paravirt_ops microbenchmarks (kernel/bench.c), side by
# side from one run, counted in instructions: under QEMU with -icount
# shift=0 the guest TSC advances exactly with executed instructions.
#
#   compiled-out  a kernel built with PARAVIRT=0 (native instructions inline)
#   patched       the normal kernel, call sites patched at boot
#   nopvpatch     the same binary booted with nopvpatch (indirect calls)
#   xen-pv, xen-pvh  the normal kernel as Xen PV and PVH dom0 (Xen's own
#                 instructions are counted too: that is what a hypercall costs)
#
# Then, with two CPUs (bench=smp), an IPI round trip and a TLB shootdown
# to every other CPU, compiled-out and patched natively and as Xen dom0.
#
# Prints instructions per operation and the ratios to compiled-out; the
# target natively is patched / compiled-out <= 1.005 on every line.
#
# Then tools/bench-io.sh: Amphi's Xen block and network frontends beside
# Linux's, both as PV domUs on the same dom0 backends in one run, as
# ratios.  Its failure is reported after the table above, never instead.
# Then tools/bench-migrate.sh: a live xl migrate of Amphi and of Linux,
# PV and PVH domUs of the same size, timed in dom0, with the downtime the
# guest's 1 ms ticker and dom0's 10 ms pings see, as ratios; the same.
# Then tools/bench-lm.sh: lmbench-style figures of one static program
# (tests/user/lmbench.c) on Amphi and on Debian's Linux, natively with
# -icount (instructions per operation) and as Xen PV and PVH domUs
# (ratios); the same.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
B=build
LOGS=$B/bench
mkdir -p "$LOGS"
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=128M,max:128M"

make -s all || exit 1
make -s B=$B/bench-out PARAVIRT=0 all || exit 1

native() { # NAME ELF CMDLINE [qemu args]
	local name=$1 elf=$2 cmdline=$3
	shift 3
	timeout 300 qemu-system-x86_64 -accel tcg -icount shift=0 -cpu qemu64 -m 256 -no-reboot \
		-display none -nic none -serial "file:$LOGS/$name.log" "$@" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$elf" -append "$cmdline"
}

xen() { # NAME CMDLINE XEN-EXTRA [qemu args]
	local name=$1 cmdline=$2 extra=$3
	shift 3
	tools/xen-elf.sh $B/xen.elf >/dev/null || return 1
	timeout 600 qemu-system-x86_64 -accel tcg -icount shift=0 -cpu qemu64,+svm,+npt -m 1024 \
		-no-reboot -display none -nic none -serial "file:$LOGS/$name.log" "$@" \
		-kernel $B/xen.elf -append "$XEN_ARGS $extra" -initrd "$B/amphi.elf $cmdline"
}

echo "bench: running (QEMU TCG with -icount shift=0)..."
native out $B/bench-out/amphi.elf bench
native patched $B/amphi.elf bench
native nopvpatch $B/amphi.elf "bench nopvpatch"
xen xen-pv bench ""
xen xen-pvh bench "dom0=pvh" -M q35,kernel-irqchip=split -device intel-iommu,intremap=on

# per-iteration instruction count (thousandths) of benchmark $2 in run $1
value() {
	tr -d '\r' <"$LOGS/$1.log" | awk -v b="$2" '$1 == "bench:" && $2 == b { print $5 }' | tail -1
}
fmt() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.3f", v / 1000 }' || printf -- "-"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }' || printf -- "-"; }

fail=0 missed=0
for run in out patched nopvpatch xen-pv xen-pvh; do
	grep -aq '^bench: done' "$LOGS/$run.log" 2>/dev/null || { echo "bench: the $run run did not finish (log: $LOGS/$run.log)"; fail=1; }
done
echo
printf '%-18s %12s %12s %12s %9s %9s %12s %12s\n' benchmark compiled-out patched nopvpatch \
	patch/out nopv/out xen-pv xen-pvh
for b in irq_save_restore cr3_reload pte_update spin_lock_unlock context_switch syscall_getpid; do
	o=$(value out $b) p=$(value patched $b) n=$(value nopvpatch $b)
	r=$(ratio "$p" "$o")
	printf '%-18s %12s %12s %12s %9s %9s %12s %12s\n' $b "$(fmt "$o")" "$(fmt "$p")" \
		"$(fmt "$n")" "$r" "$(ratio "$n" "$o")" "$(fmt "$(value xen-pv $b)")" \
		"$(fmt "$(value xen-pvh $b)")"
	if [ "$r" != - ] && awk -v r="$r" 'BEGIN { exit !(r > 1.005) }'; then
		missed=$((missed + 1))
	fi
done
echo
echo "(instructions per operation, loop overhead included; ratios to compiled-out)"
if [ $missed -gt 0 ]; then
	echo "bench: target missed: patched / compiled-out > 1.005 on $missed benchmark(s)"
else
	echo "bench: target met: patched / compiled-out <= 1.005 on every benchmark"
fi

# Between CPUs (bench=smp, two CPUs each): an IPI round trip and a TLB
# shootdown of one page on every other CPU.  With -icount the count is
# every CPU's instructions, Xen's included under Xen.
echo
echo "bench: between CPUs, two CPUs each (QEMU TCG with -icount shift=0)..."
native smp-out $B/bench-out/amphi.elf bench=smp -smp 2
native smp-patched $B/amphi.elf bench=smp -smp 2
xen smp-xen-pv bench=smp "" -smp 2
xen smp-xen-pvh bench=smp "dom0=pvh" -smp 2 -M q35,kernel-irqchip=split -device intel-iommu,intremap=on
for run in smp-out smp-patched smp-xen-pv smp-xen-pvh; do
	grep -aq '^bench: done' "$LOGS/$run.log" 2>/dev/null || { echo "bench: the $run run did not finish (log: $LOGS/$run.log)"; fail=1; }
done
printf '%-18s %12s %12s %9s %12s %12s\n' benchmark compiled-out patched patch/out xen-pv xen-pvh
for b in ipi_round_trip tlb_shootdown_all; do
	o=$(value smp-out $b) p=$(value smp-patched $b)
	printf '%-18s %12s %12s %9s %12s %12s\n' $b "$(fmt "$o")" "$(fmt "$p")" "$(ratio "$p" "$o")" \
		"$(fmt "$(value smp-xen-pv $b)")" "$(fmt "$(value smp-xen-pvh $b)")"
done
echo "(instructions per operation, of both CPUs, loop overhead included)"

echo
echo "bench: I/O, Amphi beside Linux as Xen PV domUs (one QEMU run, a few minutes)..."
tools/bench-io.sh --out "$LOGS/io.log" || { echo "bench: the I/O bench failed (log: $LOGS/io.log)"; fail=1; }

echo
echo "bench: migration, Amphi beside Linux as Xen PV and PVH domUs (two QEMU runs, about 20 minutes)..."
tools/bench-migrate.sh --out "$LOGS/migrate.log" ||
	{ echo "bench: the migration bench failed (log: $LOGS/migrate.log)"; fail=1; }

echo
echo "bench: lmbench-style, Amphi beside Linux natively and as Xen PV and PVH domUs (three QEMU runs, about 8 minutes)..."
tools/bench-lm.sh --out "$LOGS/lm.log" ||
	{ echo "bench: the lmbench bench failed (log: $LOGS/lm.log)"; fail=1; }
exit $fail
