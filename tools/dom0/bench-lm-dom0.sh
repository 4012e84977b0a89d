# shellcheck shell=dash disable=SC2034,SC1091,SC2154
# The dom0 half of tools/bench-lm.sh, run after tests/vm/xl-dom0-lib.sh's
# functions (step_create, type_command, gone...).  For each guest type in
# TYPES (pv, pvh), one after the other: Amphi as a domU whose /init runs
# tests/user/lmbench.c and powers off (tools/dom0/lm-init, the scale in
# its initramfs), then the Linux domU of make bench (tools/dom0/domu-init's
# command loop), into whose console dom0 types the same program with the
# same SCALE.  Each guest's answer is copied between "bench-lm: TYPE GUEST
# begin" and "bench-lm: TYPE GUEST done", with a line saying why when it
# could not run; all between "==== bench begin/end ====".
. /guest/bench-params # SCALE TYPES

# A bench's Linux PVH guest takes minutes to boot here.
CREATE_WAIT=300

say() { echo "bench-lm: $*"; }

# xenconsoled appends each domain's console to one log per name: a guest's
# log is moved aside once it is down, so that the next boot of the same
# name starts an empty one (step_create looks for the banner from its
# start).
put_aside() { # TYPE
	[ ! -f "$LOG" ] || mv -f "$LOG" "$LOG.$1"
}

use_guest() { # NAME PROMPT BANNER CONFIG
	NAME=$1 PROMPT=$2 BANNER=$3
	LOG=/var/log/xen/console/guest-$NAME.log
	XL_LOG=/var/log/xen/xl-$NAME.log
	cp "/guest/$4" /guest/domu.cfg
}

# Amphi runs the program as PID 1 and powers off by itself: its console
# from OFFSET holds everything.
amphi_finished() { has_text "$1" "lmbench: done" || has_text "$1" "init: PID 1" || gone; }

bench_amphi() { # TYPE
	local off
	use_guest amphi 'amphi> ' '), entered through ' "amphi-$1.cfg"
	off=$(log_size)
	say "$1 amphi begin"
	if ! xl create /guest/domu.cfg >/tmp/xl-create 2>&1; then
		say "$1 amphi FAILED: xl create: $(first_error /tmp/xl-create)"
	elif ! poll 900 amphi_finished "$off"; then
		say "$1 amphi FAILED: no 'lmbench: done' within 900 s (last console line: '$(last_line "$off")')"
	fi
	log_after "$off"
	tr -d '\r' </tmp/after | grep -a -e '^lmbench: ' -e '^lm-init: ' -e '^init: '
	poll 30 gone || xl destroy amphi 2>/dev/null
	poll 30 gone
	put_aside "$1"
	say "$1 amphi done"
}

bench_linux() { # TYPE
	use_guest linux 'linux> ' 'domu: ready' "linux-$1.cfg"
	say "$1 linux begin"
	if step_create; then
		type_command "/usr/bin/lmbench $SCALE" 900 || say "$1 linux FAILED: $why"
		tr -d '\r' </tmp/after | grep -a '^lmbench: '
		start_command "poweroff -f" >/dev/null
		poll 30 gone || xl destroy linux 2>/dev/null
		console_close
	else
		say "$1 linux FAILED: the domain did not come up"
		xl destroy linux 2>/dev/null
	fi
	poll 30 gone
	put_aside "$1"
	say "$1 linux done"
}

main() {
	local t g
	echo "==== bench begin ===="
	for t in $TYPES; do
		bench_amphi "$t"
		bench_linux "$t"
	done
	for t in $TYPES; do
		for g in amphi linux; do
			echo "==== $t $g console begin ===="
			tr -d '\r' <"/var/log/xen/console/guest-$g.log.$t" 2>/dev/null
			echo "==== $t $g console end ===="
		done
	done
	echo "==== bench end ===="
}
