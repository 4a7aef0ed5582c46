# dpdk.sh - interop tests against DPDK 22.11 testpmd: DPDK's virtio-user
# PMD as the front-end of our back-end, and DPDK's vhost PMD as the
# back-end of our front-end.  The counters on both sides must agree.
#
#   interop_dpdk_all     needs VHOST (the native binary) and pass/fail
#                        (tests/run.sh); root for hugepages; dpdk-testpmd
#                        (Debian package dpdk), taskset, stdbuf, mkfifo.
#
# Each scenario runs in a subshell under a watchdog (DPDK_TEST_TIMEOUT s),
# so a hung testpmd or vhost cannot hang the run.  Everything it starts is
# written to a PID file with the process's start time, so the parent can
# kill exactly those processes afterwards (even after a watchdog kill, when
# the subshell's own bookkeeping is gone) without hitting a reused PID.
#
# testpmd runs interactively (-i) with its stdin on a FIFO this shell holds
# open read-write: CI has no stdin, testpmd quits at EOF, and an open
# read-write FIFO neither blocks our writes nor ever reads as EOF.  A
# command is done when one more "testpmd> " prompt is in its log.

DPDK_TESTPMD=${DPDK_TESTPMD:-dpdk-testpmd}
DPDK_TEST_TIMEOUT=${DPDK_TEST_TIMEOUT:-60}
# The back-end side runs on one CPU and the front-end side on the other, as
# in the company benchmark: each polls, and sharing a CPU would make the
# counts depend on the scheduler rather than on the rings.
DPDK_BE_CPU=${DPDK_BE_CPU:-0}
DPDK_FE_CPU=${DPDK_FE_CPU:-1}
# Both sides use rings of 256: our front-end's CFG_FE_QUEUE_SIZE, and the
# queue_size we ask of virtio-user.  The count bounds below are in rings.
DPDK_RING=256
DPDK_HUGEPAGES=${DPDK_HUGEPAGES:-512}

DPDK_DIR=        # per test: sockets, FIFO, logs, PID file
DPDK_SUB=        # per test: the subshell running it
DPDK_PREFIX=     # per test: DPDK --file-prefix
DPDK_HP_ORIG=    # nr_hugepages before we raised it ("" = untouched)
DPDK_HP_MOUNT=   # the hugetlbfs we mounted ("" = none)
DPDK_OLD_EXIT=

# ---- hugepages ------------------------------------------------------------

dpdk_hugetlbfs() { awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts; }

# Reserve and mount only what is missing, and remember it, so that
# dpdk_huge_restore leaves the machine as it was.
dpdk_huge_setup() {
	local have free
	have=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$have" -lt "$DPDK_HUGEPAGES" ]; then
		DPDK_HP_ORIG=$have
		echo "$DPDK_HUGEPAGES" >/proc/sys/vm/nr_hugepages 2>/dev/null || {
			echo "  cannot reserve $DPDK_HUGEPAGES hugepages (not root?)"
			return 1
		}
	fi
	if [ -z "$(dpdk_hugetlbfs)" ]; then
		if ! mkdir -p /dev/hugepages || ! mount -t hugetlbfs none /dev/hugepages; then
			echo "  cannot mount hugetlbfs on /dev/hugepages"
			return 1
		fi
		DPDK_HP_MOUNT=/dev/hugepages
	fi
	# one testpmd at a time, with -m 128: 64 pages of 2 MB
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	[ "$free" -ge 64 ] || {
		echo "  only $free hugepages free, 64 needed"
		return 1
	}
}

dpdk_huge_restore() {
	if [ -n "$DPDK_HP_MOUNT" ]; then
		umount "$DPDK_HP_MOUNT" 2>/dev/null
		DPDK_HP_MOUNT=
	fi
	if [ -n "$DPDK_HP_ORIG" ]; then
		echo "$DPDK_HP_ORIG" >/proc/sys/vm/nr_hugepages 2>/dev/null
		DPDK_HP_ORIG=
	fi
}

# ---- processes ------------------------------------------------------------

