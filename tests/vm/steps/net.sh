# shellcheck shell=dash disable=SC2034
# Networking between dom0 and Amphi over Linux's netback, as a person at
# the host would try it; run by tests/vm/xl-steps.sh after
# xl-dom0-lib.sh's functions.  The guest's vif is on dom0's bridge
# xenbr0 (169.254.0.1/16) and the guest has 169.254.0.2 from ip=.
#   create:   xl creates the domain and waits for the shell's prompt;
#   show:     `net show` lists eth0 with its address and the link up;
#   ping:     dom0 pings the guest, then the guest pings dom0;
#   jumbo:    the vif's config sets mtu=N (N > 8028) and dom0 pings the
#             guest with 8000-byte payloads: each frame takes more than one
#             ring slot each way (scatter-gather);
#   udp:      datagrams of many sizes to the guest's UDP echo service come
#             back intact (/guest/udpcheck, since busybox nc has no UDP);
#   tcp-in:   dom0 sends BYTES of random data to the guest's `net sink`,
#             whose sha256 must match dom0's;
#   tcp-out:  the guest's `net source` sends BYTES to dom0's nc, whose
#             sha256 of what arrived must match the guest's;
#   replug:   xl network-detach: the guest must take eth0 away; then
#             xl network-attach of the same vif: eth0 comes back, gets its
#             ip= address again and answers dom0's ping;
#   rebind:   dom0 unbinds netback from the vif and binds it again, as when
#             its backend driver is reloaded: Linux keeps the backend's
#             xenstore state over that and the new instance maps the same
#             rings, so the guest must keep eth0 (no removal, no reconnect)
#             and traffic must flow both ways once the new vif is on the
#             bridge again (the hotplug script's part, done here by hand);
#   stacks:   after all that traffic, `ps`: no thread's stack has been
#             deeper than 3/4 of its size;
#   shutdown: xl shutdown -w, a clean power off.
STEPS='create show ping jumbo udp tcp-in tcp-out replug rebind stacks shutdown'
GUEST=169.254.0.2
DOM0=169.254.0.1
BYTES=4194304
# The vif's MTU from its config, if one is set there.
MTU=$(sed -n "s/.*mtu=\([0-9]*\).*/\1/p" /guest/domu.cfg)

# The 64 hex digits after "sha256 " in /tmp/after, or nothing.
guest_sha() { tr -d '\r' </tmp/after | sed -n 's/.*sha256 \([0-9a-f]\{64\}\).*/\1/p' | tail -n 1; }

step_show() {
	expect "net show" eth0 "$GUEST" "link up" || { bad show "$why"; return 1; }
	ok show "eth0 has $GUEST, link up"
}

step_ping() {
	local got
	ping -c 5 -w 30 "$GUEST" >/tmp/ping 2>&1
	show ping /tmp/ping
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping)
	[ "${got:-0}" = 5 ] || { bad ping "dom0's ping: ${got:-0} of 5 replies"; return 1; }
	expect "net ping $DOM0 3" "3/3 replies" || { bad ping "$why"; return 1; }
	ok ping "dom0 -> guest 5/5, guest -> dom0 3/3"
}

step_jumbo() {
	local got
	if [ -z "$MTU" ] || [ "$MTU" -le 8028 ]; then
		bad jumbo "the vif's config sets no mtu above 8028 (it is ${MTU:-1500}): nothing to test"
		return 1
	fi
	expect "net show" "mtu $MTU" || { bad jumbo "$why"; return 1; }
	ping -c 3 -s 8000 -w 30 "$GUEST" >/tmp/ping 2>&1
	show ping /tmp/ping
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping)
	[ "${got:-0}" = 3 ] || { bad jumbo "dom0's ping -s 8000: ${got:-0} of 3 replies"; return 1; }
	ok jumbo "mtu $MTU: 3/3 echoes of 8000 bytes, frames over a page each way"
}

