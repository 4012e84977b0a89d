# shellcheck shell=dash disable=SC2034
# Debian's busybox sh, the child of Amphi's PID 1 (make run's initramfs as xl's
# ramdisk=), typed into through the domain's console pty as a person at
# `xl console` would; run by tests/vm/xl-steps.sh after xl-dom0-lib.sh's
# functions:
#   create: xl creates the domain and waits for busybox's prompt;
#   edit:   a line edited with the left arrow (busybox's raw mode) and one
#           of `read` edited with backspace and ^W (the kernel's
#           canonical mode on hvc0) give the edited text;
#   date:   `date +%s` in the domain is within a minute of dom0's (both
#           from Xen: the time of day Amphi reads from shared info's
#           wallclock, which Xen took from QEMU's RTC, the host's UTC);
#   ctrlc:  ^C ends `sleep 100`: the prompt is back within 20 s (a loaded
#           host's emulated dom0 took 4 s to see it; the sleep is 100), and the
#           next command says the sleep ended by SIGINT (status 130);
#   exit:   `exit 3`: the kernel says PID 1 exited with status 3, and xl
#           sees the domain go down with the platform's failure (crash).
STEPS='create edit date ctrlc exit'
PROMPT='/root # '

# Does the console, after OFFSET, hold a line that is exactly TEXT?
has_line() { # OFFSET TEXT
	log_after "$1"
	tr -d '\r' </tmp/after | grep -qxF -- "$2"
}

# Types TEXT (printf's %b escapes) and waits up to LIMIT s for LINE.
type_expect() { # TEXT LINE LIMIT
	local off
	off=$(log_size)
	printf '%b' "$1" >&3 || { why="cannot write to the console pty $TTY"; return 1; }
	poll "$3" has_line "$off" "$2" || { why="no line '$2' within $3 s (last: '$(last_line "$off")')"; return 1; }
}

# Types TEXT and waits up to LIMIT s for the prompt after it.
type_prompt() { # TEXT LIMIT
	local off
	off=$(log_size)
	printf '%b' "$1" >&3 || { why="cannot write to the console pty $TTY"; return 1; }
	poll "$2" has_text "$off" "$PROMPT" || { why="no prompt within $2 s"; return 1; }
}

step_edit() {
	type_expect 'echo hllo\033[D\033[D\033[De\r' 'hello' 15 || { bad edit "arrows: $why"; return 1; }
	type_prompt '' 5 || true
	# What is typed before read reads would go to the line editor.
	printf 'read x\r' >&3
	sleep 2
	printf 'abd\177c def\027ghi\r' >&3
	sleep 1
	type_expect 'echo "got:$x"\r' 'got:abc ghi' 15 || { bad edit "read with erase and ^W: $why"; return 1; }
	ok edit "the left arrow in busybox's editor; backspace and ^W in the kernel's canonical mode"
}

# Does the console, after OFFSET, hold a line "date-epoch N"?
has_epoch() { # OFFSET
	log_after "$1"
	tr -d '\r' </tmp/after | grep -qE '^date-epoch [0-9]+$'
}

step_date() {
	local off got now
	off=$(log_size)
	printf 'echo "date-epoch $(date +%%s)"\r' >&3 || { bad date "cannot write to the console pty $TTY"; return 1; }
	poll 15 has_epoch "$off" || { bad date "no 'date-epoch N' within 15 s"; return 1; }
	now=$(date +%s)
	log_after "$off"
	got=$(tr -d '\r' </tmp/after | sed -n 's/^date-epoch \([0-9][0-9]*\)$/\1/p' | tail -1)
	[ -n "$got" ] || { bad date "no 'date-epoch N' line"; return 1; }
	[ "$got" -ge $((now - 60)) ] && [ "$got" -le $((now + 60)) ] ||
		{ bad date "date +%s in the domain is $got, dom0's $now"; return 1; }
	ok date "date +%s $got, dom0's $now"
}

step_ctrlc() {
	local t0
	printf 'sleep 100\r' >&3
	sleep 2
	clock
	t0=$CLOCK
	type_prompt '\003' 20 || { bad ctrlc "^C did not end sleep 100: $why"; return 1; }
	type_expect 'echo "after-ctrl-c $?"\r' 'after-ctrl-c 130' 15 || { bad ctrlc "$why"; return 1; }
	ok ctrlc "sleep 100 ended by SIGINT, the prompt back $(since "$t0") s after ^C"
}

step_exit() {
	printf 'exit 3\r' >&3
	if ! poll 20 has_text 0 'init: PID 1 (/init) exited with status 3: powering off'; then
		bad exit "no 'PID 1 exited with status 3' within 20 s"
		return 1
	fi
	if ! poll 20 grep -q "Domain $DOMID has shut down, reason code 3 " "$XL_LOG"; then
		bad exit "xl's log does not say domain $DOMID shut down with reason code 3 (crash: failure)"
		return 1
	fi
	xl destroy "$NAME" >/dev/null 2>&1
	ok exit "PID 1's status 3 reported; xl saw the domain go down with failure (crash)"
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	if step_create; then
		step_edit
		step_date
		step_ctrlc
		step_exit
	else
		skip_rest "the domain did not come up" edit date ctrlc exit
	fi
	finish
}
