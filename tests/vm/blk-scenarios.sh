# shellcheck shell=bash
# Block frontend scenarios for tests/vm/run, which sources this file: an
# Amphi domU gets disks that dom0 made (loop devices on image files),
# against Linux's blkback: two writable and a read-only one.  dom0 fills the first MiB of each with the
# pattern of blkdev_pattern_fill() (seed 0x00d0d0d0); the guest's
# selftests read it, write their own seed (0x0a3f1e5d) over 512 KiB at
# 2 MiB on xvda (and on the hot-plugged xvdd), and see writes to the
# read-only xvdc refused; blkfront_smp writes and reads 4..8 MiB of xvda
# from threads on both vCPUs, a region dom0 does not check.  When the guest says it waits for a resize, dom0
# grows xvda's image to 32 MiB online.  When it says it waits for a
# rebind, dom0 unbinds blkback from xvda and binds it again (a backend
# driver reload) and the guest must keep using xvda.  When it says it waits for a disk,
# dom0 attaches a third one, writable, to the running guest with
# `xl block-attach` (three disks at `xl create` time hit the hotplug
# timeout below); the guest reads and writes it, reconnects it from its
# side, and
# once it says so dom0 runs `xl block-detach` and checks that
# `xl block-list` and the guest's xenstore directory no longer show it.
# The guest must also report the features it negotiated with blkback
# (two queues, four-page rings, indirect requests, persistent grants).
# Once the domain has shut down, a checker left running in dom0 compares
# the images with what the guest should have written, and that xvdc's
# image did not change, and prints
# "blk-check:" lines this scenario requires.  The guest's word alone is
# not enough: a frontend that only read back its own cache would pass.
#
# Uses from tests/vm/run: ROOT, ELF, why, and tests/vm/checks.sh's checks.

BLK_TESTS=blkfront_names,blkfront_offers,blkfront_rw,blkfront_ro,blkfront_resize,blkfront_rebind,blkfront_hotplug,blkfront_fresh_zero,blkfront_smp
# What Linux 6.1's blkback offers, capped by blkfront's own limits.
BLK_FEATURES='queues 2, ring pages 4, indirect 32 segments, persistent grants'
# phy: on loop devices dom0 sets up itself, and only two disks: on a
# loaded emulated host the block hotplug scripts, which run one after
# another, hit libxl's hotplug timeout with three (file: or phy:).
BLK_DISKS="disk = [ 'phy:/dev/loop4,xvda,w', 'phy:/dev/loop6,xvdc,r' ]"

# The dom0 side (busybox sh, cwd /guest): images, then the checker.
blk_dom0_script() {
	cat <<'EOF_SETUP'
#!/bin/sh
. /guest/params
DOM0_SEED=13684944   # 0x00d0d0d0
GUEST_SEED=171908701 # 0x0a3f1e5d
# 512-byte units FIRST.. of the pattern, COUNT of them, on stdout.
pattern() { # SEED FIRST COUNT
	awk -v seed="$1" -v first="$2" -v n="$3" 'BEGIN {
		for (u = first; u < first + n; u++)
			for (k = 0; k < 16; k++)
				printf "amphi %08x %014x %x\n", seed, u, k
	}'
}
pattern $DOM0_SEED 0 2048 >dom0.bin
pattern $GUEST_SEED 4096 1024 >guest.bin
[ "$(wc -c <dom0.bin)" = 1048576 ] || { echo "blk-setup: awk made a bad pattern"; exit 1; }
for img in a ro hot; do
	dd if=/dev/zero of=$img.img bs=1M count=16 2>/dev/null || exit 1
	dd if=dom0.bin of=$img.img conv=notrunc 2>/dev/null || exit 1
done
md5sum ro.img >ro.md5
losetup /dev/loop4 a.img && losetup -r /dev/loop6 ro.img && losetup /dev/loop5 hot.img || {
	echo "blk-setup: cannot set up /dev/loop4, /dev/loop5 and /dev/loop6"
	exit 1
}
echo "blk-setup: three 16 MiB images ready"