dpdk_starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo "${20}"
}

# dpdk_bg LOG STDIN CPU CMD...: start pinned; sets DPDK_PID.  The subshell,
# taskset and stdbuf all exec, so the PID is the program's own.  Our write
# end of testpmd's FIFO is not inherited: if this shell dies, testpmd then
# sees EOF and quits by itself.
dpdk_bg() {
	local log=$1 in=$2 cpu=$3
	shift 3
	(
		[ -n "${DPDK_TP_FD:-}" ] && exec {DPDK_TP_FD}>&-
		exec taskset -c "$cpu" "$@" >"$log" 2>&1 <"$in"
	) &
	DPDK_PID=$!
	echo "$DPDK_PID $(dpdk_starttime "$DPDK_PID")" >>"$DPDK_DIR/pids"
}

dpdk_alive() { kill -0 "$1" 2>/dev/null; }

# dpdk_wait_exit PID SECS: its exit status, or 124 (and killed) if it is
# still running after SECS.
dpdk_wait_exit() {
	local pid=$1 end=$((SECONDS + $2))
	while dpdk_alive "$pid"; do
		if [ "$SECONDS" -ge "$end" ]; then
			kill -KILL "$pid" 2>/dev/null
			{ wait "$pid"; } 2>/dev/null
			return 124
		fi
		sleep 0.1
	done
	{ wait "$pid"; } 2>/dev/null
}

# dpdk_stop PID: SIGTERM, then SIGKILL after 10 s; its exit status.
dpdk_stop() {
	kill -TERM "$1" 2>/dev/null
	dpdk_wait_exit "$1" 10
}

# dpdk_until SECS CMD...: poll CMD every 0.1 s for up to SECS.
dpdk_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# ---- testpmd --------------------------------------------------------------

dpdk_tp_prompts() { grep -o 'testpmd> ' "$DPDK_TP_LOG" 2>/dev/null | wc -l; }

# dpdk_tp_start CPU VDEV TESTPMD-ARGS...: sets DPDK_TP (PID) and
# DPDK_TP_LOG; returns once testpmd prompts.
#   --in-memory: no hugepage or /var/run/dpdk files, memory is shared with
#     the peer through memfd; --single-file-segments: otherwise virtio-user
#     offers more memory regions than a back-end takes ("Too many memory
#     regions"); two lcores on one CPU: testpmd needs a main lcore besides
#     the forwarding one.
dpdk_tp_start() {
	local cpu=$1 vdev=$2 fifo=$DPDK_DIR/tp.fifo
	shift 2
	DPDK_TP_LOG=$DPDK_DIR/testpmd.log
	mkfifo "$fifo" || return 1
	exec {DPDK_TP_FD}<>"$fifo"
	dpdk_bg "$DPDK_TP_LOG" "$fifo" "$cpu" stdbuf -oL -eL "$DPDK_TESTPMD" \
		--lcores="0@$cpu,1@$cpu" --no-pci --in-memory --single-file-segments \
		-m 128 --file-prefix="$DPDK_PREFIX" --vdev "$vdev" -- \
		-i --nb-cores=1 --total-num-mbufs=8192 --port-topology=loop "$@"
	DPDK_TP=$DPDK_PID
	local end=$((SECONDS + 30))
	until [ "$(dpdk_tp_prompts)" -ge 1 ]; do
		dpdk_alive "$DPDK_TP" || { echo "  testpmd exited during start-up"; return 1; }
		[ "$SECONDS" -lt "$end" ] || { echo "  testpmd gave no prompt in 30 s"; return 1; }
		sleep 0.1
	done
}

# dpdk_tp_cmd CMD [SECS]
dpdk_tp_cmd() {
	local n0 end=$((SECONDS + ${2:-20}))
	n0=$(dpdk_tp_prompts)
	echo "$1" >&"$DPDK_TP_FD"
	while [ "$(dpdk_tp_prompts)" -le "$n0" ]; do
		dpdk_alive "$DPDK_TP" || { echo "  testpmd died at '$1'"; return 1; }
		[ "$SECONDS" -lt "$end" ] || { echo "  testpmd did not finish '$1'"; return 1; }
		sleep 0.05
	done
}

