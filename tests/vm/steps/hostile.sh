# shellcheck shell=dash disable=SC2034
# Nonsense in the backends' xenstore keys of a running Amphi, as a
# hostile or broken dom0 could write it; run by tests/vm/xl-steps.sh after
# xl-dom0-lib.sh's functions.  The guest has a disk (xvda, a loop device
# on an image in dom0) and a vif on dom0's bridge.  Linux's backends only
# write their keys when they connect, so to make the guest read nonsense
# the steps take the backend driver away (unbinding blkback or netback
# from the device, as tests/vm/blk-scenarios.sh does: its xenstore nodes
# stay) and play the backend's part by hand, state by state:
#   create:   xl creates the domain and waits for the shell's prompt;
#   state:    the vbd's and the vif's backend state nodes are written "banana"
#             and "99": the guest must say, once for each device, that it
#             is no state, and ignore it;
#   vbd:      blkback unbound; max-ring-page-order 99, multi-queue-max-queues
#             "banana", sectors "banana", sector-size 513, feature-persistent
#             7, feature-max-indirect-segments 2^32; then the backend goes
#             Closing, Closed, InitWait (the guest must refuse the order and
#             the queue count and offer one page, one queue) and Connected
#             (it must refuse the geometry and not make a disk); with sectors
#             and sector-size good again, Connected once more: it must refuse
#             the two features and make xvda with what it could keep (one
#             page, one queue, 11 segments, per-request grants);
#   vif:      netback unbound; feature-rx-copy "banana", feature-sg 7,
#             feature-split-event-channels "banana", multi-queue-max-queues
#             99999999999, feature-no-csum-offload 2; Closing, Closed,
#             InitWait: the guest must refuse to connect without rx-copy;
#             with feature-rx-copy 1, Closed and InitWait again: it must
#             refuse the rest and connect with one queue, shared event
#             channels, no scatter-gather;
#   mac:      a vif that the toolstack part of dom0 never made, written into
#             the guest's device/ directory by hand with the MAC "nonsense",
#             then one with a good MAC and the MTU 99999: the guest must
#             refuse the first device and the second one's MTU, and take the
#             devices away when their nodes go;
#   alive:    the shell still answers, and lists eth0 and xvda;
#   restore:  every value written back, blkback and netback bound again
#             (they take the connection the guest offered), then
#             xl block-detach/attach and network-detach/attach, so that the
#             disk and the vif are negotiated afresh: a pattern is written
#             to xvda and read back whole, and dom0 and the guest ping each
#             other;
#   shutdown: xl shutdown -w, a clean power off.
STEPS='create state vbd vif mac alive restore shutdown'
GUEST=169.254.0.2
DOM0=169.254.0.1
VDEV=51712 # xvda
BLK_SECTORS=2048
BLK_SEED=271828
VBD_KEYS='max-ring-page-order multi-queue-max-queues sectors sector-size feature-persistent feature-max-indirect-segments'
VIF_KEYS='feature-rx-copy feature-sg feature-split-event-channels multi-queue-max-queues feature-no-csum-offload'

disk_setup() {
	dd if=/dev/zero of=/guest/hostile-disk.img bs=1M count=16 2>/dev/null &&
		losetup /dev/loop4 /guest/hostile-disk.img
}

# The backend directories of the guest's devices (after create).
be_dirs() {
	VBD_BE=/local/domain/0/backend/vbd/$DOMID/$VDEV
	VIF_BE=/local/domain/0/backend/vif/$DOMID/0
	VBD_FE=/local/domain/$DOMID/device/vbd/$VDEV
	VIF_FE=/local/domain/$DOMID/device/vif/0
}

# Keeps KEYS of DIR in /tmp/saved.NAME, one "key value" a line.
save_keys() { # NAME DIR KEYS
	local k
	: >"/tmp/saved.$1"
	for k in $3; do
		echo "$k $(xenstore-read "$2/$k" 2>/dev/null || echo '-')" >>"/tmp/saved.$1"
	done
}

restore_keys() { # NAME DIR
	local k v
	while read -r k v; do
		if [ "$v" = - ]; then xenstore-rm "$2/$k" 2>/dev/null; else xenstore-write "$2/$k" "$v"; fi
	done <"/tmp/saved.$1"
}

# Writes VALUE into NODE; the guest must then say every TEXT within 10 s.
says() { # OFFSET TEXT...
	local off=$1 t
	shift
	for t in "$@"; do
		poll 10 has_text "$off" "$t" || { why="the guest did not say '$t' within 10 s"; return 1; }
	done
}

