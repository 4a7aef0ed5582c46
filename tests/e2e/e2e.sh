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
	# --expect-none must fail against a back-end that echoes
	be_start || return 1
	fe -q "$SOCK" --frames 100 --expect-none >"$E2E_DIR/fe.log" 2>&1 && return 1
	stop "$BE"
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
	sleep 1
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
	local s base errs=0
	be_start || return 1
	sleep 0.3
	base=$(nfds "$BE")
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
	# every fd those connections carried is closed again
	[ "$(nfds "$BE")" -eq "$base" ] || { echo "  fds: $base before, $(nfds "$BE") after"; errs=$((errs + 1)); }
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	# one error line per violation, naming it
	has "$BELOG" "protocol version 2, expected 1" &&
		has "$BELOG" "payload size 1048576 larger than" &&
		has "$BELOG" "SET_MEM_TABLE with 9 regions" &&
		has "$BELOG" "SET_FEATURES came with 3 fds, expected 0" &&
		has "$BELOG" "queue index 256" &&
		has "$BELOG" "chain from head 0 loops" &&
		has "$BELOG" "GET_CONFIG (24) is not supported" &&
		has "$BELOG" "dropped for bad input 6" && [ $errs -eq 0 ]
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
	n=$(awk '$1 == "#define" && $2 == "CFG_MAX_DEVICES" {print $3}' "board/$BOARD/board.h")
	[ -n "$n" ] || n=$(awk '$1 == "#define" && $2 == "CFG_MAX_DEVICES" {print $3; exit}' core/config.h)
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
	# in a violation.  The log gets a burst, then a trickle, and a line
	# saying how many were held back; nothing else suffers.
	local t0 t1 lines max
	be_start || return 1
	t0=$(date +%s)
	timeout 120 $RUN "$BUILD/tools/badpeer" "$SOCK" logflood 2000 || return 1
	for i in $(seq 1 300); do
		timeout 30 $RUN "$BUILD/tools/badpeer" "$SOCK" version || return 1
	done
	t1=$(date +%s)
	sleep 1.5
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	lines=$(grep -c "vhost: error: dev0" "$BELOG")
	# burst 20 + 10 a second (board defaults), with a second of slack
	max=$((20 + 10 * (t1 - t0 + 2)))
	echo "  $lines error lines in $((t1 - t0)) s (at most $max)"
	[ "$lines" -le "$max" ] && [ "$lines" -ge 5 ] &&
		has "$BELOG" "lines held back (rate limit of 10 a second)" &&
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
	has "$BELOG" "^log.size: 0x0000000000001000$" &&
		has "$BELOG" "^log.offset: 0x0000000000000040$" &&
		has "$BELOG" "^inflight.num_queues: 2$" &&
		has "$BELOG" "^inflight.queue_size: 256$" || return 1
	has "$BELOG" "^Cmd: VHOST_USER_SET_MEM_TABLE (0x5)$" &&
		has "$BELOG" "^nregions: 1$" &&
		has "$BELOG" "^Cmd: VHOST_USER_SET_VRING_KICK (0xc)$" &&
		has "$BELOG" "^Cmd: VHOST_USER_GET_VRING_BASE (0xb)$" &&
		has "$BELOG" "^addr.desc_user_addr: 0x" &&
		has "$BELOG" "^Fds: [0-9]"
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
	[switch]="--switch" [pcap]="--pcap x.pcap" [links]="--tap vht0")

