# shellcheck shell=dash disable=SC2034
# `xl save`, `xl restore` and `xl save -c` against Amphi, as a person at
# the host would do them; run by tests/vm/xl-steps.sh after
# xl-dom0-lib.sh's functions:
#   create:     xl creates the domain and waits for the shell's prompt;
#   fill:       `balloon fill` writes a pattern in pages the guest keeps,
#               `uptime` says where its clock stands, and a block job
#               starts writing a pattern over its disk xvda (a loop device
#               on an image in dom0), passes enough for about 30 s (1 min
#               before a PV live migration); and dom0 starts sending BYTES
#               over TCP to the guest's `net sink`, a second job;
#   save:       xl save to a file while the job writes and the bytes flow:
#               xl must say the domain was saved, and the domain must be
#               gone;
#   restore:    xl restore of that file: a new domain, whose guest says it
#               resumed in a new domain, answers on its (new) console,
#               has every vCPU online again (its `cpus` and xl vcpu-list
#               agree), finds its pattern intact, keeps its balloon
#               target, and whose clock went on
#               from where it stood (never back; the time away is not
#               counted, so that no timeout running at the save fires); the block job, connected
#               to the new backend, ends well and its pattern reads back
#               whole (`blk verify`); dom0 pings it through its vif,
#               connected to the new backend too, and the TCP transfer
#               cut by the save ends whole (the guest's sha256 is dom0's);
#   checkpoint: xl save -c: the guest says the suspend was cancelled and
#               goes on in place, all vCPUs online, the pattern intact,
#               dom0's pings answered;
#   migrate:    xl migrate to this same host (xl runs the receiver itself
#               when -s is empty): the domain moves, live, to a new domain
#               id; the guest says it resumed in a new domain, all vCPUs
#               online, the pattern intact, dom0's pings answered;
#   shutdown:   xl shutdown -w, a clean power off.  The xl that watched the
#               domain exits when it sees it suspended, even for xl save -c
#               (xl's own way), so xl shutdown -w's word is the record
#               here, and the domain left shut down is destroyed.
# PV live migration needs log-dirty mode, which for a PV guest needs a Xen
# built with shadow paging; Debian's is not ("Failed to enable logdirty:
# 95" for every PV guest, Linux's included).  So a PV guest skips migrate
# on Debian's Xen, and xen_pv_migrate runs it on Xen rebuilt with shadow
# paging (tools/xen-shadow.sh; XEN=shadow in /guest/params): create, fill,
# then a live migrate with the block job writing, whose pattern must read
# back whole after it, and shutdown.
STEPS='create fill save restore checkpoint migrate shutdown'
STEPS_pv='create fill save restore checkpoint shutdown'
STEPS_pv_shadow='create fill migrate shutdown'
if [ "$(sed -n 's/^type = "\(.*\)"/\1/p' /guest/domu.cfg)" = pv ]; then
	if [ "${XEN:-}" = shadow ]; then
		STEPS=$STEPS_pv_shadow
		# Long enough to outlast the live migration (a minute or two
		# here); each pass is slower once log-dirty mode is on.
		BLK_CS=6000
	else
		STEPS=$STEPS_pv
		NOTE="migrate not run: PV live migration needs a Xen with shadow paging, which Debian's 4.17 is built without (xen_pv_migrate runs it on one)"
	fi
fi
JOB_VERIFIED=0 # the block job's end and pattern checked
OLD_LOGS='' # console logs of the guest's earlier domains
SAVE=/tmp/domain.save
VCPUS_ALL=$(sed -n 's/^vcpus = \([0-9]*\)/\1/p' /guest/domu.cfg)
UP_BEFORE=0 # the guest's uptime before the save, in ms
BLK_SECTORS=32768 # 16 MiB
BLK_SEED=2718281828
BLK_PASSES=2
BLK_CS=${BLK_CS:-3000} # how long the block job writes, in centiseconds
GUEST=169.254.0.2
BYTES=8388608
NC_PID=''

# dom0 pings the guest: 3 of 3 answered.
pings() {
	ping -c 3 -W 3 "$GUEST" >/tmp/ping 2>&1 && grep -qE ' 3 (packets )?received' /tmp/ping ||
		{ why="dom0's ping of $GUEST: $(grep -m1 'received' /tmp/ping || tail -n 1 /tmp/ping)"; return 1; }
}