write_says() { # NODE VALUE TEXT...
	local off node=$1 value=$2
	shift 2
	off=$(log_size)
	xenstore-write "$node" "$value" || { why="xenstore-write $node failed"; return 1; }
	says "$off" "$@" || { why="after $node = '$value': $why"; return 1; }
}

fe_state_is() { [ "$(xenstore-read "$1/state" 2>/dev/null)" = "$2" ]; }

fe_state() { # FRONTEND-DIR STATE
	poll 10 fe_state_is "$1" "$2" ||
		{ why="the frontend's state is '$(xs "$1/state")', not $2, 10 s on"; return 1; }
}

unbind() { # TYPE (vbd|vif) DEVICE
	echo "$2" >"/sys/bus/xen-backend/drivers/$1/unbind" || { why="cannot unbind $2"; return 1; }
}

step_state() {
	write_says "$VBD_BE/state" banana \
		"xenbus: device/vbd/$VDEV: $VBD_BE/state is \"banana\", not a plain decimal number" ||
		{ bad state "$why"; return 1; }
	write_says "$VIF_BE/state" 99 \
		"xenbus: device/vif/0: $VIF_BE/state is \"99\", beyond the protocol's states" ||
		{ bad state "$why"; return 1; }
	xenstore-write "$VBD_BE/state" banana2
	xenstore-write "$VBD_BE/state" 4
	xenstore-write "$VIF_BE/state" 4
	sleep 1
	if [ "$(tr -d '\r' <"$LOG" | grep -c "device/vbd/$VDEV: .*taken as Unknown")" != 1 ]; then
		bad state "the vbd's nonsense was not said exactly once"
		return 1
	fi
	expect "net show" eth0 "link up" || { bad state "$why"; return 1; }
	ok state "'banana' and '99' as states: each said once per device and ignored; eth0 still up"
}

step_vbd() {
	save_keys vbd "$VBD_BE" "$VBD_KEYS"
	show saved /tmp/saved.vbd
	unbind vbd "vbd-$DOMID-$VDEV" || { bad vbd "$why"; return 1; }
	xenstore-write "$VBD_BE/max-ring-page-order" 99 "$VBD_BE/multi-queue-max-queues" banana \
		"$VBD_BE/sectors" banana "$VBD_BE/sector-size" 513 "$VBD_BE/feature-persistent" 7 \
		"$VBD_BE/feature-max-indirect-segments" 4294967296 || { bad vbd "cannot write the nonsense"; return 1; }
	write_says "$VBD_BE/state" 5 "blkfront: device/vbd/$VDEV: backend closing" || { bad vbd "$why"; return 1; }
	write_says "$VBD_BE/state" 6 "blkfront: device/vbd/$VDEV: closed: rings" || { bad vbd "$why"; return 1; }
	fe_state "$VBD_FE" 6 || { bad vbd "$why"; return 1; }
	write_says "$VBD_BE/state" 2 \
		"blkfront: device/vbd/$VDEV: backend's max-ring-page-order of 99 is" \
		"blkfront: device/vbd/$VDEV: backend's multi-queue-max-queues cannot be used" ||
		{ bad vbd "$why"; return 1; }
	fe_state "$VBD_FE" 3 || { bad vbd "$why"; return 1; }
	write_says "$VBD_BE/state" 4 \
		"blkfront: device/vbd/$VDEV: backend's sectors (" \
		"blkfront: device/vbd/$VDEV: cannot read the disk's geometry" || { bad vbd "$why"; return 1; }
	expect "blk list" || { bad vbd "$why"; return 1; }
	if grep -q xvda /tmp/after; then bad vbd "a disk was made of nonsense geometry"; return 1; fi
	restore_keys vbd "$VBD_BE"
	xenstore-write "$VBD_BE/max-ring-page-order" 99 "$VBD_BE/multi-queue-max-queues" banana \
		"$VBD_BE/feature-persistent" 7 "$VBD_BE/feature-max-indirect-segments" 4294967296
	write_says "$VBD_BE/state" 4 \
		"blkfront: device/vbd/$VDEV: backend's feature-persistent of 7 is" \
		"blkfront: device/vbd/$VDEV: backend's feature-max-indirect-segments of 4294967296 is" \
		"blkfront: xvda: queues 1, ring pages 1, 11 segments, per-request grants" ||
		{ bad vbd "$why"; return 1; }
	ok vbd "order 99 and queues 'banana' refused (one page, one queue offered); sectors 'banana' and sector-size 513 refused, no disk; then persistent 7 and 2^32 indirect segments refused, xvda made with one page, one queue, 11 segments, per-request grants"
}

