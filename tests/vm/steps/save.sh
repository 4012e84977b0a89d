# shellcheck shell=dash disable=SC2034
# `xl save`, `xl restore`, `xl save -c` and `xl migrate` against Amphi, as
# a person at the host would do them; run by tests/vm/xl-steps.sh after
# xl-dom0-lib.sh's functions:
#   create:     xl creates the domain and waits for the shell's prompt;
#   fill:       `balloon fill` writes a pattern in pages the guest keeps,
#               `uptime` says where its clock stands, a block job starts
#               writing a pattern over its disk xvda (a loop device on an
#               image in dom0), passes enough for about 30 s (1 min before
#               a PV live migration); and two TCP streams start, BYTES each
#               way: dom0's random bytes to the guest's `net sink`, and the
#               guest's `net source` pattern to dom0's nc, both hashed by
#               dom0 as they go (nothing of them kept in its memory);
#   save:       xl save to a file while the job writes and the bytes flow:
#               xl must say the domain was saved, and the domain must be
#               gone;
#   restore:    xl restore of that file: a new domain, whose guest says it
#               resumed in a new domain, answers on its (new) console,
#               has every vCPU online again (its `cpus` and xl vcpu-list
#               agree), finds its pattern intact, runs a program (`run
#               utest hello`: system calls work again), keeps its balloon
#               target, and whose clock went on from where it stood (never
#               back; the time away is not counted, so that no timeout
#               running at the save fires); the block job, connected to
#               the new backend, ends well and its pattern reads back whole
#               (`blk verify`); dom0 pings it through its vif, connected to
#               the new backend too, and both TCP streams cut by the save
#               end whole (the SHA-256 of each equal at both ends);
#   checkpoint: xl save -c: the guest says the suspend was cancelled and
#               goes on in place, all vCPUs online, the pattern intact,
#               dom0's pings answered;
#   migrate-fail: xl migrate whose receiver fails after the whole stream
#               came, so after the guest suspended: given the guest's
#               config as a plain xl config (-C), the receiver cannot plug
#               its devices in (the block hotplug script refuses
#               /dev/loop4, which the domain at the source holds writable;
#               the vif names a bridge dom0 lacks), the new domain is torn
#               down, and xl resumes the guest at the source, cancelled
#               (SCHEDOP_shutdown answers 1); the guest must say so, keep
#               its domain id, and go on: all vCPUs, pattern, console, a
#               block job writing across the attempt ends well and reads
#               back whole, dom0's pings answered;
#   migrate:    xl migrate to this same host (xl runs the receiver itself
#               when -s is empty), live, with a block job writing and both
#               TCP streams flowing (started afresh here when the save's
#               have ended): a new domain id; the guest says it resumed in
#               a new domain, all vCPUs online, the pattern intact, dom0's
#               pings answered, the job's pattern whole, both streams whole;
#   target:     xl mem-set to half the boot memory: the balloon's target
#               (TARGET_MB) the cycles that follow must keep, and which
#               makes each of them move half the memory;
#   saves:      SAVES save/restore cycles in a row, then
#   migrations: MIGRATIONS live migrations in a row: after each the guest
#               resumed in the new domain with every vCPU, its pattern,
#               its balloon target (and xl list the same memory and
#               vCPUs), its clock never back, its console answering;
#   shutdown:   xl shutdown -w, a clean power off.  The xl that watched the
#               domain exits when it sees it suspended, even for xl save -c
#               (xl's own way), so xl shutdown -w's word is the record
#               here, and the domain left shut down is destroyed.
# The runner may put SAVES= and MIGRATIONS= in /guest/save-counts (its
# SAVE_CYCLES and MIGRATE_CYCLES); a count below 10, the issue's, is said
# on the step's line with the reason the runner gave (COUNT_WHY).
# PV live migration needs log-dirty mode, which for a PV guest needs a Xen
# built with shadow paging; Debian's is not ("Failed to enable logdirty:
# 95" for every PV guest, Linux's included).  So a PV guest skips every
# migration on Debian's Xen, and xen_pv_migrate runs them on Xen rebuilt
# with shadow paging (tools/xen-shadow.sh; XEN=shadow in /guest/params),
# where the fill's block job and streams cross the migration instead.
STEPS='create fill save restore checkpoint migrate-fail migrate target saves migrations shutdown'
STEPS_pv='create fill save restore checkpoint target saves shutdown'
STEPS_pv_shadow='create fill migrate migrate-fail target migrations shutdown'
if [ "$(sed -n 's/^type = "\(.*\)"/\1/p' /guest/domu.cfg)" = pv ]; then
	if [ "${XEN:-}" = shadow ]; then
		STEPS=$STEPS_pv_shadow
		# Long enough to outlast the live migration (a minute or two
		# here); each pass is slower once log-dirty mode is on.
		BLK_CS=6000
	else
		STEPS=$STEPS_pv
		NOTE="migrate-fail, migrate and migrations not run: PV live migration needs a Xen with shadow paging, which Debian's 4.17 is built without (xen_pv_migrate runs them on one)"
	fi
