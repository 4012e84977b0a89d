#!/bin/sh
# Runs the host test binaries and sums up their cmocka results.
#
# A test case counts as passed when cmocka printed "[       OK ]" for it, as
# skipped when it printed "[  SKIPPED ]" (and the skip is shown); every
# other case the binary announced ("Running N test(s)") counts as failed, so
# a binary that crashes half-way cannot make its unreached cases vanish.  A
# binary that exits non-zero although all its cases passed (a leak found by
# the sanitizer at exit, say) counts as one more failure, and so does one
# that never said how many cases it ran or never printed cmocka's closing
# "[==========] N test(s) run." line: a binary that dies or exits early
# with status 0 must not pass.  The last line is always the summary, and
# the exit status is non-zero on any failure.

passed=0
failed=0
skipped=0
for bin in "$@"; do
	name=${bin##*/}
	log=$bin.log
	CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$log" 2>&1
	rc=$?
	total=$(sed -n 's/^\[==========\] Running \([0-9]*\) test(s)\.$/\1/p' "$log" | head -n 1)
	ok=$(grep -c '^\[       OK \]' "$log")
	skip=$(grep -c '^\[  SKIPPED \]' "$log")
	ran=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\.$/\1/p' "$log" | tail -n 1)
	total=${total:-0}
	bad=$((total - ok - skip))
	if [ "$bad" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$total" = 0 ] || [ "$ran" != "$total" ]; }; then
		bad=1
	fi
	if [ "$bad" -ne 0 ]; then
		cat "$log"
		echo "host: $name: $ok passed, $bad failed (exit status $rc)"
	else
		if [ "$skip" -gt 0 ]; then echo "host: $name: $ok passed, $skip skipped"; else echo "host: $name: $ok passed"; fi
	fi
	[ "$skip" -eq 0 ] || grep -B1 '^\[  SKIPPED \]' "$log"
	skipped=$((skipped + skip))
	passed=$((passed + ok))
	failed=$((failed + bad))
done
echo "host: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
