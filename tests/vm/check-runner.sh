#!/usr/bin/env bash
# The test runners, tested: made-up logs and made-up test binaries fed to
# the checks that tests/vm/run (tests/vm/checks.sh), tests/host/run.sh
# and tools/test-all.sh make, each case saying what the check must decide.
# A runner that lets a broken kernel through is as bad as the breakage, and
# no VM scenario can show it: these cases can.  Fast, and needs only bash,
# gcc and nm.  Ends with "runner: N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0

# shellcheck source=tests/vm/checks.sh
. "$ROOT/tests/vm/checks.sh"

# CASE: want pass|fail, then the command; `why` is shown for a failure.
expect() { # pass|fail NAME COMMAND...
	local want=$1 name=$2 got
	shift 2
	why=""
	if "$@" >"$T/out" 2>&1; then got=pass; else got=fail; fi
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
		echo "ok    $name${why:+ ($why)}"
	else
		failed=$((failed + 1))
		echo "WRONG $name: the check said $got, it should say $want${why:+ ($why)}"
		sed 's/^/      /' "$T/out" | head -5
	fi
}

# --- tests/vm/checks.sh: selftest results ---

# An object with three ordinary selftests and one that runs only when
# named, as the kernel's SELFTEST macros name their entries.
make_elf() {
	cat >"$T/st.c" <<'EOF'
__attribute__((used)) static const int selftest_entry_alpha = 1;
__attribute__((used)) static const int selftest_entry_beta = 2;
__attribute__((used)) static const int selftest_entry_gamma = 3;
__attribute__((used)) static const int selftest_explicit_boom = 4;
EOF
	gcc -c -o "$T/st.o" "$T/st.c"
}

# A boot log: the platform line, then the result lines given, then the
# overall result, then any extra lines.
boot_log() { # FILE RESULT-LINES [EXTRA]
	{
		echo "platform: native, hypervisor: none"
		printf '%s\n' "$2"
		echo "Overall result: SUCCESS"
		[ -z "${3:-}" ] || printf '%s\n' "$3"
	} >"$1"
}

GOOD='Test result: SUCCESS alpha: fine
Test result: SKIP beta: no such device here
Test result: SUCCESS gamma: fine'

selftest_cases() {
	local l=$T/boot.log
	SELFTESTS_ALL=3
	SELFTEST_SKIPS[fake]="beta"
	boot_log "$l" "$GOOD"
	expect pass "every test, the expected skip" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "${GOOD/SUCCESS gamma/SKIP gamma}"
	expect fail "an unexpected SKIP" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "${GOOD/SKIP beta/SUCCESS beta}"
	expect fail "an expected SKIP that ran" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "$(grep -v gamma <<<"$GOOD")"
	expect fail "a test missing" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "$GOOD
Test result: SUCCESS delta: where from?"
	expect fail "a test nobody registered" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "$GOOD
Test result: SUCCESS alpha: again"
	expect fail "a test reported twice" check_selftests "$l" native fake "$T/st.o"
	SELFTESTS_ALL=4
	boot_log "$l" "$GOOD"
	expect fail "the ELF and the expected count disagree" check_selftests "$l" native fake "$T/st.o"
	SELFTESTS_ALL=3
	boot_log "$l" "${GOOD/SUCCESS alpha/FAILURE alpha}"
	expect fail "a FAILURE" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "$GOOD"
	sed -i '/^Overall/d' "$l"
	expect fail "no overall result" check_selftests "$l" native fake "$T/st.o"
	expect fail "another platform" check_selftests "$l" xen-pv fake "$T/st.o"
	boot_log "$l" "$GOOD"
	expect fail "a platform with no skip list" check_selftests "$l" native nowhere "$T/st.o"
	boot_log "$l" 'Test result: SUCCESS alpha: fine
Test result: SUCCESS boom: named'
	expect pass "a named list, run exactly" check_selftests "$l" native list:alpha,boom
	expect fail "a named list, one missing" check_selftests "$l" native list:alpha,boom,gamma
	boot_log "$l" 'Test result: SKIP alpha: not here'
	expect fail "a named list, skipped" check_selftests "$l" native list:alpha
}

# --- tests/vm/checks.sh: error reports and how a domU ended ---

