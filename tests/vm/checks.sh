# shellcheck shell=bash
# What tests/vm/run asks of every boot's log, whatever the scenario: the
# platform it named, the selftests it ran (exactly the expected ones, with
# exactly the expected skips, none failed), no error report of the kernel's
# own that nobody provoked on purpose, and for a domU that it powered itself
# off.  Kept apart from the scenarios so that tests/vm/check-runner.sh can
# feed each check made-up logs and show that it catches what it is for.
#
# The caller sets $why when a check fails (each returns 1) and reads
# $summary after check_selftests.

# Does the log (carriage returns dropped) have a line matching the extended
# regex?  grep reads all its input: with pipefail, a `grep -q` that stops
# early can kill the writer with SIGPIPE and report a match as a miss.
log_has() { # LOG REGEX
	tr -d '\r' <"$1" | grep -aE -- "$2" >/dev/null
}

# How many selftests a full run (`selftest` alone on the command line)
# runs: every SELFTEST in the ELF.  A test added or removed changes this
# number and the skip lists below in the same change, on purpose: the
# runner then knows what each platform must show.
SELFTESTS_ALL=129

# The selftests each platform skips in a full run, for the reason each
# prints (no IDT natively on Xen PV, no Xen natively, no xenstore for
# dom0, no initramfs where the scenario gives no boot module...).  Any other skip, or one of these that ran, fails the scenario:
# a test that skips because something broke must turn the run red.
declare -A SELFTEST_SKIPS=(
	[native-initramfs]="pvclock_rtc balloon balloon_release_clears balloon_smp blkfront_fresh_zero gnttab_fresh_zero
		blkfront_offers blkfront_ro blkfront_rw blkfront_smp evtchn_bind_vcpu evtchn_cpu_offline
		evtchn_fairness evtchn_ipi evtchn_mask evtchn_round_robin evtchn_smp gnttab_copy
		gnttab_deferred_held gnttab_deferred_unused
		gnttab_grant_end gnttab_grow gnttab_in_use gnttab_reuse gnttab_smp netfront_connect pvclock
		xen_console_ring xen_control_sysrq xen_control_unknown xen_hypervisor_info xen_pv_halt
		xen_pv_p2m_tree xen_timer xen_version xenbus_hotplug xs_perms xs_read xs_smp xs_timeout xs_transaction
		xs_watch xs_write"
	[xen-pv-dom0]="initramfs balloon balloon_release_clears balloon_smp blkfront_offers blkfront_ro blkfront_rw blkfront_smp irq_unhandled irq_vector
		lapic_timer lapic_timer_early netfront_connect tsc_clock xen_console_ring
		xen_control_sysrq xen_control_unknown xenbus_hotplug xs_perms xs_read xs_smp xs_timeout
		xs_transaction xs_watch xs_write user_busybox user_exec busybox_script exec_maps_file"
	[xen-pvh-dom0]="initramfs user_busybox busybox_script exec_maps_file balloon balloon_release_clears balloon_smp blkfront_offers blkfront_ro blkfront_rw blkfront_smp gnttab_in_use lapic_timer
		lapic_timer_early netfront_connect tsc_clock user_exec xen_console_ring xen_control_sysrq
		xen_control_unknown xen_pv_halt xen_pv_p2m_tree xenbus_hotplug xs_perms xs_read xs_smp
		xs_timeout xs_transaction xs_watch xs_write"
	[xen-pv-domu]="pvclock_rtc blkfront_ro blkfront_rw blkfront_smp irq_unhandled irq_vector lapic_timer
		lapic_timer_early tsc_clock"
	[xen-pvh-domu]="pvclock_rtc blkfront_ro blkfront_rw blkfront_smp gnttab_in_use lapic_timer lapic_timer_early
		tsc_clock xen_pv_halt xen_pv_p2m_tree"
)
# Native scenarios boot with the test initramfs (native_pvh, native_grub)
# or without it (the others): its test, user_exec that runs its
# /bin/procs, user_busybox that runs its /bin/busybox, busybox_script
# that runs its /bbtest/script.sh and exec_maps_file that runs /bin/procs
# are the skips between them.
SELFTEST_SKIPS[native]="${SELFTEST_SKIPS[native-initramfs]} initramfs user_exec user_busybox busybox_script exec_maps_file"

# The SELFTEST entries of an ELF, sorted; SELFTEST_EXPLICIT ones (which
# run only when named) have another symbol prefix and are left out.
elf_selftests() { # ELF
	nm "$1" | sed -n 's/^[0-9a-f]* [rRdD] selftest_entry_//p' | LC_ALL=C sort
}