step_udp() {
	/guest/udpcheck "$GUEST" 7 40 >/tmp/udp 2>&1
	show udpcheck /tmp/udp
	grep -q '^udpcheck: 40/40 echoed intact$' /tmp/udp ||
		{ bad udp "$(tail -n 1 /tmp/udp)"; return 1; }
	ok udp "40 datagrams of 1-1400 bytes echoed intact"
}

step_tcp_in() {
	local want got n=0
	head -c "$BYTES" /dev/urandom >/tmp/in.bin
	want=$(sha256sum </tmp/in.bin | cut -d' ' -f1)
	start_command "net sink 5001" || { bad tcp-in "$why"; return 1; }
	# The sink listens once the command runs: connect until it does.
	until nc "$GUEST" 5001 </tmp/in.bin 2>/tmp/nc-in; do
		n=$((n + 1))
		[ $n -lt 20 ] || { bad tcp-in "nc could not send to $GUEST:5001: $(cat /tmp/nc-in)"; return 1; }
		sleep 1
	done
	end_command "net sink 5001" 120 || { bad tcp-in "$why"; return 1; }
	got=$(guest_sha)
	grep -qF "received $BYTES bytes" /tmp/after ||
		{ bad tcp-in "the guest did not say it received $BYTES bytes"; return 1; }
	[ "$got" = "$want" ] || { bad tcp-in "sha256 differs: dom0 sent $want, the guest got ${got:-none}"; return 1; }
	ok tcp-in "$BYTES bytes dom0 -> guest, sha256 $want on both sides; $(tr -d '\r' </tmp/after | grep -o '[0-9]* KiB/s' | tail -n 1)"
}

out_size() { [ "$(stat -c %s /tmp/out.bin 2>/dev/null)" = "$BYTES" ]; }

step_tcp_out() {
	local want got pid
	rm -f /tmp/out.bin
	# busybox nc quits when its stdin ends, so it gets one that stays open.
	sleep 300 | nc -l -p 5002 >/tmp/out.bin &
	pid=$!
	sleep 1
	type_command "net source $DOM0 5002 $BYTES" 120 || { kill $pid 2>/dev/null; bad tcp-out "$why"; return 1; }
	want=$(guest_sha)
	poll 15 out_size
	kill $pid 2>/dev/null
	killall nc 2>/dev/null
	got=$(sha256sum </tmp/out.bin | cut -d' ' -f1)
	out_size || { bad tcp-out "dom0 received $(stat -c %s /tmp/out.bin) bytes, not $BYTES"; return 1; }
	[ "$got" = "$want" ] || { bad tcp-out "sha256 differs: the guest sent ${want:-none}, dom0 got $got"; return 1; }
	ok tcp-out "$BYTES bytes guest -> dom0, sha256 $want on both sides; $(tr -d '\r' </tmp/after | grep -o '[0-9]* KiB/s' | tail -n 1)"
}

step_replug() {
	local off got vif
	vif=$(sed -n "s/^vif = \[ '\(.*\)' \]$/\1/p" /guest/domu.cfg)
	off=$(log_size)
	timeout 60 xl network-detach "$NAME" 0 >/tmp/xl-net 2>&1 ||
		{ show "xl network-detach" /tmp/xl-net; bad replug "xl network-detach failed: $(tail -n 1 /tmp/xl-net)"; return 1; }
	poll 30 has_text "$off" "net: eth0: removed" ||
		{ bad replug "the guest did not say 'net: eth0: removed' within 30 s of the detach"; return 1; }
	off=$(log_size)
	# xl network-attach takes the config's settings as separate words.
	# shellcheck disable=SC2046
	timeout 60 xl network-attach "$NAME" $(echo "$vif" | tr ',' ' ') >/tmp/xl-net 2>&1 ||
		{ show "xl network-attach" /tmp/xl-net; bad replug "xl network-attach $vif failed: $(tail -n 1 /tmp/xl-net)"; return 1; }
	poll 30 has_text "$off" "net: eth0: link up" ||
		{ bad replug "the guest did not say 'net: eth0: link up' within 30 s of the attach"; return 1; }
	ping -c 3 -w 30 "$GUEST" >/tmp/ping 2>&1
	show ping /tmp/ping
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping)
	[ "${got:-0}" = 3 ] || { bad replug "after the attach, dom0's ping: ${got:-0} of 3 replies"; return 1; }
	ok replug "xl network-detach took eth0 away, xl network-attach brought it back: ping 3/3"
}