report_cases() {
	local l=$T/boot.log
	boot_log "$l" "$GOOD" "expected error: netfront: hostile: backend broke the protocol"
	expect pass "an error a selftest provoked" check_selftests "$l" native fake "$T/st.o"
	boot_log "$l" "$GOOD" "error: blkfront: xvda: backend broke the protocol"
	expect fail "an error report" check_selftests "$l" native fake "$T/st.o"
	printf 'amphi> \nerror: balloon: stuck at 100 pages\r\n' >"$l"
	expect fail "an error report after a prompt, CRLF" check_error_reports "$l"
	expect pass "an error report the scenario allows" check_error_reports "$l" '^error: balloon: stuck'
	printf 'Kernel panic: pvclock stuck\n' >"$l"
	expect fail "a panic" check_error_reports "$l"
	printf '\nPANIC: unexpected exception: page fault\n' >"$l"
	expect fail "an unexpected exception" check_error_reports "$l"
	printf 'net: 0 errors\nI/O error counters: 0\n' >"$l"
	expect pass "the word error in ordinary text" check_error_reports "$l"

	printf 'domU: created in 3.0 s\ndomU: ended: poweroff after 10.0 s\n' >"$l"
	expect pass "a domU that powered off" check_domu_poweroff "$l"
	printf 'domU: ended: reboot after 10.0 s\r\n' >"$l"
	expect fail "a domU that rebooted (a triple fault)" check_domu_poweroff "$l"
	printf 'domU: ended: crash after 1.0 s\n' >"$l"
	expect fail "a domU that crashed" check_domu_poweroff "$l"
	printf 'domU: timeout: still running\n' >"$l"
	expect fail "no end seen" check_domu_poweroff "$l"
}

# --- tests/vm/checks.sh: the busybox script's output against the host's ---

busybox_cases() {
	local l=$T/boot.log w=$T/want
	printf 'one\n  two  \nexit status: 0\n' >"$w"
	printf 'x\r\n==== busybox script output begin ====\r\nbbscript| one\r\nnet: noise\r\nbbscript|   two  \r\nbbscript| exit status: 0\r\n==== busybox script output end ====\r\n' >"$l"
	expect pass "busybox output equal (CRLF, a line of other output between)" check_busybox_script "$l" "$w"
	printf '==== busybox script output begin ====\nbbscript| one\nbbscript| two\nbbscript| exit status: 0\n==== busybox script output end ====\n' >"$l"
	expect fail "busybox output differing in spaces" check_busybox_script "$l" "$w"
	printf '==== busybox script output begin ====\nbbscript| one\nbbscript|   two  \n==== busybox script output end ====\n' >"$l"
	expect fail "busybox output cut short" check_busybox_script "$l" "$w"
	printf 'Test result: SKIP busybox_script: no initramfs\n' >"$l"
	expect pass "no busybox output (the test skipped: its skip list decides)" check_busybox_script "$l" "$w"
}

# --- tests/vm/checks.sh: the guest's date against the host's ---

date_cases() {
	local l=$T/boot.log
	printf '/root # echo "date-epoch $(date +%%s)"\r\ndate-epoch 1796637280\r\n' >"$l"
	expect pass "date 20 s ahead of the host" check_date_epoch "$l" 1796637260
	expect pass "date 60 s behind the host" check_date_epoch "$l" 1796637340
	expect fail "date 61 s behind the host" check_date_epoch "$l" 1796637341
	printf 'date-epoch 3\n' >"$l"
	expect fail "date counting from boot (1970)" check_date_epoch "$l" 1796637280
	printf '/root # echo "date-epoch $(date +%%s)"\ndate-epoch \n' >"$l"
	expect fail "no number (only the command's echo)" check_date_epoch "$l" 1796637280
}

# --- tests/vm/checks.sh: the Xen version, against the toolstack ---

version_cases() {
	local l=$T/boot.log x=$T/serial.log
	echo 'Test result: SUCCESS xen_version: Xen 4.17.7 (domU), via syscall, compiled Wed Nov  4 16:52:28 UTC 2026' >"$l"
	printf 'dom0: xl info: xen_major 4\ndom0: xl info: xen_minor 17\ndom0: xl info: xen_extra .7\ndom0: xl info: cc_compile_date Wed Nov  4 16:52:28 UTC 2026\n' >"$x"
	expect pass "the version xl info gives" check_xen_version "$l" "$x"
	sed -i 's/xen_extra .7/xen_extra .8/' "$x"
	expect fail "another version from xl info" check_xen_version "$l" "$x"
	echo '(XEN) Xen version 4.17.7 (Debian 4.17.7-1) (x@y) (gcc) debug=n Wed Nov  4 16:52:28 UTC 2026' >"$x"
	expect pass "the version in Xen's banner" check_xen_version "$l" "$x"
	sed -i 's/16:52:28/16:52:29/' "$x"
	expect fail "another build in Xen's banner" check_xen_version "$l" "$x"
	: >"$x"
	expect fail "no version to compare with" check_xen_version "$l" "$x"
}

# --- tests/host/run.sh: cmocka binaries ---

fake_bin() { # NAME BODY
	printf '#!/bin/sh\n%s\n' "$2" >"$T/$1"
	chmod +x "$T/$1"
}