# Words of a list, one a line, sorted.
sorted_words() { tr -s ' \t,\n' '\n' <<<"$1" | grep -v '^$' | LC_ALL=C sort; }

# Names in the first sorted list and not in the second, comma-separated.
only_in() { LC_ALL=C comm -23 <(echo "$1") <(echo "$2") | paste -sd, -; }

# Checks the selftests of a log against what EXPECT says: a platform key of
# SELFTEST_SKIPS (a full run of ELF's tests) or "list:a,b,..." (exactly
# those tests, none skipped).  Sets $summary.
check_selftests() { # LOG PLATFORM EXPECT [ELF]
	local log=$1 platform=$2 expect=$3 elf=${4:-${ELF:-}} results names want skips want_skips n
	results=$(tr -d '\r' <"$log" | grep -a '^Test result: ')
	if ! log_has "$log" "^platform: $platform"; then
		why="the boot log does not say 'platform: $platform'"
		return 1
	fi
	if [ -z "$results" ]; then
		why="no 'Test result:' line (the kernel did not run its selftests)"
		return 1
	fi
	if grep -aqE '^Test result: (FAILURE|ERROR)' <<<"$results"; then
		why=$(grep -aE '^Test result: (FAILURE|ERROR)' <<<"$results" | head -3 | tr '\n' ';')
		return 1
	fi
	if ! log_has "$log" '^Overall result: SUCCESS'; then
		why="no 'Overall result: SUCCESS' line (crashed or cut short?)"
		return 1
	fi
	names=$(sed -E 's/^Test result: [A-Z]+ ([^:]*):.*/\1/' <<<"$results" | LC_ALL=C sort)
	skips=$(grep -a '^Test result: SKIP ' <<<"$results" | sed -E 's/^Test result: SKIP ([^:]*):.*/\1/' |
		LC_ALL=C sort)
	if [[ $expect == list:* ]]; then
		want=$(sorted_words "${expect#list:}")
		n=$(grep -c . <<<"$want")
		want_skips=""
	else
		[ -n "${SELFTEST_SKIPS[$expect]+set}" ] || { why="the runner has no skip list for '$expect'"; return 1; }
		want=$(elf_selftests "$elf")
		n=$SELFTESTS_ALL
		want_skips=$(sorted_words "${SELFTEST_SKIPS[$expect]}")
		if [ "$(grep -c . <<<"$want")" != "$n" ]; then
			why="the ELF has $(grep -c . <<<"$want") selftests, the runner expects $n: update SELFTESTS_ALL and SELFTEST_SKIPS in tests/vm/checks.sh"
			return 1
		fi
	fi
	check_names "$names" "$want" "$n" || return 1
	check_skips "$skips" "$want_skips" || return 1
	check_error_reports "$log" || return 1
	summary="$n tests"
	if [ -n "$skips" ]; then
		summary+=", $(grep -c . <<<"$skips") skipped as expected (reasons in the log)"
		skipped_tests=$((${skipped_tests:-0} + $(grep -c . <<<"$skips")))
	fi
	return 0
}

# Every expected test once, nothing else, and the expected number.
check_names() { # NAMES WANT COUNT
	local dup missing extra got
	dup=$(uniq -d <<<"$1" | paste -sd, -)
	[ -z "$dup" ] || { why="selftests reported more than once: $dup"; return 1; }
	missing=$(only_in "$2" "$1")
	[ -z "$missing" ] || { why="selftests that did not run: $missing"; return 1; }
	extra=$(only_in "$1" "$2")
	[ -z "$extra" ] || { why="selftests that ran but were not expected: $extra"; return 1; }
	got=$(grep -c . <<<"$1")
	[ "$got" = "$3" ] || { why="$got selftests ran, $3 expected"; return 1; }
}

# The skips, exactly: an unexpected one may hide a breakage, and an
# expected one that ran means the list is out of date.
check_skips() { # SKIPS WANT-SKIPS
	local odd
	odd=$(only_in "$1" "$2")
	[ -z "$odd" ] || { why="unexpected SKIP: $odd (see the reason in the log)"; return 1; }
	odd=$(only_in "$2" "$1")
	[ -z "$odd" ] || { why="expected to SKIP but ran: $odd (update SELFTEST_SKIPS)"; return 1; }
}

