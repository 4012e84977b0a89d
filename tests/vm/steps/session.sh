# shellcheck shell=dash disable=SC2034
# A whole session at Amphi's console, as a person at the host has one; run
# by tests/vm/xl-steps.sh after xl-dom0-lib.sh's functions:
#   create:   xl creates the domain and waits for the shell's prompt;
#   commands: types each of COMMANDS into the domain's console pty, as
#             `xl console` would, and waits for the answer (the runner
#             checks the answers); one that does not exist fails the step;
#   list:     xl list shows the memory the domain was given;
#   reboot:   xl reboot, then a new boot (a new domid, the banner and the
#             prompt again) answers on its new console;
#   shutdown: xl shutdown -w, and xl saw a clean shut down.
STEPS='create commands list reboot shutdown'
COMMANDS='help
info
hypervisor
xenstore read domid
evtchn
uptime
mem
pvops'

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	if step_create; then
		step_commands
		step_list
		step_reboot
		# Even after a failed reboot there may be a domain to shut down.
		DOMID=$(xl domid "$NAME" 2>/dev/null)
		if [ -n "$DOMID" ]; then
			step_shutdown
		else
			skip_rest "no domain left to shut down" shutdown
		fi
	else
		skip_rest "the domain did not come up" commands list reboot shutdown
	fi
	finish
}