step_vif() {
	save_keys vif "$VIF_BE" "$VIF_KEYS"
	show saved /tmp/saved.vif
	unbind vif "vif-$DOMID-0" || { bad vif "$why"; return 1; }
	xenstore-write "$VIF_BE/feature-rx-copy" banana "$VIF_BE/feature-sg" 7 \
		"$VIF_BE/feature-split-event-channels" banana "$VIF_BE/multi-queue-max-queues" 99999999999 \
		"$VIF_BE/feature-no-csum-offload" 2 || { bad vif "cannot write the nonsense"; return 1; }
	write_says "$VIF_BE/state" 5 "netfront: device/vif/0: backend closing" || { bad vif "$why"; return 1; }
	xenstore-write "$VIF_BE/state" 6
	fe_state "$VIF_FE" 6 || { bad vif "$why"; return 1; }
	write_says "$VIF_BE/state" 2 \
		"netfront: device/vif/0: backend's feature-rx-copy" \
		"netfront: device/vif/0: cannot connect to the backend" || { bad vif "$why"; return 1; }
	fe_state "$VIF_FE" 6 || { bad vif "$why"; return 1; }
	xenstore-write "$VIF_BE/feature-rx-copy" 1
	xenstore-write "$VIF_BE/state" 6
	write_says "$VIF_BE/state" 2 "netfront: device/vif/0: backend waits again: reconnecting" \
		"netfront: device/vif/0: backend's feature-sg" \
		"netfront: device/vif/0: backend's feature-split-event-channels" \
		"netfront: device/vif/0: backend's multi-queue-max-queues" \
		"netfront: device/vif/0: backend's feature-no-csum-offload" || { bad vif "$why"; return 1; }
	fe_state "$VIF_FE" 4 || { bad vif "$why"; return 1; }
	write_says "$VIF_BE/state" 4 "netfront: device/vif/0: eth0, 1 queue, shared event channels" ||
		{ bad vif "$why"; return 1; }
	ok vif "no rx-copy ('banana'): refused to connect; then sg 7, split 'banana', 99999999999 queues and no-csum-offload 2 refused: eth0 with one queue, shared event channels, no scatter-gather"
}

# A vif device made by hand: frontend nodes with MAC and MTU, and a
# backend directory that stays Initialising, so the guest never offers.
fake_vif() { # ID MAC MTU
	local fe=/local/domain/$DOMID/device/vif/$1 be=/local/domain/0/backend/vif/$DOMID/$1
	xenstore-write "$be/state" 1 &&
		xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 \
			"$fe/mac" "$2" "$fe/mtu" "$3"
}

fake_vif_rm() { # ID
	xenstore-rm "/local/domain/$DOMID/device/vif/$1"
	xenstore-rm "/local/domain/0/backend/vif/$DOMID/$1"
}

step_mac() {
	local off
	off=$(log_size)
	fake_vif 7 nonsense 1500 || { bad mac "cannot write device/vif/7"; return 1; }
	says "$off" "netfront: device/vif/7: the store's mac 'nonsense' is not a unicast Ethernet address" \
		"xenbus: device/vif/7: probe failed" || { bad mac "$why"; fake_vif_rm 7; return 1; }
	fake_vif_rm 7
	off=$(log_size)
	fake_vif 8 00:16:3e:00:00:08 99999 || { bad mac "cannot write device/vif/8"; return 1; }
	says "$off" "netfront: device/vif/8: the store's mtu (0, 99999) refused" || { bad mac "$why"; fake_vif_rm 8; return 1; }
	off=$(log_size)
	fake_vif_rm 8
	says "$off" "xenbus: device/vif/8: removed" || { bad mac "$why"; return 1; }
	ok mac "MAC 'nonsense' refused (no device), MTU 99999 ignored (1500 kept); both devices gone with their nodes"
}

step_alive() {
	expect uptime "up " || { bad alive "$why"; return 1; }
	expect "net show" eth0 || { bad alive "$why"; return 1; }
	expect "blk list" xvda || { bad alive "$why"; return 1; }
	ok alive "the shell answers; eth0 and xvda still there"
}

