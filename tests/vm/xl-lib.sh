# shellcheck shell=bash
# Sourced by tests/vm/xl-domu.sh, xl-steps.sh, tools/bench-io.sh and
# tools/bench-migrate.sh: the host side they share.
# All boot Debian's Xen in QEMU (TCG, no KVM here) with the
# Linux dom0 of tools/dom0/mkdom0.sh, hand the dom0 one extra cpio with the
# guest and a /scenario.sh (the kernel unpacks concatenated archives), and
# read what the scenario prints on dom0's console, which is Xen's serial
# port and so QEMU's serial log.  A sourcing script sets ROOT, OUT,
# TIMEOUT and ME (its name, which its messages carry), and defines the
# make_initrd and watch_run that xl_run calls.

XL_BUILD=$ROOT/build
DOM0_DIR=$XL_BUILD/dom0
# XL_XEN: which Xen boots, debian (the packaged one, tools/xen-elf.sh) or
# shadow (the same source rebuilt with shadow paging, tools/xen-shadow.sh,
# for PV live migration); a harness's --xen sets it.
XL_XEN=debian
XEN_ELF=$XL_BUILD/xen.elf
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_PID=
T0=
T0_SECONDS=0

# The tools, Xen as an ELF and the dom0 image; exits 2 when one is missing.
xl_check_host() {
	local t
	for t in "$QEMU" timeout cpio gzip; do
		command -v "$t" >/dev/null || die "$t not found (Debian: qemu-system-x86, coreutils, cpio, gzip)"
	done
	[[ $ROOT != *[\ ,]* ]] || die "the tree's path may not contain spaces or commas: $ROOT"
	xl_xen_elf || exit 2
	"$ROOT/tools/dom0/mkdom0.sh" "$DOM0_DIR" || exit 2
}

# Makes XEN_ELF, the ELF of XL_XEN's Xen; the tool that cannot says why.
xl_xen_elf() {
	case $XL_XEN in
	debian)
		XEN_ELF=$XL_BUILD/xen.elf
		"$ROOT/tools/xen-elf.sh" "$XEN_ELF"
		;;
	shadow)
		XEN_ELF=$XL_BUILD/xen-shadow/xen.elf
		"$ROOT/tools/xen-shadow.sh" "$XEN_ELF"
		;;
	*) die "--xen must be debian or shadow, not '$XL_XEN'" ;;
	esac
}

# A bench's guests: Amphi ($KERNEL, by default build/amphi.elf, built) and
# the Linux domU of make bench (tools/dom0/mkdomu-linux.sh) in
# $XL_BUILD/domu-linux, with the tools it runs (tools/dom0/blkbench.c,
# ticker.c); exits 2 when one cannot be had.
xl_bench_guests() {
	[ -z "$KERNEL" ] || [ -r "$KERNEL" ] || die "kernel $KERNEL not found"
	make -s -C "$ROOT" build/amphi.elf build/blkbench build/ticker >/dev/null ||
		die "cannot build the kernel, tools/dom0/blkbench.c or tools/dom0/ticker.c"
	KERNEL=${KERNEL:-$XL_BUILD/amphi.elf}
	"$ROOT/tools/dom0/mkdomu-linux.sh" "$XL_BUILD/domu-linux" "$XL_BUILD/blkbench" "$XL_BUILD/ticker" ||
		exit 2
}

# Messages under the harness's name, ME, which it sets before sourcing
# this: die for a missing tool or bad input (exit 2), fail for anything
# else (exit 1), note for progress.
die() { echo "$ME: $*" >&2; exit 2; }
fail() { echo "$ME: $*" >&2; exit 1; }
note() { echo "$ME: $*"; }

# A harness's usage (LINES of its opening comment, a sed range) on stderr;
# exits 2.
xl_usage() { # LINES
	sed -n "${1}s/^# \{0,1\}//p" "${BASH_SOURCE[-1]}" >&2
	exit 2
}