dpdk_tp_quit() {
	[ -n "${DPDK_TP:-}" ] || return 0
	{ echo quit >&"$DPDK_TP_FD"; } 2>/dev/null
	dpdk_wait_exit "$DPDK_TP" 10
	exec {DPDK_TP_FD}>&-
	DPDK_TP_FD=
	DPDK_TP=
}

# dpdk_tp_link_up: the last `show port info 0` says the link is up
dpdk_tp_link_up() {
	dpdk_tp_cmd "show port info 0" || return 1
	awk '/Infos for port 0/ { up = 0 } /Link status: up/ { up = 1 } END { exit !up }' \
		"$DPDK_TP_LOG"
}

# dpdk_tp_port_stats: "RX TX" packets of port 0 since the port started,
# from a fresh `show port stats 0`.  These, not the `stop` summary, are
# the counts: the summary leaves out what `start` flushed from the RX ring.
dpdk_tp_port_stats() {
	dpdk_tp_cmd "show port stats 0" || return 1
	awk '/NIC statistics for port 0/ { rx = ""; tx = "" }
	     /RX-packets:/ { rx = $2 } /TX-packets:/ { tx = $2 }
	     END { if (rx == "" || tx == "") exit 1; print rx, tx }' "$DPDK_TP_LOG"
}

# dpdk_frames LOG QUEUE: "dev0 qQUEUE (..): frames N" of our final counters
dpdk_frames() {
	awk -v q="dev0 q$2 " 'index($0, q) == 1 && $4 == "frames" { n = $5 } END { if (n == "") exit 1; print n }' "$1"
}

# ---- DPDK virtio-user against our back-end --------------------------------

# dpdk_be_start MODE-ARGS...: our back-end on DPDK_SOCK, then virtio-user
# testpmd connected to it (the caller adds testpmd's forwarding args via
# DPDK_TP_ARGS); the link must come up.
dpdk_be_start() {
	DPDK_SOCK=$DPDK_DIR/vhost.sock
	DPDK_BELOG=$DPDK_DIR/vhost.log
	dpdk_bg "$DPDK_BELOG" /dev/null "$DPDK_BE_CPU" "$VHOST" -s "$DPDK_SOCK" "$@"
	DPDK_BE=$DPDK_PID
	dpdk_until 10 test -S "$DPDK_SOCK" || { echo "  no socket from vhost"; return 1; }
	dpdk_tp_start "$DPDK_FE_CPU" \
		"net_virtio_user0,path=$DPDK_SOCK,queues=${DPDK_QUEUES:-1},queue_size=$DPDK_RING${DPDK_VU_OPTS:-}" \
		"${DPDK_TP_ARGS[@]}" || return 1
	dpdk_until 10 dpdk_tp_link_up || { echo "  virtio-user link not up"; return 1; }
}

# dpdk_be_counts: our back-end's RX and TX frames, from the counters a
# SIGUSR1 makes it print (the dump it made, not an earlier one).
dpdk_be_counts() {
	local n
	n=$(grep -c "^dev0: connections" "$DPDK_BELOG")
	kill -USR1 "$DPDK_BE" 2>/dev/null || return 1
	dpdk_until 5 dpdk_dumps_past "$n" || return 1
	echo "$(dpdk_frames "$DPDK_BELOG" 0) $(dpdk_frames "$DPDK_BELOG" 1)"
}

dpdk_dumps_past() { [ "$(grep -c "^dev0: connections" "$DPDK_BELOG")" -gt "$1" ]; }