fi
SAVES=10
MIGRATIONS=10
COUNT_WHY=''
STREAM_MIB=8 # each way; /guest/save-counts may say 64, the issue's (README)
[ ! -r /guest/save-counts ] || . /guest/save-counts
IO_LIVE=0 # the block job and the streams are running, not yet checked
OLD_LOGS='' # console logs of the guest's earlier domains
SAVE=/tmp/domain.save
VCPUS_ALL=$(sed -n 's/^vcpus = \([0-9]*\)/\1/p' /guest/domu.cfg)
UP_LAST=0 # the guest's uptime at its last reading, in ms
TARGET_MB='' # the balloon target the target step set, in MiB
BLK_SECTORS=32768 # 16 MiB
BLK_SEED=2718281828
BLK_PASSES=2
BLK_CS=${BLK_CS:-3000} # how long the block job writes, in centiseconds
BLK_JOB=''
GUEST=169.254.0.2
DOM0=169.254.0.1
BYTES=$((STREAM_MIB * 1048576))
NET_SEED=1618033988 # the guest's `net source` pattern
# How long the sink waits for data, in s: dom0's TCP, sending into a
# domain that was saved, backs off up to 2 minutes between its tries.
SINK_STALL=180
SINK_JOB='' SOURCE_JOB='' NC_PID='' IN_SHA_PID='' OUT_PID=''

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

# The guest's clock never went back since its last reading (UP_LAST), and
# that reading moves on; $up is the new one.
clock_on() {
	up=$(uptime_ms) || { why="uptime: $why"; return 1; }
	[ "$up" -ge "$UP_LAST" ] || { why="the guest's clock went back: up $up ms, $UP_LAST ms before"; return 1; }
	UP_LAST=$up
}

# The guest's disk: a loop device on an image in dom0, made before xl
# create reads the config that names it.
disk_setup() {
	dd if=/dev/zero of=/guest/save-disk.img bs=1M count=32 2>/dev/null &&
		losetup /dev/loop4 /guest/save-disk.img
}

# The guest said TEXT, on its console now or in an earlier domain's log
# (a migration's receiver logs under a new name: OLD_LOGS).
job_said() { # TEXT
	local l
	has_text 0 "$1" && return 0
	for l in $OLD_LOGS; do grep -qF -- "$1" "$l" 2>/dev/null && return 0; done
	return 1
}

# The last line, from TEXT on, holding TEXT in any of the guest's logs.
said() { # TEXT
	# shellcheck disable=SC2086
	cat $OLD_LOGS "$LOG" 2>/dev/null | tr -d '\r' | grep -a -o "$1.*" | tail -n 1
}

# Types CMD as a job beside the shell; JOB is its number, from the
# shell's "[N] WORD: started".
job_start() { # CMD
	type_command "$1 &" 15 || return 1
	JOB=$(tr -d '\r' </tmp/after | sed -n 's/^\[\([0-9]*\)\] [a-z]*: started$/\1/p' | head -n 1)
	[ -n "$JOB" ] || { why="'$1 &' started no job: $(last_line "$CMD_OFF")"; return 1; }
}

job_ended() { job_said "[$1] $2: done" || job_said "[$1] $2: failed"; } # ID WORD

# One pass timed in the foreground, then as many as take about BLK_CS (30
# s, 3 passes at least; 1 min before a PV live migration, so that it
# outlasts the migration) as a job beside the shell.
blk_measure() {
	blk_time_passes "$BLK_CS" 3
}