# Checks of the options the harnesses share; each dies (exit 2) saying what
# is wrong.
xl_want_number() { # OPTION VALUE UNIT MIN [MAX]
	local v=$2 max=${5:-}
	if [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$4" ] && { [ -z "$max" ] || [ "$v" -le "$max" ]; }; then
		return 0
	fi
	[ -n "$max" ] || die "$1 wants a number of $3, at least $4"
	die "$1 wants a number of $3 from $4 to $max"
}
# Parses --OPTION VALUE pairs into variables, as SPEC ("--option VAR
# ...") names them; anything else calls the harness's usage.
xl_options() { # SPEC ARGS...
	local spec=" $1 " var
	shift
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] && [[ $spec == *" $1 "* ]] || usage
		var=${spec#*" $1 "}
		printf -v "${var%% *}" '%s' "$2"
		shift 2
	done
}

# The benches' Xen (tools/bench-io.sh, tools/bench-migrate.sh): the tests'
# command line with the credit scheduler.  Under this emulation Xen's
# default, credit2, was seen to take some 30 ms to run a vCPU that an
# event woke, for dom0's backends and the guests alike: each block read
# cost about that much whichever guest made it, and a 1 ms ticker would
# show it with no migration; that measures the scheduler, not the
# guests.  BENCH_XEN_ARGS adds to it (sched=credit2 to see that for
# yourself).
xl_bench_xen() { XL_XEN_EXTRA="sched=credit ${BENCH_XEN_ARGS:-}"; }

xl_want_type() { case $TYPE in pv | pvh) ;; *) die "--type must be pv or pvh, not '$TYPE'" ;; esac; }
xl_want_out() { [[ $OUT != *[,:]* ]] || die "--out may not contain commas or colons (QEMU options)"; }
xl_want_cmdline() { [[ $CMDLINE != *[\"\\]* ]] || die "--cmdline may not contain \" or \\"; }

# The dom0 initramfs plus one archive of RUNDIR (guest/, scenario.sh).
# The guest's symbols and tests/vm/dom0-context.sh go along, for a dump of
# a domain that stopped where it should not have.
xl_pack_initrd() { # RUNDIR OUT
	local run=$1 out=$2
	if [ -f "$run/guest/kernel" ]; then
		nm -n "$run/guest/kernel" >"$run/guest/kernel.map" 2>/dev/null || rm -f "$run/guest/kernel.map"
	fi
	cp "$ROOT/tests/vm/dom0-context.sh" "$run/guest/context.sh"
	cp "$DOM0_DIR/dom0.cpio.gz" "$out"
	(cd "$run" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -1n >>"$out"
}

# The initrd of a bench (tools/bench-io.sh, tools/bench-migrate.sh): Amphi
# and the Linux domU (xl_bench_guests), the configs the harness's
# write_configs DIR writes, its dom0 half SCRIPT after xl-dom0-lib.sh,
# and each PARAM as a line of /guest/bench-params.
xl_bench_initrd() { # SCRIPT PARAM...
	local run=$WORK/run script=$1
	shift
	mkdir -p "$run/guest"
	cp "$KERNEL" "$run/guest/kernel"
	cp "$(dom0_kernel)" "$run/guest/vmlinux"
	cp "$XL_BUILD/domu-linux/domu.cpio.gz" "$run/guest/"
	write_configs "$run/guest"
	# The dom0 stops waiting 25 s before QEMU's timeout, so its report is
	# always printed in full.
	printf 'NAME=amphi\nMEMORY=128\nDEADLINE=%s\n' "$((TIMEOUT - 25))" >"$run/guest/params"
	printf '%s\n' "$@" >"$run/guest/bench-params"
	{ cat "$ROOT/tests/vm/xl-dom0-lib.sh"; echo; cat "$script"; echo main; } >"$run/scenario.sh"
	chmod 0755 "$run/scenario.sh"
	xl_pack_initrd "$run" "$WORK/initrd"
}

# XL_XEN_EXTRA: more of Xen's options, from a harness that needs them.
xen_cmdline() {
	echo "console=com1 com1=115200,8n1 console_timestamps=none" \
		"dom0_mem=768M,max:768M loglvl=warning guest_loglvl=info" \
		"bootscrub=off ${XL_XEN_EXTRA:-}"
}

dom0_cmdline() {
	local args="console=hvc0 earlyprintk=xen loglevel=4 panic=5 ${DOM0_APPEND:-}"
	# Module command lines in QEMU's -initrd double their commas.
	echo "${args//,/,,}"
}

# The ELF copy boots ~3 s faster: Xen need not decompress it (see mkdom0.sh).
dom0_kernel() {
	if [ -s "$DOM0_DIR/vmlinux" ]; then echo "$DOM0_DIR/vmlinux"; else echo "$DOM0_DIR/vmlinuz"; fi
}

# Starts QEMU in the background (QEMU_PID), its serial port in SERIAL.
xl_start_qemu() { # TIMEOUT SERIAL INITRD QEMU-OUT
	local timeout=$1 serial=$2 initrd=$3 qout=$4
	T0=$EPOCHREALTIME
	T0_SECONDS=$SECONDS
	timeout -k 10 "$timeout" "$QEMU" -accel tcg -cpu qemu64,+svm,+npt \
		-smp 2 -m 2048 -nodefaults -display none -nic none -no-reboot \
		-monitor none -serial "file:$serial" \
		-kernel "$XEN_ELF" -append "$(xen_cmdline)" \
		-initrd "$(dom0_kernel) $(dom0_cmdline),$initrd" \
		</dev/null >"$qout" 2>&1 &
	QEMU_PID=$!
}

elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# XL_TEXT is a copy of the serial log without the CRs that Xen's console
# adds; grep reads files, never a pipe that it could cut short.
XL_SERIAL=
XL_TEXT=
xl_refresh() { { tr -d '\r' <"$XL_SERIAL" >"$XL_TEXT"; } 2>/dev/null || :; }
seen() { grep -qs -- "$1" "$XL_TEXT"; }

# The Linux dom0 is ready in 6-30 s.  Once in a while its boot stops dead
# in the emulated machine (seen: no output after "Poking KASLR using
# RDTSC..." for minutes), before any of our code runs; xl_watch then stops
# QEMU and sets XL_DOM0_STALLED, and xl_run boots the machine once more.
XL_DOM0_LIMIT=${XL_DOM0_LIMIT:-120}
XL_DOM0_STALLED=
# A file of tests/vm/run's that gets one line per stalled boot, so that the
# run can count them whichever harness met them.
XL_STALL_LOG=${XL_STALL_LOG:-}

# Reports each marker (a fixed string) the first time it shows up, until
# QEMU exits; returns QEMU's exit status.
xl_watch() { # MARKER...
	local marks=("$@") done_marks=() i rc=0
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		xl_refresh
		if [ $((SECONDS - T0_SECONDS)) -gt "$XL_DOM0_LIMIT" ] && ! seen "dom0: ready"; then
			XL_DOM0_STALLED=1
			kill "$QEMU_PID" 2>/dev/null || :
		fi
		for i in "${!marks[@]}"; do
			[ -z "${done_marks[$i]:-}" ] || continue
			if seen "${marks[$i]}"; then
				done_marks[i]=1
				note "$(elapsed) s: $(grep -m1 -- "${marks[$i]}" "$XL_TEXT")"
			fi
		done
		sleep 0.5
	done
	wait "$QEMU_PID" || rc=$?
	QEMU_PID=
	note "$(elapsed) s: QEMU exited ($rc)"
	return "$rc"
}

# Why dom0 never reached its scenario, or nothing when it did.
xl_dom0_trouble() {
	local line
	seen "dom0: ready" && return 0
	seen "Xen version" || { echo "Xen did not boot"; return 0; }
	line=$(grep -m1 "dom0: FAILED" "$XL_TEXT" || :)
	echo "dom0 did not come up${line:+: ${line#dom0: FAILED: }}"
}

xl_kill_qemu() {
	[ -z "$QEMU_PID" ] || kill "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=
}

xl_cleanup() {
	xl_kill_qemu
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# The run every harness makes: a private work directory named after the
# harness, the initrd its make_initrd packs, QEMU, and its watch_run until
# QEMU exits, whose status is left in QRC; then the serial log, cleaned.
xl_run() { # NAME
	mkdir -p "$(dirname "$OUT")" "$XL_BUILD"
	rm -f "$OUT" "$OUT.serial" "$OUT.serial.stalled"
	WORK=$(mktemp -d "$XL_BUILD/$1.XXXXXX")
	trap xl_cleanup EXIT
	XL_SERIAL=$OUT.serial XL_TEXT=$WORK/serial.txt
	make_initrd
	xl_boot
	if xl_stalled; then
		note "dom0 was not ready after $XL_DOM0_LIMIT s, its last line: '$(grep -a . "$XL_TEXT" | tail -n 1)'; the machine's boot stalled before any guest ran: booting it again, once (first log in $OUT.serial.stalled)"
		mv "$OUT.serial" "$OUT.serial.stalled"
		xl_boot
		xl_stalled || :
	fi
	[ -s "$OUT.serial" ] || fail "QEMU wrote no serial output: $(head -c 300 "$WORK/qemu.out")"
	xl_refresh
}

# One boot of the machine, watched until QEMU exits; its status in QRC.
xl_boot() {
	XL_DOM0_STALLED=
	xl_start_qemu "$TIMEOUT" "$OUT.serial" "$WORK/initrd" "$WORK/qemu.out"
	QRC=0
	watch_run || QRC=$?
}

# Did that boot's dom0 stall?  Each stall is counted in XL_STALL_LOG.
xl_stalled() {
	[ -n "$XL_DOM0_STALLED" ] || return 1
	xl_refresh
	[ -z "$XL_STALL_LOG" ] || echo "$OUT" >>"$XL_STALL_LOG"
}

# The lines the dom0 printed between "==== NAME begin ====" and
# "==== NAME end ====", without Xen's own lines interleaved there.
xl_extract() { # NAME
	awk -v b="==== $1 begin ====" -v e="==== $1 end ====" '
		$0 == e { inside = 0 }
		inside && !/^\(XEN\) / { print }
		$0 == b { inside = 1 }' "$XL_TEXT"
}

# A bench's run done: the dom0's report, or why there is none, appended
# to REPORT as "WHO all FAILED: ..." lines a table reader takes as such,
# and a timeout noted; then the run's files go.
xl_bench_collect() { # WHO SERIAL-LOG
	local trouble
	trouble=$(xl_dom0_trouble)
	if [ -n "$trouble" ]; then
		echo "$1 all FAILED: $trouble (see $2)" >>"$REPORT"
	elif ! grep -q '^==== bench begin ====$' "$XL_TEXT"; then
		echo "$1 all FAILED: the dom0 never started the bench (see $2)" >>"$REPORT"
	else
		xl_extract bench >>"$REPORT"
	fi
	[ "$QRC" -ne 124 ] || echo "$1 note: timeout: the run took more than $TIMEOUT s" >>"$REPORT"
	xl_cleanup
}

# --- sessions: a dom0 script reporting "session: step NAME: ok|FAILED..." ---

# Progress as each of STEPS reports.
xl_session_watch() {
	local marks=("dom0: ready") s
	for s in "${STEPS[@]}"; do marks+=("session: step $s:"); done
	xl_watch "${marks[@]}" "session: result:"
}

# What Xen printed on its console between two markers of the run, for a
# guest that went wrong: a triple fault or a crash is told there (with the
# registers), not on the guest's console.
xl_xen_said() { # FROM TO
	local said
	# Without the lines every domain creation prints (its HVM context saved
	# and restored).
	said=$(sed -n "/$1/,/$2/p" "$XL_TEXT" | grep -a '^(XEN)' |
		grep -avE '^\(XEN\) HVM ?(d[0-9]+(v[0-9]+)? save|[0-9]+ restore):' || :)
	if [ -z "$said" ]; then
		note "Xen printed nothing from '$1' to '$2'"
		return
	fi
	note "what Xen printed from '$1' to '$2' (first 40 lines):"
	head -40 <<<"$said" | sed "s/^/$ME:   /"
}

# What tests/vm/dom0-context.sh showed of a domain that went down: its
# registers and the top of its stack trace (the raw stack is in the log).
xl_context_said() {
	local ctx
	ctx=$(grep -a '^context: ' "$XL_TEXT" | grep -avE '^context: +(dr[0-7]|[fg]s):|^context: *$' |
		awk '/^context: Stack:/ { raw = 1; next } /^context: Stack Trace:/ { raw = 0 } !raw' || :)
	[ -n "$ctx" ] || return 0
	note "where the domain's vCPUs stopped (xenctx; first 40 lines, all in $OUT.serial):"
	head -40 <<<"$ctx" | sed "s/^/$ME:   /"
}

# One line: the first step that failed, or why the session never ran.
xl_session_verdict() { # QEMU-STATUS
	local qrc=$1 trouble s line
	trouble=$(xl_dom0_trouble)
	[ -z "$trouble" ] || fail "$trouble (see $OUT.serial)"
	for s in "${STEPS[@]}"; do
		line=$(grep -m1 "^session: step $s: " "$OUT" || :)
		if [ -z "$line" ]; then
			xl_xen_said "dom0: ready" "session: result"
			xl_context_said
			[ "$qrc" -ne 124 ] || fail "timeout: the run took more than $TIMEOUT s, before step $s reported"
			fail "step $s did not report (see $OUT.serial)"
		fi
		[[ $line == "session: step $s: ok"* ]] || {
			xl_xen_said "dom0: ready" "session: result"
			xl_context_said
			fail "${line#session: }"
		}
	done
	grep -q '^session: result: ok$' "$OUT" || fail "every step passed, but the session did not end with 'session: result: ok' (see $OUT)"
	note "every step passed: $(grep -c '^session: step .*: ok' "$OUT") steps; report in $OUT"
}
