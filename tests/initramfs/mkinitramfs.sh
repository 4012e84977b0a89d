#!/usr/bin/env bash
# Builds the test initramfs, a newc cpio, from the tree tests/initramfs/
# and Debian's busybox-static.  Usage: mkinitramfs.sh OUT.cpio [PROCS [LMBENCH]]
#
# What the kernel's initramfs selftest (fs/initramfs_selftest.c) checks:
#   testdir/            mode 0750
#   testdir/hello.txt   the file in this tree
#   testdir/hello-link  a second (hard) name of hello.txt, made here: git
#                       keeps no hard links
#   testdir/hello-sym   a symlink to hello.txt
#   testdir/empty       an empty file
#   testdir/poweroff.sh busybox poweroff -f, as init= for native_init
#   bin/busybox         Debian's /bin/busybox (busybox-static), unmodified
#   bin/sh, bin/ls,
#   bin/cat             applet symlinks to busybox, as busybox installs them
#   testdir/busybox.sha256  the digest of bin/busybox, for the kernel to
#                       compare with its own
# and, when PROCS (tests/user/procs.c built) is given, what the process
# selftests (kernel/proc_selftest.c) execve:
#   bin/procs           that program
#   testdir/procs.sh    "#!/bin/procs script-check", mode 0755
#   testdir/not-elf     mode 0755, neither ELF nor "#!": -ENOEXEC
# and when LMBENCH (tests/user/lmbench.c built) is given, make bench's
# program, which the exec scenario runs once with tiny counts:
#   bin/lmbench
# and for the busybox script comparison (kernel/busybox_script_selftest.c):
#   bbtest/script.sh    tests/busybox/script.sh
#   bbtest/command      the sh -c command that runs it (tests/busybox/command)
#   bbtest/expected     what that command printed here, run by this same
#                       busybox on the host (tests/busybox/host-run.sh),
#                       with its exit status as a last line
# The entries are sorted, with fixed times and owners, so that one tree
# makes the same archive every time.
set -euo pipefail
out=$1
procs=${2:-}
lmbench=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=/bin/busybox
for tool in cpio sha256sum; do
	command -v $tool >/dev/null || { echo "mkinitramfs: $tool missing: run 'make deps'" >&2; exit 2; }
done
[ -x $busybox ] || { echo "mkinitramfs: $busybox missing (busybox-static): run 'make deps'" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/testdir"
cp "$here/testdir/hello.txt" "$stage/testdir/hello.txt"
ln "$stage/testdir/hello.txt" "$stage/testdir/hello-link"
ln -s hello.txt "$stage/testdir/hello-sym"
: >"$stage/testdir/empty"
cp "$busybox" "$stage/bin/busybox"
for applet in sh ls cat; do ln -s busybox "$stage/bin/$applet"; done
# init=/testdir/poweroff.sh (tests/vm/run's native_init): busybox's
# poweroff -f, which syncs and calls reboot(2), as PID 1's child.
cat >"$stage/testdir/poweroff.sh" <<'SCRIPT'
#!/bin/sh
echo "poweroff.sh: busybox poweroff -f"
busybox poweroff -f
echo "poweroff.sh: poweroff -f returned $?"
SCRIPT
chmod 0755 "$stage/testdir/poweroff.sh"
if [ -n "$procs" ]; then
	cp "$procs" "$stage/bin/procs"
	printf '#!/bin/procs script-check\n' >"$stage/testdir/procs.sh"
	printf 'just text, no program\n' >"$stage/testdir/not-elf"
	chmod 0755 "$stage/bin/procs" "$stage/testdir/procs.sh" "$stage/testdir/not-elf"
fi
if [ -n "$lmbench" ]; then
	cp "$lmbench" "$stage/bin/lmbench"
	chmod 0755 "$stage/bin/lmbench"
fi
mkdir "$stage/bbtest"
cp "$here/../busybox/script.sh" "$here/../busybox/command" "$stage/bbtest/"
"$here/../busybox/host-run.sh" "$here/../busybox/script.sh" "$stage/bbtest/expected"
cp "$stage/bbtest/expected" "${out%.cpio}.busybox-expected" # for the runner's diff
chmod 0644 "$stage/bbtest/script.sh" "$stage/bbtest/command" "$stage/bbtest/expected"
sha256sum <"$busybox" | cut -d' ' -f1 >"$stage/testdir/busybox.sha256"
chmod 0750 "$stage/testdir"
chmod 0644 "$stage/testdir/hello.txt" "$stage/testdir/empty" "$stage/testdir/busybox.sha256"
chmod 0755 "$stage/bin" "$stage/bin/busybox" "$stage/bbtest" "$stage"
find "$stage" -exec touch -h -d @1700000000 {} +
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 --renumber-inodes --ignore-devno) >"$out.tmp"
mv "$out.tmp" "$out"
