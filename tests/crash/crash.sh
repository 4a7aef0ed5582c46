#!/usr/bin/env bash
# crash.sh - inflight recovery proven by crash (tests/crash/README).
# Sourced by tests/run.sh after e2e.sh, whose helpers it uses (E2E_DIR,
# E2E_PIDS, e2e_cleanup, wait_for, stop); run once, with the host
# board's build: BUILD (the product and tools/crashfe), and the FAULTS=1
# build beside it, which crash_all makes.
#
# Each test runs one crashfe (the front-end and guest that count every
# descriptor) through a row of back-ends, each killed by its VHOST_FAULT
# (POINT:N: at the Nth time the ring code reaches POINT), then one that
# is not.  Every back-end of the row must die there, of SIGKILL, and say
# where; crashfe must count every TX and RX descriptor completed exactly
# once; the last back-end must stop cleanly.

# The tests crash_all runs, in order; it runs these and no others.
CRASH_TESTS=(t_crash_product_clean
	t_crash_split_popped t_crash_split_used t_crash_split_handed
	t_crash_split_published
	t_crash_packed_popped t_crash_packed_used t_crash_packed_handed
	t_crash_packed_published
	t_crash_split_mixed_sink t_crash_packed_mixed_sink
	t_crash_split_random t_crash_packed_random)

# N for each kill of a row: the first chains after a restart (those
# taken again), and on into the ring's second and third laps.
CRASH_NS="1 2 3 4 6 9 13 19 28 41 60 88 130 190 280 410"

# More options for every back-end (to look into a failure: -vv).
CRASH_BE_ARGS=${CRASH_BE_ARGS:-}

CRASH_KILLS=0
CRASH_TX=0
CRASH_RX=0

# crash_died PID SPEC LOG FE: the back-end PID died of SPEC within 30 s
# (not waited for once the front-end FE is gone: nothing would make it).
crash_died() {
	local pid=$1 spec=$2 log=$3 fe=$4 i rc
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		kill -0 "$fe" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "  VHOST_FAULT=$spec: the back-end did not die"
		return 1
	fi
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	if [ "$rc" -ne 137 ] || ! grep -qx "vhost: fault: killed at $spec" "$log"; then
		echo "  VHOST_FAULT=$spec: exit status $rc, not 137 (SIGKILL) at the point:"
		tail -n 3 "$log" | sed 's/^/  | /'
		return 1
	fi
}