# vCPUs xl vcpu-list shows up (state without the 'p' of a vCPU that is down).
xl_up() {
	xl vcpu-list "$NAME" >/tmp/vcpu-list 2>&1 || return 1
	awk 'NR > 1 && $5 !~ /p/ { n++ } END { print n + 0 }' /tmp/vcpu-list
}

# Every vCPU online, in the guest's eyes and xl's.
all_up() {
	expect cpus "$VCPUS_ALL of $VCPUS_ALL CPUs online" || return 1
	[ "$(xl_up)" = "$VCPUS_ALL" ] || { why="xl vcpu-list shows $(xl_up) vCPUs up, not $VCPUS_ALL"; return 1; }
}

# The guest's uptime in ms, from `uptime`'s "up S.MMM s".
uptime_ms() {
	type_command uptime 15 >/dev/null || return 1
	sed -n 's/.*up \([0-9]*\)\.\([0-9][0-9][0-9]\) s.*/\1\2/p' /tmp/after | head -n 1 | sed 's/^0*//;s/^$/0/'
}

# The guest's disk: a loop device on an image in dom0, made before xl
# create reads the config that names it.
disk_setup() {
	dd if=/dev/zero of=/guest/save-disk.img bs=1M count=32 2>/dev/null &&
		losetup /dev/loop4 /guest/save-disk.img
}

# One pass timed in the foreground, then as many as take about BLK_CS (30
# s, 3 passes at least; 1 min before a PV live migration, so that it
# outlasts the migration) as a job beside the shell ("[2] blk: started";
# "[2] blk: done" at its end).
blk_measure() {
	blk_time_passes "$BLK_CS" 3
}

blk_job_start() {
	type_command "blk write xvda 0 $BLK_SECTORS $BLK_SEED $BLK_PASSES &" 15 &&
		grep -q '^\[2\] blk: started' /tmp/after || { why="the block job did not start: $(last_line "$CMD_OFF")"; return 1; }
}

# The guest said TEXT, on its console now or in an earlier domain's log
# (a migration's receiver logs under a new name: OLD_LOGS).
job_said() { # TEXT
	local l
	has_text 0 "$1" && return 0
	for l in $OLD_LOGS; do grep -qF -- "$1" "$l" 2>/dev/null && return 0; done
	return 1
}

blk_job_ended() { job_said "[2] blk: done" || job_said "[2] blk: failed"; }

# The block job, which ran across a save or a migration (WHEN), ends well
# and its pattern reads back whole.
blk_job_verify() { # WHEN SECONDS
	if ! poll "$2" blk_job_ended; then
		type_command ps 15 >/dev/null
		why="the block job did not end within $2 s of the $1"
		return 1
	fi
	job_said "[2] blk: done" || { why="the block job failed: $(tr -d '\r' <"$LOG" | grep -a -m2 '^blk: ' | tr '\n' ' ')"; return 1; }
	type_command "blk verify xvda 0 $BLK_SECTORS $BLK_SEED" 180 >/dev/null || { why="blk verify: $why"; return 1; }
	JOB_VERIFIED=1
}

# The guest's first line holding TEXT, from TEXT on.
said() { # TEXT
	tr -d '\r' <"$LOG" | grep -a -m1 -o "$1.*"
}

# The TCP transfer: the guest's sink as job 1, dom0's sender in the
# background.
net_start() {
	type_command "net sink 5001 &" 15 && grep -q '^\[1\] net: started' /tmp/after ||
		{ why="the sink job did not start: $(last_line "$CMD_OFF")"; return 1; }
	net_send
}

sink_ended() { job_said "[1] net: done" || job_said "[1] net: failed"; }

# After the restore or the migration: nc done, the sink's job done, the
# digests equal.
net_end() {
	local got
	wait "$NC_PID" || { why="nc could not send: $(cat /tmp/nc-in)"; return 1; }
	poll 120 sink_ended || { why="the sink job did not end within 120 s of dom0's nc"; return 1; }
	job_said "[1] net: done" || { why="the sink failed: $(said 'net: sink: failed')"; return 1; }
	got=$(cat $OLD_LOGS "$LOG" 2>/dev/null | tr -d '\r' | grep -a -m1 -o 'net: sink: received.*' |
		sed -n 's/.*sha256 \([0-9a-f]\{64\}\).*/\1/p')
	[ "$got" = "$WANT" ] || { why="sha256 differs: dom0 sent $WANT, the guest got ${got:-none}"; return 1; }
}

