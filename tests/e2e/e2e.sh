# e2e.sh - end-to-end tests: the real `vhost` back-end and front-end over
# real unix sockets, run natively or as aarch64 binaries under qemu-user.
# Sourced by tests/run.sh, which sets BOARD, BUILD, RUN, NM, VHOST,
# WITHOUT (the parts the board leaves out), FE_VHOST and FE_RUN (the
# front-end that drives the back-end: the board's own binary, or another
# board's where it has none), SIZE_LIMIT, and provides
# result/pass/fail/skip/unbuilt.  Every process a test starts is ended by
# PID, also when the test fails.

E2E_PIDS=()
E2E_DIR=

e2e_cleanup() {
	local p
	for p in "${E2E_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		{ wait "$p"; } 2>/dev/null
	done
	E2E_PIDS=()
	[ -n "$E2E_DIR" ] && rm -rf "$E2E_DIR"
	E2E_DIR=
}
trap 'e2e_cleanup; netns_cleanup 2>/dev/null' EXIT

vh() { $RUN "$VHOST" "$@"; }

# bg LOG RUNNER BINARY ARGS...: in the background; sets BG_PID.
bg() {
	local log=$1 run=$2 bin=$3
	shift 3
	$run "$bin" "$@" >"$log" 2>&1 &
	BG_PID=$!
	E2E_PIDS+=("$BG_PID")
}

# start_bg LOG ARGS...: the board's vhost in the background; sets BG_PID.
start_bg() { bg "$1" "$RUN" "$VHOST" "${@:2}"; }

# fe_bg LOG ARGS...: the front-end in the background; sets BG_PID.
fe_bg() { bg "$1" "$FE_RUN" "$FE_VHOST" "${@:2}"; }