blk_job_start() {
	job_start "blk write xvda 0 $BLK_SECTORS $BLK_SEED $BLK_PASSES" || { why="the block job: $why"; return 1; }
	BLK_JOB=$JOB
}

blk_job_ended() { job_ended "$BLK_JOB" blk; }

# The block job, which ran across a save or a migration (WHEN), ends well
# and its pattern reads back whole.
blk_job_verify() { # WHEN SECONDS
	if ! poll_slowly "$2" blk_job_ended; then
		[ -n "$down" ] && { why=$down; return 1; }
		type_command ps 15 >/dev/null
		why="the block job did not end within $2 s of the $1"
		return 1
	fi
	job_said "[$BLK_JOB] blk: done" || { why="the block job failed: $(tr -d '\r' <"$LOG" | grep -a -m2 '^blk: ' | tr '\n' ' ')"; return 1; }
	type_command "blk verify xvda 0 $BLK_SECTORS $BLK_SEED" 180 >/dev/null || { why="blk verify: $why"; return 1; }
}

# --- the two TCP streams ---

pid_gone() { ! kill -0 "$1" 2>/dev/null; }
# dom0 listens on port 5002 (/proc/net/tcp or tcp6, busybox nc's: 0x138A,
# state 0A).
listening() { grep -qE ':138A [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }

# dom0 -> guest: the guest's sink as a job, then dom0's random bytes,
# hashed through a fifo as nc sends them.
net_in_start() {
	local off
	off=$(log_size)
	job_start "net sink 5001 $SINK_STALL" || { why="the sink: $why"; return 1; }
	SINK_JOB=$JOB
	poll 20 has_text "$off" "net: sink: listening on port 5001" ||
		{ why="the sink did not say it listens within 20 s: $(last_line "$off")"; return 1; }
	rm -f /tmp/in.fifo /tmp/in.sha
	mkfifo /tmp/in.fifo
	sha256sum </tmp/in.fifo >/tmp/in.sha &
	IN_SHA_PID=$!
	(head -c "$BYTES" /dev/urandom | tee /tmp/in.fifo | nc "$GUEST" 5001 2>/tmp/nc-in) &
	NC_PID=$!
}

# guest -> dom0: dom0's nc listens (its stdin a fifo that never ends, as
# busybox nc quits at the end of its stdin), hashing what comes; then the
# guest's source as a job.
net_out_start() {
	rm -f /tmp/out.sha
	[ -p /tmp/hold ] || mkfifo /tmp/hold
	(nc -l -p 5002 <>/tmp/hold 2>/tmp/nc-out | sha256sum >/tmp/out.sha) &
	OUT_PID=$!
	poll 20 listening || { why="dom0's nc did not listen on port 5002 within 20 s"; return 1; }
	job_start "net source $DOM0 5002 $BYTES $NET_SEED" || { why="the source: $why"; return 1; }
	SOURCE_JOB=$JOB
}

streams_ended() {
	job_ended "$SINK_JOB" net && { why="the transfer to the guest"; return 0; }
	job_ended "$SOURCE_JOB" net && { why="the transfer from the guest"; return 0; }
	return 1
}

# The guest's digest, from its line "net: WORD: VERB N bytes sha256 X".
guest_sha() { # WORD
	said "net: $1: " | sed -n 's/.* sha256 \([0-9a-f]\{64\}\) .*/\1/p'
}

net_in_end() {
	local got want
	poll_slowly 600 pid_gone "$NC_PID" || { why=${down:-"dom0's nc still sending 600 s after"}; return 1; }
	wait "$NC_PID" || { why="dom0's nc could not send: $(cat /tmp/nc-in)"; return 1; }
	poll_slowly 120 job_ended "$SINK_JOB" net || { why=${down:-"the sink job did not end within 120 s of dom0's nc"}; return 1; }
	job_said "[$SINK_JOB] net: done" || { why="the sink failed: $(said 'net: sink: failed')"; return 1; }
	wait "$IN_SHA_PID"
	read -r want _ </tmp/in.sha
	got=$(guest_sha sink)
	[ -n "$want" ] && [ "$got" = "$want" ] || { why="sha256 differs: dom0 sent ${want:-none}, the guest got ${got:-none}"; return 1; }
}

net_out_end() {
	local got want
	poll_slowly 600 job_ended "$SOURCE_JOB" net || { why=${down:-"the source job did not end within 600 s"}; return 1; }
	job_said "[$SOURCE_JOB] net: done" || { why="the guest's source failed: $(said 'net: source: ')"; return 1; }
	poll 30 pid_gone "$OUT_PID" || { why="dom0's nc did not see the guest close within 30 s"; return 1; }
	read -r got _ </tmp/out.sha
	want=$(guest_sha source)
	[ -n "$want" ] && [ "$got" = "$want" ] || { why="sha256 differs: the guest sent ${want:-none}, dom0 got ${got:-none}"; return 1; }
}

# On a failure the guest's counters and threads go on the record.
net_end() {
	local ok=1
	if ! net_in_end; then
		why="dom0 -> guest: $why"
	elif ! { trace_mark in done; net_out_end; }; then
		why="guest -> dom0: $why"
	else
		ok=0
	fi
	if [ $ok = 1 ]; then
		local saved=$why
		type_command net 15
		type_command ps 15
		why=$saved
	fi
	return $ok
}

# --- a trace of the streams, for the record ---
# While they run, every half second dom0 notes its clock (cs), the bytes
# its vifs took from and gave to the guest, its TCP's retransmitted
# segments, and how far each stream's nc got; the steps mark their events
# in it.  From it each restore and migration says how soon after it each
# stream moved again: a stream the restore left stalled, waiting on a
# sender's backed-off timer, shows there (the whole trace goes on the
# record after the session).
TRACE=/tmp/net-trace
TRACE_PID=''
# dom0's nc for the stream WHICH: in (it sends), out (nc -l receives).
nc_pid() { # in | out
	local p
	for p in $(pidof nc); do
		case "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in
		*" -l "*) [ "$1" = in ] || echo "$p" ;;
		*) [ "$1" = out ] || echo "$p" ;;
		esac
	done
}
nc_pids() { NC_IN=$(nc_pid in) && NC_OUT=$(nc_pid out) && [ -n "$NC_IN" ] && [ -n "$NC_OUT" ]; }
# One fork a sample: what the sending nc wrote into its socket, what
# nc -l read from its own, from their /proc/PID/io while they last.
trace_sample() { # IN-IO OUT-IO
	local f="/proc/net/dev /proc/net/snmp"
	[ ! -r "$1" ] || f="$f $1"
	[ ! -r "$2" ] || f="$f $2"
	# shellcheck disable=SC2086
	awk -v t="$CLOCK" -v fi="$1" -v fo="$2" '
		FILENAME == "/proc/net/dev" && $0 ~ /vif/ { gsub(/:/, " "); from += $2; to += $10 }
		FILENAME == "/proc/net/snmp" && $1 == "Tcp:" && $13 ~ /^[0-9]+$/ { re = $13 }
		FILENAME == fi && $1 == "wchar:" { i = $2 }
		FILENAME == fo && $1 == "rchar:" { o = $2 }
		END { print t, from + 0, to + 0, re + 0, i + 0, o + 0 }' $f
}
trace_start() {
	poll 5 nc_pids || return 0
	(while :; do
		clock
		trace_sample "/proc/$NC_IN/io" "/proc/$NC_OUT/io"
		sleep 0.5
	done >>"$TRACE") &
	TRACE_PID=$!
}
trace_mark() { clock; echo "# $CLOCK $*" >>"$TRACE"; }
# Seconds from the trace's MARK to the first sample in which the stream in
# column COL (5: into the guest, 6: out of it) had moved on from where it
# stood at the mark; "never" if it did not.  By the samples' own clock: a
# sample read before the mark may land after it in the file.
moved_after() { # MARK COL
	awk -v m="$1" -v c="$2" '
		$1 == "#" { if (at == "" && substr($0, index($0, $3)) == m) at = $2; next }
		at == "" || $1 <= at { base = $c; next }
		!found && $c > base { printf "%.1f s", ($1 - at) / 100; found = 1 }
		END { if (!found) print "never" }' "$TRACE"
}
# The longest spell, from the trace's MARK on, in which the stream in
# column COL did not move (ended by a sample in which it did): the save's
# or the migration's outage and whatever stall followed it.
longest_still() { # MARK COL
	awk -v m="$1" -v c="$2" '
		$1 == "#" { if (at == "" && substr($0, index($0, $3)) == m) at = $2; next }
		at == "" || $1 <= at { base = $c; next }
		moved == "" { moved = at }
		$c > base { if ($1 - moved > max) max = $1 - moved; moved = $1; base = $c }
		END { printf "%.1f s", max / 100 }' "$TRACE"
}
streams_moved() { # MARK
	echo "the streams moved again $(moved_after "$1" 5) (into the guest) and $(moved_after "$1" 6) (out of it) after the $1 mark, still at most $(longest_still "$2" 5) and $(longest_still "$2" 6) from the $2 on"
}
trace_stop() {
	[ -z "$TRACE_PID" ] || kill "$TRACE_PID" 2>/dev/null
	TRACE_PID=''
}
trace_dump() {
	trace_stop
	[ -s "$TRACE" ] || return 0
	echo "==== net trace begin ===="
	cat "$TRACE"
	echo "==== net trace end ===="
}

