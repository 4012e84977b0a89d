# shellcheck shell=dash disable=SC2034
# `xl save`, `xl restore` and `xl save -c` against Amphi, as a person at
# the host would do them; run by tests/vm/xl-steps.sh after
# xl-dom0-lib.sh's functions:
#   create:     xl creates the domain and waits for the shell's prompt;
#   fill:       `balloon fill` writes a pattern in pages the guest keeps,
#               and `uptime` says where its clock stands;
#   save:       xl save to a file: xl must say the domain was saved, and
#               the domain must be gone;
#   restore:    xl restore of that file: a new domain, whose guest says it
#               resumed in a new domain, answers on its (new) console,
#               has every vCPU online again (its `cpus` and xl vcpu-list
#               agree), finds its pattern intact, and whose clock went on
#               from where it stood (never back);
#   checkpoint: xl save -c: the guest says the suspend was cancelled and
#               goes on in place, all vCPUs online, the pattern intact;
#   shutdown:   xl shutdown -w, a clean power off.  The xl that watched the
#               domain exits when it sees it suspended, even for xl save -c
#               (xl's own way), so xl shutdown -w's word is the record
#               here, and the domain left shut down is destroyed.
STEPS='create fill save restore checkpoint shutdown'
SAVE=/tmp/domain.save
VCPUS_ALL=$(sed -n 's/^vcpus = \([0-9]*\)/\1/p' /guest/domu.cfg)
UP_BEFORE=0 # the guest's uptime before the save, in ms

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

step_fill() {
	expect "balloon fill" "pattern written in 64 pages" || { bad fill "$why"; return 1; }
	all_up || { bad fill "$why"; return 1; }
	UP_BEFORE=$(uptime_ms) || { bad fill "uptime: $why"; return 1; }
	ok fill "64 pages hold a pattern; all $VCPUS_ALL vCPUs online; up $UP_BEFORE ms"
}

step_save() {
	local t0 off
	off=$(log_size)
	clock
	t0=$CLOCK
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
	if ! poll 30 has_text "$off" "resumed in a new domain"; then
		bad restore "domain $DOMID: the guest never said it resumed (last console line: '$(last_line "$off")')"
		return 1
	fi
	console_open "$DOMID" || { bad restore "$why"; return 1; }
	poll 20 all_up || { bad restore "$why"; return 1; }
	expect "balloon check" "pattern intact" || { bad restore "$why"; return 1; }
	up=$(uptime_ms) || { bad restore "uptime: $why"; return 1; }
	[ "$up" -ge "$UP_BEFORE" ] || { bad restore "the guest's clock went back: up $up ms, $UP_BEFORE ms before the save"; return 1; }
	ok restore "domid $old -> $DOMID in $(since "$t0") s; all $VCPUS_ALL vCPUs online; pattern intact; up $UP_BEFORE -> $up ms; $(grep -a -m1 -o 'xen: resume: the clock goes on[^\r]*' "$LOG" | tail -n 1)"
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
	ok checkpoint "xl save -c in $(since "$t0") s ($(stat -c %s "$SAVE.ck") bytes); went on in place, all $VCPUS_ALL vCPUs online, pattern intact"
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
	if ! step_create; then
		skip_rest "the domain did not come up" fill save restore checkpoint shutdown
	elif ! step_fill; then
		skip_rest "no pattern to check" save restore checkpoint shutdown
	elif ! step_save; then
		skip_rest "the save failed" restore checkpoint shutdown
	elif ! step_restore; then
		skip_rest "the restore failed" checkpoint shutdown
	else
		step_checkpoint
		step_shutdown_unwatched
	fi
	finish
}