t_cli() {
	local out p opt help
	help=$(vh --help) && echo "$help" | grep -q -- "--server PATH" || return 1
	vh --bogus >/dev/null 2>&1
	[ $? -eq 2 ] || return 1
	out=$(vh 2>&1)
	[ $? -eq 2 ] && echo "$out" | grep -q "no device" || return 1
	if [ -z "$(unbuilt frontend)" ]; then
		out=$(vh -q "$E2E_DIR/x.sock" --size 20 2>&1)
		[ $? -eq 1 ] && echo "$out" | grep -q -- "--size 20" || return 1
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

# e2e_run KIND TEST...: run the tests, each from a fresh directory.
e2e_run() {
	local t out lines=$1
	shift
	E2E_DIR=$(mktemp -d /tmp/vhost-e2e.XXXXXX)
	for t in "$@"; do
		out=$(unbuilt ${E2E_NEEDS[$t]:-})
		if [ -n "$out" ]; then
			skip "$BOARD e2e ${t#t_}" "$out"
			continue
		fi
		if $t; then pass "$BOARD e2e ${t#t_}"; else
			fail "$BOARD e2e ${t#t_}"
			[ -n "${BELOG:-}" ] && [ -f "$BELOG" ] && tail -n "$lines" "$BELOG" | sed 's/^/  | /'
		fi
		e2e_cleanup
		netns_cleanup 2>/dev/null
		E2E_DIR=$(mktemp -d /tmp/vhost-e2e.XXXXXX)
		BELOG=
	done
	e2e_cleanup
}

e2e_all() {
	e2e_run 5 t_echo t_sink t_sink_detects_echo t_dump t_no_protocol_features \
		t_polled_rings t_packed_indirect t_frame_sizes t_client_mode t_single_process t_disconnect_midstream \
		t_second_frontend_refused t_bad_input t_soak t_flood t_rate_limit t_signals t_trace \
		t_sleeps_when_idle t_cli
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
	[switch]="sw_|l2sw_" [pcap]="pcap_|port_file_|port_wall_ns" [links]="port_(tap|packet|net)_")

binary_checks() {
	local f size syms und p
	f=$(file "$VHOST")
	result "$BOARD binary is static" grep -q "statically linked" <<<"$f"
	case $RUN in *aarch64*)
		result "$BOARD binary is aarch64" grep -q "ARM aarch64" <<<"$f" ;;
	esac
	syms=$("$NM" "$VHOST")
	# the symbol table is there (so the next check means something)
	result "$BOARD binary has symbols" grep -q " T app_main" <<<"$syms"
	result "$BOARD no allocator linked" \
		bash -c '! grep -qE " [TtWw] (malloc|calloc|realloc|free)$" <<<"$1"' _ "$syms"
	size=$(stat -c %s "$BUILD/vhost.stripped")
	echo "  stripped binary: $size bytes ($((size / 1024)) KiB)"
	result "$BOARD stripped binary under $((SIZE_LIMIT / 1024)) KiB" test "$size" -lt "$SIZE_LIMIT"
	# a part the board leaves out is not in the binary, nor what only it
	# needs of the port (port.h, FEATURES)
	for p in $WITHOUT; do
		result "$BOARD binary has no $p (left out)" \
			bash -c '! grep -E " [TtDdRrBb] ($1)" <<<"$2"' _ "${E2E_PART_SYMS[$p]}" "$syms"
	done
	# core/ reaches the OS only through port_*: its objects need nothing
	# else from outside but mem*/str* (and compiler helpers: the stack
	# protector, aarch64's outline atomics of the dirty log)
	und=$("$NM" -u $(core_objs) | awk 'NF==2 {print $2}' | sort -u |
		grep -vE "^(port_|mem|str|__stack_chk|__aarch64_|_GLOBAL_OFFSET_TABLE_)" |
		grep -vxFf <("$NM" --defined-only $(core_objs) | awk 'NF==3 {print $3}'))
	[ -n "$und" ] && echo "  core/ needs: $und"
	result "$BOARD core/ calls only port_*, mem*, str*" test -z "$und"
	result "$BOARD no recursion (call graph of core/ and port/ is acyclic)" no_recursion
	# the layers (docs/design.md): includes and calls point down only
	result "$BOARD layers: every include in core/ points down" tests/layers.sh includes
	result "$BOARD layers: no call runs up, no files call in a circle" \
		tests/layers.sh calls "$NM" "$BUILD/obj"
	result "$BOARD core/ includes no OS headers" \
		bash -c '! grep -hE "^#include <" $(find core -name "*.[ch]") | grep -vE "<(stdint|stddef|stdbool|string|stdarg)\.h>"'
}