# wait_for COND_CMD...: up to 20 s.
wait_for() {
	local i
	for i in $(seq 1 200); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# stop PID [SIG]: signal it and wait (10 s at most); returns its status.
stop() {
	local pid=$1 sig=${2:-TERM} i rc
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	return $rc
}

fe() { timeout 300 $FE_RUN "$FE_VHOST" "$@"; }

# A back-end on a fresh socket: sets SOCK, BE, BELOG.
be_start() {
	SOCK=$E2E_DIR/vhost-$RANDOM.sock
	BELOG=$E2E_DIR/be-$RANDOM.log
	start_bg "$BELOG" -s "$SOCK" "$@"
	BE=$BG_PID
	wait_for test -S "$SOCK"
}

has() { grep -q -- "$2" "$1"; }
count() { grep -c -- "$2" "$1"; }
# count_ge FILE PATTERN N: at least N lines match (for wait_for)
count_ge() { [ "$(grep -c -- "$2" "$1")" -ge "$3" ]; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
fds_are() { [ "$(nfds "$1")" -eq "$2" ]; }
nmaps() { wc -l <"/proc/$1/maps"; }
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# moving PID: back-end PID (log BELOG) has moved frames on dev0's TX, as
# a SIGUSR1 shows (for wait_for)
moving() {
	kill -USR1 "$1" 2>/dev/null || return 1
	sleep 0.2
	grep -q "^dev0 q1 (tx): frames [1-9]" "$BELOG"
}

# cfg NAME: a knob's value for this board (its board.h, else config.h).
cfg() {
	local v
	v=$(awk -v n="$1" '$1 == "#define" && $2 == n {print $3; exit}' "board/$BOARD/board.h")
	[ -n "$v" ] || v=$(awk -v n="$1" '$1 == "#define" && $2 == n {print $3; exit}' core/config.h)
	echo "$v"
}

# ---- the tests ------------------------------------------------------------

t_echo() {
	be_start || return 1
	fe -q "$SOCK" --frames 10000 >"$E2E_DIR/fe.log" 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "q1 (tx): frames 10000 " && has "$BELOG" "q0 (rx): frames 10000 " &&
		has "$E2E_DIR/fe.log" "received 10000 intact, 0 wrong: PASS"
}

t_sink() {
	be_start --sink || return 1
	fe -q "$SOCK" --frames 10000 --expect-none >"$E2E_DIR/fe.log" 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "q1 (tx): frames 10000 bytes 600000 " && has "$BELOG" "q0 (rx): frames 0 "
}

t_sink_detects_echo() {
	# --expect-none must fail against a back-end that echoes, and for
	# that reason: every frame it sent came back (not a refusal, a crash
	# or a time-out)
	local rc
	be_start || return 1
	fe -q "$SOCK" --frames 100 --expect-none >"$E2E_DIR/fe.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] || { echo "  front-end exit $rc, expected 1"; cat "$E2E_DIR/fe.log"; return 1; }
	has "$E2E_DIR/fe.log" "front-end failed: frames came back (--expect-none)" &&
		has "$E2E_DIR/fe.log" "sent 100, completed 100, received 0 intact, 100 wrong: FAIL" ||
		{ cat "$E2E_DIR/fe.log"; return 1; }
	stop "$BE" && has "$BELOG" "q0 (rx): frames 100 "
}

t_dump() {
	be_start --dump || return 1
	fe -q "$SOCK" --frames 10000 --expect-none >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	[ "$(grep -cE '^dev0: frame [0-9]+, 60 bytes' "$BELOG")" -eq 10000 ] &&
		has "$BELOG" "  0000: ff ff ff ff ff ff 52 54 00 12 34 56 08 06 00 01" &&
		has "$BELOG" "dev0: frame 9999, 60 bytes"
}

t_no_protocol_features() {
	be_start || return 1
	fe -q "$SOCK" --frames 10000 --no-protocol-features >/dev/null 2>&1 || return 1
	stop "$BE"
}

t_polled_rings() {
	# kick with the NOFD flag: the back-end polls the rings
	be_start || return 1
	fe -q "$SOCK" --frames 10000 --no-kick >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "q1 (tx): frames 10000 bytes 600000 kicks 0 "
}

t_packed_indirect() {
	# packed rings, indirect tables and both, at several sizes, polled
	be_start || return 1
	fe -q "$SOCK" --frames 10000 --packed >"$E2E_DIR/fe.log" 2>&1 || return 1
	has "$E2E_DIR/fe.log" "received 10000 intact, 0 wrong: PASS" || return 1
	fe -q "$SOCK" --frames 10000 --indirect >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 2000 --packed --indirect --size 1514 >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 500 --packed --size 9000 >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 2000 --packed --no-kick >/dev/null 2>&1 || return 1
	stop "$BE" && has "$BELOG" "q1 (tx): frames 24500 " &&
		has "$BELOG" "connections 5, dropped for bad input 0"
}

t_frame_sizes() {
	be_start || return 1
	fe -q "$SOCK" --frames 2000 --size 1514 >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 2000 --size 42 >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 500 --size 9000 >/dev/null 2>&1 || return 1
	stop "$BE"
}

t_client_mode() {
	# the back-end connects (-c) before the socket exists, and retries
	SOCK=$E2E_DIR/fe-listen.sock
	BELOG=$E2E_DIR/be-client.log
	start_bg "$BELOG" -c "$SOCK"
	BE=$BG_PID
	wait_for has "$BELOG" "waiting for $SOCK" || return 1
	fe -q "$SOCK" --listen --frames 10000 >"$E2E_DIR/fe.log" 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "connected to a front-end on $SOCK" &&
		has "$BELOG" "q1 (tx): frames 10000 "
}

t_single_process() {
	# back-end and front-end in one process, one poll loop
	local s=$E2E_DIR/self.sock
	timeout 300 $RUN "$VHOST" -s "$s" -q "$s" --frames 10000 >"$E2E_DIR/self.log" 2>&1 &&
		has "$E2E_DIR/self.log" "received 10000 intact" && [ ! -e "$s" ]
}

t_disconnect_midstream() {
	local fepid fds0 maps0
	be_start || return 1
	sleep 0.3
	fds0=$(nfds "$BE")
	maps0=$(nmaps "$BE")
	fe_bg "$E2E_DIR/fe-long.log" -q "$SOCK" --frames 4000000000
	fepid=$BG_PID
	wait_for has "$BELOG" "connected to a front-end" || return 1
	# killed mid-stream: once the back-end's counters show frames moving
	wait_for moving "$BE" || { echo "  no frames moving before the kill"; return 1; }
	kill -KILL "$fepid"
	{ wait "$fepid"; } 2>/dev/null
	wait_for has "$BELOG" "front-end gone" || return 1
	fe -q "$SOCK" --frames 10000 >"$E2E_DIR/fe.log" 2>&1 || return 1
	# both connections' fds and mappings are gone again
	wait_for count_ge "$BELOG" "front-end gone" 2 || return 1
	[ "$(nfds "$BE")" -eq "$fds0" ] || { echo "  fds: $fds0 before, $(nfds "$BE") after"; return 1; }
	[ "$(nmaps "$BE")" -eq "$maps0" ] || { echo "  maps: $maps0 before, $(nmaps "$BE") after"; return 1; }
	kill -0 "$BE" && stop "$BE" && has "$BELOG" "connections 2,"
}

t_second_frontend_refused() {
	local fepid
	be_start || return 1
	fe_bg "$E2E_DIR/fe-long.log" -q "$SOCK" --frames 4000000000
	fepid=$BG_PID
	wait_for has "$BELOG" "connected to a front-end" || return 1
	fe -q "$SOCK" --frames 10 >"$E2E_DIR/fe2.log" 2>&1 && return 1
	has "$BELOG" "refusing a second connection" || return 1
	stop "$fepid" KILL
	wait_for has "$BELOG" "front-end gone" || return 1
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 && stop "$BE"
}

t_bad_input() {
	local s base maps0 errs=0
	be_start || return 1
	sleep 0.3
	base=$(nfds "$BE")
	maps0=$(nmaps "$BE")
	for s in version oversize regions fds queue truncated ring split two unsupported; do
		if ! timeout 30 $RUN "$BUILD/tools/badpeer" "$SOCK" "$s"; then
			echo "  bad input '$s': back-end did not behave"
			errs=$((errs + 1))
		fi
		# at a human pace: every line is wanted here, and the log
		# is rate-limited (t_rate_limit)
		sleep 0.4
	done
	wait_for count_ge "$BELOG" "listening again" 10 || return 1
	# every fd those connections carried is closed again, every mapping
	# unmapped
	[ "$(nfds "$BE")" -eq "$base" ] || { echo "  fds: $base before, $(nfds "$BE") after"; errs=$((errs + 1)); }
	[ "$(nmaps "$BE")" -eq "$maps0" ] || { echo "  maps: $maps0 before, $(nmaps "$BE") after"; errs=$((errs + 1)); }
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	# one error line per violation, naming it
	has "$BELOG" "protocol version 2, expected 1" &&
		has "$BELOG" "payload size 1048576 larger than" &&
		has "$BELOG" "SET_MEM_TABLE with 9 regions" &&
		has "$BELOG" "SET_FEATURES came with 3 fds, expected 0" &&
		has "$BELOG" "queue index 256" &&
		has "$BELOG" "chain from head 0 loops" &&
		has "$BELOG" "q1: ring stopped until the front-end restarts it (error fd signalled)" &&
		has "$BELOG" "GET_CONFIG (24) is not supported" &&
		has "$BELOG" "dropped for bad input 5" && [ $errs -eq 0 ]
}

t_soak() {
	# 10,000 connect-handshake-hang-up cycles, then 1,000 that end in the
	# middle of a message with an fd in flight: the back-end ends up with
	# the fds and mappings it started with
	local fds0 maps0 n=10000 m=1000
	[ -n "$RUN" ] && n=1000 m=200 # qemu-user is slow; the host run has the full count
	be_start || return 1
	sleep 0.3
	fds0=$(nfds "$BE")
	maps0=$(nmaps "$BE")
	timeout 600 $RUN "$BUILD/tools/badpeer" "$SOCK" soak $n || return 1
	timeout 600 $RUN "$BUILD/tools/badpeer" "$SOCK" soakmid $m || return 1
	# the connection lines are rate-limited: the counters tell when the
	# last hang-up has been seen
	wait_for fds_are "$BE" "$fds0" || { echo "  fds: $fds0 before, $(nfds "$BE") after"; return 1; }
	[ "$(nmaps "$BE")" -eq "$maps0" ] || { echo "  maps: $maps0 before, $(nmaps "$BE") after"; return 1; }
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	stop "$BE" && has "$BELOG" "connections $((n + m + 1)),"
}

t_flood() {
	# 64 front-ends at once on a full device table: one per socket is
	# served, every other one is refused with an error line, and the
	# served ones all finish
	local i s args=() pids=() n
	n=$(cfg CFG_MAX_DEVICES)
	for i in $(seq 0 $((n - 1))); do args+=(-s "$E2E_DIR/f$i.sock"); done
	BELOG=$E2E_DIR/be-flood.log
	start_bg "$BELOG" "${args[@]}"
	BE=$BG_PID
	wait_for test -S "$E2E_DIR/f$((n - 1)).sock" || return 1
	for i in $(seq 0 $((n - 1))); do
		fe_bg "$E2E_DIR/fe$i.log" -q "$E2E_DIR/f$i.sock" --frames 500000
		pids+=("$BG_PID")
	done
	wait_for count_ge "$BELOG" "connected to a front-end" "$n" || return 1
	for i in $(seq 1 $((64 - n))); do
		s=$E2E_DIR/f$((i % n)).sock
		timeout 30 $RUN "$BUILD/tools/badpeer" "$s" refused &
		pids+=("$!")
	done
	for i in "${pids[@]}"; do wait "$i" || return 1; done
	stop "$BE" || return 1
	[ "$(count "$BELOG" "refusing a second connection")" -eq $((64 - n)) ] &&
		[ "$(cat "$E2E_DIR"/fe*.log | grep -c "received 500000 intact, 0 wrong: PASS")" -eq "$n" ]
}

t_rate_limit() {
	# a front-end that makes the back-end log as fast as it can: 2,000
	# refused requests on one connection, then 300 connections that end
	# in a violation.  The log gets a burst, then a trickle, and lines
	# saying how many were held back; nothing else suffers.
	local t0 t1 t2 lines first max burst rate held logged
	burst=$(cfg CFG_LOG_BURST)
	rate=$(cfg CFG_LOG_RATE)
	be_start || return 1
	t0=$(date +%s%N)
	timeout 120 $RUN "$BUILD/tools/badpeer" "$SOCK" logflood 2000 || return 1
	t1=$(date +%s%N)
	sleep 0.2 # the round that answered its last request writes the log
	# the flood on one connection: its burst and what the time it took
	# refilled (its "connected" line took a token), a second of slack
	first=$(grep -c "vhost: error: dev0" "$BELOG")
	max=$((burst + rate * ((t1 - t0) / 1000000000 + 1)))
	echo "  one connection's flood: $first error lines in $(((t1 - t0) / 1000000)) ms (at most $max)"
	[ "$first" -le "$max" ] && [ "$first" -ge $((burst - 1)) ] || return 1
	for i in $(seq 1 300); do
		timeout 30 $RUN "$BUILD/tools/badpeer" "$SOCK" version || return 1
	done
	t2=$(date +%s%N)
	sleep 1.5 # tokens again: the next lines say what was held back
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	lines=$(grep -c "vhost: error: dev0" "$BELOG")
	max=$((burst + rate * ((t2 - t0) / 1000000000 + 1)))
	echo "  $lines error lines in $(((t2 - t0) / 1000000)) ms (at most $max)"
	[ "$lines" -le "$max" ] || return 1
	# every limited line is out or counted in a "held back" line: the
	# flood's connected, 2,000 refusals and gone, 300 times connected,
	# the violation and gone, and the last front-end's connected and gone
	held=$(sed -n 's/.*dev0: \([0-9]*\) lines held back (rate limit of '"$rate"' a second).*/\1/p' "$BELOG" |
		awk '{n += $1} END {print n + 0}')
	logged=$(grep -cE "^(vhost: error: dev0|dev0: connected to|dev0: front-end gone)" "$BELOG")
	echo "  $logged limited lines out, $held held back"
	[ $((logged + held)) -eq $((1 + 2000 + 1 + 300 * 3 + 2)) ] &&
		has "$BELOG" "connections 302,"
}

t_signals() {
	local sig
	for sig in TERM INT; do
		be_start || return 1
		fe -q "$SOCK" --frames 100 >/dev/null 2>&1 || return 1
		kill -USR1 "$BE"
		wait_for has "$BELOG" "connections 1," || return 1
		stop "$BE" "$sig" || return 1
		[ ! -e "$SOCK" ] || return 1
		[ "$(count "$BELOG" "connections 1,")" -eq 2 ] || return 1
	done
}

t_trace() {
	be_start -v || return 1
	fe -q "$SOCK" --frames 10 >/dev/null 2>&1 || return 1
	timeout 30 $RUN "$BUILD/tools/badpeer" "$SOCK" traced || return 1
	stop "$BE" || return 1
	has "$BELOG" "^dev0: log.size: 0x0000000000001000$" &&
		has "$BELOG" "^dev0: log.offset: 0x0000000000000040$" &&
		has "$BELOG" "^dev0: inflight.num_queues: 2$" &&
		has "$BELOG" "^dev0: inflight.queue_size: 256$" || return 1
	# the sample app's lines, each after the device's name
	has "$BELOG" "^dev0: Cmd: VHOST_USER_SET_MEM_TABLE (0x5)$" &&
		has "$BELOG" "^dev0: Flags: 0x[0-9a-f]*$" &&
		has "$BELOG" "^dev0: nregions: 1$" &&
		has "$BELOG" "^dev0: 	guest_phys_addr: 0x[0-9a-f]\{16\}$" &&
		has "$BELOG" "^dev0: Cmd: VHOST_USER_SET_VRING_KICK (0xc)$" &&
		has "$BELOG" "^dev0: Cmd: VHOST_USER_GET_VRING_BASE (0xb)$" &&
		has "$BELOG" "^dev0: addr.desc_user_addr: 0x" &&
		has "$BELOG" "^dev0: Fds: [0-9]" || return 1
	# every line names its device (or is the program's own, or blank)
	! grep -vE "^(dev[0-9]+[: ]|vhost: |$)" "$BELOG" | grep . || return 1
	# -v is the messages only: no ring states, no descriptors
	! has "$BELOG" "started, on kicks" && ! has "$BELOG" ": kick$"
}

# -vv: and the rings' changes of state; -vvv: and every kick, call, chain
# and descriptor.  A board that builds less (CFG_LOG_TRACE) refuses them.
t_trace_levels() {
	local max out k
	max=$(awk '$1 == "#define" && $2 == "CFG_LOG_TRACE" {print $3}' "board/$BOARD/board.h")
	[ -n "$max" ] || max=$(awk '$1 == "#define" && $2 == "CFG_LOG_TRACE" {print $3; exit}' core/config.h)
	if [ "$max" -lt 2 ]; then
		out=$(vh -s "$E2E_DIR/x.sock" -vv 2>&1)
		[ $? -eq 2 ] && echo "$out" | grep -q "traces up to -v (board $BOARD)"
		return
	fi
	be_start -vv || return 1
	fe -q "$SOCK" --frames 10 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "^dev0: Cmd: VHOST_USER_SET_MEM_TABLE (0x5)$" &&
		has "$BELOG" "^dev0: features 0x" &&
		has "$BELOG" "^dev0: memory region 0: guest 0x" &&
		has "$BELOG" "^dev0 q1: split ring of 256 entries at desc 0x" &&
		has "$BELOG" "^dev0 q1: started, on kicks$" &&
		has "$BELOG" "^dev0 q1: stopped at 0x" || return 1
	! has "$BELOG" ": kick$" && ! has "$BELOG" ": descriptor " || return 1
	[ "$max" -lt 3 ] && return 0
	be_start -vvv || return 1
	fe -q "$SOCK" --frames 10 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	# a kick line for each kick counted (a ring looked at when it starts
	# may take the frames before any kick)
	k=$(sed -n 's/^dev0 q1 (tx): .* kicks \([0-9]*\) .*/\1/p' "$BELOG" | tail -n 1)
	[ "$(grep -c "^dev0 q1: kick$" "$BELOG")" -eq "${k:-x}" ] &&
		has "$BELOG" "^dev0 q1: descriptor [0-9]*: 0x[0-9a-f]*, 12 bytes, device-readable$" &&
		has "$BELOG" "^dev0 q1: descriptor [0-9]*: 0x[0-9a-f]*, 60 bytes, device-readable$" &&
		has "$BELOG" "^dev0 q0: descriptor [0-9]*: 0x[0-9a-f]*, [0-9]* bytes, device-writable$" &&
		has "$BELOG" "^dev0 q1: chain [0-9]*: 72 bytes to read, 0 to write$" &&
		has "$BELOG" "^dev0 q0: chain [0-9]* used, 72 bytes written$" &&
		has "$BELOG" "^dev0 q0: call$"
}

# --quiet: errors, and what was asked for (SIGUSR1's counters), nothing
# else: no peer lines, no counters at the end.
t_quiet() {
	be_start --quiet || return 1
	fe -q "$SOCK" --frames 100 >/dev/null 2>&1 || return 1
	timeout 30 $RUN "$BUILD/tools/badpeer" "$SOCK" version || return 1
	kill -USR1 "$BE"
	wait_for has "$BELOG" "connections 2," || return 1
	stop "$BE" || return 1
	has "$BELOG" "^vhost: error: dev0: .*protocol version 2, expected 1" &&
		[ "$(count "$BELOG" "connections 2,")" -eq 1 ] &&
		! has "$BELOG" "listening on" && ! has "$BELOG" "connected to" &&
		! has "$BELOG" "front-end gone" && ! has "$BELOG" "stopping"
}

# --log-prefix syslog: every line starts with its sd-daemon(3) priority,
# which journald reads (and strips).
t_syslog_prefix() {
	be_start --log-prefix syslog -v || return 1
	fe -q "$SOCK" --frames 10 >/dev/null 2>&1 || return 1
	timeout 30 $RUN "$BUILD/tools/badpeer" "$SOCK" version || return 1
	stop "$BE" || return 1
	! grep -vE "^<[3-7]>." "$BELOG" | grep . || return 1
	has "$BELOG" "^<6>dev0: back-end listening on " &&
		has "$BELOG" "^<7>dev0: Cmd: VHOST_USER_SET_MEM_TABLE (0x5)$" &&
		has "$BELOG" "^<3>vhost: error: dev0: .*protocol version 2" &&
		has "$BELOG" "^<6>dev0 q1 (tx): frames 10 "
}

t_sleeps_when_idle() {
	local t0 t1
	be_start || return 1
	sleep 0.5
	t0=$(cputicks "$BE")
	sleep 2
	t1=$(cputicks "$BE")
	[ $((t1 - t0)) -le 3 ] || { echo "  idle listening: $((t1 - t0)) ticks in 2 s"; return 1; }
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	sleep 0.5
	t0=$(cputicks "$BE")
	sleep 2
	t1=$(cputicks "$BE")
	[ $((t1 - t0)) -le 3 ] || { echo "  idle after traffic: $((t1 - t0)) ticks in 2 s"; return 1; }
	stop "$BE"
}

# An option of each part a board may leave out (core/config.h).
declare -A E2E_PART_OPT=([frontend]="-q x.sock" [respond]="--respond 192.0.2.1"
	[switch]="--switch" [pcap]="--pcap x.pcap" [links]="--tap vht0"
	[service]="--pid-file x.pid")

t_cli() {
	local out p opt help
	help=$(vh --help) && echo "$help" | grep -q -- "--server PATH" || return 1
	vh --bogus >/dev/null 2>&1
	[ $? -eq 2 ] || return 1
	out=$(vh 2>&1)
	[ $? -eq 2 ] && echo "$out" | grep -q "no device" || return 1
	if [ -z "$(unbuilt frontend)" ]; then
		out=$(vh -q "$E2E_DIR/x.sock" --size 20 2>&1)
		[ $? -eq 2 ] && echo "$out" | grep -q -- "--size 20" || return 1
	fi
	# a part left out: its option is refused by name, and --help does
	# not offer it
	for p in $WITHOUT; do
		opt=${E2E_PART_OPT[$p]}
		out=$(vh -s "$E2E_DIR/x.sock" $opt 2>&1)
		[ $? -eq 2 ] && echo "$out" | grep -qF -- "${opt%% *}: not in this build (board $BOARD)" ||
			{ echo "  $p: '$opt' not refused: $out"; return 1; }
		! echo "$help" | grep -qE -- "^ *${opt%% *}[ ,]" ||
			{ echo "  $p: --help still offers ${opt%% *}"; return 1; }
	done
}

# What a test needs of the board's own binary beyond the back-end: the
# test is skipped (not passed) where the board leaves that out.
declare -A E2E_NEEDS=([t_single_process]=frontend)
# Tests that run the board's binary natively only: skipped (not passed)
# under a runner such as qemu-aarch64.
declare -A E2E_NATIVE=()

# e2e_run LINES TEST...: run the tests, each from a fresh directory (LINES:
# of the back-end's log shown when one fails).
e2e_run() {
	local t out lines=$1
	shift
	E2E_DIR=$(mktemp -d /tmp/vhost-e2e.XXXXXX)
	for t in "$@"; do
		out=$(unbuilt ${E2E_NEEDS[$t]:-})
		if [ -n "$out" ]; then
			skip "$LABEL e2e ${t#t_}" "not in board $BOARD: $out"
			continue
		fi
		if [ -n "${E2E_NATIVE[$t]:-}" ] && [ -n "$RUN" ]; then
			skip "$LABEL e2e ${t#t_}" "runs natively only: ${E2E_NATIVE[$t]}"
			continue
		fi
		if $t; then pass "$LABEL e2e ${t#t_}"; else
			fail "$LABEL e2e ${t#t_}"
			[ -n "${BELOG:-}" ] && [ -f "$BELOG" ] && tail -n "$lines" "$BELOG" | sed 's/^/  | /'
		fi
		e2e_cleanup
		netns_cleanup 2>/dev/null
		E2E_DIR=$(mktemp -d /tmp/vhost-e2e.XXXXXX)
		BELOG=
	done
	e2e_cleanup
}

E2E_TESTS=(t_echo t_sink t_sink_detects_echo t_dump t_no_protocol_features
	t_polled_rings t_packed_indirect t_frame_sizes t_client_mode t_single_process
	t_disconnect_midstream t_second_frontend_refused t_bad_input t_soak t_flood
	t_rate_limit t_signals t_trace t_trace_levels t_quiet t_syslog_prefix
	t_sleeps_when_idle t_cli)

e2e_all() {
	stage_begin "$LABEL e2e" ${#E2E_TESTS[@]}
	e2e_run 5 "${E2E_TESTS[@]}"
	stage_end
}

# ---- checks of the linked binary ----------------------------------------

# A bounded stack needs no recursion: compile with the call graph dumped
# (-fcallgraph-info, no inlining) and look for a cycle among the edges.
no_recursion() {
	local cc t f b rc=0
	cc=$(make -s --no-print-directory BOARD="$BOARD" print-CC)
	t=$(mktemp -d)
	for f in $(find core -name '*.c' | sort) port/linux/*.c; do
		b=$(echo "$f" | tr / _)
		$cc -I. -Iboard/"$BOARD" -std=c11 -O0 -fno-inline -fcallgraph-info \
			-c "$f" -o "$t/${b%.c}.o" || rc=1
	done
	grep -h '^edge' "$t"/*.ci |
		sed -E 's/.*sourcename: "([^"]*)".*targetname: "([^"]*)".*/\1 \2/' >"$t/edges"
	[ -s "$t/edges" ] || rc=1
	if awk '$1 == $2 {found = 1; print "  calls itself: " $1} END {exit !found}' "$t/edges"; then
		rc=1
	fi
	tsort "$t/edges" >/dev/null 2>"$t/err" || { sed 's/^/  /' "$t/err"; rc=1; }
	rm -rf "$t"
	return $rc
}

# The objects of core/ built from sources that still exist (a build
# folder that outlived a rename keeps the old ones).
core_objs() {
	local o src
	for o in $(find "$BUILD"/obj/core -name '*.o' | sort); do
		src=${o#"$BUILD"/obj/}
		[ -f "${src%.o}.c" ] && echo "$o"
	done
}

# The symbols of each part a board may leave out.
declare -A E2E_PART_SYMS=([frontend]="fe_|vqd_|pkt_check_" [respond]="respond_"
	[switch]="sw_|l2sw_" [pcap]="pcap_|port_file_" [links]="port_(tap|packet|net)_"
	[service]="port_pid_file|port_group_id")

binary_checks() {
	local f size syms und p aarch64=0
	case $RUN in *aarch64*) aarch64=1 ;; esac
	# the checks below: 9, 2 more for aarch64, 1 a part left out
	stage_begin "$LABEL binary" $((9 + 2 * aarch64 + $(wc -w <<<"$WITHOUT")))
	f=$(file "$VHOST")
	result "$LABEL binary is static" grep -q "statically linked" <<<"$f"
	if [ $aarch64 = 1 ]; then
		result "$LABEL binary is aarch64" grep -q "ARM aarch64" <<<"$f"
		# what TSO hides on x86: used->idx and the packed used flags
		# are store-releases (tests/release.sh)
		result "$LABEL used ring published by store-release (aarch64 code)" \
			tests/release.sh "$OBJDUMP" "$VHOST"
	fi
	syms=$("$NM" "$VHOST")
	# the symbol table is there (so the next check means something)
	result "$LABEL binary has symbols" grep -q " T main$" <<<"$syms"
	result "$LABEL no allocator linked" \
		bash -c '! grep -qE " [TtWw] (malloc|calloc|realloc|free)$" <<<"$1"' _ "$syms"
	size=$(stat -c %s "$BUILD/vhost.stripped")
	echo "  stripped binary: $size bytes ($((size / 1024)) KiB)"
	result "$LABEL stripped binary under $((SIZE_LIMIT / 1024)) KiB" test "$size" -lt "$SIZE_LIMIT"
	# a part the board leaves out is not in the binary, nor what only it
	# needs of the port (port.h, FEATURES)
	for p in $WITHOUT; do
		result "$LABEL binary has no $p (left out)" \
			bash -c '! grep -E " [TtDdRrBb] ($1)" <<<"$2"' _ "${E2E_PART_SYMS[$p]}" "$syms"
	done
	# core/ reaches the OS only through port_*: its objects need nothing
	# else from outside but mem*/str* (and compiler helpers: the stack
	# protector, aarch64's outline atomics of the dirty log)
	und=$("$NM" -u $(core_objs) | awk 'NF==2 {print $2}' | sort -u |
		grep -vE "^(port_|mem|str|__stack_chk|__aarch64_|_GLOBAL_OFFSET_TABLE_)" |
		grep -vxFf <("$NM" --defined-only $(core_objs) | awk 'NF==3 {print $3}'))
	[ -n "$und" ] && echo "  core/ needs: $und"
	result "$LABEL core/ calls only port_*, mem*, str*" test -z "$und"
	result "$LABEL no recursion (call graph of core/ and port/ is acyclic)" no_recursion
	# the layers (docs/design.md): includes and calls point down only
	result "$LABEL layers: every include in core/ points down" tests/layers.sh includes
	result "$LABEL layers: no call runs up, no files call in a circle" \
		tests/layers.sh calls "$NM" "$BUILD/obj"
	result "$LABEL core/ includes no OS headers" \
		bash -c '! grep -hE "^#include <" $(find core -name "*.[ch]") | grep -vE "<(stdint|stddef|stdbool|string|stdarg)\.h>"'
	stage_end
}