# dpdk_be_run SECS: forward for SECS, stop, let our back-end settle, and
# read testpmd's counts into TP_RX/TP_TX; then stop our back-end, which
# prints its final counters at SIGTERM.
dpdk_be_run() {
	local st prev= cur i
	dpdk_tp_cmd start || return 1
	sleep "$1"
	dpdk_tp_cmd stop || return 1
	# testpmd no longer touches the rings; what our back-end can still do
	# with them (drain TX, fill free RX buffers) is done when two dumps of
	# its counters 0.2 s apart agree (at most 5 s), however busy the
	# machine is
	for i in $(seq 1 25); do
		sleep 0.2
		cur=$(dpdk_be_counts) || return 1
		[ "$cur" = "$prev" ] && break
		prev=$cur
	done
	st=$(dpdk_tp_port_stats) || return 1
	read -r TP_RX TP_TX <<<"$st"
	dpdk_stop "$DPDK_BE" || { echo "  vhost exited with $? at SIGTERM"; return 1; }
	dpdk_tp_quit
	if ! BE_RX=$(dpdk_frames "$DPDK_BELOG" 0) || ! BE_TX=$(dpdk_frames "$DPDK_BELOG" 1); then
		echo "  no counters from vhost"
		return 1
	fi
}

# 1. testpmd transmits; every frame it enqueued must have been consumed.
dpdk_t_txonly_sink() {
	DPDK_TP_ARGS=(--forward-mode=txonly --txpkts=64)
	dpdk_be_start --sink && dpdk_be_run 3 || return 1
	echo "  testpmd TX $TP_TX, vhost tx $BE_TX"
	# more than a few rings: a ring whose used elements the driver does
	# not see stops after one
	[ "$TP_TX" -gt $((10 * DPDK_RING)) ] && [ "$BE_TX" -eq "$TP_TX" ]
}

# 2. we generate; testpmd counts.  Once testpmd stops polling, the frames
# already in its RX ring (at most the ring) are ours but never its.
dpdk_t_rxonly_generate() {
	local d
	DPDK_TP_ARGS=(--forward-mode=rxonly)
	dpdk_be_start --generate --size 64 && dpdk_be_run 3 || return 1
	d=$((BE_RX - TP_RX))
	echo "  testpmd RX $TP_RX, vhost rx $BE_RX (in the ring at stop: $d)"
	[ "$TP_RX" -gt $((10 * DPDK_RING)) ] && [ "$d" -ge 0 ] && [ "$d" -le "$DPDK_RING" ]
}

# 3. testpmd's flowgen sends and also receives on the one queue pair, and
# we echo (io forwarding would need something to start the loop).  An echo
# into a full RX ring waits instead of dropping, so our rx == our tx
# exactly.  At stop, frames are in flight in two places only, each at most
# one ring: TX descriptors testpmd posted that we had not taken yet
# (testpmd TX - ours), and frames we had put in its RX ring that it had not
# polled yet (ours - testpmd RX).  So testpmd's TX - RX <= 2 x 256.
dpdk_t_flowgen_echo() {
	DPDK_TP_ARGS=(--forward-mode=flowgen --txpkts=64)
	dpdk_be_start --echo && dpdk_be_run 3 || return 1
	echo "  testpmd TX $TP_TX RX $TP_RX, vhost tx $BE_TX rx $BE_RX"
	[ "$TP_RX" -gt $((10 * DPDK_RING)) ] && [ "$BE_RX" -eq "$BE_TX" ] &&
		[ $((TP_TX - BE_TX)) -ge 0 ] && [ $((TP_TX - BE_TX)) -le "$DPDK_RING" ] &&
		[ $((BE_RX - TP_RX)) -ge 0 ] && [ $((BE_RX - TP_RX)) -le "$DPDK_RING" ]
}