# A block job and both streams, to run across what comes next.
io_start() {
	trace_mark io start
	blk_job_start && net_in_start && net_out_start || return 1
	[ -n "$TRACE_PID" ] || trace_start
	IO_LIVE=1
}

# They are still running: what comes next is crossed by them.
io_running() { # WHAT
	if blk_job_ended; then why="the block job had ended before the $1: no block I/O across it"; return 1; fi
	if streams_ended; then why="$why had ended before the $1: no network I/O across it"; return 1; fi
}

# After WHEN: the block job ends well and reads back whole, dom0 pings the
# guest, both streams end whole.
io_end() { # WHEN
	IO_LIVE=0
	blk_job_verify "$1" 300 || return 1
	poll 20 pings || return 1
	net_end || return 1
	trace_mark io end
	trace_stop
}

IO_SAID="the block job went on and its pattern reads back whole; ping 3/3; $BYTES bytes each way over TCP whole (sha256 equal at both ends)"

# The new domain $DOMID's guest, after the console's OFFSET: it says it
# resumed in a new domain, answers on its console, has every vCPU online,
# its memory pattern intact, and runs a program.
resumed_new() { # OFFSET
	if ! poll 30 has_text "$1" "resumed in a new domain"; then
		why="domain $DOMID: the guest never said it resumed (last console line: '$(last_line "$1")')"
		return 1
	fi
	console_open "$DOMID" || return 1
	poll 20 all_up || return 1
	expect "balloon check" "pattern intact" || return 1
	# A program runs: system calls reach the kernel again (on PV through
	# the syscall callbacks the resume registered anew).
	expect "run utest hello" "hello from user mode" "exited with 0" || { why="a program after the resume: $why"; return 1; }
}

