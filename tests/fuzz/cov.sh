#!/bin/sh
# Line coverage of the parsers the fuzz targets exercise.  Each target,
# built with clang's coverage instead of the sanitizers, runs every input of
# its corpus once (the seeds in the tree and what make fuzz has found under
# FUZZ-DIR/corpus).  Then, per kernel source file, llvm-cov counts the
# lines reached by any target built from it (blkif_check.c, say, is shared
# by the ring target and the xenstore-values target): one line with the
# share covered, then the line numbers never reached, for a person to read
# against the source and say why (README, "Fuzzing").
#   tests/fuzz/cov.sh COV-DIR FUZZ-DIR TARGET:SRC[,SRC...]...
dir=$1
fuzzdir=$2
shift 2
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
if [ -z "$profdata" ] || [ -z "$cov" ]; then
	echo "fuzz-cov: llvm-profdata and llvm-cov are missing: run 'make deps' (Debian llvm-14)"
	exit 1
fi
status=0
: >"$dir/sources"
for spec in "$@"; do
	t=${spec%%:*}
	rm -f "$dir/$t.profraw"
	mkdir -p "$fuzzdir/corpus/$t"
	if ! LLVM_PROFILE_FILE=$dir/$t.profraw "$dir/fuzz_$t" -runs=0 "$fuzzdir/corpus/$t" \
		"tests/fuzz/corpus/$t" >"$dir/$t.log" 2>&1; then
		echo "fuzz-cov: $t: the corpus run failed (log $dir/$t.log)"
		status=1
		continue
	fi
	n=$(sed -n 's/.*INITED .* corp: \([0-9]*\).*/\1/p' "$dir/$t.log" | tail -n 1)
	echo "fuzz-cov: $t ran ${n:-?} inputs"
	for src in $(echo "${spec#*:}" | tr ',' ' '); do
		echo "$src $t" >>"$dir/sources"
	done
done

# Prints "N of M lines, P%" and the ranges of lines counted 0 from
# llvm-cov show's "  line|  count|code" (an empty count is not code).
summarize() {
	awk -F'|' -v what="$1" '
		$2 ~ /^ *[0-9.]+[kM]? *$/ {
			total++
			c = $2; gsub(/ /, "", c)
			if (c == "0") miss[++m] = $1 + 0; else hit++
		}
		END {
			if (!total) { printf "fuzz-cov: %s: no lines counted\n", what; exit }
			printf "fuzz-cov: %s: %d of %d lines, %.0f%%\n", what, hit, total, 100 * hit / total
			out = ""
			for (i = 1; i <= m; i++) {
				j = i
				while (j < m && miss[j + 1] == miss[j] + 1) j++
				out = out (out == "" ? "" : " ") ((j > i) ? miss[i] "-" miss[j] : miss[i])
				i = j
			}
			if (out != "") printf "fuzz-cov:   not reached: %s\n", out
		}'
}

for src in $(cut -d' ' -f1 "$dir/sources" | sort -u); do
	targets=$(awk -v s="$src" '$1 == s { print $2 }' "$dir/sources")
	raws="" objs="" names=""
	for t in $targets; do
		[ -f "$dir/$t.profraw" ] || continue
		raws="$raws $dir/$t.profraw"
		objs="$objs${objs:+ -object }$dir/fuzz_$t"
		names="$names${names:+, }$t"
	done
	[ -n "$raws" ] || continue
	# shellcheck disable=SC2086
	"$profdata" merge -o "$dir/merged.profdata" $raws &&
		# shellcheck disable=SC2086
		"$cov" show $objs -instr-profile="$dir/merged.profdata" "$src" 2>/dev/null |
		summarize "$src ($names)"
done
exit $status
