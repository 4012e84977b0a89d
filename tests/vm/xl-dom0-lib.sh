#!/bin/sh
# The dom0 half of tests/vm/xl-steps.sh: the functions a scenario's steps
# (tests/vm/steps/) are made of.  xl-steps.sh puts this file, then the
# steps file, then a call to its main into the /scenario.sh that
# tools/dom0/init runs (busybox sh).  They use a domU the way a person at
# the host does: xl create, type into its console, xl list, xl mem-set,
# xl reboot, xl shutdown.
#
# Typing goes where `xl console` sends it: the pty xenconsoled made for the
# domain, named in xenstore (/local/domain/<domid>/console/tty).  Answers
# are read from xenconsoled's log of the guest console, which holds
# everything the guest printed, in order, across reboots.  Each step ends
# with one line
#     session: step NAME: ok (DETAIL)  |  session: step NAME: FAILED: WHY
# and every wait is bounded, by its own limit and by the run's deadline.
# Between "==== session begin/end ====" the host harness copies it all.

# shellcheck shell=dash disable=SC1091
set -u
. /guest/params # NAME MEMORY DEADLINE
LOG=/var/log/xen/console/guest-$NAME.log
XL_LOG=/var/log/xen/xl-$NAME.log
PROMPT='amphi> '
# How long xl reboot and xl shutdown -w may take: the guest takes a request
# in well under a second; xl itself would wait a minute for it.
XL_WAIT=20
# How long step_create waits for the guest's prompt (a bench's Linux PVH
# guest takes minutes to boot here).
CREATE_WAIT=60
BANNER='), entered through '
failed=''
DOMID=''
TTY=''
PTY_READER=''

# Time is dom0's uptime in centiseconds, read without a fork: the wait
# loops run often, and every process costs under this emulation.  (dom0 has
# been up for seconds by now, so the integer part has no leading zero.)
clock() {
	read -r CLOCK _ </proc/uptime
	CLOCK=${CLOCK%.*}${CLOCK#*.}
}
# Seconds since a clock reading, to a tenth.
since() { # CLOCK-THEN
	clock
	echo "$(((CLOCK - $1) / 100)).$(((CLOCK - $1) % 100 / 10))"
}

# Runs COMMAND until it succeeds, for at most LIMIT seconds and never past
# the run's deadline; $late says when the deadline ended a wait.
# POLL_GUARD, when set, names a command asked every 10 s that ends the
# wait early when it succeeds (see poll_guest).
late='' POLL_GUARD=''
poll() { # LIMIT COMMAND...
	local end limit=$1 capped='' guard_at
	shift
	clock
	end=$((CLOCK + limit * 100))
	guard_at=$((CLOCK + 1000))
	if [ "$end" -ge $((DEADLINE * 100)) ]; then
		end=$((DEADLINE * 100))
		capped=1
	fi
	while ! "$@"; do
		clock
		if [ "$CLOCK" -ge "$end" ]; then
			late=$capped
			return 1
		fi
		if [ -n "$POLL_GUARD" ] && [ "$CLOCK" -ge "$guard_at" ]; then
			"$POLL_GUARD" && return 1
			clock
			guard_at=$((CLOCK + 1000))
		fi
		sleep "$POLL_EVERY"
	done
}
# How often poll asks: 0.1 s, for the prompt and what follows a step at
# once.  A wait of minutes on the guest's jobs and streams asks every
# second (poll_slowly): each asking forks a grep of the guest's whole
# console log, CPU that dom0's netback and the streams' hashing need on
# these two busy cores.
POLL_EVERY=0.1
poll_slowly() { # LIMIT COMMAND...
	local rc=0
	POLL_EVERY=1
	poll_guest "$@" || rc=1
	POLL_EVERY=0.1
	return $rc
}

# Is the domain down (crashed, dying, shut down and not running, or gone
# from xl list)?  Sets $down to say so.  Not for the moments a step takes
# it down itself.  A domain whose suspend was cancelled (a failed
# migration) runs on while xl still shows it shut down: ---sr-.
dom_down() {
	local state
	state=$(xl list -v "$NAME" 2>/dev/null | awk 'NR == 2 { print $5 }')
	case $state in
	'') down="domain ${DOMID:-?} left xl list while the step waited on it" ;;
	*c* | *d*) down="domain ${DOMID:-?} went down (state $state) while the step waited on it" ;;
	*r* | *b*) return 1 ;;
	*s*) down="domain ${DOMID:-?} went down (state $state) while the step waited on it" ;;
	*) return 1 ;;
	esac
}

