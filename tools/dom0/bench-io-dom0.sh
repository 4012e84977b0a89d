# shellcheck shell=dash disable=SC2034,SC1091,SC2154
# The dom0 half of tools/bench-io.sh, run after tests/vm/xl-dom0-lib.sh's
# functions (step_create, type_command, step_shutdown...).  Two guests are measured one after the other on the same backends:
# the same 64 MiB image on /dev/loop4 through blkback, and a vif on the
# bridge xenbr0 through netback.  First Amphi as a PV domU (its shell), then
# Debian's Linux as a PV domU (tools/dom0/domu-init's command loop), each
#   blk:     the same reads on xvda, 64 MiB in 64 KiB reads, then 4096
#            random 4 KiB reads, one at a time: Amphi's `blk bench xvda 64
#            1 4096`, Linux's tools/dom0/blkbench.c (each guest times its
#            own; both print one "blk bench:" line in the same words);
#   tcp-in:  dom0's nc sends BYTES to the guest's sink; dom0 times it,
#            from the start of its nc to the guest closing the connection;
#   tcp-out: the guest sends BYTES to dom0's nc; dom0 times it, from
#            typing the command to its nc seeing the guest close.
# Each guest does ROUNDS rounds of the three, one after the other.  Every
# result is one line "bench-io: GUEST TEST ..." (a number, a skip or a
# failure, with why), between "==== bench begin/end ====".
GUEST_AMPHI=169.254.0.2
GUEST_LINUX=169.254.0.3
DOM0=169.254.0.1
. /guest/bench-params # BYTES ROUNDS

say() { echo "bench-io: $*"; }

# dom0's clock (centiseconds) when a background job ended, from FILE.
END_CS=''
read_end() { [ -s "$1" ] && read -r END_CS <"$1"; }

setup_disk() {
	# Zeros, but real pages: a hole would read faster than data does.
	dd if=/dev/zero of=/tmp/bench.img bs=1M count=64 2>/dev/null &&
		losetup /dev/loop4 /tmp/bench.img || return 1
	# Read once so that both guests find the loop device's pages cached:
	# otherwise only the first one would pay for filling the cache.
	dd if=/dev/loop4 of=/dev/null bs=1M 2>/dev/null
	head -c "$BYTES" /dev/zero >/tmp/in.bin
	mkfifo /tmp/hold
}

# Switches the session functions to guest NAME with its config, prompt and
# the banner that says it is up.
use_guest() { # NAME PROMPT BANNER
	NAME=$1 PROMPT=$2 BANNER=$3
	LOG=/var/log/xen/console/guest-$NAME.log
	XL_LOG=/var/log/xen/xl-$NAME.log
	cp "/guest/$NAME.cfg" /guest/domu.cfg
}

# Waits for the prompt after start_command's CMD, looking once a second,
# then reads the answer as end_command does.  end_command looks ten times a
# second, each time forking tail and grep, which in this emulated PV dom0
# costs the CPU time that the backends serving the guest need too.
quiet_end() { # CMD LIMIT
	local n=0
	while ! has_text "$CMD_OFF" "$PROMPT"; do
		n=$((n + 1))
		[ $n -lt "$2" ] || break
		sleep 1
	done
	end_command "$1" 1
}

quiet_command() { # CMD LIMIT
	start_command "$1" || return 1
	quiet_end "$@"
}

bench_blk() { # GUEST CMD
	local line
	quiet_command "$2" 300
	line=$(tr -d '\r' </tmp/after | grep -m1 '^blk bench: [a-z0-9]*: sequential ')
	if [ -n "$line" ]; then
		say "$1 blk: $line"
	else
		say "$1 blk FAILED: '$2': ${why:-$(tr -d '\r' </tmp/after | grep -v -e '^$' -e "^$PROMPT" | tail -n 1)}"
	fi
}

# dom0 -> guest: SINK-CMD is what the guest types to listen on 5001.
bench_tcp_in() { # GUEST ADDR SINK-CMD
	local n=0 t0
	start_command "$3" || { say "$1 tcp-in FAILED: $why"; return; }
	# The sink listens once the command runs: connect until it does.
	while :; do
		clock
		t0=$CLOCK
		nc "$2" 5001 </tmp/in.bin 2>/tmp/nc-in && break
		n=$((n + 1))
		if [ $n -ge 20 ]; then
			say "$1 tcp-in FAILED: nc could not send to $2:5001: $(cat /tmp/nc-in)"
			# The sink gives up by itself; what comes next needs the prompt.
			quiet_end "$3" 60 || say "$1 tcp-in note: the guest's sink: $why"
			return
		fi
		sleep 1
	done
	clock
	t0=$((CLOCK - t0))
	quiet_end "$3" 60 || say "$1 tcp-in note: the guest's sink: $why"
	tr -d '\r' </tmp/after | grep 'net: sink: ' | sed "s/^/bench-io: $1 guest's own count: /"
	# Amphi's sink counts what arrived; busybox nc's says nothing.
	if grep -q 'net: sink: ' /tmp/after && ! grep -qF "received $BYTES bytes" /tmp/after; then
		say "$1 tcp-in FAILED: the guest did not say it received $BYTES bytes"
		return
	fi
	say "$1 tcp-in: $BYTES bytes in $t0 cs"
}

