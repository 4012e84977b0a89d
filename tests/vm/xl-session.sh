#!/usr/bin/env bash
# Usage: tests/vm/xl-session.sh --kernel ELF --type pv|pvh --out LOG
#            [--memory MB] [--cmdline "ARGS"] [--command "CMD"]... [--timeout S]
#
# A whole session with Amphi as a Xen domU, end to end, the way a person at
# the host would have one: Xen and a Linux dom0 boot in QEMU (as for
# tests/vm/xl-domu.sh, with which this shares tests/vm/xl-lib.sh), and the
# dom0 runs tests/vm/xl-session-dom0.sh, which
#   create:   xl creates the domain and waits for the shell's prompt;
#   commands: types each command into the domain's console pty, as
#             `xl console` would, and waits for the answer;
#   list:     checks that xl list shows the memory the domain was given;
#   reboot:   xl reboot, then waits for a new boot (a new domid, the banner
#             and the prompt again) and types into its new console;
#   shutdown: xl shutdown -w, and checks xl saw a clean shut down.
# The guest boots without `selftest`, into its shell.  --command replaces
# the default commands (help, info, hypervisor, xenstore read domid,
# evtchn, uptime, mem, pvops); one that does not exist fails the step.
# Environment: QEMU and DOM0_APPEND, as for tests/vm/xl-domu.sh.
#
# Writes LOG: the step lines ("session: step NAME: ok (...)" or
# "... FAILED: why"), each command's answer between "==== command begin:
# CMD ====" and "==== command end: ... ====", then the guest console and
# xl's log; LOG.serial has everything.  Exit 0 when every step passed,
# 2 when a tool or input is missing, 1 otherwise, with one line on stderr
# saying why.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOM_NAME=amphi
STEPS=(create commands list reboot shutdown)
DEFAULT_COMMANDS=(help info hypervisor "xenstore read domid" evtchn uptime mem pvops)

KERNEL='' TYPE='' CMDLINE='' MEMORY=64 TIMEOUT=170 OUT=''
COMMANDS=()
WORK=

die() { echo "xl-session: $*" >&2; exit 2; }
fail() { echo "xl-session: $*" >&2; exit 1; }
note() { echo "xl-session: $*"; }

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
		--cmdline) CMDLINE=$2 ;;
		--memory) MEMORY=$2 ;;
		--command) COMMANDS+=("$2") ;;
		--timeout) TIMEOUT=$2 ;;
		--out) OUT=$2 ;;
		*) usage ;;
		esac
		shift 2
	done
	if [ -z "$KERNEL" ] || [ -z "$TYPE" ] || [ -z "$OUT" ]; then usage; fi
	case $TYPE in pv | pvh) ;; *) die "--type must be pv or pvh, not '$TYPE'" ;; esac
	[[ $MEMORY =~ ^[0-9]+$ ]] || die "--memory wants a number of MiB"
	if ! [[ $TIMEOUT =~ ^[0-9]+$ ]] || [ "$TIMEOUT" -lt 90 ]; then
		die "--timeout wants a number of seconds, at least 90"
	fi
	[[ $CMDLINE != *[\"\\]* ]] || die "--cmdline may not contain \" or \\"
	[[ " $CMDLINE " != *" selftest"[\ =]* ]] || die "--cmdline may not ask for selftests: the session needs the shell"
	[ ${#COMMANDS[@]} -gt 0 ] || COMMANDS=("${DEFAULT_COMMANDS[@]}")
	local c
	for c in "${COMMANDS[@]}"; do
		[[ $c =~ ^[[:print:]]+$ ]] || die "--command wants printable text: '$c'"
	done
}

check_env() {
	[ -r "$KERNEL" ] || die "kernel $KERNEL not found"
	[[ $OUT != *[,:]* ]] || die "--out may not contain commas or colons (QEMU options)"
	xl_check_host
}

# The domain powers off for good but comes back from a reboot; a crash is
# kept for the record.
write_xl_config() {
	cat >"$1" <<EOF
name = "$DOM_NAME"
type = "$TYPE"
kernel = "/guest/kernel"
extra = "$CMDLINE"
memory = $MEMORY
vcpus = 1
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
EOF
}

make_initrd() {
	local run=$WORK/run
	mkdir -p "$run/guest"
	cp "$KERNEL" "$run/guest/kernel"
	write_xl_config "$run/guest/domu.cfg"
	printf '%s\n' "${COMMANDS[@]}" >"$run/guest/commands"
	# The dom0 stops waiting 25 s before QEMU's timeout (its uptime starts
	# after Xen's boot), so its report is always printed in full.
	printf 'NAME=%s\nMEMORY=%s\nDEADLINE=%s\n' "$DOM_NAME" "$MEMORY" "$((TIMEOUT - 25))" \
		>"$run/guest/params"
	install -m 0755 "$ROOT/tests/vm/xl-session-dom0.sh" "$run/scenario.sh"
	xl_pack_initrd "$run" "$WORK/initrd"
}

watch_run() {
	xl_session_watch
}

main() {
	parse_args "$@"
	check_env
	xl_run xl-session
	xl_extract session >"$OUT"
	xl_session_verdict "$QRC"
}

main "$@"