# The balloon's target is still TARGET_MB, in the guest's eyes and xl
# list's, which shows the vCPUs too.
target_kept() {
	local mem vcpus
	expect balloon "target $((TARGET_MB * 1024)) KiB" || { why="the balloon's target: $why"; return 1; }
	xl list "$NAME" >/tmp/xl-list 2>&1
	mem=$(awk 'NR == 2 { print $3 }' /tmp/xl-list)
	vcpus=$(awk 'NR == 2 { print $4 }' /tmp/xl-list)
	[ "$mem" = "$TARGET_MB" ] && [ "$vcpus" = "$VCPUS_ALL" ] ||
		{ why="xl list shows ${mem:-?} MiB and ${vcpus:-?} vCPUs, not $TARGET_MB and $VCPUS_ALL"; return 1; }
}

# xl save, then xl restore of that file: the new domain's guest resumed.
# Without a TARGET_MB, the checks are the restore step's.
save_restore() {
	local off
	off=$(log_size)
	rm -f "$SAVE"
	if ! timeout "$(budget 120)" xl save "$NAME" "$SAVE" >/tmp/xl-save 2>&1; then
		show "xl save" /tmp/xl-save
		why="xl save failed: $(first_error /tmp/xl-save); the guest said: '$(last_line "$off")'"
		return 1
	fi
	poll 10 gone || { why="domain $DOMID still in xl list after xl save"; return 1; }
	console_close
	note_logs
	if ! timeout "$(budget 120)" xl restore "$SAVE" >/tmp/xl-restore 2>&1; then
		show "xl restore" /tmp/xl-restore
		why="xl restore failed: $(first_error /tmp/xl-restore)"
		return 1
	fi
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	[ -n "$DOMID" ] || { why="no domain $NAME after xl restore"; return 1; }
	follow_log "$MAIN_LOG" "$OFF_MAIN"
	resumed_new "$off" && target_kept && clock_on
}

