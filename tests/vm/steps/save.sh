# shellcheck shell=dash disable=SC2034
# xl save -c against Amphi (work in progress).
STEPS='create checkpoint after restore'

step_checkpoint() {
	local off t0
	off=$(log_size)
	clock
	t0=$CLOCK
	if ! timeout 120 xl -v save -c "$NAME" /tmp/ck.save >/tmp/xl-save 2>&1; then
		show "xl save" /tmp/xl-save
		bad checkpoint "xl save -c failed: $(tail -n 2 /tmp/xl-save | tr '\n' ' ')"
		return 1
	fi
	show "xl save" /tmp/xl-save
	ls -l /tmp/ck.save
	poll 20 has_text "$off" "suspend returned" || { bad checkpoint "the guest never said it came back"; return 1; }
	ok checkpoint "xl save -c in $(since "$t0") s; $(stat -c %s /tmp/ck.save) bytes"
}

step_after() {
	expect cpus "CPUs online" || { bad after "$why"; return 1; }
	expect uptime "up" || { bad after "$why"; return 1; }
	ok after "the shell answers"
}

step_restore() {
	local off
	xl destroy "$NAME"
	off=$(log_size)
	timeout 120 xl -v restore /tmp/ck.save >/tmp/xl-restore 2>&1
	echo "restore rc=$?"
	show "xl restore" /tmp/xl-restore
	sleep 10
	xl list
	DOMID=$(xl domid "$NAME" 2>/dev/null)
	echo "new domid $DOMID"
	console_close
	console_open "$DOMID" || echo "no console: $why"
	sleep 5
	xl list
	ok restore "see above"
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	if step_create; then
		step_checkpoint
		step_after
		step_restore
	else
		skip_rest "the domain did not come up" checkpoint after shutdown
	fi
	finish
}