# crash_row LAYOUT MODE SPEC...: one crashfe (split or packed rings) on
# back-ends in MODE (echo or sink), killed at each SPEC in turn.
crash_row() {
	local layout=$1 mode=$2
	shift 2
	local sock=$E2E_DIR/crash.sock felog=$E2E_DIR/crashfe.log
	local spec i=0 pid=0 fe=0 rc line args=()
	local seed
	seed=$(echo "$layout $mode $*" | cksum | cut -d' ' -f1)
	args=("$sock" --kills $# --seed "$seed")
	[ "$layout" = packed ] && args+=(--packed)
	[ "$mode" = sink ] && args+=(--sink)
	for spec in "$@" ""; do
		BELOG=$E2E_DIR/be-$i.log
		VHOST_FAULT=$spec "$CRASH_VHOST" -s "$sock" --$mode $CRASH_BE_ARGS \
			>"$BELOG" 2>&1 &
		pid=$!
		E2E_PIDS+=("$pid")
		if [ $i -eq 0 ]; then
			wait_for test -S "$sock" || return 1
			timeout 120 "$BUILD/tools/crashfe" "${args[@]}" >"$felog" 2>&1 &
			fe=$!
			E2E_PIDS+=("$fe")
		fi
		if [ -n "$spec" ]; then
			crash_died "$pid" "$spec" "$BELOG" "$fe" || {
				sed 's/^/  | /' "$felog"
				return 1
			}
		fi
		i=$((i + 1))
	done
	wait "$fe"
	rc=$?
	if [ $rc -ne 0 ] || [ "$(tail -n 1 "$felog")" != PASS ]; then
		echo "  crashfe failed (exit $rc):"
		sed 's/^/  | /' "$felog"
		return 1
	fi
	stop "$pid" || { echo "  the last back-end did not stop cleanly"; return 1; }
	line=$(grep '^crashfe: ' "$felog")
	echo "  ${line#crashfe: }"
	CRASH_KILLS=$((CRASH_KILLS + $#))
	CRASH_TX=$((CRASH_TX + $(echo "$line" | sed -n 's/.*TX \([0-9]*\) posted.*/\1/p')))
	CRASH_RX=$((CRASH_RX + $(echo "$line" | sed -n 's/.*RX \([0-9]*\) posted.*/\1/p')))
}

# every N of CRASH_NS at one point
crash_point() {
	local n specs=()
	for n in $CRASH_NS; do specs+=("$3:$n"); done
	crash_row "$1" "$2" "${specs[@]}"
}

# The product of every board has no fault hook (only a FAULTS=1 build
# does; the FAULTS build's own check shows the test can see one).
t_crash_product_clean() {
	local b
	nm "$CRASH_VHOST" | grep -q " T port_fault$" || { echo "  $CRASH_VHOST has no hook"; return 1; }
	for b in "${CRASH_PRODUCTS[@]}"; do
		if nm "$b" | grep -q "port_fault" || grep -q VHOST_FAULT "$b"; then
			echo "  $b: a fault hook in the product"
			return 1
		fi
		echo "  $b: none"
	done
}

t_crash_split_popped() { crash_point split echo popped; }
t_crash_split_used() { crash_point split echo used; }
t_crash_split_handed() { crash_point split echo handed; }
t_crash_split_published() { crash_point split echo published; }
t_crash_packed_popped() { crash_point packed echo popped; }
t_crash_packed_used() { crash_point packed echo used; }
t_crash_packed_handed() { crash_point packed echo handed; }
t_crash_packed_published() { crash_point packed echo published; }

# every point in turn, TX only (the back-end sinks the frames)
CRASH_MIXED="popped:5 used:3 handed:8 published:2 popped:1 handed:1 used:17
	published:30 popped:77 used:1 handed:50 published:1"
t_crash_split_mixed_sink() { crash_row split sink $CRASH_MIXED; }
t_crash_packed_mixed_sink() { crash_row packed sink $CRASH_MIXED; }

# crash_random SEED: 30 kills, each at a point and N (1 to 300) drawn
# from SEED: the same row every run.
crash_random() {
	awk -v seed="$1" 'BEGIN {
		split("popped used handed published", p, " ")
		srand(seed)
		for (i = 0; i < 30; i++)
			printf "%s:%d ", p[int(rand() * 4) + 1], int(rand() * rand() * 300) + 1
	}'
}
t_crash_split_random() { crash_row split echo $(crash_random 14); }
t_crash_packed_random() { crash_row packed echo $(crash_random 41); }

# crash_all PRODUCT...: build the FAULTS=1 back-end beside BUILD, then
# run CRASH_TESTS; PRODUCT... are the product binaries of this run.
crash_all() {
	local t ran=0 o=${BUILD%/*}
	CRASH_PRODUCTS=("$@")
	CRASH_VHOST=$o/host-faults/vhost
	CRASH_KILLS=0 CRASH_TX=0 CRASH_RX=0
	if ! make -s --no-print-directory BOARD=host FAULTS=1 O="$o" all; then
		fail "crash: the FAULTS=1 build"
		return
	fi
	for t in "${CRASH_TESTS[@]}"; do
		E2E_DIR=$(mktemp -d /tmp/vhost-crash.XXXXXX)
		BELOG=
		# (bash says "Killed" of each back-end it reaps: that is the test)
		if $t 2>"$E2E_DIR/stderr"; then pass "crash ${t#t_crash_}"; else
			fail "crash ${t#t_crash_}"
		fi
		grep -v "Killed *VHOST_FAULT=" "$E2E_DIR/stderr" >&2
		ran=$((ran + 1))
		e2e_cleanup
	done
	[ "$ran" -eq ${#CRASH_TESTS[@]} ] || fail "crash: $ran tests of ${#CRASH_TESTS[@]} ran"
	echo "  crash: $CRASH_KILLS kills; $CRASH_TX TX and $CRASH_RX RX descriptors, each completed once"
}

# Alone, without the rest of tests/run.sh:
#   tests/crash/crash.sh [BUILD]     (default build/host, after make tests)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cd "$(dirname "$0")/../.."
	PASSED=0 FAILED=0
	pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
	fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
	BOARD=host BUILD=${1:-build/host} RUN=
	source tests/e2e/e2e.sh
	crash_all "$BUILD/vhost"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
fi