link_exists() { ip link show "$1" >/dev/null 2>&1; }
answers_ping() { ping -c 1 -w 2 "$GUEST" >/dev/null 2>&1; }
ping_3() { # WHAT
	local got
	ping -c 3 -w 30 "$GUEST" >/tmp/ping 2>&1
	show ping /tmp/ping
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping)
	[ "${got:-0}" = 3 ] || { why="$1: dom0's ping: ${got:-0} of 3 replies"; return 1; }
}

# The backends bound again over the guest's current connection.
rebind() {
	local vif=vif$DOMID.0
	restore_keys vbd "$VBD_BE"
	restore_keys vif "$VIF_BE"
	echo "vbd-$DOMID-$VDEV" >/sys/bus/xen-backend/drivers/vbd/bind || { why="cannot bind blkback again"; return 1; }
	echo "vif-$DOMID-0" >/sys/bus/xen-backend/drivers/vif/bind || { why="cannot bind netback again"; return 1; }
	poll 30 link_exists "$vif" || { why="no $vif within 30 s of binding netback again"; return 1; }
	if ! ip link set "$vif" master xenbr0 || ! ip link set "$vif" up; then
		why="cannot put $vif on xenbr0"
		return 1
	fi
}

replug_disk() {
	local off
	off=$(log_size)
	timeout 60 xl block-detach "$NAME" xvda >/tmp/xl-blk 2>&1 ||
		{ show "xl block-detach" /tmp/xl-blk; why="xl block-detach failed: $(tail -n 1 /tmp/xl-blk)"; return 1; }
	says "$off" "xenbus: device/vbd/$VDEV: removed" || return 1
	off=$(log_size)
	timeout 60 xl block-attach "$NAME" 'phy:/dev/loop4,xvda,w' >/tmp/xl-blk 2>&1 ||
		{ show "xl block-attach" /tmp/xl-blk; why="xl block-attach failed: $(tail -n 1 /tmp/xl-blk)"; return 1; }
	poll 30 has_text "$off" "blkfront: xvda: queues" || { why="xvda did not come back within 30 s of the attach"; return 1; }
	log_after "$off"
	tr -d '\r' </tmp/after | grep -a "blkfront: xvda: queues" | tail -n 1 >/tmp/xvda-line
}

replug_vif() {
	local off
	off=$(log_size)
	timeout 60 xl network-detach "$NAME" 0 >/tmp/xl-net 2>&1 ||
		{ show "xl network-detach" /tmp/xl-net; why="xl network-detach failed: $(tail -n 1 /tmp/xl-net)"; return 1; }
	poll 30 has_text "$off" "net: eth0: removed" || { why="eth0 not removed within 30 s of the detach"; return 1; }
	off=$(log_size)
	timeout 60 xl network-attach "$NAME" bridge=xenbr0 mac=00:16:3e:00:00:02 >/tmp/xl-net 2>&1 ||
		{ show "xl network-attach" /tmp/xl-net; why="xl network-attach failed: $(tail -n 1 /tmp/xl-net)"; return 1; }
	poll 30 has_text "$off" "net: eth0: link up" || { why="eth0 not up within 30 s of the attach"; return 1; }
}

step_restore() {
	rebind || { bad restore "$why"; return 1; }
	poll 30 answers_ping || { bad restore "no answer to dom0's ping within 30 s of the rebind"; return 1; }
	replug_disk || { bad restore "$why"; return 1; }
	replug_vif || { bad restore "$why"; return 1; }
	expect "blk write xvda 0 $BLK_SECTORS $BLK_SEED" "blk: xvda: ok" || { bad restore "$why"; return 1; }
	expect "blk verify xvda 0 $BLK_SECTORS $BLK_SEED" "blk: xvda: ok" || { bad restore "$why"; return 1; }
	poll 30 answers_ping || { bad restore "no answer to dom0's ping within 30 s of the replug"; return 1; }
	ping_3 "after the replug" || { bad restore "$why"; return 1; }
	expect "net ping $DOM0 3" "3/3 replies" || { bad restore "$why"; return 1; }
	ok restore "backends bound again, disk and vif replugged: $(cat /tmp/xvda-line); 1 MiB written and read back; ping 3/3 both ways"
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	disk_setup || echo "session: could not make the disk image and /dev/loop4 in dom0"
	if step_create; then
		be_dirs
		step_state
		step_vbd
		step_vif
		step_mac
		step_alive
		step_restore
		step_shutdown
	else
		skip_rest "the domain did not come up" state vbd vif mac alive restore shutdown
	fi
	finish
}