host_cases() {
	fake_bin ok 'echo "[==========] Running 2 test(s)."
echo "[       OK ] a"
echo "[       OK ] b"
echo "[==========] 2 test(s) run."
echo "[  PASSED  ] 2 test(s)."'
	expect pass "host: a binary whose cases all passed" sh "$ROOT/tests/host/run.sh" "$T/ok"
	fake_bin silent 'exit 0'
	expect fail "host: a binary that printed nothing, status 0" sh "$ROOT/tests/host/run.sh" "$T/silent"
	fake_bin cut 'echo "[==========] Running 2 test(s)."
echo "[       OK ] a"
echo "[       OK ] b"'
	expect fail "host: no closing summary, status 0" sh "$ROOT/tests/host/run.sh" "$T/cut"
	fake_bin short 'echo "[==========] Running 3 test(s)."
echo "[       OK ] a"
echo "[==========] 3 test(s) run."'
	expect fail "host: a case announced and never run" sh "$ROOT/tests/host/run.sh" "$T/short"
	fake_bin leak 'echo "[==========] Running 1 test(s)."
echo "[       OK ] a"
echo "[==========] 1 test(s) run."
exit 1'
	expect fail "host: all passed, then a non-zero exit" sh "$ROOT/tests/host/run.sh" "$T/leak"
}

# --- tools/test-all.sh: a tier's summary ---

tier_says() { # WANT-FAIL-COUNT NAME COMMAND...: did tier() count as it should?
	local want=$1
	shift
	total_pass=0 total_fail=0
	tier "$@" >/dev/null 2>&1
	[ "$total_fail" = "$want" ] || { why="tier() counted $total_fail failures"; return 1; }
}

tier_cases() {
	# shellcheck source=tools/test-all.sh
	. "$ROOT/tools/test-all.sh"
	expect pass "tier: a summary of 2 passed" tier_says 0 t echo "t: 2 passed, 0 failed"
	expect pass "tier: no summary, status 0, is a failure" tier_says 1 t true
	expect pass "tier: a summary, then status 1, is a failure" tier_says 1 t sh -c 'echo "t: 1 passed, 0 failed"; exit 1'
	expect pass "tier: a summary with failures" tier_says 2 t sh -c 'echo "t: 1 passed, 2 failed"; exit 1'
}

# --- tests/vm/xl-dom0-lib.sh: reading a command's answer off the console ---

# answer() as dom0 runs it (busybox's awk where the host has busybox; its
# files in $T), on a made-up console after the typing: 0 when it finds the answer good.
answer_says() { # CONSOLE CMD
	local PROMPT='amphi> '
	eval "$(sed -n '/^answer() {/,/^}/p' "$ROOT/tests/vm/xl-dom0-lib.sh" | sed "s#/tmp/#$T/#g")"
	printf '%b' "$1" >"$T/after"
	if command -v busybox >/dev/null; then awk() { busybox awk "$@"; }; fi
	answer "$2" "" 1 >/dev/null
	unset -f awk
	read -r why <"$T/why"
	[ -z "$why" ]
}

# dom_down() on a made-up `xl list -v` line whose state is STATE (none:
# the domain is not listed): 0 when it takes the domain for down.
dom_down_says() { # STATE
	local NAME=amphi DOMID=3 down='' xl_state=$1
	eval "$(sed -n '/^dom_down() {/,/^}/p' "$ROOT/tests/vm/xl-dom0-lib.sh")"
	xl() { [ -z "$xl_state" ] || printf 'Name ID Mem VCPUs State Time(s) UUID\namphi 3 128 2 %s 1.0 x\n' "$xl_state"; }
	dom_down
	local rc=$?
	unset -f xl
	return $rc
}

dom_down_cases() {
	expect fail "dom_down: running" dom_down_says '-b----'
	expect fail "dom_down: a cancelled suspend runs on" dom_down_says '---sr-'
	expect pass "dom_down: crashed" dom_down_says '---sc-'
	expect pass "dom_down: shut down" dom_down_says '---s--'
	expect pass "dom_down: gone from xl list" dom_down_says ''
}

answer_cases() {
	expect pass "answer: the echo, then the answer" answer_says 'info\r\nup 1 s\r\namphi> ' info
	expect pass "answer: a kernel message before the echo" \
		answer_says 'net: eth0: link up\r\nballoon fill\r\npattern written\r\namphi> ' 'balloon fill'
	expect fail "answer: no echo of what was typed" answer_says 'net: eth0: link up\r\nup 1 s\r\namphi> ' info
	expect fail "answer: no such command" answer_says 'frob\r\nfrob: no such command\r\namphi> ' frob
	expect fail "answer: the command failed" answer_says 'blk verify\r\nblk: failed: I/O error\r\namphi> ' 'blk verify'
}

make_elf
selftest_cases
report_cases
busybox_cases
date_cases
version_cases
host_cases
tier_cases
answer_cases
dom_down_cases
echo "runner: $passed passed, $failed failed"
[ "$failed" = 0 ]
