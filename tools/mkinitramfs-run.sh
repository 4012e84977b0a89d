#!/usr/bin/env bash
# Builds the initramfs of `make run`, a newc cpio: Debian's busybox-static
# (the same /bin/busybox the test initramfs takes), a symlink for each of
# its applets where `busybox --list-full` puts it, and /init, a script
# that runs busybox's interactive sh on the console as its child and ends
# with its status (the kernel runs /init as PID 1: kernel/init.c).  Usage: mkinitramfs-run.sh OUT.cpio
set -euo pipefail
out=$1
busybox=/bin/busybox
for tool in cpio; do
	command -v $tool >/dev/null || { echo "mkinitramfs-run: $tool missing: run 'make deps'" >&2; exit 2; }
done
[ -x $busybox ] || { echo "mkinitramfs-run: $busybox missing (busybox-static): run 'make deps'" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" "$stage/tmp" "$stage/root"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ "$applet" = bin/busybox ] || [ -e "$stage/$applet" ] && continue
	rel=$(dirname "$applet" | sed 's|[^/]*|..|g')
	ln -s "$rel/bin/busybox" "$stage/$applet"
done
cat >"$stage/init" <<'INIT'
#!/bin/sh
# PID 1 of make run: busybox's interactive shell on the console, as its child.
export HOME=/root PATH=/sbin:/usr/sbin:/bin:/usr/bin
cd /root
echo "Amphi: busybox sh ('exit' powers off; boot with 'shell' for the built-in shell)"
# A child, not exec'd: the jobs of a shell that is PID 1 are in orphaned
# groups, as on Linux, and ^Z would not stop them.
/bin/sh -l
INIT
chmod 0755 "$stage/init" "$stage/bin/busybox"
chmod 1777 "$stage/tmp"
find "$stage" -exec touch -h -d @1700000000 {} +
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 --renumber-inodes --ignore-devno) >"$out.tmp"
mv "$out.tmp" "$out"