# xl migrate to this host, to RECEIVER (with xl's further ARGS before the
# domain): 0 when xl says it migrated, with $old the domain it left.
xl_migrate() { # ARGS...
	old=$DOMID
	timeout "$(budget 300)" xl migrate "$@" -s "" "$NAME" "xl migrate-receive" >/tmp/xl-migrate 2>&1
}

# The console logs a new domain prints to: xl restore's, named as the
# domain; a migration's, under the name the receiver first gave it
# (NAME--incoming, renamed once it runs).  xenconsoled appends to them.
MAIN_LOG=$LOG
IN_LOG=/var/log/xen/console/guest-$NAME--incoming.log
size_of() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
# Their sizes before the new domain prints.
note_logs() { OFF_MAIN=$(size_of "$MAIN_LOG") OFF_IN=$(size_of "$IN_LOG"); }

# The new domain prints to FILE, from OFFSET: LOG follows it (the one it
# leaves kept in OLD_LOGS, once), and $off is where to look from.
follow_log() { # FILE OFFSET
	off=$2
	[ "$LOG" != "$1" ] || return 0
	case " $OLD_LOGS " in *" $LOG "*) ;; *) OLD_LOGS="$OLD_LOGS $LOG" ;; esac
	LOG=$1
}

# After a migration that xl says worked: the new domain's guest resumed.
migrated() {
	local off
	console_close
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	[ -n "$DOMID" ] && [ "$DOMID" != "$old" ] || { why="no new domain $NAME after xl migrate (domid '${DOMID:-none}')"; return 1; }
	follow_log "$IN_LOG" "$OFF_IN"
	resumed_new "$off"
}

# Before finish, which shows LOG: the console of the guest's earlier
# domains, for the record and for the runner's check of error reports.
dump_old_logs() {
	local l
	for l in $OLD_LOGS; do
		[ "$l" != "$LOG" ] || continue
		echo "==== domU console of earlier domains ($l) begin ===="
		tr -d '\r' <"$l"
		echo
		echo "==== domU console of earlier domains end ===="
	done
}

# A count below the issue's 10 says so, and why.
count_note() { # N
	[ "$1" -ge 10 ] || echo " (not 10: ${COUNT_WHY:-no reason given})"
}

step_fill() {
	expect "balloon fill" "pattern written in 64 pages" || { bad fill "$why"; return 1; }
	all_up || { bad fill "$why"; return 1; }
	clock_on || { bad fill "$why"; return 1; }
	blk_measure || { bad fill "$why"; return 1; }
	io_start || { bad fill "$why"; return 1; }
	ok fill "64 pages hold a pattern; all $VCPUS_ALL vCPUs online; up $UP_LAST ms; a block job writing $BLK_PASSES passes of $((BLK_SECTORS / 2048)) MiB; $BYTES bytes on their way over TCP each way"
}

step_save() {
	local t0 off
	off=$(log_size)
	clock
	t0=$CLOCK
	io_running save || { bad save "$why"; return 1; }
	trace_mark save
	if ! timeout "$(budget 120)" xl save "$NAME" "$SAVE" >/tmp/xl-save 2>&1; then
		show "xl save" /tmp/xl-save
		bad save "xl save failed: $(first_error /tmp/xl-save); the guest said: '$(last_line "$off")'"
		return 1
	fi
	trace_mark saved
	show "xl save" /tmp/xl-save
	poll 10 gone || { bad save "domain $DOMID still in xl list after xl save"; return 1; }
	console_close
	ok save "$(stat -c %s "$SAVE") bytes in $(since "$t0") s; domain $DOMID gone"
}