# 1b. Ring restarts by a peer that does not pre-signal kicks: testpmd
# transmits, stops the port (GET_VRING_BASE on each ring) and starts it
# again (base, addresses, kick, call, enable), three times.  Each cycle
# must move more than a few rings' worth of frames.  (This does not catch
# a restart that leaves "no notifications" in the ring, D6: testpmd's
# stop lets us drain the ring first, so our last pass before the stop
# always ends with notifications on.  tests/unit/test_net.c
# test_restart_looks stops a ring in mid-batch.)
dpdk_t_restart_sink() {
	local i n prev=0
	DPDK_TP_ARGS=(--forward-mode=txonly --txpkts=64)
	dpdk_be_start --sink || return 1
	for i in 1 2 3 4; do
		dpdk_tp_cmd start || return 1
		sleep 1
		dpdk_tp_cmd stop || return 1
		sleep 0.5
		kill -USR1 "$DPDK_BE"
		dpdk_until 5 test "$(grep -c '^dev0 q1 (tx)' "$DPDK_BELOG")" -ge "$i" || return 1
		n=$(grep '^dev0 q1 (tx)' "$DPDK_BELOG" | tail -n 1 | awk '{ print $5 }')
		echo "  cycle $i: vhost tx $n (+$((n - prev)))"
		[ $((n - prev)) -gt $((10 * DPDK_RING)) ] || return 1
		prev=$n
		[ "$i" -lt 4 ] || break
		dpdk_tp_cmd "port stop 0" || return 1
		dpdk_tp_cmd "port start 0" || return 1
		dpdk_until 10 dpdk_tp_link_up || { echo "  link not up again"; return 1; }
	done
	dpdk_tp_cmd "show port stats 0" || return 1
	dpdk_stop "$DPDK_BE" || return 1
	dpdk_tp_quit
}
dpdk_t_packed_restart_sink() { DPDK_VU_OPTS=,packed_vq=1 dpdk_t_restart_sink; }

# dpdk_tp_xstat NAME: testpmd's extended counter NAME of port 0 (rx_q0_good_packets
# ...), from a fresh `show port xstats 0`
dpdk_tp_xstat() {
	dpdk_tp_cmd "show port xstats 0" || return 1
	awk -v n="$1:" '/NIC extended statistics for port 0/ { v = "" }
	     $1 == n { v = $2 } END { if (v == "") exit 1; print v }' "$DPDK_TP_LOG"
}

# 5. multiqueue (virtio 1.2 5.1.6.5.5), with the features the VMMs of
# small boards use together: virtio-user with queues=2, mrg_rxbuf=1 and
# in_order=1 (and packed_vq=1 in 5b) against our echo.  testpmd's flowgen
# sends on both queues; we return each frame on the pair it came from, so
# each pair's rx equals its tx, both pairs carry more than a few rings,
# and what testpmd received on each queue is ours less at most a ring.
dpdk_t_mq_flowgen_echo() {
	local p q tp ours_rx ours_tx
	DPDK_QUEUES=2
	DPDK_VU_OPTS=",mrg_rxbuf=1,in_order=1${DPDK_MQ_OPTS:-}"
	DPDK_TP_ARGS=(--forward-mode=flowgen --txpkts=64 --rxq=2 --txq=2)
	dpdk_be_start --echo || return 1
	dpdk_tp_cmd start || return 1
	sleep 3
	dpdk_tp_cmd stop || return 1
	sleep 1
	for q in 0 1; do
		tp[$q]=$(dpdk_tp_xstat "rx_q${q}_good_packets") ||
			{ echo "  no rx_q${q}_good_packets from testpmd"; return 1; }
	done
	dpdk_stop "$DPDK_BE" || { echo "  vhost exited with $? at SIGTERM"; return 1; }
	dpdk_tp_quit
	for p in 0 1; do
		ours_rx=$(dpdk_frames "$DPDK_BELOG" $((2 * p))) &&
			ours_tx=$(dpdk_frames "$DPDK_BELOG" $((2 * p + 1))) ||
			{ echo "  no counters from vhost"; return 1; }
		echo "  pair $p: vhost tx $ours_tx rx $ours_rx, testpmd RX queue $p ${tp[$p]}"
		[ "$ours_tx" -gt $((10 * DPDK_RING)) ] && [ "$ours_rx" -eq "$ours_tx" ] &&
			[ $((ours_rx - tp[p])) -ge 0 ] && [ $((ours_rx - tp[p])) -le "$DPDK_RING" ] ||
			return 1
	done
	has_line "$DPDK_BELOG" "dev0: connections 1, dropped for bad input 0"
}
dpdk_t_mq_packed_flowgen_echo() { DPDK_MQ_OPTS=,packed_vq=1 dpdk_t_mq_flowgen_echo; }

