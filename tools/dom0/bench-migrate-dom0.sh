# shellcheck shell=dash disable=SC2034,SC1091,SC2154
# The dom0 half of tools/bench-migrate.sh, run after tests/vm/xl-dom0-lib.sh's
# functions (step_create, type_command, console_open, poll...).  Two guests
# of the same size (the configs in /guest: TYPE, memory, vCPUs, one
# read-only disk and one vif on xenbr0 each), one after the other: first
# Amphi (its shell), then Debian's Linux (tools/dom0/domu-init's command
# loop).  For each:
#   rest:      REST seconds without a migration, the ticker and the pings
#              running: what they show when nothing happens;
#   migrate N: ROUNDS times, `xl migrate -s "" NAME "xl migrate-receive"`
#              to this same host (xl runs the receiver itself when -s is
#              empty), as tests/vm/steps/save.sh does, timed by dom0 from
#              start to xl's exit; across it the guest's ticker runs
#              (`ticker 900 &`, the same command in both: Amphi's shell
#              command, Linux's tools/dom0/ticker.c), stopped once the
#              migration is over, and dom0's tools/dom0/pinger.c sends one
#              echo request every 10 ms to the guest's address, stopped
#              once the guest has answered a second's worth again.
# Every result is one line "bench-migrate: TYPE GUEST WHAT: ..." (a number,
# or FAILED with why), between "==== bench begin/end ====".
. /guest/bench-params # TYPE ROUNDS REST
IN_LOG=''
# Linux as a PVH domU took more than a minute to boot here (step_create's
# wait otherwise).
CREATE_WAIT=300
PING_PID=''

say() { echo "bench-migrate: $TYPE $*"; }

# Switches the session functions to guest NAME with its config, prompt,
# the banner that says it is up, and its address on xenbr0.
use_guest() { # NAME PROMPT BANNER ADDR
	NAME=$1 PROMPT=$2 BANNER=$3 ADDR=$4
	LOG=/var/log/xen/console/guest-$NAME.log
	XL_LOG=/var/log/xen/xl-$NAME.log
	# A migrated domain prints to the log of the name the receiver first
	# gives it; xenconsoled appends there at each migration.
	IN_LOG=/var/log/xen/console/guest-$NAME--incoming.log
	cp "/guest/$NAME.cfg" /guest/domu.cfg
}

size_of() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# --- the ticker: started as a job, stopped by hand, its one line read ---

ticker_start() {
	type_command "ticker 900 &" 15 || { why="'ticker 900 &': $why"; return 1; }
}

# TICKER: the ticker's line, without "ticker: ".
TICKER=''
ticker_said() { # OFFSET
	log_after "$1"
	TICKER=$(tr -d '\r' </tmp/after | grep -a -m1 -o 'ticker: [0-9]* ticks in .*' | sed 's/^ticker: //')
	[ -n "$TICKER" ]
}

ticker_stop() { # STOP-CMD
	local off
	off=$(log_size)
	type_command "$1" 15 || { why="'$1': $why"; return 1; }
	poll 30 ticker_said "$off" || { why="the ticker said nothing within 30 s of '$1'"; return 1; }
}

# --- dom0's pings, one every 10 ms (tools/dom0/pinger.c) ---

ping_start() {
	/guest/pinger "$ADDR" >/tmp/ping.out 2>&1 &
	PING_PID=$!
}

# How many the guest answered so far, by the pinger's line each second.
replies() { sed -n 's/^pinger: \([0-9]*\) answered$/\1/p' /tmp/ping.out | tail -n 1 | grep . || echo 0; }
# More than N answers so far?
replies_over() { [ "$(replies)" -gt "$1" ]; }

# PINGS: the pinger's last line: how many it sent, how far apart, how many
# were answered, and the longest run left unanswered.
PINGS=''
ping_stop() {
	kill -INT "$PING_PID" 2>/dev/null
	poll 5 pid_gone "$PING_PID" || kill -9 "$PING_PID" 2>/dev/null
	PINGS=$(grep -m1 ' sent in ' /tmp/ping.out | sed 's/^pinger: //')
	[ -n "$PINGS" ] || PINGS="the pinger said nothing: $(tail -n 1 /tmp/ping.out)"
}

# --- the measurements ---