link_exists() { ip link show "$1" >/dev/null 2>&1; }
answers_ping() { ping -c 1 -w 2 "$GUEST" >/dev/null 2>&1; }

step_rebind() {
	local off dev vif got drv=/sys/bus/xen-backend/drivers/vif
	dev=$(ls /sys/bus/xen-backend/devices/ | grep -m1 "^vif-$DOMID-") ||
		{ bad rebind "no vif-$DOMID-N backend device in sysfs"; return 1; }
	vif=vif$DOMID.${dev##*-}
	off=$(log_size)
	echo "$dev" >"$drv/unbind" || { bad rebind "unbinding $dev from netback failed"; return 1; }
	echo "$dev" >"$drv/bind" || { bad rebind "binding $dev to netback again failed"; return 1; }
	poll 30 link_exists "$vif" || { bad rebind "no $vif within 30 s of binding $dev again"; return 1; }
	[ -z "$MTU" ] || ip link set "$vif" mtu "$MTU"
	ip link set "$vif" master xenbr0 && ip link set "$vif" up ||
		{ bad rebind "cannot put $vif on xenbr0"; return 1; }
	# The first frames can be lost while the new port comes up.
	poll 30 answers_ping || { bad rebind "no answer to dom0's ping within 30 s of the rebind"; return 1; }
	ping -c 3 -w 30 "$GUEST" >/tmp/ping 2>&1
	show ping /tmp/ping
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping)
	[ "${got:-0}" = 3 ] || { bad rebind "after the rebind, dom0's ping: ${got:-0} of 3 replies"; return 1; }
	expect "net ping $DOM0 3" "3/3 replies" || { bad rebind "$why"; return 1; }
	if has_text "$off" "net: eth0: removed" || has_text "$off" "reconnecting"; then
		bad rebind "the guest took eth0 down over the rebind"
		return 1
	fi
	ok rebind "netback unbound from $dev and bound again: eth0 stayed; then ping 3/3 both ways"
}

step_stacks() {
	local said
	type_command ps 15 || { bad stacks "$why"; return 1; }
	# Each thread's line ends "DEEPEST/SIZE KiB"; the thread is its 2nd field.
	said=$(tr -d '\r' </tmp/after | awk '
		$NF == "KiB" && split($(NF - 1), a, "/") == 2 && a[2] > 0 {
			n++
			if (a[1] * 4 > a[2] * 3) deep = deep " " $2 " " a[1] "/" a[2] " KiB"
			if (a[1] / a[2] > worst) { worst = a[1] / a[2]; w = $2 " " a[1] "/" a[2] " KiB" }
		}
		END {
			if (!n) print "bad: ps showed no stack depths"
			else if (deep != "") print "bad: stacks over 3/4 deep:" deep
			else print n " threads, the deepest " w
		}')
	case $said in bad:*) bad stacks "${said#bad: }"; return 1 ;; esac
	ok stacks "no stack over 3/4 deep: $said"
}

main() {
	echo "==== session begin ===="
	echo "session: steps: $STEPS"
	# The bridge carries what the vif may: the vif's MTU follows it.
	[ -z "$MTU" ] || ip link set xenbr0 mtu "$MTU" || echo "session: cannot set xenbr0's mtu to $MTU"
	if step_create; then
		step_show
		step_ping
		step_jumbo
		step_udp
		step_tcp_in
		step_tcp_out
		step_replug
		step_rebind
		step_stacks
		step_shutdown
	else
		skip_rest "the domain did not come up" show ping jumbo udp tcp-in tcp-out replug rebind \
			stacks shutdown
	fi
	finish
}
