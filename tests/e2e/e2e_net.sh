# e2e_net.sh - end-to-end tests of where frames go: the responder, tap and
# AF_PACKET bridges (inside network namespaces the test creates and
# removes), the learning switch between devices, the pcap capture, the
# periodic counters, and devices that do not disturb each other.
# Sourced by tests/run.sh after e2e.sh (same helpers and variables).
#
# Addresses are from 192.0.2.0/24 (TEST-NET-1), only inside namespaces
# the tests own or between our own processes over unix sockets.

NETNS=

netns_cleanup() {
	[ -n "$NETNS" ] && ip netns del "$NETNS" 2>/dev/null
	NETNS=
}

# A fresh network namespace: sets NETNS.  Fails (never skips) without
# root or iproute2: CI runs as root.
netns_new() {
	if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
		echo "  needs root and iproute2 (ip netns)"
		return 1
	fi
	NETNS=vhost-e2e-$$-$RANDOM
	ip netns add "$NETNS" && ip -n "$NETNS" link set lo up
}

fe_line() { grep -E "^dev[0-9]+: front-end:" "$1" | tail -n 1; }

t_respond() {
	local size
	be_start --respond 192.0.2.1/24 || return 1
	for size in 56 1000 1472; do
		fe -q "$SOCK" --respond 192.0.2.2 --ping 192.0.2.1 --frames 200 \
			--size "$size" >"$E2E_DIR/fe.log" 2>&1 || { cat "$E2E_DIR/fe.log"; return 1; }
		fe_line "$E2E_DIR/fe.log" | grep -q "pings sent 200, replies intact 200, wrong 0" || return 1
	done
	stop "$BE" || return 1
	# 3 x (1 ARP + 200 pings) in each direction
	has "$BELOG" "q1 (tx): frames 603 " && has "$BELOG" "q0 (rx): frames 603 "
}

# A back-end inside the namespace, bridged by `$@` (--tap NAME or --packet
# IFNAME): sets SOCK, BE, BELOG.
bridge_backend() {
	SOCK=$E2E_DIR/bridge.sock
	BELOG=$E2E_DIR/be-bridge.log
	ip netns exec "$NETNS" $RUN "$VHOST" -s "$SOCK" "$@" >"$BELOG" 2>&1 &
	BE=$!
	E2E_PIDS+=("$BE")
	wait_for test -S "$SOCK"
}

# Through the bridge, both ways: the front-end (192.0.2.2) pings the
# namespace's kernel (192.0.2.1), and stays to be pinged by it.
bridge_ping_both_ways() {
	local fepid
	fe_bg "$E2E_DIR/fe.log" -q "$SOCK" --respond 192.0.2.2/24 \
		--ping 192.0.2.1 --frames 500 --serve 5
	fepid=$BG_PID
	wait_for has "$E2E_DIR/fe.log" "192.0.2.1 is at" || { cat "$E2E_DIR/fe.log" "$BELOG"; return 1; }
	ip netns exec "$NETNS" ping -c 5 -i 0.2 -W 2 192.0.2.2 >"$E2E_DIR/ping.log" 2>&1 ||
		{ cat "$E2E_DIR/ping.log"; return 1; }
	wait "$fepid" || { cat "$E2E_DIR/fe.log"; return 1; }
	fe_line "$E2E_DIR/fe.log" | grep -q "replies intact 500, wrong 0" || return 1
	# the namespace's 5 pings were answered (its ARP too, unless it
	# learned our address from our own request)
	fe_line "$E2E_DIR/fe.log" | grep -qE "answered ([5-9]|[1-9][0-9]+),"
}

t_tap() {
	netns_new && bridge_backend --tap vhtap0 || return 1
	ip -n "$NETNS" addr add 192.0.2.1/24 dev vhtap0 &&
		ip -n "$NETNS" link set vhtap0 up || return 1
	bridge_ping_both_ways && stop "$BE" || return 1
	grep -qE "^tap vhtap0: rx [1-9][0-9]* frames" "$BELOG" || return 1
	netns_cleanup
}

t_packet() {
	netns_new || return 1
	ip -n "$NETNS" link add vhva type veth peer name vhvb &&
		ip -n "$NETNS" addr add 192.0.2.1/24 dev vhvb &&
		ip -n "$NETNS" link set vhva up && ip -n "$NETNS" link set vhvb up || return 1
	bridge_backend --packet vhva && bridge_ping_both_ways && stop "$BE" || return 1
	grep -qE "^packet vhva: rx [1-9][0-9]* frames" "$BELOG" || return 1
	netns_cleanup
}

