#!/usr/bin/env bash
# Usage: tests/vm/xl-steps.sh --steps FILE --kernel ELF --type pv|pvh --out LOG
#            [--memory MB] [--maxmem MB] [--cmdline "ARGS"] [--xl "KEY = VALUE"]...
#            [--file PATH]... [--timeout S] [--vcpus N] [--xen debian|shadow]
#
# A session with Amphi as a Xen domU, end to end, the way a person at the
# host would have one: Xen and a Linux dom0 boot in QEMU (as for
# tests/vm/xl-domu.sh, with which this shares tests/vm/xl-lib.sh), and the
# dom0 runs tests/vm/xl-dom0-lib.sh's functions (step_create,
# type_command, step_shutdown, finish...) followed by FILE, a busybox sh
# fragment that sets STEPS='a b c' on a line of its own (STEPS_pv='...'
# or STEPS_pvh='...' instead for one type) and defines main,
# which runs those steps and ends with finish.  tests/vm/steps/ holds the
# scenarios: session, balloon, net.  The guest boots without `selftest`,
# into its shell; it comes back after a reboot and goes for good at power
# off.
#
# --xl adds a line to the domain's xl config; --cmdline is the guest's
# command line (no selftests: the steps need the shell); --file copies a
# file into the dom0's /guest/ for the steps to use; --maxmem (default:
# --memory) is what the domain may grow to; --vcpus gives it that many
# vCPUs (1 by default); --xen shadow boots Xen rebuilt with shadow paging
# (tools/xen-shadow.sh) instead of Debian's, and then a STEPS_TYPE_shadow=
# line, when there is one, names the steps.  The dom0 knows NAME, MEMORY,
# MAXMEM, DEADLINE and XEN (debian or shadow) from /guest/params.
#
# Writes LOG (the step lines, the answers, the guest console and xl's log);
# LOG.serial has everything.  Exit 0 when every step passed, 2 when a tool
# or input is missing, 1 otherwise, with one line on stderr saying why.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOM_NAME=amphi

STEPS_FILE='' KERNEL='' TYPE='' MEMORY=128 MAXMEM='' CMDLINE='' TIMEOUT=200 OUT='' VCPUS=1
XL_EXTRA=() FILES=() STEPS=()
WORK=
ME=xl-steps

# shellcheck source=tests/vm/xl-lib.sh
. "$ROOT/tests/vm/xl-lib.sh"

usage() { xl_usage 2,4; }

parse_args() {
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] || usage
		case $1 in
		--steps) STEPS_FILE=$2 ;;
		--kernel) KERNEL=$2 ;;
		--type) TYPE=$2 ;;
		--memory) MEMORY=$2 ;;
		--maxmem) MAXMEM=$2 ;;
		--cmdline) CMDLINE=$2 ;;
		--xl) XL_EXTRA+=("$2") ;;
		--file) FILES+=("$2") ;;
		--timeout) TIMEOUT=$2 ;;
		--out) OUT=$2 ;;
		--vcpus) VCPUS=$2 ;;
		--xen) XL_XEN=$2 ;;
		*) usage ;;
		esac
		shift 2
	done
	if [ -z "$STEPS_FILE" ] || [ -z "$KERNEL" ] || [ -z "$TYPE" ] || [ -z "$OUT" ]; then usage; fi
	ME=$(basename "$STEPS_FILE" .sh)-steps
	xl_want_type
	xl_want_number --memory "$MEMORY" MiB 32
	MAXMEM=${MAXMEM:-$MEMORY}
	xl_want_number --maxmem "$MAXMEM" "MiB (--memory or more)" "$MEMORY"
	xl_want_number --timeout "$TIMEOUT" seconds 90
	xl_want_number --vcpus "$VCPUS" vCPUs 1 64
	xl_want_cmdline
	[[ " $CMDLINE " != *" selftest"[\ =]* ]] || die "--cmdline may not ask for selftests: the steps need the shell"
	xl_want_out
	[ -r "$KERNEL" ] || die "kernel $KERNEL not found"
	[ -r "$STEPS_FILE" ] || die "steps file $STEPS_FILE not found"
	local f line
	for f in "${FILES[@]}"; do [ -r "$f" ] || die "--file $f not found"; done
	case $XL_XEN in debian | shadow) ;; *) die "--xen must be debian or shadow, not '$XL_XEN'" ;; esac
	# A STEPS_pv= or STEPS_pvh= line, when there is one, is this type's;
	# a STEPS_pv_shadow= line is this type's on that Xen.
	line=$(grep -m1 "^STEPS_${TYPE}_$XL_XEN='[a-z0-9 -]*'$" "$STEPS_FILE") ||
		line=$(grep -m1 "^STEPS_$TYPE='[a-z0-9 -]*'$" "$STEPS_FILE") ||
		line=$(grep -m1 "^STEPS='[a-z0-9 -]*'$" "$STEPS_FILE") || die "$STEPS_FILE sets no STEPS='...' line"
	line=${line#STEPS*=\'}
	read -ra STEPS <<<"${line%\'}"
	[ ${#STEPS[@]} -gt 0 ] || die "$STEPS_FILE names no steps"
}

write_xl_config() {
	# A domain that goes down by a reboot no step asked for (a PVH guest's
	# triple fault, say) is kept, for tests/vm/dom0-context.sh to show.
	local on_reboot=preserve
	[[ " ${STEPS[*]} " != *" reboot "* ]] || on_reboot=restart
	cat >"$1" <<EOF
name = "$DOM_NAME"
type = "$TYPE"
kernel = "/guest/kernel"
extra = "$CMDLINE"
memory = $MEMORY
maxmem = $MAXMEM
vcpus = $VCPUS
on_poweroff = "destroy"
on_reboot = "$on_reboot"
on_crash = "preserve"
EOF
	local l
	for l in "${XL_EXTRA[@]}"; do echo "$l" >>"$1"; done
}

make_initrd() {
	local run=$WORK/run f
	mkdir -p "$run/guest"
	cp "$KERNEL" "$run/guest/kernel"
	for f in "${FILES[@]}"; do cp "$f" "$run/guest/"; done
	write_xl_config "$run/guest/domu.cfg"
	# The dom0 stops waiting 25 s before QEMU's timeout (its uptime starts
	# after Xen's boot), so its report is always printed in full.
	printf 'NAME=%s\nMEMORY=%s\nMAXMEM=%s\nDEADLINE=%s\nXEN=%s\n' "$DOM_NAME" "$MEMORY" "$MAXMEM" \
		"$((TIMEOUT - 25))" "$XL_XEN" >"$run/guest/params"
	{ cat "$ROOT/tests/vm/xl-dom0-lib.sh"; echo; cat "$STEPS_FILE"; echo main; } \
		>"$run/scenario.sh"
	chmod 0755 "$run/scenario.sh"
	xl_pack_initrd "$run" "$WORK/initrd"
}

watch_run() {
	xl_session_watch
}

main() {
	parse_args "$@"
	xl_check_host
	xl_run "$ME"
	xl_extract session >"$OUT"
	xl_session_verdict "$QRC"
}

main "$@"