# The new domain $DOMID's guest, after the console's OFFSET: it says it
# resumed in a new domain, answers on its console, has every vCPU online
# and its memory pattern intact.
resumed_new() { # OFFSET
	if ! poll 30 has_text "$1" "resumed in a new domain"; then
		why="domain $DOMID: the guest never said it resumed (last console line: '$(last_line "$1")')"
		return 1
	fi
	console_open "$DOMID" || return 1
	poll 20 all_up || return 1
	expect "balloon check" "pattern intact"
}

step_fill() {
	expect "balloon fill" "pattern written in 64 pages" || { bad fill "$why"; return 1; }
	all_up || { bad fill "$why"; return 1; }
	UP_BEFORE=$(uptime_ms) || { bad fill "uptime: $why"; return 1; }
	blk_measure || { bad fill "$why"; return 1; }
	net_start || { bad fill "$why"; return 1; }
	blk_job_start || { bad fill "$why"; return 1; }
	ok fill "64 pages hold a pattern; all $VCPUS_ALL vCPUs online; up $UP_BEFORE ms; a block job writing $BLK_PASSES passes of $((BLK_SECTORS / 2048)) MiB; $BYTES bytes on their way over TCP"
}

step_save() {
	local t0 off
	off=$(log_size)
	clock
	t0=$CLOCK
	if blk_job_ended; then
		bad save "the block job had ended before the save: no block I/O across it"
		return 1
	fi
	if sink_ended; then
		bad save "the TCP transfer had ended before the save: no network I/O across it"
		return 1
	fi
	if ! timeout "$(budget 120)" xl save "$NAME" "$SAVE" >/tmp/xl-save 2>&1; then
		show "xl save" /tmp/xl-save
		bad save "xl save failed: $(first_error /tmp/xl-save); the guest said: '$(last_line "$off")'"
		return 1
	fi
	show "xl save" /tmp/xl-save
	poll 10 gone || { bad save "domain $DOMID still in xl list after xl save"; return 1; }
	console_close
	ok save "$(stat -c %s "$SAVE") bytes in $(since "$t0") s; domain $DOMID gone"
}

step_restore() {
	local t0 off old=$DOMID up
	off=$(log_size)
	clock
	t0=$CLOCK
	if ! timeout "$(budget 120)" xl restore "$SAVE" >/tmp/xl-restore 2>&1; then
		show "xl restore" /tmp/xl-restore
		bad restore "xl restore failed: $(first_error /tmp/xl-restore)"
		return 1
	fi
	show "xl restore" /tmp/xl-restore
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	[ -n "$DOMID" ] || { bad restore "no domain $NAME after xl restore"; return 1; }
	resumed_new "$off" || { bad restore "$why"; return 1; }
	expect balloon "target $((MEMORY * 1024)) KiB" || { bad restore "the balloon's target: $why"; return 1; }
	up=$(uptime_ms) || { bad restore "uptime: $why"; return 1; }
	[ "$up" -ge "$UP_BEFORE" ] || { bad restore "the guest's clock went back: up $up ms, $UP_BEFORE ms before the save"; return 1; }
	blk_job_verify restore 180 || { bad restore "$why"; return 1; }
	poll 20 pings || { bad restore "$why"; return 1; }
	net_end || { bad restore "the TCP transfer: $why"; return 1; }
	ok restore "domid $old -> $DOMID in $(since "$t0") s; all $VCPUS_ALL vCPUs online; pattern intact; balloon target kept; up $UP_BEFORE -> $up ms; the block job went on and its pattern reads back whole; ping 3/3; the $BYTES bytes cut by the save arrived whole (sha256 equal); $(said 'reconnected after the restore'); $(said 'xen: resume: the clock goes on')"
}

step_checkpoint() {
	local t0 off
	off=$(log_size)
	clock
	t0=$CLOCK
	if ! timeout "$(budget 120)" xl save -c "$NAME" "$SAVE.ck" >/tmp/xl-save-c 2>&1; then
		show "xl save -c" /tmp/xl-save-c
		bad checkpoint "xl save -c failed: $(first_error /tmp/xl-save-c)"
		return 1
	fi
	show "xl save -c" /tmp/xl-save-c
	if ! poll 20 has_text "$off" "suspend: cancelled"; then
		bad checkpoint "the guest never said the suspend was cancelled (last console line: '$(last_line "$off")')"
		return 1
	fi
	poll 20 all_up || { bad checkpoint "$why"; return 1; }
	expect "balloon check" "pattern intact" || { bad checkpoint "$why"; return 1; }
	poll 20 pings || { bad checkpoint "$why"; return 1; }
	ok checkpoint "xl save -c in $(since "$t0") s ($(stat -c %s "$SAVE.ck") bytes); went on in place, all $VCPUS_ALL vCPUs online, pattern intact, ping 3/3"
}