rest() { # STOP-CMD
	ticker_start || { say "$NAME rest FAILED: $why"; return 1; }
	ping_start
	sleep "$REST"
	ping_stop
	ticker_stop "$1" || { say "$NAME rest FAILED: $why"; return 1; }
	say "$NAME rest: ticker: $TICKER; pings: $PINGS"
}

# What Amphi's resume said of the time away; nothing for Linux.
away_said() { # OFFSET
	log_after "$1"
	tr -d '\r' </tmp/after | grep -a -m1 -o '[0-9]* ms away by Xen.s wallclock' | sed 's/ ms away by.*/ ms/'
}

migrate_round() { # ROUND STOP-CMD
	local off t0 cs n old=$DOMID away
	ticker_start || { say "$NAME migrate $1 FAILED: $why"; return 1; }
	ping_start
	sleep 2
	off=$(size_of "$IN_LOG")
	clock
	t0=$CLOCK
	if ! timeout "$(budget 300)" xl migrate -s "" "$NAME" "xl migrate-receive" >/tmp/xl-migrate 2>&1; then
		ping_stop
		show "xl migrate" /tmp/xl-migrate
		say "$NAME migrate $1 FAILED: xl migrate: $(first_error /tmp/xl-migrate)"
		return 1
	fi
	clock
	cs=$((CLOCK - t0))
	show "xl migrate" /tmp/xl-migrate
	console_close
	LOG=$IN_LOG
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	[ -n "$DOMID" ] && [ "$DOMID" != "$old" ] || { ping_stop; say "$NAME migrate $1 FAILED: no new domain after xl migrate"; return 1; }
	console_open "$DOMID" || { ping_stop; say "$NAME migrate $1 FAILED: $why"; return 1; }
	# Until the guest has answered a second's worth after the migration.
	n=$(replies)
	poll 60 replies_over $((n + 100)) || say "$NAME migrate $1 note: fewer than 100 pings answered within 60 s of the migration"
	ping_stop
	ticker_stop "$2" || { say "$NAME migrate $1 FAILED: $why"; return 1; }
	away=$(away_said "$off")
	say "$NAME migrate $1: xl migrate in $cs cs, domid $old -> $DOMID; ticker: $TICKER; pings: $PINGS${away:+; the guest was away $away by its own count}"
}

# The guest's console answers a command cleanly (Amphi prints what its
# devices found after its first prompt, which would fall between the
# first command typed and the shell's echo of it), and it answers a ping:
# the rest is to measure a guest that is up, not one still coming up.
settled() { type_command uptime 15 >/dev/null && ping -c 1 -W 2 "$ADDR" >/dev/null 2>&1; }

bench_guest() { # STOP-CMD
	local r=0
	step_create || { say "$NAME all FAILED: the domain did not come up"; return; }
	sleep 2
	poll 60 settled || say "$NAME note: 'uptime' not answered cleanly, or no ping answered, within 60 s"
	say "$NAME config: $(grep -E '^(type|memory|vcpus) ' /guest/domu.cfg | tr -d '"' | tr '\n' ' ')"
	rest "$1"
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		migrate_round $r "$1" || break
	done
	console_close
	xl destroy "$NAME" 2>/dev/null
	poll 40 gone || say "$NAME note: the domain is still there 40 s after xl destroy"
}

# Both logs of a guest: before its first migration and after.
dump_guest() {
	dump
	[ -f "$IN_LOG" ] || return 0
	echo "==== after the migrations ===="
	LOG=$IN_LOG
	dump
}

disk_setup() {
	dd if=/dev/zero of=/tmp/bench.img bs=1M count=16 2>/dev/null && losetup /dev/loop4 /tmp/bench.img
}

main() {
	echo "==== bench begin ===="
	if disk_setup; then
		use_guest amphi 'amphi> ' '), entered through ' 169.254.0.2
		bench_guest "ticker stop"
		use_guest linux 'linux> ' 'domu: ready' 169.254.0.3
		bench_guest "killall -USR1 ticker"
	else
		say "all FAILED: cannot set up /dev/loop4 on a 16 MiB image"
	fi
	for g in amphi:169.254.0.2 linux:169.254.0.3; do
		use_guest "${g%:*}" '' '' "${g#*:}"
		dump_guest
	done
	echo "==== bench end ===="
}
