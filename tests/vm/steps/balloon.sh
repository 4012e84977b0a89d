# shellcheck shell=dash disable=SC2034
# `xl mem-set` against Amphi, as a person at the host would do it; run by
# tests/vm/xl-steps.sh after xl-dom0-lib.sh's functions:
#   create:   xl creates the domain and waits for the shell's prompt;
#   fill:     `balloon fill` writes a pattern in pages the guest keeps;
#   down:     xl mem-set to MEMORY-DOWN MiB; xl list must show it, the
#             guest's `balloon` must show it as current, DOWN MiB given
#             back, and `balloon check` must find the pattern intact;
#   up:       xl mem-set back to MEMORY MiB, the same checks;
#   nonsense: memory/target written as "abc", then far above static-max,
#             straight into the store: the guest must say so, stay at
#             MEMORY MiB and keep the pattern;
#   shutdown: xl shutdown -w, a clean power off.
STEPS='create fill down up nonsense shutdown'
DOWN=16
# Does xl list show the domain with MB MiB?
xl_shows() { # MB
	xl list "$NAME" >/tmp/xl-list 2>&1
	[ "$(awk 'NR == 2 { print $3 }' /tmp/xl-list)" = "$1" ]
}

# Does the guest's `balloon` say it is at KIB with OUT KiB given back?
guest_at() { # KIB OUT
	type_command balloon 15 >/dev/null 2>&1 &&
		grep -qF "current $1 KiB, target $1 KiB, ballooned $2 KiB" /tmp/after
}

step_fill() {
	expect "balloon fill" "pattern written in 64 pages" || { bad fill "$why"; return 1; }
	ok fill "64 pages hold a pattern"
}

# xl mem-set to MB, then the checks; OUT is what the guest should have
# given back, in MiB.
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
	ok "$1" "xl list and the guest show $2 MiB ($3 MiB out) $(since "$t0") s after xl mem-set; pattern intact"
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
	xenstore-write "/local/domain/$DOMID/memory/target" "$kib"
	if ! poll 15 guest_at "$kib" 0; then
		bad nonsense "the guest's balloon does not show $kib KiB current with none out within 15 s"
		return 1
	fi
	expect "balloon check" "pattern intact" || { bad nonsense "$why"; return 1; }
	ok nonsense "'abc' refused, 999999999 KiB clamped, still $MEMORY MiB, pattern intact"
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
		step_nonsense
		step_shutdown
	else
		skip_rest "the domain did not come up" fill down up nonsense shutdown
	fi
	finish
}