state() { xl list -v "$NAME" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
check() {
	for img in a hot; do
		if dd if=$img.img bs=512 skip=4096 count=1024 2>/dev/null | cmp -s - guest.bin; then
			echo "blk-check: $img.img holds the guest's pattern"
		else
			echo "blk-check: FAIL: $img.img lacks the guest's pattern"
		fi
		dd if=$img.img bs=512 count=2048 2>/dev/null | cmp -s - dom0.bin ||
			echo "blk-check: FAIL: $img.img lost dom0's pattern"
	done
	if md5sum -c ro.md5 >/dev/null 2>&1; then
		echo "blk-check: ro.img unchanged"
	else
		echo "blk-check: FAIL: ro.img was written"
	fi
}
# Waits (bounded) for the guest's first console output, then for the
# domain to shut down or vanish.  Until then it only tests a file: an "xl"
# run every few tenths of a second starves the block hotplug scripts that
# "xl create" waits for on this emulated machine.
watch() {
	n=0
	while [ ! -s /var/log/xen/console/guest-$NAME.log ]; do
		n=$((n + 1)); [ $n -lt 300 ] || { echo "blk-check: FAIL: the guest never spoke"; return; }
		sleep 1
	done
	# No "xl list" while the disk is hot-plugged: under load its runs
	# starve the hotplug script into libxl's timeout.
	n=0
	while [ ! -e hotplug.done ] && [ $n -lt 300 ]; do
		n=$((n + 1))
		sleep 1
	done
	n=0
	while :; do
		case $(state) in
		"" | *s* | *c*) break ;;
		esac
		n=$((n + 1)); [ $n -lt 300 ] || { echo "blk-check: FAIL: domain never ended"; return; }
		sleep 1
	done
	check
}
# Grows a.img once the resize selftest asks, as an administrator would:
# a bigger file, then the loop device told to reread its size.
grow() {
	n=0
	until grep -q 'blkfront_resize: waiting' /var/log/xen/console/guest-$NAME.log 2>/dev/null; do
		n=$((n + 1)); [ $n -lt 300 ] || return
		sleep 1
	done
	dd if=/dev/zero of=a.img bs=1M count=0 seek=32 2>/dev/null
	if losetup -c /dev/loop4; then
		echo "blk-resize: a.img grown to 32 MiB"
	else
		echo "blk-resize: FAIL: cannot grow a.img (losetup -c /dev/loop4)"
	fi
}
# Waits (bounded) for the guest to print TEXT; until the guest has
# spoken it only tests a file, as watch() does.
guest_says() {
	n=0
	until [ -s /var/log/xen/console/guest-$NAME.log ] &&
		grep -q "$1" /var/log/xen/console/guest-$NAME.log; do
		n=$((n + 1)); [ $n -lt 300 ] || return 1
		sleep 1
	done
}
# Unbinds blkback from xvda and binds it again once the rebind selftest
# asks, as a backend driver reload would, and tells the guest once the new
# instance has connected: blkback logs each connection, and the state it
# kept over the unbind says Connected before the new one has.  xvda is
# 202:0, virtual device 51712.
blkback_connections() { dmesg | grep -c "backend/vbd/$1/51712: using"; }
rebind() {
	local dom be dev drv=/sys/bus/xen-backend/drivers/vbd n before
	guest_says 'blkfront_rebind: waiting' ||
		{ echo "blk-rebind: FAIL: the guest never asked for a rebind"; return; }
	dom=$(xl domid "$NAME")
	dev=vbd-$dom-51712
	be=/local/domain/0/backend/vbd/$dom/51712/state
	before=$(blkback_connections "$dom")
	echo "$dev" >$drv/unbind && echo "$dev" >$drv/bind ||
		{ echo "blk-rebind: FAIL: cannot unbind and bind $dev"; return; }
	n=0 # guest_says counted in it too
	until [ "$(blkback_connections "$dom")" -gt "$before" ] &&
		[ "$(xenstore-read $be 2>/dev/null)" = 4 ]; do
		n=$((n + 1))
		[ $n -lt 60 ] || { echo "blk-rebind: FAIL: no new blkback connection for $dev 60 s after the bind (state '$(xenstore-read $be 2>&1)')"; return; }
		sleep 1
	done
	xenstore-write "/local/domain/$dom/data/blk-rebind" rebound
	echo "blk-rebind: $dev unbound from blkback and bound again, connected again within $((n + 1)) s"
}
# xvdd is 202:48, virtual device 51760.
listed() { xl block-list "$NAME" 2>/dev/null | awk '$1 == 51760 { f = 1 } END { exit !f }'; }
# Attaches xvdd, once more after cleaning up if libxl's hotplug timeout
# cut the first try short (it does on a loaded emulated host).  The guest
# goes on only when data/blk-hotplug says the attach succeeded, so it
# never checks a disk that is about to be torn down again.
attach() {
	for try in 1 2; do
		timeout 60 xl block-attach "$NAME" 'phy:/dev/loop5,xvdd,w' && return 0
		echo "blk-hotplug: xl block-attach failed (try $try)"
		timeout 60 xl block-detach "$NAME" xvdd 2>/dev/null
		sleep 2
	done
	return 1
}
hotplug() {
	guest_says 'blkfront_hotplug: waiting for dom0 to attach' ||
		{ echo "blk-hotplug: FAIL: the guest never asked for a disk"; return; }
	attach || { echo "blk-hotplug: FAIL: xl block-attach failed twice"; return; }
	xenstore-write "/local/domain/$(xl domid "$NAME")/data/blk-hotplug" attached
	echo "blk-hotplug: xvdd attached"
	guest_says 'blkfront_hotplug: xvdd reconnected' ||
		{ echo "blk-hotplug: FAIL: the guest never reconnected xvdd"; return; }
	listed || echo "blk-hotplug: FAIL: xl block-list does not show the attached xvdd"
	if timeout 60 xl block-detach "$NAME" xvdd; then
		echo "blk-hotplug: xvdd detached"
	else
		echo "blk-hotplug: FAIL: xl block-detach failed"; return
	fi
	if listed; then
		echo "blk-hotplug: FAIL: xl block-list still shows xvdd"
	else
		echo "blk-hotplug: xl block-list no longer shows xvdd"
	fi
	dir=/local/domain/$(xl domid "$NAME")/device/vbd/51760
	if xenstore-exists "$dir" 2>/dev/null; then
		echo "blk-hotplug: FAIL: $dir is still in xenstore"
	else
		echo "blk-hotplug: xvdd's xenstore nodes are gone"
	fi
}
watch </dev/null &
grow </dev/null &
rebind </dev/null &
(hotplug; touch hotplug.done) </dev/null &
EOF_SETUP
}

