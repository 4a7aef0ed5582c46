# e2e_net.sh - end-to-end tests of where frames go: the responder, tap and
# AF_PACKET bridges (inside network namespaces the test creates and
# removes), the learning switch between devices, the pcap capture, the
# periodic counters (as text and as JSON), and devices that do not
# disturb each other.
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
	echo "$out" | sed 's/^/  pcapcheck: /'
	# 1 ARP request + 1 reply, 100 echo requests + 100 replies: the
	# requests in from the guest, the replies out to it
	[ "$out" = "frames 202 bytes $((2 * 42 + 200 * 98)) arp 2 icmp 200
dev0 in 101 out 101" ] || return 1
	# and by a reader we did not write (tests/deps.sh installs it: its
	# absence is a failure, not a pass without the check)
	command -v tcpdump >/dev/null || { echo "  tcpdump not found (tests/deps.sh)"; return 1; }
	n=$(tcpdump -n -r "$E2E_DIR/cap.pcap" 2>/dev/null | wc -l)
	echo "  tcpdump -r: $n frames"
	[ "$n" -eq 202 ] || return 1
	tcpdump -n -r "$E2E_DIR/cap.pcap" 2>/dev/null | grep -q "ICMP echo reply, id 30312, seq 99, length 64"
}

# Two back-ends on the switch: each frame is in the capture once per
# device it crossed, with the device and the direction (pcapng's
# interfaces and epb_flags), as tcpdump and tshark read them.
t_pcap_switch() {
	local s1=$E2E_DIR/p1.sock s2=$E2E_DIR/p2.sock cap=$E2E_DIR/sw.pcapng out p2 dirs
	BELOG=$E2E_DIR/be-psw.log
	start_bg "$BELOG" -s "$s1" -s "$s2" --switch --pcap "$cap"
	BE=$BG_PID
	wait_for test -S "$s2" || return 1
	fe_bg "$E2E_DIR/fe2.log" -q "$s2" --respond 192.0.2.2 --serve 5
	p2=$BG_PID
	wait_for has "$BELOG" "dev1: connected" || return 1
	fe -q "$s1" --respond 192.0.2.1 --ping 192.0.2.2 --frames 50 >"$E2E_DIR/fe1.log" 2>&1 ||
		{ cat "$E2E_DIR/fe1.log"; return 1; }
	wait "$p2"
	stop "$BE" || return 1
	# 1 ARP request and 50 pings each way: in on one device, out on the other
	has "$BELOG" "capture: 204 frames captured, 0 not captured" || return 1
	out=$($RUN "$BUILD/tools/pcapcheck" "$cap") || return 1
	echo "$out" | sed 's/^/  pcapcheck: /'
	[ "$out" = "frames 204 bytes $((4 * 42 + 200 * 98)) arp 4 icmp 200
dev0 in 51 out 51
dev1 in 51 out 51" ] || return 1
	command -v tcpdump >/dev/null && command -v tshark >/dev/null ||
		{ echo "  tcpdump or tshark not found (tests/deps.sh)"; return 1; }
	[ "$(tcpdump -n -r "$cap" 2>/dev/null | wc -l)" -eq 204 ] || return 1
	dirs=$(tshark -r "$cap" -T fields -e frame.interface_name -e frame.interface_description \
		-e frame.packet_flags_direction -Y icmp.type==8 2>/dev/null | sort | uniq -c |
		awk '{print $1, $2, $3, $4 + 0}')
	echo "$dirs" | sed 's/^/  tshark: /'
	# the echo requests: in on dev0 (from its guest), out on dev1
	[ "$dirs" = "50 dev0 $s1 1
50 dev1 $s2 2" ]
}

# --pcap -: the capture on stdout, read live through a pipe, and nothing
# else there (every line of ours goes to stderr).
t_pcap_stdout() {
	local fifo=$E2E_DIR/cap.fifo copy=$E2E_DIR/copy.pcapng rd
	SOCK=$E2E_DIR/out.sock
	BELOG=$E2E_DIR/be-out.log
	mkfifo "$fifo" || return 1
	bash -c 'tee "$1" | tcpdump -n -r - 2>/dev/null' _ "$copy" <"$fifo" >"$E2E_DIR/td.txt" &
	rd=$!
	E2E_PIDS+=("$rd")
	$RUN "$VHOST" -s "$SOCK" --respond 192.0.2.1 --pcap - >"$fifo" 2>"$BELOG" &
	BE=$!
	E2E_PIDS+=("$BE")
	wait_for test -S "$SOCK" || return 1
	fe -q "$SOCK" --respond 192.0.2.2 --ping 192.0.2.1 --frames 100 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	wait "$rd"
	has "$BELOG" "capture: 202 frames captured, 0 not captured" &&
		has "$BELOG" "back-end listening on" || return 1
	[ "$($RUN "$BUILD/tools/pcapcheck" "$copy" | head -n 1)" = \
		"frames 202 bytes $((2 * 42 + 200 * 98)) arp 2 icmp 200" ] || return 1
	[ "$(wc -l <"$E2E_DIR/td.txt")" -eq 202 ] &&
		grep -q "ICMP echo reply, id 30312, seq 99, length 64" "$E2E_DIR/td.txt"
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

# --stats-json: stdout holds one JSON object per device and period and
# nothing else (the other lines go to stderr); each parses, and the
# counters and rates say what the front-end did.
t_stats_json() {
	local json=$E2E_DIR/stats.json s2=$E2E_DIR/two.sock
	SOCK=$E2E_DIR/one.sock
	BELOG=$E2E_DIR/be-json.log
	$RUN "$VHOST" -s "$SOCK" -s "$s2" --stats-json >"$json" 2>"$BELOG" &
	BE=$!
	E2E_PIDS+=("$BE")
	wait_for test -S "$s2" || return 1
	fe -q "$SOCK" --frames 3000 >/dev/null 2>&1 || return 1
	sleep 2.5
	stop "$BE" || return 1
	has "$BELOG" "dev0: back-end listening on $SOCK" || return 1
	python3 - "$json" "$SOCK" <<'EOF' || { head -n 4 "$json"; return 1; }
import json, sys, time
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]           # every line is JSON
dev0 = [o for o in objs if o["dev"] == "dev0"]
dev1 = [o for o in objs if o["dev"] == "dev1"]
assert len(dev0) >= 2 and len(dev1) >= 2 and len(dev0) + len(dev1) == len(objs), objs
for o in objs:
    assert abs(o["time"] - time.time()) < 600, o["time"]
    assert 0.5 < o["interval"] < 3, o["interval"]
    assert o["role"] == "back-end" and isinstance(o["connected"], bool)
    for d in ("rx", "tx"):
        for k in ("frames", "bytes", "kicks", "calls", "drop_bad",
                  "drop_oversize", "drop_norx", "drop_disabled"):
            assert isinstance(o[d][k], int) and o[d][k] >= 0, (d, k)
        assert o[d]["frames_per_s"] >= 0 and o[d]["bytes_per_s"] >= 0
last = dev0[-1]
assert last["path"] == sys.argv[2], last["path"]
assert last["tx"]["frames"] == 3000 and last["rx"]["frames"] == 3000, last
assert last["tx"]["bytes"] == 3000 * 60, last
assert last["connections"] == 1 and last["bad_input"] == 0, last
# what came in a period, over its length, is the rate
prev = 0
for o in dev0:
    got = o["tx"]["frames"] - prev
    assert abs(o["tx"]["frames_per_s"] - got / o["interval"]) < 1 + got * 0.01, o
    prev = o["tx"]["frames"]
assert all(o["tx"]["frames"] == 0 for o in dev1)
EOF
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
	# the looping chain cost dev0 its TX ring, the bad table its
	# connection; dev1 never noticed
	has "$BELOG" "dev1: connections 1, dropped for bad input 0" &&
		has "$BELOG" "dev0: connections 3, dropped for bad input 1" &&
		has "$BELOG" "^dev0 q1 (tx): .* ring-errors 1$"
}

# Multiqueue: as many queue pairs as both sides have (the front-end's
# limit, then GET_QUEUE_NUM, each refused with a line saying how many),
# frames spread over them and each checked back on its own pair, split
# and packed; the responder answers each ping on the pair it came in on.
t_multiqueue() {
	local n m log=$E2E_DIR/fe-mq.log p share
	be_start || return 1
	fe -q "$SOCK" --queues 129 >"$log" 2>&1 && return 1
	n=$(sed -n 's/.*--queues 129: 1 to \([0-9]*\) queue pairs.*/\1/p' "$log")
	[ -n "$n" ] || { cat "$log"; return 1; }
	if ! fe -q "$SOCK" --queues "$n" --frames 10000 >"$log" 2>&1; then
		m=$(sed -n 's/.*the back-end has \([0-9]*\) queue pairs, --queues asks.*/\1/p' "$log")
		[ -n "$m" ] && [ "$m" -lt "$n" ] || { cat "$log"; return 1; }
		n=$m
		fe -q "$SOCK" --queues "$n" --frames 10000 >"$log" 2>&1 ||
			{ cat "$log"; return 1; }
	fi
	echo "  $n queue pairs"
	fe_line "$log" | grep -q "received 10000 intact, 0 wrong: PASS" &&
		fe -q "$SOCK" --queues "$n" --frames 10000 --packed --indirect \
			--size 1514 >"$log" 2>&1 &&
		fe_line "$log" | grep -q "received 10000 intact, 0 wrong: PASS" ||
		{ cat "$log"; return 1; }
	stop "$BE" || return 1
	# every pair carried its share, both ways
	for p in $(seq 0 $((n - 1))); do
		share=$((2 * ((10000 - p + n - 1) / n)))
		has "$BELOG" "q$((2 * p + 1)) (tx): frames $share " &&
			has "$BELOG" "q$((2 * p)) (rx): frames $share " ||
			{ grep "^dev0 q" "$BELOG"; return 1; }
	done
	[ -n "$(unbuilt respond)" ] && return 0
	be_start --respond 192.0.2.1/24 || return 1
	fe -q "$SOCK" --queues "$n" --respond 192.0.2.2 --ping 192.0.2.1 \
		--frames 400 >"$log" 2>&1 || { cat "$log"; return 1; }
	fe_line "$log" | grep -q "pings sent 400, replies intact 400, wrong 0" &&
		stop "$BE" && has "$BELOG" "q$((2 * n - 1)) (tx): frames $((400 / n)) "
}

# The MTU (vhost-user.rst NET_SET_MTU, virtio 1.2 5.1.4): given 9000, the
# back-end carries 9014-byte frames both ways; an MTU past what the board
# carries is refused with one line naming the limits, and the socket
# still serves; the responder answers 8972-byte pings, the largest in an
# MTU of 9000.
t_mtu() {
	local log=$E2E_DIR/fe-mtu.log
	be_start || return 1
	fe -q "$SOCK" --mtu 9000 --frames 500 --size 9014 >"$log" 2>&1 &&
		fe_line "$log" | grep -q "received 500 intact, 0 wrong: PASS" ||
		{ cat "$log"; return 1; }
	fe -q "$SOCK" --mtu 9300 --frames 10 >"$log" 2>&1 && return 1
	has "$log" "refused VHOST_USER_NET_SET_MTU" || { cat "$log"; return 1; }
	fe -q "$SOCK" --frames 10 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "dev0: MTU 9000 (NET_SET_MTU)" &&
		has "$BELOG" "NET_SET_MTU 9300 refused: this board takes an MTU of 68 to 9198" &&
		has "$BELOG" "dropped for bad input 0" || return 1
	[ -n "$(unbuilt respond)" ] && return 0
	be_start --respond 192.0.2.1/24 || return 1
	fe -q "$SOCK" --mtu 9000 --respond 192.0.2.2 --ping 192.0.2.1 \
		--frames 100 --size 8972 >"$log" 2>&1 &&
		fe_line "$log" | grep -q "pings sent 100, replies intact 100, wrong 0" ||
		{ cat "$log"; return 1; }
	stop "$BE"
}

# The parts of the board's binary each test needs (e2e.sh, E2E_NEEDS).
E2E_NEEDS+=([t_respond]=respond [t_switch]=switch [t_pcap]="pcap respond"
	[t_pcap_cap]=pcap [t_pcap_switch]="pcap switch respond" [t_pcap_stdout]="pcap respond"
	[t_devices_independent]=respond [t_tap]=links [t_packet]=links)
# tap and AF_PACKET run natively (the board's binary as the host sees it,
# inside a namespace)
E2E_NATIVE+=([t_tap]="a tap in a network namespace"
	[t_packet]="AF_PACKET in a network namespace")

E2E_NET_TESTS=(t_respond t_multiqueue t_mtu t_switch t_pcap t_pcap_switch t_pcap_stdout
	t_pcap_cap t_stats t_stats_json t_devices_independent t_tap t_packet)

e2e_net_all() {
	stage_begin "$LABEL e2e net" ${#E2E_NET_TESTS[@]}
	e2e_run 8 "${E2E_NET_TESTS[@]}"
	stage_end
}