t_switch() {
	local s1=$E2E_DIR/sw1.sock s2=$E2E_DIR/sw2.sock s3=$E2E_DIR/sw3.sock p2 p3
	BELOG=$E2E_DIR/be-sw.log
	start_bg "$BELOG" -s "$s1" -s "$s2" -s "$s3" --switch
	BE=$BG_PID
	wait_for test -S "$s3" || return 1
	# two quiet hosts, then one that pings the first of them
	fe_bg "$E2E_DIR/fe2.log" -q "$s2" --respond 192.0.2.2 --serve 10
	p2=$BG_PID
	fe_bg "$E2E_DIR/fe3.log" -q "$s3" --respond 192.0.2.3 --serve 10
	p3=$BG_PID
	wait_for count_ge "$BELOG" "connected to a front-end" 2 || return 1
	fe -q "$s1" --respond 192.0.2.1 --ping 192.0.2.2 --frames 300 >"$E2E_DIR/fe1.log" 2>&1 ||
		{ cat "$E2E_DIR/fe1.log"; return 1; }
	# fe1 has gone (its address is forgotten), fe2 and fe3 still serve
	kill -USR1 "$BE"
	wait_for has "$BELOG" "^switch: " || return 1
	wait "$p2" && wait "$p3" || return 1
	stop "$BE" || return 1
	# fe1 got its replies and never its own broadcast back (no hairpin)
	fe_line "$E2E_DIR/fe1.log" | grep -q "replies intact 300, wrong 0; requests to us answered 0, other frames 0" || return 1
	# fe2 answered the ARP and every ping
	fe_line "$E2E_DIR/fe2.log" | grep -q "answered 301, other frames 0" || return 1
	# fe3 saw the flooded ARP broadcast only: the unicast pings were not
	# flooded once the switch had learned both addresses
	fe_line "$E2E_DIR/fe3.log" | grep -q "answered 0, other frames 1:" || return 1
	grep "^switch: " "$BELOG" | head -n 1 |
		grep -q "^switch: 1 addresses learned, 2 learned in all, 0 moved"
}

t_pcap() {
	local out n
	be_start --respond 192.0.2.1 --pcap "$E2E_DIR/cap.pcap" || return 1
	fe -q "$SOCK" --respond 192.0.2.2 --ping 192.0.2.1 --frames 100 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "capture: 202 frames captured, 0 not captured" || return 1
	out=$($RUN "$BUILD/tools/pcapcheck" "$E2E_DIR/cap.pcap") || return 1
	echo "  pcapcheck: $out"
	# 1 ARP request + 1 reply, 100 echo requests + 100 replies
	[ "$out" = "frames 202 bytes $((2 * 42 + 200 * 98)) arp 2 icmp 200" ] || return 1
	# and by a reader we did not write (tests/deps.sh installs it: its
	# absence is a failure, not a pass without the check)
	command -v tcpdump >/dev/null || { echo "  tcpdump not found (tests/deps.sh)"; return 1; }
	n=$(tcpdump -n -r "$E2E_DIR/cap.pcap" 2>/dev/null | wc -l)
	echo "  tcpdump -r: $n frames"
	[ "$n" -eq 202 ] || return 1
	tcpdump -n -r "$E2E_DIR/cap.pcap" 2>/dev/null | grep -q "ICMP echo reply, id 30312, seq 99, length 64"
}

t_pcap_cap() {
	# a 1 MiB cap: capture stops there, counted, and the file stays whole
	be_start --pcap "$E2E_DIR/cap.pcap" --pcap-max 1 || return 1
	fe -q "$SOCK" --frames 3000 --size 1000 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	grep -qE "capture: [0-9]+ frames captured, [1-9][0-9]* not captured" "$BELOG" || return 1
	[ "$(stat -c %s "$E2E_DIR/cap.pcap")" -le 1048576 ] || return 1
	$RUN "$BUILD/tools/pcapcheck" "$E2E_DIR/cap.pcap" >/dev/null
}

t_stats() {
	# a line a second: two of them come (however slow the machine)
	be_start --stats 1 || return 1
	wait_for count_ge "$BELOG" "^dev0: waiting, rx 0 frames" 2 || return 1
	stop "$BE"
}

t_devices_independent() {
	# hostile input on one device; the other keeps answering pings
	local sa=$E2E_DIR/a.sock sb=$E2E_DIR/b.sock fepid
	BELOG=$E2E_DIR/be-two.log
	start_bg "$BELOG" -s "$sa" --echo -s "$sb" --respond 192.0.2.1
	BE=$BG_PID
	wait_for test -S "$sb" || return 1
	fe_bg "$E2E_DIR/fe.log" -q "$sb" --respond 192.0.2.2 --ping 192.0.2.1 --frames 3000
	fepid=$BG_PID
	timeout 30 $RUN "$BUILD/tools/badpeer" "$sa" ring || return 1
	timeout 30 $RUN "$BUILD/tools/badpeer" "$sa" regions || return 1
	wait "$fepid" || { cat "$E2E_DIR/fe.log"; return 1; }
	fe -q "$sa" --frames 1000 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "dev1: connections 1, dropped for bad input 0" &&
		has "$BELOG" "dev0: connections 3, dropped for bad input 2"
}

# The parts of the board's binary each test needs (e2e.sh, E2E_NEEDS).
E2E_NEEDS+=([t_respond]=respond [t_switch]=switch [t_pcap]="pcap respond"
	[t_pcap_cap]=pcap [t_devices_independent]=respond [t_tap]=links [t_packet]=links)
# tap and AF_PACKET run natively (the board's binary as the host sees it,
# inside a namespace)
E2E_NATIVE+=([t_tap]="a tap in a network namespace"
	[t_packet]="AF_PACKET in a network namespace")

E2E_NET_TESTS=(t_respond t_switch t_pcap t_pcap_cap t_stats t_devices_independent
	t_tap t_packet)

e2e_net_all() {
	stage_begin "$LABEL e2e net" ${#E2E_NET_TESTS[@]}
	e2e_run 8 "${E2E_NET_TESTS[@]}"
	stage_end
}