# ---- our front-end against DPDK's vhost PMD -------------------------------

# dpdk_fe_run TESTPMD-ARGS -- FRONT-END-ARGS...: testpmd's vhost port
# forwarding, then our front-end on its socket to the end; sets FE_RC,
# FE_LOG, TP_RX, TP_TX.
dpdk_fe_run() {
	local tpargs=() st
	while [ "$1" != -- ]; do tpargs+=("$1"); shift; done
	shift
	DPDK_SOCK=$DPDK_DIR/dpdk.sock
	FE_LOG=$DPDK_DIR/frontend.log
	dpdk_tp_start "$DPDK_BE_CPU" "net_vhost0,iface=$DPDK_SOCK,queues=${DPDK_QUEUES:-1}" \
		"${tpargs[@]}" || return 1
	# the vhost PMD listens from port set-up; connecting earlier would fail
	dpdk_until 10 test -S "$DPDK_SOCK" || { echo "  no socket from testpmd"; return 1; }
	# forwarding before we connect: no frame waits for testpmd to start
	dpdk_tp_cmd start || return 1
	dpdk_bg "$FE_LOG" /dev/null "$DPDK_FE_CPU" "$VHOST" -q "$DPDK_SOCK" "$@" \
		${DPDK_FE_OPTS:-}
	dpdk_wait_exit "$DPDK_PID" 40
	FE_RC=$?
	dpdk_tp_cmd stop || return 1
	st=$(dpdk_tp_port_stats) || return 1
	read -r TP_RX TP_TX <<<"$st"
	dpdk_tp_quit
	[ "$FE_RC" -eq 0 ] || echo "  vhost front-end exited with $FE_RC"
}

# 4a. we transmit, testpmd only receives: it must get every frame.
dpdk_t_vhost_rxonly() {
	dpdk_fe_run --forward-mode=rxonly -- --frames 10000 --expect-none || return 1
	echo "  vhost sent 10000, testpmd RX $TP_RX"
	[ "$FE_RC" -eq 0 ] && has_line "$FE_LOG" "front-end: sent 10000, completed 10000, received 0 intact, 0 wrong: PASS" &&
		[ "$TP_RX" -eq 10000 ]
}

# 4b. testpmd transmits; we are a host that answers nothing here and
# counts the rest.  When we stop, the frames testpmd put in our RX ring
# since we last polled it (at most the ring) are testpmd's but never ours.
# The front-end accepts DPDK's ring base after the stop anywhere between
# the used index and what it offered, so it must pass.
dpdk_t_vhost_txonly() {
	local ours d
	dpdk_fe_run --forward-mode=txonly --txpkts=64 -- --respond 192.0.2.99 --serve 5 || return 1
	ours=$(dpdk_frames "$FE_LOG" 0) || { echo "  no counters from the front-end"; return 1; }
	d=$((TP_TX - ours))
	echo "  testpmd TX $TP_TX, vhost rx $ours (left in our ring: $d)"
	[ "$FE_RC" -eq 0 ] && [ "$ours" -gt 0 ] && [ "$d" -ge 0 ] && [ "$d" -le "$DPDK_RING" ]
}

# 4c. testpmd returns every frame on the port it came from; our front-end
# checks each one byte for byte and in order.
dpdk_t_vhost_io() {
	dpdk_fe_run --forward-mode=io -- --frames 10000 || return 1
	echo "  testpmd RX $TP_RX TX $TP_TX"
	[ "$FE_RC" -eq 0 ] && has_line "$FE_LOG" "received 10000 intact, 0 wrong: PASS" &&
		[ "$TP_RX" -eq 10000 ] && [ "$TP_TX" -eq 10000 ]
}

has_line() { grep -qF -- "$2" "$1"; }