# poll, for the long waits on what the guest does (its jobs, the streams to
# and from it): a guest that died is seen within 10 s, not at the limit,
# and $down says so (empty when the wait ended otherwise).
down=''
poll_guest() { # LIMIT COMMAND...
	local rc=0
	down='' POLL_GUARD=dom_down
	poll "$@" || rc=1
	POLL_GUARD=''
	return $rc
}

# LIMIT, or the seconds left before the deadline if fewer (at least 1): for
# waits that poll() does not run, like xl's own.
budget() { # LIMIT
	local left
	clock
	left=$((DEADLINE - CLOCK / 100))
	[ "$left" -ge 1 ] || left=1
	if [ "$1" -lt "$left" ]; then echo "$1"; else echo "$left"; fi
}

ok() { echo "session: step $1: ok${2:+ ($2)}"; }
bad() {
	echo "session: step $1: FAILED: $2${late:+ (cut short: the run was out of time)}"
	failed="$failed $1"
	late=''
}
# Prints a file's lines, each after a prefix, for the record.
show() { sed "s/^/$1: /" "$2"; }

# The guest's lines end in CR LF.  The checks below look for text within
# lines, so only what is shown drops the CRs.
log_size() { if [ -f "$LOG" ]; then stat -c %s "$LOG"; else echo 0; fi; }
# The console text written after byte OFFSET, into /tmp/after.
log_after() { tail -c +"$(($1 + 1))" "$LOG" >/tmp/after 2>/dev/null; }
last_line() { tail -c +"$(($1 + 1))" "$LOG" 2>/dev/null | tr -d '\r' | grep -v '^$' | tail -n 1; }

# Does the console, after OFFSET, hold TEXT?
has_text() { # OFFSET TEXT
	log_after "$1"
	grep -qF -- "$2" /tmp/after
}

# Does the console, after OFFSET, show a boot: the banner, then the prompt?
has_boot() { # OFFSET
	log_after "$1"
	awk -v b="$BANNER" -v p="$PROMPT" 'index($0, b) { up = 1 } up && index($0, p) { ok = 1 }
		END { exit !ok }' /tmp/after
}

xs() { xenstore-read "$1" 2>/dev/null || echo '(none)'; }

# Opens the domain's console pty as fd 3 and drains what the guest prints
# there into /tmp/pty.DOMID, as `xl console` would read it.
read_tty() { TTY=$(xenstore-read "$1" 2>/dev/null) && [ -n "$TTY" ]; }

console_open() { # DOMID
	local path=/local/domain/$1/console/tty
	poll 10 read_tty "$path" || { why="no $path in xenstore after 10 s"; return 1; }
	# A failed redirection on exec would end this shell: try it first.
	if ! (: <>"$TTY") 2>/dev/null; then
		why="cannot open the console pty $TTY"
		return 1
	fi
	exec 3<>"$TTY"
	cat <&3 >"/tmp/pty.$1" 2>/dev/null &
	PTY_READER=$!
	echo "session: domain $1's console is $TTY"
}

console_close() {
	exec 3>&-
	[ -z "$PTY_READER" ] || kill "$PTY_READER" 2>/dev/null
	PTY_READER=''
}