step_restore() {
	local t0 off old=$DOMID before=$UP_LAST up
	off=$(log_size)
	clock
	t0=$CLOCK
	if ! timeout "$(budget 120)" xl restore "$SAVE" >/tmp/xl-restore 2>&1; then
		show "xl restore" /tmp/xl-restore
		bad restore "xl restore failed: $(first_error /tmp/xl-restore)"
		return 1
	fi
	trace_mark restored
	show "xl restore" /tmp/xl-restore
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	[ -n "$DOMID" ] || { bad restore "no domain $NAME after xl restore"; return 1; }
	resumed_new "$off" || { bad restore "$why"; return 1; }
	expect balloon "target $((MEMORY * 1024)) KiB" || { bad restore "the balloon's target: $why"; return 1; }
	clock_on || { bad restore "$why"; return 1; }
	trace_mark checked
	io_end restore || { bad restore "$why"; return 1; }
	rm -f "$SAVE"
	ok restore "domid $old -> $DOMID in $(since "$t0") s; $(streams_moved restored save); all $VCPUS_ALL vCPUs online; pattern intact; balloon target kept; up $before -> $up ms; $IO_SAID; $(said 'reconnected after the restore'); $(said 'xen: resume: the clock goes on')"
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
	rm -f "$SAVE.ck"
}

# The receiver's config: the guest's own as a plain xl config, with which
# the receiver's block hotplug script refuses the disk the domain at the
# source holds writable, and with its vif on a bridge dom0 does not have:
# the receiver finds either only when it plugs the devices in, after the
# whole stream came and the guest at the source suspended.
FAIL_CFG=/tmp/receiver-fails.cfg
step_migrate_fail() {
	local t0 off
	sed 's/bridge=xenbr0/bridge=nosuchbr/' /guest/domu.cfg >"$FAIL_CFG"
	grep -q 'bridge=nosuchbr' "$FAIL_CFG" || { bad migrate-fail "no vif bridge in the config to break"; return 1; }
	blk_job_start || { bad migrate-fail "$why"; return 1; }
	off=$(log_size)
	clock
	t0=$CLOCK
	if xl_migrate -C "$FAIL_CFG"; then
		show "xl migrate" /tmp/xl-migrate
		bad migrate-fail "xl migrate to a receiver that cannot plug the vif in succeeded"
		return 1
	fi
	show "xl migrate" /tmp/xl-migrate
	grep -q 'migration target: Domain creation failed' /tmp/xl-migrate ||
		{ bad migrate-fail "the receiver did not fail where it should, after the stream: $(first_error /tmp/xl-migrate)"; return 1; }
	grep -q 'Migration failed, resuming at sender' /tmp/xl-migrate ||
		{ bad migrate-fail "xl did not resume the guest at the sender: $(tail -n 1 /tmp/xl-migrate)"; return 1; }
	[ "$(xl domid "$NAME" 2>/dev/null)" = "$DOMID" ] || { bad migrate-fail "domain $NAME is no longer $DOMID"; return 1; }
	if ! poll 30 has_text "$off" "suspend: cancelled"; then
		bad migrate-fail "the guest never said the suspend was cancelled (last console line: '$(last_line "$off")')"
		return 1
	fi
	poll 20 all_up || { bad migrate-fail "$why"; return 1; }
	expect "balloon check" "pattern intact" || { bad migrate-fail "$why"; return 1; }
	clock_on || { bad migrate-fail "$why"; return 1; }
	blk_job_verify "failed migration" 300 || { bad migrate-fail "$why"; return 1; }
	poll 20 pings || { bad migrate-fail "$why"; return 1; }
	ok migrate-fail "xl gave up after $(since "$t0") s: '$(grep -m1 -o 'script: .*' /tmp/xl-migrate)', '$(grep -m1 -o 'migration target: Domain creation failed[^.]*' /tmp/xl-migrate)', 'Migration failed, resuming at sender'; $(said 'xen: suspend: cancelled'); domid $DOMID kept, all $VCPUS_ALL vCPUs online, pattern intact, up $UP_LAST ms; a block job writing across it went on and reads back whole; ping 3/3"
}

step_migrate() {
	local t0 old
	# The fill's block job and streams cross this one when no save came
	# first; else fresh ones.
	if [ "$IO_LIVE" = 0 ]; then
		io_start || { bad migrate "$why"; return 1; }
	fi
	io_running migration || { bad migrate "$why"; return 1; }
	note_logs
	clock
	t0=$CLOCK
	trace_mark migrate
	if ! xl_migrate; then
		show "xl migrate" /tmp/xl-migrate
		bad migrate "xl migrate failed: $(first_error /tmp/xl-migrate)"
		return 1
	fi
	trace_mark migrated
	show "xl migrate" /tmp/xl-migrate
	migrated || { bad migrate "$why"; return 1; }
	clock_on || { bad migrate "$why"; return 1; }
	trace_mark checked
	io_end migration || { bad migrate "$why"; return 1; }
	ok migrate "domid $old -> $DOMID in $(since "$t0") s, live; $(streams_moved migrated migrate); all $VCPUS_ALL vCPUs online, pattern intact, up $UP_LAST ms; $IO_SAID"
}

