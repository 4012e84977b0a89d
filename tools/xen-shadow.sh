#!/usr/bin/env bash
# Builds the installed Debian Xen hypervisor again, with shadow paging, and
# writes it to OUT as a plain ELF for QEMU's multiboot loader.
#
#   tools/xen-shadow.sh OUT          (tests/vm/run passes build/xen-shadow/xen.elf)
#
# Why: live migration (and xl save -c's log-dirty pass) of a PV guest needs
# Xen's shadow pager, which Debian leaves out (# CONFIG_SHADOW_PAGING is not
# set in /boot/xen-4.17-amd64.config), so `xl migrate` of a PV guest fails
# there with "Failed to enable logdirty: 95".  Only the scenario testing PV
# migration boots this build; every other one boots Debian's own binary.
#
# What is built is exactly the installed package's source: the version comes
# from dpkg, and the source package is fetched the way tools/lwip-fetch.sh
# fetches lwIP (a private sources list of deb-src lines signed by the
# archive keyring, `apt-get source` checking every file against the signed
# index, `dpkg-source -x` applying Debian's patches).  The hypervisor alone
# is built (make -C xen, not the tools), with Debian's config plus
# CONFIG_SHADOW_PAGING=y.  Everything stays under OUT's directory, outside
# the project's tree; OUT.stamp keys the result by the package version and
# the config, so it is rebuilt only when the package changes.
#
# A mirror may carry the security suite's binaries but not its sources
# (this project's build machines: the installed 4.17.7 is a security
# update, whose source returns 404): then the newest source of the same
# series the mirror has is built instead, with a warning; its version
# string says which, and OUT.for remembers it stands in for the installed
# version, so later runs ask the mirror no more.  XEN_SHADOW_VERSION=V
# asks for source version V.
#
# Exits 2, saying why, when it cannot build (no network, missing packages
# as non-root, a failed build): a scenario that needs it fails on that.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG=xen-hypervisor-4.17-amd64
CONFIG=${XEN_CONFIG:-/boot/xen-4.17-amd64.config}
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() {
	echo "xen-shadow: $*" >&2
	exit 2
}
note() { echo "  XEN     $*"; }

# "SOURCE VERSION" of the installed hypervisor package.
installed_source() {
	dpkg-query -W -f='${source:Package} ${source:Version}' "$PKG" 2>/dev/null ||
		die "$PKG is not installed (tools/deps.sh all)"
}

stamp_of() { # VERSION
	echo "$1 $(sha256sum <"$CONFIG" | cut -d' ' -f1) shadow"
}

apt_opts() { # WORK
	local w=$1
	echo "-o Dir::Etc::SourceList=$w/sources.list -o Dir::Etc::SourceParts=/nonexistent" \
		"-o Dir::State::Lists=$w/lists -o Dir::Cache=$w/cache" \
		"-o Dir::Etc::Preferences=/nonexistent -o Dir::Etc::PreferencesParts=/nonexistent" \
		"-o APT::Sandbox::User=$(id -un) -o Debug::NoLocking=1" \
		"-o Acquire::Retries=1 -o Acquire::http::Timeout=30"
}