blk_domu() { # LOG TYPE PLATFORM
	local log=$1 type=$2 plat=$3 rc setup retried=""
	setup=$(mktemp)
	blk_dom0_script >"$setup"
	# libxl gives the block hotplug script a fixed time, which a loaded
	# emulated host can exceed before Amphi even starts: that failure of
	# "xl create", and only it, is retried once, and the summary says so.
	for try in 1 2; do
		"$ROOT/tests/vm/xl-domu.sh" --kernel "$ELF" --type "$type" \
			--cmdline "selftest=$BLK_TESTS" --memory 128 --vcpus 2 --timeout 300 --out "$log" \
			--xl "$BLK_DISKS" --dom0-setup "$setup" 2>"$log.err"
		rc=$?
		if [ $rc = 0 ] || [ $try = 2 ] ||
			! grep -q 'xl create failed.*block add because of timeout' "$log.err"; then
			break
		fi
		retried=" (xl create retried: libxl's hotplug timeout)"
	done
	rm -f "$setup"
	[ $rc = 0 ] || { why="$(tail -1 "$log.err")$retried"; return $rc; }
	check_selftests "$log" "$plat" "list:$BLK_TESTS" || return 1
	check_domu_poweroff "$log.serial" || return 1
	local t
	for t in ${BLK_TESTS//,/ }; do
		log_has "$log" "^Test result: SUCCESS $t" || { why="$t did not succeed"; return 1; }
	done
	if log_has "$log.serial" '^blk-(check|hotplug|rebind): FAIL'; then
		why=$(tr -d '\r' <"$log.serial" | grep -aE '^blk-(check|hotplug|rebind): FAIL' | head -2 | tr '\n' ';')
		return 1
	fi
	for t in "check: a.img holds" "check: hot.img holds" "check: ro.img unchanged" "rebind: vbd-" "hotplug: xvdd attached" \
		"hotplug: xvdd detached" "hotplug: xl block-list no longer shows xvdd" \
		"hotplug: xvdd's xenstore nodes are gone"; do
		log_has "$log.serial" "^blk-$t" || { why="dom0 did not report '$t'"; return 1; }
	done
	for t in xvda xvdc; do
		log_has "$log" "^blkfront: $t: $BLK_FEATURES\$" ||
			{ why="$t did not report '$BLK_FEATURES'"; return 1; }
	done
	summary+=", dom0 found the guest's writes on xvda and the hot-plugged xvdd, xvdd removed, blkback rebound under xvda"
	! log_has "$log.serial" '^blk-hotplug: xl block-attach failed \(try 1\)' ||
		summary+=" (attach retried: libxl's hotplug timeout)"
	summary+="; $BLK_FEATURES$retried"
}

sc_xen_pv_blk() { blk_domu "$1" pv xen-pv; }
sc_xen_pvh_blk() { blk_domu "$1" pvh xen-pvh; }