# The busybox script's output (the busybox_script selftest prints it
# between markers, each line behind "bbscript| ") against what the same
# busybox printed running the same script on the host when the initramfs
# was built (tests/busybox/host-run.sh; make keeps a copy beside the
# cpio): a difference fails with the diff, kept in LOG.busybox.diff.  A
# boot where the test skipped (no initramfs, no user mode yet) printed no
# output and passes this check; its skip list decides.
check_busybox_script() { # LOG EXPECTED
	local got d
	log_has "$1" '^==== busybox script output begin ====$' || return 0
	got=$(tr -d '\r' <"$1" | awk '/^==== busybox script output end ====$/ { on = 0 }
		on && sub(/^bbscript\| /, "") { print } /^==== busybox script output begin ====$/ { on = 1 }')
	if ! d=$(diff <(printf '%s\n' "$got") "$2"); then
		printf '%s\n' "$d" >"$1.busybox.diff"
		why="the busybox script's output differs from the host's (< Amphi, > host): $(head -c 400 <<<"$d" | tr '\n' '|')"
		return 1
	fi
	summary+="; busybox script output equal to the host's"
}

# The guest's `date +%s`, printed as "date-epoch N", against the host's
# time when it was typed: the time of day Amphi read at boot (the RTC,
# which QEMU keeps at the host's UTC, or Xen's wallclock) must be within
# a minute.  Sets date_off (guest minus host, seconds).
check_date_epoch() { # LOG HOST-EPOCH
	local got
	got=$(tr -d '\r' <"$1" | sed -n 's/^date-epoch \([0-9][0-9]*\)$/\1/p' | tail -1)
	[ -n "$got" ] || { why="no 'date-epoch N' line from date +%s"; return 1; }
	date_off=$((got - $2))
	[ "${date_off#-}" -le 60 ] ||
		{ why="date +%s in the guest is $got, the host's $2: $date_off s apart"; return 1; }
}

# The kernel's own complaints: an error report (printk marks each
# "error: "; those a selftest provoked on purpose read "expected error: "),
# a panic, an unexpected exception.  ALLOWED, an extended regex, names
# reports a scenario provokes itself from outside (dom0 refusing, say).
check_error_reports() { # LOG [ALLOWED]
	local bad
	bad=$(tr -d '\r' <"$1" | grep -aE '^error: |Kernel panic|PANIC: ' || :)
	[ -z "${2:-}" ] || bad=$(grep -avE -- "$2" <<<"$bad" || :)
	[ -z "$bad" ] || { why="the kernel reported: $(head -2 <<<"$bad" | tr '\n' ';')"; return 1; }
}

# How xl saw a domU end (tests/vm/xl-domu.sh's "domU: ended: REASON"):
# after its selftests succeeded the domain must have powered itself off,
# not crashed or rebooted (a triple fault is a reboot to Xen).
check_domu_poweroff() { # SERIAL-LOG
	local line
	line=$(tr -d '\r' <"$1" | grep -a -m1 '^domU: ended: ' || :)
	[ -n "$line" ] || { why="no 'domU: ended:' line: how the domain ended is unknown"; return 1; }
	[[ $line == "domU: ended: poweroff "* ]] || { why="the domain did not power off: '$line'"; return 1; }
}

# The Xen version and build date the guest reports (its xen_version
# selftest) must be what the toolstack reports: xl info, which the domU
# harness's dom0 prints, or for a dom0, which has no toolstack, Xen's own
# banner on the serial log.
check_xen_version() { # LOG TEXT (the serial text with xl info or Xen's banner)
	local guest host from="xl info"
	guest=$(tr -d '\r' <"$1" | sed -n 's/^Test result: SUCCESS xen_version: Xen \([^ ]*\) .*, compiled \(.*\)$/\1 built \2/p' | head -1)
	host=$(tr -d '\r' <"$2" | awk '/^dom0: xl info: / { v = $0; sub(/^dom0: xl info: [a-z_]+ /, "", v); x[$4] = v }
		END { if ("xen_major" in x) print x["xen_major"] "." x["xen_minor"] x["xen_extra"] " built " x["cc_compile_date"] }')
	if [ -z "$host" ]; then
		from="Xen's banner"
		host=$(tr -d '\r' <"$2" | sed -n 's/^(XEN) Xen version \([^ ]*\) .* debug=[yn] \(.*\)$/\1 built \2/p' | head -1)
	fi
	[ -n "$guest" ] || { why="the guest reported no Xen version (no xen_version success line)"; return 1; }
	[ -n "$host" ] || { why="neither xl info nor Xen's banner gave the Xen version"; return 1; }
	[ "$guest" = "$host" ] || { why="the guest says Xen $guest, $from says $host"; return 1; }
	summary+="; Xen $guest, as $from says"
}
