#!/usr/bin/env bash
# Runs tests/busybox/script.sh with the host's /bin/busybox (Debian's
# busybox-static, the binary the test initramfs carries) as the kernel's
# busybox_script selftest runs it on Amphi: the same command line from a
# directory of its own (here a temporary one, there /bbtest), environment
# PATH=/bin only, stdin /dev/null, stdout and stderr to one file, and the
# exit status as a last line.  Writes that to OUT.
#   host-run.sh SCRIPT OUT
set -euo pipefail
script=$1 out=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$script" "$dir/script.sh"
command=$(cat "$(dirname "$0")/command")
rc=0
(cd "$dir" && env -i PATH=/bin /bin/busybox sh -c "$command") || rc=$?
{ cat "$dir/output"; echo "exit status: $rc"; } >"$out.tmp"
mv "$out.tmp" "$out"