step_migrate() {
	local t0 off old=$DOMID job=''
	off=$(log_size)
	clock
	t0=$CLOCK
	# With no save before it, the block job is still writing: it must be,
	# so that the migration carries pages and requests in flight.
	if [ "$JOB_VERIFIED" = 0 ]; then
		blk_job_ended && { bad migrate "the block job had ended before the migration: no block I/O across it"; return 1; }
		job=1
	fi
	if ! timeout "$(budget 180)" xl migrate -s "" "$NAME" "xl migrate-receive" >/tmp/xl-migrate 2>&1; then
		show "xl migrate" /tmp/xl-migrate
		bad migrate "xl migrate failed: $(first_error /tmp/xl-migrate)"
		return 1
	fi
	show "xl migrate" /tmp/xl-migrate
	console_close
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	[ -n "$DOMID" ] && [ "$DOMID" != "$old" ] || { bad migrate "no new domain $NAME after xl migrate (domid '${DOMID:-none}')"; return 1; }
	# The receiver created the domain as NAME--incoming and renamed it once
	# it ran: xenconsoled logs its console under the first name.
	if [ -f "/var/log/xen/console/guest-$NAME--incoming.log" ]; then
		OLD_LOGS="$OLD_LOGS $LOG"
		LOG=/var/log/xen/console/guest-$NAME--incoming.log
		off=0
	fi
	resumed_new "$off" || { bad migrate "$why"; return 1; }
	poll 20 pings || { bad migrate "$why"; return 1; }
	if [ -n "$job" ]; then
		# Where the job ended: before the last pass of the migration
		# (its end in the old domain's log) or in the new domain.
		blk_job_verify migration 300 || { bad migrate "$why"; return 1; }
		job="ended in the old domain, before the switch"
		has_text 0 "[2] blk: done" && job="went on in the new domain"
		job="; the block job wrote while it ran, $job; its pattern reads back whole"
		net_end || { bad migrate "the TCP transfer: $why"; return 1; }
		job="$job; the $BYTES bytes sent over TCP during it arrived whole, sha256 equal"
	fi
	ok migrate "domid $old -> $DOMID in $(since "$t0") s, live; all $VCPUS_ALL vCPUs online, pattern intact, ping 3/3$job"
}

step_shutdown_unwatched() {
	local off said
	off=$(log_size)
	xl_request /tmp/xl-shutdown "$DOMID" shutdown -w "$NAME" || { bad shutdown "$why"; return 1; }
	said=$(grep -m1 -E "Domain $DOMID has been shut down" /tmp/xl-shutdown)
	case $said in
	*"reason code 0"*) ;;
	*) bad shutdown "xl shutdown -w did not see a power off (reason code 0): '${said:-nothing}'"; return 1 ;;
	esac
	xl destroy "$NAME" 2>/dev/null
	poll 40 gone || { bad shutdown "domain $DOMID still in xl list 40 s after it shut down"; return 1; }
	ok shutdown "xl shutdown -w: '$said'; the guest's last line: '$(last_line "$off")'"
	DOMID=''
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	[ -z "${NOTE:-}" ] || echo "session: note: $NOTE"
	disk_setup || echo "session: could not make the disk image and /dev/loop4 in dom0"
	# Made before the guest runs: this emulated dom0 takes seconds over
	# 8 MiB of urandom and its sha256.
	net_data
	if ! step_create; then
		skip_rest "the domain did not come up" ${STEPS#create }
	elif ! step_fill; then
		skip_rest "no pattern to check" ${STEPS#*fill }
	elif [ "${STEPS#*save}" = "$STEPS" ]; then
		step_migrate
		step_shutdown_unwatched
	elif ! step_save; then
		skip_rest "the save failed" ${STEPS#*save }
	elif ! step_restore; then
		skip_rest "the restore failed" ${STEPS#*restore }
	else
		step_checkpoint
		case $STEPS in *migrate*) step_migrate ;; esac
		step_shutdown_unwatched
	fi
	finish
}