# Prints the answer in /tmp/after between markers, and puts what was wrong
# with it, if anything, in /tmp/why.  The shell's echo of what was typed
# is the first line equal to it: a message the kernel prints on its own
# (a link coming up, say) may come between the prompt and the echo.  The
# answer ends at the next prompt.  One awk does it all: in
# this emulated PV dom0 every process started costs a good part of a second.
answer() { # CMD WHY-SO-FAR SECONDS
	awk -v cmd="$1" -v why="$2" -v took="$3" -v p="$PROMPT" '
		{ sub(/\r$/, "") }
		!echo_seen && $0 == cmd { echo_seen = 1; echoed = $0; next }
		!echo_seen { if (echoed == "" && $0 != "") echoed = $0; early[++e] = $0; next }
		done { next }
		index($0, p) == 1 { done = 1; next }
		{ ans[++n] = $0 }
		index($0, "no such command") { nosuch = 1 }
		index($0, word ": failed") == 1 { failed = 1 }
		BEGIN { word = cmd; sub(/ .*/, "", word) }
		END {
			print "==== command begin: " cmd " ===="
			for (i = 1; i <= e; i++)
				print (echo_seen ? "(printed before the echo) " : "") early[i]
			for (i = 1; i <= n; i++)
				print ans[i]
			if (why == "" && !echo_seen)
				why = "typed \047" cmd "\047, the shell echoed \047" echoed "\047"
			else if (why == "" && nosuch)
				why = "no such command"
			else if (why == "" && failed)
				why = "the command failed"
			if (why == "")
				print "==== command end: ok (" n + 0 " lines in " took " s) ===="
			else
				print "==== command end: FAILED: " why " ===="
			print why >"/tmp/why"
		}' /tmp/after
}

# Types one command into the console and returns at once, for a command
# that waits on something dom0 does next; end_command collects the answer.
CMD_OFF=0 CMD_T0=0
start_command() { # CMD
	CMD_OFF=$(log_size)
	clock
	CMD_T0=$CLOCK
	why=''
	printf '%s\r' "$1" >&3 || { why="cannot write to the console pty $TTY"; return 1; }
}

# Waits for the prompt after start_command's CMD; on failure returns 1
# with $why set.  The answer is in /tmp/after.
end_command() { # CMD LIMIT
	poll_guest "$2" has_text "$CMD_OFF" "$PROMPT" || why=${down:-"no prompt within $2 s after typing it"}
	echo "the answer could not be read" >/tmp/why
	answer "$1" "$why" "$(since "$CMD_T0")"
	read -r why </tmp/why
	[ -z "$why" ]
}

# Types one command into the console and waits for the next prompt; on
# failure returns 1 with $why set.
type_command() { # CMD LIMIT
	start_command "$1" || return 1
	end_command "$1" "$2"
}

# Types CMD; the answer must hold every TEXT given.  Sets $why, with the
# answer's last line when a TEXT is missing.
expect() { # CMD TEXT...
	local cmd=$1 t last
	shift
	type_command "$cmd" 15 || { why="'$cmd': $why"; return 1; }
	for t in "$@"; do
		grep -qF -- "$t" /tmp/after && continue
		last=$(tr -d '\r' </tmp/after | grep -vF -e "$PROMPT" -e "$cmd" | grep -v '^$' | tail -n 1)
		why="'$cmd' did not say '$t' (its last line: '$last')"
		return 1
	done
}

# --- block and TCP traffic a step runs under (steps/vcpu.sh, save.sh) ---

# One pass of `blk write` over xvda's first BLK_SECTORS in the foreground,
# timed: BLK_PASSES is then as many passes as take about CS centiseconds
# (at least MIN, at most 200), so that a job of them still runs when the
# step acts, whatever the disk's speed (PV's is several times PVH's here).
blk_time_passes() { # CS MIN
	local t0
	clock
	t0=$CLOCK
	type_command "blk write xvda 0 $BLK_SECTORS $BLK_SEED" 120 || { why="the first pass: $why"; return 1; }
	clock
	BLK_PASS_CS=$((CLOCK - t0 + 1))
	BLK_PASSES=$(($1 / BLK_PASS_CS + 1))
	[ "$BLK_PASSES" -ge "$2" ] || BLK_PASSES=$2
	[ "$BLK_PASSES" -le 200 ] || BLK_PASSES=200
}

# BYTES of random data for dom0 to send the guest, and their sha256.
net_data() {
	head -c "$BYTES" /dev/urandom >/tmp/in.bin
	WANT=$(sha256sum </tmp/in.bin | cut -d' ' -f1)
}

# dom0 sends them to the guest's `net sink 5001`, in the background,
# connecting until the sink listens; NC_PID is the sender.
net_send() {
	(
		n=0
		until nc "$GUEST" 5001 </tmp/in.bin 2>/tmp/nc-in; do
			n=$((n + 1))
			[ $n -lt 20 ] || exit 1
			sleep 1
		done
	) &
	NC_PID=$!
}