# The same with packed rings (virtio 1.2 2.8) and indirect descriptors:
# virtio-user's packed_vq=1 against our back-end, our front-end's --packed
# and --indirect against DPDK's vhost PMD.
dpdk_t_packed_txonly_sink() { DPDK_VU_OPTS=,packed_vq=1 dpdk_t_txonly_sink; }
dpdk_t_packed_rxonly_generate() { DPDK_VU_OPTS=,packed_vq=1 dpdk_t_rxonly_generate; }
dpdk_t_packed_flowgen_echo() { DPDK_VU_OPTS=,packed_vq=1 dpdk_t_flowgen_echo; }
dpdk_t_vhost_io_packed() { DPDK_FE_OPTS=--packed dpdk_t_vhost_io; }
dpdk_t_vhost_io_indirect() { DPDK_FE_OPTS=--indirect dpdk_t_vhost_io; }
dpdk_t_vhost_io_packed_indirect() { DPDK_FE_OPTS="--packed --indirect" dpdk_t_vhost_io; }

# 6. our front-end with two queue pairs (--queues 2: VIRTIO_NET_F_MQ, and
# VIRTIO_RING_F_EVENT_IDX, which DPDK's vhost offers) against DPDK's vhost
# PMD with queues=2: testpmd's io forwarding returns what comes in on
# queue i on queue i, and our front-end checks every frame on the pair it
# went out on, in that pair's order.  Split, packed, and (6c) without
# EVENT_IDX.
dpdk_t_vhost_mq_io() {
	DPDK_QUEUES=2
	dpdk_fe_run --forward-mode=io --rxq=2 --txq=2 -- --frames 10000 --queues 2 || return 1
	echo "  testpmd RX $TP_RX TX $TP_TX; $(grep -o 'dev0 q[0-3] (tx): frames [0-9]*' "$FE_LOG" | tr '\n' ' ')"
	[ "$FE_RC" -eq 0 ] && has_line "$FE_LOG" "received 10000 intact, 0 wrong: PASS" &&
		[ "$TP_RX" -eq 10000 ] && [ "$TP_TX" -eq 10000 ] &&
		has_line "$FE_LOG" "dev0 q3 (tx): frames 5000 "
}
dpdk_t_vhost_mq_io_packed() { DPDK_FE_OPTS=--packed dpdk_t_vhost_mq_io; }
dpdk_t_vhost_mq_io_no_event_idx() { DPDK_FE_OPTS=--no-event-idx dpdk_t_vhost_mq_io; }

# ---- the runner -----------------------------------------------------------

# Kill what the test started (if it is still that process), and remove its
# files: sockets, FIFO, logs, and any DPDK files under its prefix (there
# should be none with --in-memory; this catches a change of flags).
dpdk_cleanup() {
	local pid st mnt
	# the test's subshell first, or it could start something after us
	if [ -n "$DPDK_SUB" ]; then
		kill -KILL "$DPDK_SUB" 2>/dev/null
		{ wait "$DPDK_SUB"; } 2>/dev/null
		DPDK_SUB=
	fi
	[ -n "$DPDK_DIR" ] || return 0
	if [ -f "$DPDK_DIR/pids" ]; then
		while read -r pid st; do
			[ -n "$st" ] || continue
			[ "$(dpdk_starttime "$pid")" = "$st" ] || continue
			kill -KILL "$pid" 2>/dev/null
			{ wait "$pid"; } 2>/dev/null
		done <"$DPDK_DIR/pids"
	fi
	mnt=$(dpdk_hugetlbfs)
	[ -n "$mnt" ] && [ -n "$DPDK_PREFIX" ] && rm -f "$mnt/$DPDK_PREFIX"map_* 2>/dev/null
	[ -n "$DPDK_PREFIX" ] && rm -rf "/var/run/dpdk/$DPDK_PREFIX"
	rm -rf "$DPDK_DIR"
	DPDK_DIR=
}

dpdk_on_exit() {
	dpdk_cleanup
	dpdk_huge_restore
	# then whatever EXIT trap was there before us (e2e.sh's)
	if [ -n "$DPDK_OLD_EXIT" ]; then
		eval "set -- $DPDK_OLD_EXIT"
		eval "$3"
	fi
}

