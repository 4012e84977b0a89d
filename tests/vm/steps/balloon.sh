# shellcheck shell=dash disable=SC2034
# `xl mem-set` against Amphi, as a person at the host would do it; run by
# tests/vm/xl-steps.sh after xl-dom0-lib.sh's functions:
#   create:   xl creates the domain and waits for the shell's prompt;
#   fill:     `balloon fill` writes a pattern in pages the guest keeps,
#             and its `balloon` tells how much starts out ballooned (the
#             room up to MAXMEM);
#   down:     xl mem-set to MEMORY-DOWN MiB; xl list must show it, the
#             guest's `balloon` must show it as current, DOWN MiB more
#             given back, and `balloon check` must find the pattern intact;
#   up:       xl mem-set back to MEMORY MiB, the same checks;
#   max:      xl mem-set to MAXMEM MiB, above the boot memory, the same
#             checks (MAXMEM must be above MEMORY);
#   nonsense: memory/target written as "abc", then far above static-max,
#             straight into the store: the guest must say so and clamp;
#             then MEMORY again, and the pattern must be intact;
#   shutdown: xl shutdown -w, a clean power off.
STEPS='create fill down up max nonsense shutdown'
DOWN=16
BOOT_OUT= # KiB ballooned at boot, read by step_fill
# Does xl list show the domain with MB MiB?
xl_shows() { # MB
	xl list "$NAME" >/tmp/xl-list 2>&1
	[ "$(awk 'NR == 2 { print $3 }' /tmp/xl-list)" = "$1" ]
}

# Does the guest's `balloon` say it is at KIB with OUT KiB more given back
# than at boot (OUT may be negative: grown into the room above)?
guest_at() { # KIB OUT
	type_command balloon 15 >/dev/null 2>&1 &&
		grep -qF "current $1 KiB, target $1 KiB, ballooned $((BOOT_OUT + $2)) KiB" /tmp/after
}

step_fill() {
	expect "balloon fill" "pattern written in 64 pages" || { bad fill "$why"; return 1; }
	expect balloon "current $((MEMORY * 1024)) KiB" || { bad fill "$why"; return 1; }
	BOOT_OUT=$(sed -n 's/.*, ballooned \([0-9]*\) KiB,.*/\1/p' /tmp/after)
	[ -n "$BOOT_OUT" ] || { bad fill "the guest's balloon line shows nothing ballooned"; return 1; }
	# Room to grow to MAXMEM must be there, ballooned, from the start.
	if [ "$BOOT_OUT" -lt $(((MAXMEM - MEMORY) * 1024)) ]; then
		bad fill "$BOOT_OUT KiB ballooned at boot, less than the $((MAXMEM - MEMORY)) MiB up to maxmem"
		return 1
	fi
	ok fill "64 pages hold a pattern; $BOOT_OUT KiB ballooned at boot (maxmem $MAXMEM MiB)"
}

# xl mem-set to MB, then the checks; OUT is how much more than at boot the
# guest should have given back, in MiB.
step_memset() { # STEP MB OUT
	local t0 kib=$(($2 * 1024)) out=$(($3 * 1024))
	clock
	t0=$CLOCK
	if ! xl mem-set "$NAME" "${2}m" >/tmp/xl-memset 2>&1; then
		show "xl mem-set" /tmp/xl-memset
		bad "$1" "xl mem-set $NAME ${2}m failed: $(tail -n 1 /tmp/xl-memset)"
		return 1
	fi
	if ! poll 30 xl_shows "$2"; then
		show "xl list" /tmp/xl-list
		bad "$1" "xl list does not show $2 MiB within 30 s"
		return 1
	fi
	show "xl list" /tmp/xl-list
	if ! poll 15 guest_at "$kib" "$out"; then
		bad "$1" "the guest's balloon does not show $kib KiB current with $out KiB out within 15 s"
		return 1
	fi
	expect balloon "current $kib KiB" || { bad "$1" "$why"; return 1; }
	expect "balloon check" "pattern intact" || { bad "$1" "$why"; return 1; }
	ok "$1" "xl list and the guest show $2 MiB ($3 MiB more out than at boot) $(since "$t0") s after xl mem-set; pattern intact"
}

# Writes VALUE into memory/target; the guest's console must then say TEXT.
target_says() { # VALUE TEXT
	local off
	off=$(log_size)
	xenstore-write "/local/domain/$DOMID/memory/target" "$1" ||
		{ why="xenstore-write of '$1' failed"; return 1; }
	poll 10 has_text "$off" "$2" || { why="after '$1' the guest did not say '$2' within 10 s"; return 1; }
}

step_nonsense() {
	local kib=$((MEMORY * 1024))
	target_says abc "not a number" || { bad nonsense "$why"; return 1; }
	target_says 999999999 "above static-max" || { bad nonsense "$why"; return 1; }
	if ! poll 15 guest_at "$((MAXMEM * 1024))" "$(((MEMORY - MAXMEM) * 1024))"; then
		bad nonsense "after 999999999 KiB the guest's balloon does not show static-max, $MAXMEM MiB, within 15 s"
		return 1
	fi
	xenstore-write "/local/domain/$DOMID/memory/target" "$kib"
	if ! poll 15 guest_at "$kib" 0; then
		bad nonsense "the guest's balloon does not show $kib KiB current with $BOOT_OUT KiB out within 15 s"
		return 1
	fi
	expect "balloon check" "pattern intact" || { bad nonsense "$why"; return 1; }
	ok nonsense "'abc' refused, 999999999 KiB clamped to $MAXMEM MiB, back at $MEMORY MiB, pattern intact"
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	if step_create; then
		step_fill
		if step_memset down "$((MEMORY - DOWN))" "$DOWN"; then
			step_memset up "$MEMORY" 0
		else
			skip_rest "the step down failed" up
		fi
		if [ "$MAXMEM" -gt "$MEMORY" ]; then
			step_memset max "$MAXMEM" "$((MEMORY - MAXMEM))"
		else
			bad max "not run: this scenario wants --maxmem above --memory"
		fi
		step_nonsense
		step_shutdown
	else
		skip_rest "the domain did not come up" fill down up max nonsense shutdown
	fi
	finish
}

