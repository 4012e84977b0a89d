#!/bin/sh
# Runs each fuzz target for a bounded time, one after the other (one
# process each: the machines are shared), and sums them up.
#   tests/fuzz/run.sh BUILD-DIR SECONDS TARGET...
#
# A target starts from its seeds (tests/fuzz/corpus/TARGET, only read) and
# what earlier runs found ($BUILD/corpus/TARGET, where new inputs go).  One
# line per target: executions, libFuzzer's coverage figures (cov: edges
# reached, ft: features, its finer measure) and crashes.  A target fails
# when the fuzzer found a crash, a leak, a timeout or memory blow-up (the
# input is kept under $BUILD/artifacts/TARGET/ and the report printed), or
# when it ended without its final statistics, so a fuzzer that died some
# other way cannot pass.  The last line is "fuzz: N passed, N failed".

dir=$1
secs=$2
shift 2
passed=0
failed=0
for t in "$@"; do
	bin=$dir/fuzz_$t
	work=$dir/corpus/$t
	art=$dir/artifacts/$t
	log=$dir/$t.log
	mkdir -p "$work" "$art"
	stamp=$dir/.start-$t
	: >"$stamp"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)$/\1/p' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) .*/\1 \2/p' "$log" | tail -n 1)
	kept=$(find "$art" -type f -newer "$stamp")
	crashes=$(printf '%s' "$kept" | grep -c .)
	rm -f "$stamp"
	line="fuzz: $t: ${execs:-?} executions in ${secs} s, cov ${cov% *} ft ${cov#* }, $crashes crashes"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$execs" ] || [ -z "$cov" ]; then
		grep -v -e '^#[0-9]' -e '^INFO:' "$log" | tail -n 40
		[ -z "$kept" ] || printf '%s\n' "$kept" | sed 's/^/fuzz: input kept in /'
		echo "$line: FAILED (exit status $rc, log $log)"
		failed=$((failed + 1))
	else
		echo "$line"
		passed=$((passed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
