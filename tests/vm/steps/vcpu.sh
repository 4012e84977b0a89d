# shellcheck shell=dash disable=SC2034
# `xl vcpu-set` against Amphi with 4 vCPUs, as a person at the host would
# do it; run by tests/vm/xl-steps.sh after xl-dom0-lib.sh's functions:
#   create:   xl creates the domain and waits for the shell's prompt;
#   down:     xl vcpu-set to 1: the guest must say vCPUs 1-3 went offline,
#             its `cpus` must count 1 of 4 online, and xl vcpu-list must
#             show the same vCPUs up;
#   up:       xl vcpu-set back to 4, the same checks with 4 (--ignore-host:
#             4 vCPUs on the 2 CPUs Xen has here is an overcommit xl asks
#             to be told about);
#   traffic:  the guest writes a pattern over BLK_SECTORS of its disk
#             xvda (a loop device on an image in dom0) as a shell job
#             (`blk write ... PASSES &`) while dom0 sends BYTES of random data to
#             its `net sink` over TCP, and the vCPUs go 4 -> 1 -> 4 under
#             both: the sha256 must match, the write must still have been
#             running when the vCPUs went down, the guest must read its
#             pattern back whole (`blk verify`), and guest and xl must
#             agree again;
#   nonsense: cpu/1/availability written as "sideways" and a node for a
#             vCPU the domain does not have, straight into the store: the
#             guest must say so for each and stay at 4 online;
#   shutdown: xl shutdown -w, a clean power off.
STEPS='create down up traffic nonsense shutdown'
GUEST=169.254.0.2
BYTES=4194304
BLK_SECTORS=32768 # 16 MiB
BLK_SEED=3141592653
BLK_PASSES=''     # as many as take about 15 s: see blk_measure
VCPUS_ALL=$(sed -n 's/^vcpus = \([0-9]*\)/\1/p' /guest/domu.cfg)

# vCPUs xl vcpu-list shows up (state without the 'p' of a vCPU that is down).
xl_up() {
	xl vcpu-list "$NAME" >/tmp/vcpu-list 2>&1 || return 1
	awk 'NR > 1 && $5 !~ /p/ { n++ } END { print n + 0 }' /tmp/vcpu-list
}

# Do the guest's `cpus` and xl vcpu-list both count N online?
agree() { # N
	expect cpus "$1 of $VCPUS_ALL CPUs online" || return 1
	[ "$(xl_up)" = "$1" ] || { why="xl vcpu-list shows $(xl_up) vCPUs up, not $1"; return 1; }
}

# Has the guest said, since OFFSET, that each of CPUs 1..N-1 went WORD?
said_all() { # OFFSET WORD
	local i=1
	while [ "$i" -lt "$VCPUS_ALL" ]; do
		has_text "$1" "cpu: CPU $i $2" || return 1
		i=$((i + 1))
	done
}

# xl vcpu-set to N; the guest must say the others went WORD within 20 s.
vcpu_set() { # N WORD
	local off
	off=$(log_size)
	xl vcpu-set --ignore-host "$NAME" "$1" >/tmp/xl-vcpu 2>&1 ||
		{ why="xl vcpu-set $NAME $1 failed: $(tail -n 1 /tmp/xl-vcpu)"; return 1; }
	poll 20 said_all "$off" "$2" || { why="after xl vcpu-set $1 the guest did not say all went $2 within 20 s"; return 1; }
}

step_set() { # STEP N WORD
	local t0
	clock
	t0=$CLOCK
	vcpu_set "$2" "$3" || { bad "$1" "$why"; return 1; }
	agree "$2" || { bad "$1" "$why"; return 1; }
	show "xl vcpu-list" /tmp/vcpu-list
	ok "$1" "$2 of $VCPUS_ALL online in the guest's cpus and in xl vcpu-list, $(since "$t0") s after xl vcpu-set"
}

guest_sha() { tr -d '\r' </tmp/after | sed -n 's/.*sha256 \([0-9a-f]\{64\}\).*/\1/p' | tail -n 1; }

# The guest's disk: a loop device on an image in dom0, made before xl
# create reads the config that names it.
disk_setup() {
	dd if=/dev/zero of=/guest/vcpu-disk.img bs=1M count=32 2>/dev/null &&
		losetup /dev/loop4 /guest/vcpu-disk.img
}

# One pass of the write in the foreground, timed: the job then makes as
# many passes as take about 15 s, so that it still runs when the vCPUs
# change whatever the disk's speed (PV's is several times PVH's here).
blk_measure() {
	blk_time_passes 1500 2 || return 1
	echo "session: one pass of $((BLK_SECTORS / 2048)) MiB took $((BLK_PASS_CS / 100)).$((BLK_PASS_CS % 100 / 10)) s: the job makes $BLK_PASSES"
}

