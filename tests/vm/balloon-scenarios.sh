#!/usr/bin/env bash
# Usage: tests/vm/balloon-scenarios.sh --kernel ELF --type pv|pvh --out LOG
#            [--memory MB] [--down MB] [--timeout S]
#
# `xl mem-set` against Amphi as a Xen domU, the way a person at the host
# would do it: Xen and a Linux dom0 boot in QEMU as for
# tests/vm/xl-session.sh, and the dom0 runs that session's steps with a
# balloon in the middle:
#   create:  xl creates the domain and waits for the shell's prompt;
#   fill:    `balloon fill` writes a pattern in pages the guest keeps;
#   down:    xl mem-set to MEMORY-DOWN MiB; xl list must show it, the
#            guest's `balloon` must show it as current, DOWN MiB given back,
#            and `balloon check` must find the pattern intact;
#   up:      xl mem-set back to MEMORY MiB, the same checks;
#   nonsense: memory/target written as "abc", then far above static-max,
#            straight into the store: the guest must say so, stay at
#            MEMORY MiB and keep the pattern;
#   shutdown: xl shutdown -w, a clean power off.
# xl-session.sh has no hook for a dom0 step of its own, so this script
# ships xl-session-dom0.sh's functions to the dom0 (its last line, the call
# to main, cut off) and runs its own main over them.
#
# Writes LOG (the step lines, the answers, the guest console and xl's log);
# LOG.serial has everything.  Exit 0 when every step passed, 2 when a tool
# or input is missing, 1 otherwise, with one line on stderr saying why.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOM_NAME=amphi
STEPS=(create fill down up nonsense shutdown)

KERNEL='' TYPE='' MEMORY=128 DOWN=16 TIMEOUT=200 OUT=''
WORK=

die() { echo "balloon-scenarios: $*" >&2; exit 2; }
fail() { echo "balloon-scenarios: $*" >&2; exit 1; }
note() { echo "balloon-scenarios: $*"; }

# shellcheck source=tests/vm/xl-lib.sh
. "$ROOT/tests/vm/xl-lib.sh"

usage() {
	sed -n '2,3s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] || usage
		case $1 in
		--kernel) KERNEL=$2 ;;
		--type) TYPE=$2 ;;
		--memory) MEMORY=$2 ;;
		--down) DOWN=$2 ;;
		--timeout) TIMEOUT=$2 ;;
		--out) OUT=$2 ;;
		*) usage ;;
		esac
		shift 2
	done
	if [ -z "$KERNEL" ] || [ -z "$TYPE" ] || [ -z "$OUT" ]; then usage; fi
	case $TYPE in pv | pvh) ;; *) die "--type must be pv or pvh, not '$TYPE'" ;; esac
	[[ $MEMORY =~ ^[0-9]+$ ]] || die "--memory wants a number of MiB"
	[[ $DOWN =~ ^[0-9]+$ ]] && [ "$DOWN" -ge 1 ] || die "--down wants a number of MiB"
	[ $((MEMORY - DOWN)) -ge 32 ] || die "--memory minus --down must leave at least 32 MiB"
	if ! [[ $TIMEOUT =~ ^[0-9]+$ ]] || [ "$TIMEOUT" -lt 90 ]; then
		die "--timeout wants a number of seconds, at least 90"
	fi
	[[ $OUT != *[,:]* ]] || die "--out may not contain commas or colons (QEMU options)"
	[ -r "$KERNEL" ] || die "kernel $KERNEL not found"
	local lib=$ROOT/tests/vm/xl-session-dom0.sh
	[ "$(tail -n 1 "$lib")" = main ] || die "$lib no longer ends with its call to main"
}

# The dom0 half: xl-session-dom0.sh's functions, then these steps.
write_dom0_steps() {
	cat <<'EOF'

# Types CMD; the answer must hold every TEXT given.  Sets $why.
expect() { # CMD TEXT...
	local cmd=$1 t
	shift
	type_command "$cmd" 15 || { why="'$cmd': $why"; return 1; }
	for t in "$@"; do
		grep -qF -- "$t" /tmp/after || { why="'$cmd' did not say '$t'"; return 1; }
	done
}

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
	echo "session: steps: create fill down up nonsense shutdown"
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

main
EOF
}

write_xl_config() {
	cat >"$1" <<EOF
name = "$DOM_NAME"
type = "$TYPE"
kernel = "/guest/kernel"
memory = $MEMORY
maxmem = $MEMORY
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
EOF
}

make_initrd() {
	local run=$WORK/run
	mkdir -p "$run/guest"
	cp "$KERNEL" "$run/guest/kernel"
	write_xl_config "$run/guest/domu.cfg"
	printf 'NAME=%s\nMEMORY=%s\nDOWN=%s\nDEADLINE=%s\n' "$DOM_NAME" "$MEMORY" "$DOWN" \
		"$((TIMEOUT - 25))" >"$run/guest/params"
	{ sed '$d' "$ROOT/tests/vm/xl-session-dom0.sh"; write_dom0_steps; } >"$run/scenario.sh"
	chmod 0755 "$run/scenario.sh"
	xl_pack_initrd "$run" "$WORK/initrd"
}

watch_run() {
	xl_session_watch
}

main() {
	parse_args "$@"
	xl_check_host
	xl_run balloon-scenarios
	xl_extract session >"$OUT"
	xl_session_verdict "$QRC"
}

main "$@"