# The first error xl (or libxc under it) printed, else its last line.
first_error() { awk '/^(xc|libxl): error/ { print; found = 1; exit } { last = $0 }
	END { if (!found) print last }' "$1"; }

step_create() {
	local t0
	echo "==== xl config ===="
	cat /guest/domu.cfg
	clock
	t0=$CLOCK
	if ! xl create /guest/domu.cfg >/tmp/xl-create 2>&1; then
		show "xl create" /tmp/xl-create
		bad create "xl create failed: $(first_error /tmp/xl-create)"
		return 1
	fi
	show "xl create" /tmp/xl-create
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	if ! poll "$CREATE_WAIT" has_boot 0; then
		bad create "domain ${DOMID:-?}: no banner and prompt within $CREATE_WAIT s (last console line: '$(last_line 0)')"
		return 1
	fi
	if ! console_open "$DOMID"; then
		bad create "$why"
		return 1
	fi
	ok create "domid $DOMID, prompt $(since "$t0") s after xl create"
}

step_commands() {
	local cmd n=0 errs=''
	# The list comes in on fd 4, so nothing in the loop can eat it.
	while read -r cmd <&4; do
		[ -n "$cmd" ] || continue
		n=$((n + 1))
		type_command "$cmd" 15 || errs="$errs${errs:+; }'$cmd': $why"
	done 4<<EOF
$COMMANDS
EOF
	if ! grep -qF "$PROMPT" "/tmp/pty.$DOMID" 2>/dev/null; then
		errs="$errs${errs:+; }the pty $TTY carried no prompt"
	fi
	if [ -n "$errs" ]; then
		bad commands "$errs"
		return 1
	fi
	ok commands "$n answered, the pty showed them too ($(stat -c %s "/tmp/pty.$DOMID") bytes)"
}

step_list() {
	local mem
	xl list "$NAME" >/tmp/xl-list 2>&1
	show "xl list" /tmp/xl-list
	mem=$(awk 'NR == 2 { print $3 }' /tmp/xl-list)
	if [ "$mem" != "$MEMORY" ]; then
		bad list "xl list shows memory '${mem:-none}' MiB, the config gave $MEMORY"
		return 1
	fi
	ok list "memory $mem"
}

# xl's own words about a control request, if they say it could not be sent.
xl_refused() { grep -iE 'not support|fallback|not available|PV control' "$1" | head -n 1; }

# Does $NAME have a domain id other than OLD?  Sets $new.
new_domid() { # OLD
	new=$(xl domid "$NAME" 2>/dev/null) && [ -n "$new" ] && [ "$new" != "$1" ]
}

# Why a domain did not act on a control/shutdown request, from the store:
# a guest takes a request by clearing the key.
control_state() { # DOMID
	local dir=/local/domain/$1/control req
	req=$(xs "$dir/shutdown")
	case $req in
	'' | '(none)') printf 'the guest took the request but did not go down' ;;
	*) printf "the guest did not take the request: control/shutdown is still '%s'" "$req" ;;
	esac
	echo "; feature-poweroff '$(xs "$dir/feature-poweroff")', feature-reboot '$(xs "$dir/feature-reboot")'"
}

# Runs a request xl hands the guest (xl reboot, xl shutdown -w) within the
# budget, its output in OUT; 0, or 1 with why set.  xl waits for the guest
# to take the request (to clear the key), so a guest that ignores it shows
# as a timeout, told with the state of the domain's control node.
xl_request() { # OUT DOMID XL-ARGS...
	local out=$1 dom=$2 limit rc=0 refused
	shift 2
	limit=$(budget "$XL_WAIT")
	timeout "$limit" xl "$@" >"$out" 2>&1 || rc=$?
	show "xl $1" "$out"
	refused=$(xl_refused "$out")
	[ -z "$refused" ] || { why="xl: $refused"; return 1; }
	case $rc in
	0) return 0 ;;
	124 | 143) why="xl $* did not return within $limit s: $(control_state "$dom")" ;;
	*) why="xl $1 exited $rc: $(tail -n 1 "$out")" ;;
	esac
	return 1
}