# The balloon's target, below the boot memory, that the cycles keep.
step_target() {
	TARGET_MB=$((MEMORY / 2))
	if ! xl mem-set "$NAME" "${TARGET_MB}m" >/tmp/xl-memset 2>&1; then
		show "xl mem-set" /tmp/xl-memset
		bad target "xl mem-set $NAME ${TARGET_MB}m failed: $(tail -n 1 /tmp/xl-memset)"
		return 1
	fi
	poll 30 expect balloon "current $((TARGET_MB * 1024)) KiB" || { bad target "$why"; return 1; }
	target_kept || { bad target "$why"; return 1; }
	ok target "xl mem-set ${TARGET_MB}m: the guest holds $((TARGET_MB * 1024)) KiB, xl list $TARGET_MB MiB"
}

step_saves() {
	local t0 i=0 first=$DOMID up0=$UP_LAST
	clock
	t0=$CLOCK
	while [ $i -lt "$SAVES" ]; do
		i=$((i + 1))
		save_restore || { bad saves "cycle $i of $SAVES: $why"; return 1; }
	done
	ok saves "$SAVES save/restore cycles in a row in $(since "$t0") s$(count_note "$SAVES"): domid $first -> $DOMID; after each all $VCPUS_ALL vCPUs online, pattern intact, balloon target ${TARGET_MB} MiB kept (xl list alike), clock on (up $up0 -> $UP_LAST ms)"
}

step_migrations() {
	local t0 i=0 first=$DOMID up0=$UP_LAST old
	clock
	t0=$CLOCK
	while [ $i -lt "$MIGRATIONS" ]; do
		i=$((i + 1))
		note_logs
		if ! xl_migrate; then
			show "xl migrate" /tmp/xl-migrate
			bad migrations "migration $i of $MIGRATIONS: xl migrate failed: $(first_error /tmp/xl-migrate)"
			return 1
		fi
		{ migrated && target_kept && clock_on; } || { bad migrations "migration $i of $MIGRATIONS: $why"; return 1; }
	done
	ok migrations "$MIGRATIONS live migrations in a row in $(since "$t0") s$(count_note "$MIGRATIONS"): domid $first -> $DOMID; after each all $VCPUS_ALL vCPUs online, pattern intact, balloon target ${TARGET_MB} MiB kept (xl list alike), clock on (up $up0 -> $UP_LAST ms)"
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

# Runs STEP; after a failure the steps left are not run (each needs the
# guest as the steps before left it), and say why.
STOP=''
run_step() { # STEP
	local rc=0
	[ -z "$STOP" ] || { bad "$1" "not run: $STOP"; return; }
	case $1 in
	create) step_create || rc=1 ;;
	fill) step_fill || rc=1 ;;
	save) step_save || rc=1 ;;
	restore) step_restore || rc=1 ;;
	checkpoint) step_checkpoint || rc=1 ;;
	migrate-fail) step_migrate_fail || rc=1 ;;
	migrate) step_migrate || rc=1 ;;
	target) step_target || rc=1 ;;
	saves) step_saves || rc=1 ;;
	migrations) step_migrations || rc=1 ;;
	shutdown) step_shutdown_unwatched || rc=1 ;;
	*) bad "$1" "no such step" ;;
	esac
	[ $rc = 0 ] || STOP="step $1 failed"
}

main() {
	local s
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	[ -z "${NOTE:-}" ] || echo "session: note: $NOTE"
	echo "session: counts: $SAVES save/restore cycles, $MIGRATIONS migrations${COUNT_WHY:+ ($COUNT_WHY)}"
	disk_setup || echo "session: could not make the disk image and /dev/loop4 in dom0"
	for s in $STEPS; do run_step "$s"; done
	trace_dump
	dump_old_logs
	finish
}