# dpdk_one NAME FUNC
dpdk_one() {
	local name=$1 fn=$2 end rc f
	DPDK_DIR=$(mktemp -d /tmp/vhost-dpdk.XXXXXX)
	DPDK_PREFIX=vhost-dpdk-$$-$RANDOM
	: >"$DPDK_DIR/pids"
	("$fn") &
	DPDK_SUB=$!
	end=$((SECONDS + DPDK_TEST_TIMEOUT))
	while dpdk_alive "$DPDK_SUB" && [ "$SECONDS" -lt "$end" ]; do sleep 0.2; done
	if dpdk_alive "$DPDK_SUB"; then
		kill -KILL "$DPDK_SUB" 2>/dev/null
		{ wait "$DPDK_SUB"; } 2>/dev/null
		echo "  timed out after ${DPDK_TEST_TIMEOUT} s"
		rc=1
	else
		wait "$DPDK_SUB"
		rc=$?
	fi
	DPDK_SUB=
	if [ "$rc" -eq 0 ]; then pass "interop dpdk $name"; else
		fail "interop dpdk $name"
		for f in "$DPDK_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "  $(basename "$f"):"
			grep -v '^VHOST_CONFIG' "$f" | tail -n 6 | sed 's/^/  | /'
		done
	fi
	dpdk_cleanup
}

DPDK_TESTS=(
	"virtio-user-txonly-sink dpdk_t_txonly_sink"
	"virtio-user-rxonly-generate dpdk_t_rxonly_generate"
	"virtio-user-flowgen-echo dpdk_t_flowgen_echo"
	"virtio-user-restart-sink dpdk_t_restart_sink"
	"virtio-user-packed-restart-sink dpdk_t_packed_restart_sink"
	"vhost-rxonly-frontend dpdk_t_vhost_rxonly"
	"vhost-txonly-frontend dpdk_t_vhost_txonly"
	"vhost-io-frontend dpdk_t_vhost_io"
	"virtio-user-packed-txonly-sink dpdk_t_packed_txonly_sink"
	"virtio-user-packed-rxonly-generate dpdk_t_packed_rxonly_generate"
	"virtio-user-packed-flowgen-echo dpdk_t_packed_flowgen_echo"
	"vhost-io-frontend-packed dpdk_t_vhost_io_packed"
	"vhost-io-frontend-indirect dpdk_t_vhost_io_indirect"
	"vhost-io-frontend-packed-indirect dpdk_t_vhost_io_packed_indirect"
	"virtio-user-mq-flowgen-echo dpdk_t_mq_flowgen_echo"
	"virtio-user-mq-packed-flowgen-echo dpdk_t_mq_packed_flowgen_echo"
	"vhost-mq-io-frontend dpdk_t_vhost_mq_io"
	"vhost-mq-io-frontend-packed dpdk_t_vhost_mq_io_packed"
	"vhost-mq-io-frontend-no-event-idx dpdk_t_vhost_mq_io_no_event_idx"
)

interop_dpdk_all() {
	local t name fn why=
	if ! command -v "$DPDK_TESTPMD" >/dev/null 2>&1; then
		why="$DPDK_TESTPMD not found (Debian package dpdk)"
	elif [ ! -x "${VHOST:-}" ]; then
		why="no vhost binary at '${VHOST:-}'"
	fi
	DPDK_OLD_EXIT=$(trap -p EXIT)
	trap dpdk_on_exit EXIT
	if [ -z "$why" ]; then
		dpdk_huge_setup || why="no hugepages"
	fi
	stage_begin "interop dpdk" ${#DPDK_TESTS[@]}
	for t in "${DPDK_TESTS[@]}"; do
		read -r name fn <<<"$t"
		if [ -n "$why" ]; then
			echo "  $why"
			fail "interop dpdk $name"
		else
			dpdk_one "$name" "$fn"
		fi
	done
	stage_end
	dpdk_huge_restore
	# restore the EXIT trap we found
	if [ -n "$DPDK_OLD_EXIT" ]; then eval "$DPDK_OLD_EXIT"; else trap - EXIT; fi
	DPDK_OLD_EXIT=
}