# Downloads the source package SRC=VERSION into WORK/src (checked against
# the signed Sources index) and unpacks it in TREE.
fetch_source() { # WORK SRC VERSION TREE
	local work=$1 src=$2 ver=$3 tree=$4 opts
	mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
	{
		echo "deb-src [signed-by=$KEYRING] $MIRROR $SUITE main"
		echo "deb-src [signed-by=$KEYRING] $MIRROR $SUITE-updates main"
		echo "deb-src [signed-by=$KEYRING] $SECURITY $SUITE-security main"
	} >"$work/sources.list"
	opts=$(apt_opts "$work")
	note "FETCH   $src $ver (Debian source package)"
	# apt-get update exits 0 even when it could fetch nothing.
	# shellcheck disable=SC2086
	if ! apt-get $opts -q update >"$work/update.log" 2>&1 ||
		grep -qE '^(E: |W: (Failed to fetch|Some index files failed))' "$work/update.log"; then
		sed -n 's/^[WE]: /  /p' "$work/update.log" >&2
		die "could not fetch Debian's source indexes (offline?); log: $work/update.log"
	fi
	rm -rf "$work/src"
	mkdir -p "$work/src"
	# shellcheck disable=SC2086
	(cd "$work/src" && apt-get $opts -q source --download-only "$src=$ver") >"$work/source.log" 2>&1 ||
		return 3
	local dsc=$work/src/${src}_${ver#*:}.dsc
	[ -r "$dsc" ] || die "$dsc was not downloaded"
	rm -rf "$tree"
	dpkg-source -x "$dsc" "$tree" >"$work/extract.log" 2>&1 ||
		{
			tail -5 "$work/extract.log" >&2
			die "dpkg-source -x $dsc failed"
		}
	[ -f "$tree/xen/Makefile" ] || die "the unpacked source lacks xen/Makefile"
}

# The newest version of SRC in VERSION's upstream series (4.17) that the
# indexes fetched into WORK list, VERSION itself left out, or nothing.
newest_in_series() { # WORK SRC VERSION
	local work=$1 src=$2 series opts
	series=$(echo "$3" | cut -d. -f1-2)
	opts=$(apt_opts "$work")
	# shellcheck disable=SC2086
	apt-cache $opts showsrc "$src" 2>/dev/null | sed -n 's/^Version: //p' | grep "^$series\." |
		grep -vxF "$3" | sort -V | tail -n 1
}

# Debian's config plus the shadow pager; olddefconfig fills in what it
# implies.  The result must really have it: a config that dropped it
# would build a Xen as useless here as Debian's.
configure() { # TREE
	local tree=$1
	cp "$CONFIG" "$tree/xen/.config"
	sed -i '/CONFIG_SHADOW_PAGING/d' "$tree/xen/.config"
	echo CONFIG_SHADOW_PAGING=y >>"$tree/xen/.config"
	make -s -C "$tree/xen" olddefconfig >"$tree/../config.log" 2>&1 ||
		{
			tail -5 "$tree/../config.log" >&2
			die "make -C xen olddefconfig failed"
		}
	grep -qx CONFIG_SHADOW_PAGING=y "$tree/xen/.config" ||
		die "olddefconfig dropped CONFIG_SHADOW_PAGING"
}

# xen/xen is what Debian gzips into xen.gz: a 32-bit ELF with the
# multiboot header, which QEMU's -kernel loads (xen-syms is not it).
build() { # TREE LOG
	local tree=$1 log=$2 t0=$SECONDS
	note "BUILD   hypervisor with CONFIG_SHADOW_PAGING=y ($(nproc) jobs; log: $log)"
	make -C "$tree/xen" -j"$(nproc)" XEN_VENDORVERSION=-shadow >"$log" 2>&1 ||
		{
			tail -15 "$log" >&2
			die "building the hypervisor failed; log: $log"
		}
	[ -s "$tree/xen/xen" ] || die "the build wrote no xen/xen"
	note "BUILD   done in $((SECONDS - t0)) s"
}

main() {
	[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
	local out=$1 src ver want dir
	[ -r "$CONFIG" ] || die "$CONFIG not found: install $PKG"
	read -r src ver <<<"$(installed_source)"
	if [ -n "${XEN_SHADOW_VERSION:-}" ] && [ "$XEN_SHADOW_VERSION" != "$ver" ]; then
		echo "xen-shadow: warning: building $src $XEN_SHADOW_VERSION (XEN_SHADOW_VERSION), not the installed $ver" >&2
		ver=$XEN_SHADOW_VERSION
	fi
	want=$(stamp_of "$ver")
	# OUT.for names the installed version a fallback build stands in
	# for, so that a mirror without its source is asked only once.
	if [ -s "$out" ] && { [ "$(cat "$out.stamp" 2>/dev/null)" = "$want" ] ||
		[ "$(cat "$out.for" 2>/dev/null)" = "$want" ]; }; then
		return 0
	fi
	local wanted=$want
	"$ROOT/tools/deps.sh" xen-shadow >&2 || die "cannot install the hypervisor's build dependencies"
	[ -r "$KEYRING" ] || die "$KEYRING missing: install debian-archive-keyring"
	mkdir -p "$(dirname "$out")"
	dir=$(cd "$(dirname "$out")" && pwd)
	local t0=$SECONDS rc=0 other
	fetch_source "$dir/apt" "$src" "$ver" "$dir/tree" || rc=$?
	if [ "$rc" = 3 ]; then
		# A mirror may carry the security suite's binaries and not its
		# sources: the newest source of the same series is built then,
		# and said; the toolstack stays the installed one.
		other=$(newest_in_series "$dir/apt" "$src" "$ver")
		[ -n "$other" ] && [ "$other" != "$ver" ] ||
			die "could not download $src $ver nor another of its series (log: $dir/apt/source.log)"
		echo "xen-shadow: warning: the installed $src $ver has no source on this mirror: building $other, the newest of its series here" >&2
		ver=$other
		want=$(stamp_of "$ver")
		if [ -s "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$want" ]; then
			echo "$wanted" >"$out.for"
			return 0
		fi
		fetch_source "$dir/apt" "$src" "$ver" "$dir/tree" ||
			die "could not download $src $ver either; log: $dir/apt/source.log"
	elif [ "$rc" != 0 ]; then
		exit "$rc"
	fi
	note "FETCH   done in $((SECONDS - t0)) s"
	configure "$dir/tree"
	build "$dir/tree" "$dir/build.log"
	cp "$dir/tree/xen/xen" "$out.tmp"
	chmod 0644 "$out.tmp"
	mv -f "$out.tmp" "$out"
	echo "$want" >"$out.stamp"
	if [ "$want" != "$wanted" ]; then echo "$wanted" >"$out.for"; else rm -f "$out.for"; fi
	note "$out: Xen $ver with shadow paging"
}

main "$@"