step_reboot() {
	local old=$DOMID off t0 took new
	off=$(log_size)
	clock
	t0=$CLOCK
	xl_request /tmp/xl-reboot "$old" reboot "$NAME" || { bad reboot "$why"; return 1; }
	if ! poll 40 new_domid "$old"; then
		bad reboot "domain $old was not restarted within 40 s: $(control_state "$old")"
		return 1
	fi
	console_close
	DOMID=$new
	if ! poll 60 has_boot "$off"; then
		bad reboot "new domain $new: no banner and prompt within 60 s (last console line: '$(last_line "$off")')"
		return 1
	fi
	took=$(since "$t0")
	if ! grep -q "Domain $old has shut down, reason code 1 " "$XL_LOG"; then
		bad reboot "xl's log does not say domain $old shut down to reboot (reason code 1)"
		return 1
	fi
	console_open "$new" || { bad reboot "$why"; return 1; }
	type_command info 15 || { bad reboot "the new boot's console: 'info': $why"; return 1; }
	ok reboot "domid $old -> $new, banner and prompt again $took s after xl reboot, 'info' answered"
}

# Has $NAME left xl list?
gone() { ! xl domid "$NAME" >/dev/null 2>&1; }

step_shutdown() {
	local off said
	off=$(log_size)
	xl_request /tmp/xl-shutdown "$DOMID" shutdown -w "$NAME" || { bad shutdown "$why"; return 1; }
	said=$(grep -m1 -E "Domain $DOMID has been (shut down|destroyed)" /tmp/xl-shutdown)
	# The xl that created the domain watches it and acts on the reason it
	# went down: its log is the record of a clean power off.  (xl shutdown
	# -w may see the domain already destroyed by that xl, after the fact.)
	if ! grep -q "Domain $DOMID has shut down, reason code 0 " "$XL_LOG"; then
		bad shutdown "xl's log does not say domain $DOMID shut down with reason code 0 (poweroff)${said:+; xl shutdown -w said: $said}"
		return 1
	fi
	# Tearing down its devices (hotplug scripts run for each) takes dom0 a
	# while on this emulated machine, most with a vif under load.
	poll 40 gone || { bad shutdown "domain $DOMID still in xl list 40 s after it shut down"; return 1; }
	ok shutdown "xl: domain $DOMID shut down, reason code 0 (poweroff); xl shutdown -w: '${said:-nothing}'; gone from xl list; the guest's last line: '$(last_line "$off")'"
	DOMID=''
}

# Marks the steps after a failed one that cannot run without it.
skip_rest() { # REASON STEP...
	local why=$1 s
	shift
	for s in "$@"; do bad "$s" "not run: $why"; done
}

cleanup() {
	local state
	console_close
	# Down but kept (see xl-steps.sh's on_reboot): where did it stop?
	state=$(xl list -v "$NAME" 2>/dev/null | awk 'NR == 2 { print $5 }')
	case $state in
	*s* | *c*)
		echo "session: the domain went down (state $state); its vCPUs:"
		sh /guest/context.sh "$(xl domid "$NAME")"
		;;
	?*)
		# Still up after a failed step: where is it stuck?
		if [ -n "$failed" ]; then
			echo "session: a step failed and the domain is still up (state $state); its vCPUs:"
			sh /guest/context.sh "$(xl domid "$NAME")"
		fi
		;;
	esac
	if xl domid "$NAME" >/dev/null 2>&1; then
		echo "session: destroying the domain left over"
		xl destroy "$NAME" 2>/dev/null
		poll 10 gone || echo "session: the domain is still there after xl destroy"
	fi
}

dump() {
	echo "==== domU console begin ===="
	if [ -f "$LOG" ]; then
		tr -d '\r' <"$LOG"
		[ -z "$(tail -c 1 "$LOG")" ] || echo
	fi
	echo "==== domU console end ===="
	echo "==== xl log begin ===="
	cat "$XL_LOG" 2>/dev/null
	echo "==== xl log end ===="
}

# Tidy up, print the logs and the one result line every session ends with.
finish() {
	cleanup
	dump
	if [ -n "$failed" ]; then
		echo "session: result: FAILED:$failed"
	else
		echo "session: result: ok"
	fi
	echo "==== session end ===="
	[ -z "$failed" ]
}