# The block job `blk write` runs beside the shell (its number is 1: the
# first job of this boot); the guest says "[1] blk: done" when it ends.
blk_job_start() {
	type_command "blk write xvda 0 $BLK_SECTORS $BLK_SEED $BLK_PASSES &" 15 &&
		grep -q '^\[1\] blk: started' /tmp/after || { why="the block job did not start: $(last_line "$CMD_OFF")"; return 1; }
}

blk_job_ended() { # OFFSET
	has_text "$1" "[1] blk: done" || has_text "$1" "[1] blk: failed"
}

blk_job_end() { # OFFSET
	if ! poll_guest 180 blk_job_ended "$1"; then
		[ -n "$down" ] && { why=$down; return 1; }
		type_command ps 15 # where the job is, for the log
		why="the block write did not end within 180 s"
		return 1
	fi
	has_text "$1" "[1] blk: done" || { why="the block write failed: $(tr -d '\r' <"$LOG" | grep -a -m2 '^blk: ' | tr '\n' ' ')"; return 1; }
}

net_start() {
	net_data
	start_command "net sink 5001" || return 1
	# The sink listens once the command runs: the sender connects until
	# it does, in the background while the vCPUs change under the transfer.
	net_send
}

net_end() {
	local got
	wait "$NC_PID" || { why="nc could not send: $(cat /tmp/nc-in)"; return 1; }
	end_command "net sink 5001" 120 || return 1
	got=$(guest_sha)
	[ "$got" = "$WANT" ] || { why="sha256 differs: dom0 sent $WANT, the guest got ${got:-none}"; return 1; }
}

step_traffic() {
	local off
	off=$(log_size)
	blk_measure || { bad traffic "$why"; return 1; }
	off=$(log_size)
	blk_job_start || { bad traffic "$why"; return 1; }
	net_start || { bad traffic "$why"; return 1; }
	sleep 1
	vcpu_set 1 offline || { bad traffic "under traffic: $why"; wait "$NC_PID"; return 1; }
	if blk_job_ended "$off"; then
		bad traffic "the block write had ended before the vCPUs went down: no block I/O under vcpu-set"
		wait "$NC_PID"
		return 1
	fi
	vcpu_set "$VCPUS_ALL" online || { bad traffic "under traffic: $why"; wait "$NC_PID"; return 1; }
	net_end || { bad traffic "$why"; return 1; }
	blk_job_end "$off" || { bad traffic "$why"; return 1; }
	type_command "blk verify xvda 0 $BLK_SECTORS $BLK_SEED" 180 || { bad traffic "blk verify: $why"; return 1; }
	agree "$VCPUS_ALL" || { bad traffic "$why"; return 1; }
	ok traffic "$BYTES bytes over TCP and $BLK_PASSES passes of $((BLK_SECTORS / 2048)) MiB written to xvda while the vCPUs went $VCPUS_ALL -> 1 -> $VCPUS_ALL; sha256 equal, pattern read back whole; guest and xl agree on $VCPUS_ALL"
}

# Writes VALUE into the domain's KEY; the guest's console must then say TEXT.
store_says() { # KEY VALUE TEXT
	local off
	off=$(log_size)
	xenstore-write "/local/domain/$DOMID/$1" "$2" || { why="xenstore-write of $1 failed"; return 1; }
	poll 10 has_text "$off" "$3" || { why="after $1 = '$2' the guest did not say '$3' within 10 s"; return 1; }
}

step_nonsense() {
	store_says cpu/1/availability sideways 'neither "online" nor "offline"' || { bad nonsense "$why"; return 1; }
	store_says cpu/9/availability offline "names vCPU 9, which this domain does not have" ||
		{ bad nonsense "$why"; return 1; }
	xenstore-write "/local/domain/$DOMID/cpu/1/availability" online
	agree "$VCPUS_ALL" || { bad nonsense "$why"; return 1; }
	ok nonsense "'sideways' and vCPU 9 reported and ignored; still $VCPUS_ALL online"
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	disk_setup || echo "session: could not make the disk image and /dev/loop4 in dom0"
	if step_create; then
		agree "$VCPUS_ALL" || echo "session: at boot: $why"
		if step_set down 1 offline; then
			step_set up "$VCPUS_ALL" online
		else
			skip_rest "the step down failed" up
		fi
		step_traffic
		step_nonsense
		step_shutdown
	else
		skip_rest "the domain did not come up" down up traffic nonsense shutdown
	fi
	finish
}