# guest -> dom0: SOURCE-CMD is what the guest types to send BYTES.
bench_tcp_out() { # GUEST SOURCE-CMD
	local t0 pid size
	rm -f /tmp/out.bin /tmp/out.end
	# A listener left by an earlier failure would take the connection.
	killall nc 2>/dev/null
	(
		nc -l -p 5002 <>/tmp/hold >/tmp/out.bin
		read -r up _ </proc/uptime
		echo "${up%.*}${up#*.}" >/tmp/out.end
	) &
	pid=$!
	sleep 1
	clock
	t0=$CLOCK
	if ! quiet_command "$2" 180; then
		kill $pid 2>/dev/null
		killall nc 2>/dev/null
		say "$1 tcp-out FAILED: '$2': $why"
		return
	fi
	if ! poll 15 read_end /tmp/out.end; then
		kill $pid 2>/dev/null
		killall nc 2>/dev/null
		say "$1 tcp-out FAILED: dom0's nc did not see the guest close"
		return
	fi
	size=$(stat -c %s /tmp/out.bin)
	if [ "$size" != "$BYTES" ]; then
		say "$1 tcp-out FAILED: dom0 received $size bytes, not $BYTES"
		return
	fi
	say "$1 tcp-out: $BYTES bytes in $((END_CS - t0)) cs"
	tr -d '\r' </tmp/after | grep 'net: source: ' | sed "s/^/bench-io: $1 guest's own count: /"
}

bench_amphi() {
	local r
	use_guest amphi 'amphi> ' '), entered through '
	step_create || { say "amphi all FAILED: the domain did not come up"; return; }
	# A kernel without the net command has no TCP/IP stack to measure.
	local net=1
	if ! type_command "net" 15 && [ "$why" = "no such command" ]; then
		say "amphi tcp-in SKIPPED: no TCP/IP stack in this kernel (no 'net' command)"
		say "amphi tcp-out SKIPPED: no TCP/IP stack in this kernel (no 'net' command)"
		net=''
	fi
	for r in $(seq "$ROUNDS"); do
		bench_blk amphi "blk bench xvda 64 1 4096"
		[ -z "$net" ] || bench_tcp_in amphi "$GUEST_AMPHI" "net sink 5001"
		[ -z "$net" ] || bench_tcp_out amphi "net source $DOM0 5002 $BYTES"
	done
	step_shutdown
	console_close
}

linux_gone() {
	start_command "poweroff -f" >/dev/null
	poll 30 gone && return
	xl destroy "$NAME" 2>/dev/null
	say "linux note: the domain did not power off within 30 s; destroyed"
}

bench_linux() {
	local r
	use_guest linux 'linux> ' 'domu: ready'
	step_create || { say "linux all FAILED: the domain did not come up"; return; }
	type_command "head -c $BYTES /dev/zero >/tmp/src.bin" 60 ||
		say "linux tcp-out note: making the data: $why"
	for r in $(seq "$ROUNDS"); do
		bench_blk linux "blkbench /dev/xvda"
		bench_tcp_in linux "$GUEST_LINUX" "nc -l -p 5001 <>/tmp/hold >/dev/null"
		bench_tcp_out linux "nc $DOM0 5002 </tmp/src.bin"
	done
	# What Linux's frontends negotiated with the backends, for the record.
	type_command "dmesg | grep -i -e blkfront -e netfront -e xvda; cat /sys/block/xvda/queue/scheduler" 30
	linux_gone
	console_close
}

main() {
	echo "==== bench begin ===="
	if setup_disk; then
		say "dom0 disk: /dev/loop4 on a 64 MiB image in tmpfs, read once"
		bench_amphi
		xl vcpu-list
		bench_linux
	else
		say "all FAILED: cannot set up /dev/loop4 on a 64 MiB image"
	fi
	use_guest amphi 'amphi> ' '), entered through '
	dump
	use_guest linux 'linux> ' 'domu: ready'
	dump
	echo "==== bench end ===="
}
