#!/usr/bin/env bash
# make test: every tier, in order, each summing up as "TIER: N passed, N
# failed", and a last line with the totals.
#   build  the kernel builds warning-free with gcc and with clang, and
#          its sources are as `make format` (clang-format) leaves them
#   host   unit tests of the pure code (cmocka)
#   fuzz   each fuzz target for a few seconds (FUZZ_SECONDS, 3 by
#          default), so that a crash a change brings turns the run red
#   vm     the same ELF booted natively, on Xen as dom0, and as a domU of a
#          Linux dom0, each running its selftests (tests/vm/run)
#   runner the checks tests/vm/run makes of a log, fed made-up logs
# A tier that ends without its summary line, whatever its exit status,
# counts as one failure: a tier cut short must not pass as an empty one.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

total_pass=0 total_fail=0

tier() { # NAME COMMAND...
	local name=$1 rc line p f out
	shift
	out=$(mktemp)
	echo "=== $name ==="
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$out" | tail -1)
	rm -f "$out"
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	else
		echo "$name: no summary line ('$name: N passed, N failed'): counted as a failure"
		p=0 f=1
	fi
	[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

build_tier() {
	local p=0 f=0
	for cc in gcc clang; do
		if command -v $cc >/dev/null && make -s CC=$cc B=build/$cc-check all; then
			echo "build with $cc: ok"
			p=$((p + 1))
		else
			echo "build with $cc: FAILED"
			f=$((f + 1))
		fi
	done
	if make -s format-check; then
		echo "format: the tree is as make format leaves it"
		p=$((p + 1))
	else
		f=$((f + 1))
	fi
	echo "build: $p passed, $f failed"
	[ $f = 0 ]
}

# Sourced (by tests/vm/check-runner.sh, to test tier()), it defines only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
tier build build_tier
tier host make -s host-test
tier fuzz make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-3}"
tier runner tests/vm/check-runner.sh
tier vm make -s vm-test
echo "total: $total_pass passed, $total_fail failed"
[ $total_fail = 0 ]
