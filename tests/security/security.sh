# security.sh - the security tests: one hostile front-end per class of
# published vulnerability in vhost-user back-ends (tests/security/*.c,
# see README there), each against the real back-end, natively or as
# aarch64 binaries under qemu-user.  Sourced by tests/run.sh after e2e.sh,
# whose helpers it uses (the front-ends: FE_VHOST, see e2e.sh).
#
# For each test: a back-end serving two devices.  Device 1 has a front-end
# of its own, running traffic all along (the bystander).  The test attacks
# device 0, one scenario after the other, and finds every violation it
# expects named in the lines of the back-end's log that scenario caused
# (hostile.c hf_expect); then:
#   - the test's own checks passed (exit 0);
#   - the back-end holds the fds and mappings it held before;
#   - device 0 still serves a real front-end, split and packed;
#   - the bystander never lost its connection, kept moving frames and got
#     none wrong.

# sec_one NAME BINARY
sec_one() {
	local name=$1 bin=$2 sa=$E2E_DIR/victim.sock sb=$E2E_DIR/bystander.sock
	local out=$E2E_DIR/out.txt bylog=$E2E_DIR/bystander.log
	local fds0 maps0 bys rc errs=0 r0 r1

	BELOG=$E2E_DIR/be.log
	start_bg "$BELOG" -s "$sa" -s "$sb"
	BE=$BG_PID
	wait_for test -S "$sb" || return 1
	# the bystander, at low priority: it shares the CPUs with the test
	nice -n 19 $FE_RUN "$FE_VHOST" -q "$sb" --frames 4000000000 >"$bylog" 2>&1 &
	bys=$!
	E2E_PIDS+=("$bys")
	wait_for has "$BELOG" "dev1: connected" || return 1
	sleep 0.5
	fds0=$(nfds "$BE")
	maps0=$(nmaps "$BE")
	r0=$(sec_bystander "$bys" "$bylog") || { echo "  bystander not moving"; return 1; }

	VHOST_PID=$BE VHOST_LOG=$BELOG timeout 600 $RUN "$bin" "$sa" >"$out" 2>&1
	rc=$?
	grep '^scenario: ' "$out" | sed 's/^scenario: /  - /'
	if [ $rc -ne 0 ]; then
		echo "  the test failed (exit $rc):"
		grep -v '^scenario: \|^expect: ' "$out" | tail -n 5 | sed 's/^/  | /'
		errs=$((errs + 1))
	fi
	# what each scenario expected was found in its own lines (or the
	# test failed above); say how many
	echo "  $(grep -c '^expect: ' "$out") violations named, each in its scenario's lines"
	wait_for fds_are "$BE" "$fds0" ||
		{ echo "  fds: $fds0 before, $(nfds "$BE") after"; errs=$((errs + 1)); }
	[ "$(nmaps "$BE")" -eq "$maps0" ] ||
		{ echo "  mappings: $maps0 before, $(nmaps "$BE") after"; errs=$((errs + 1)); }
	fe -q "$sa" --frames 1000 >/dev/null 2>&1 &&
		fe -q "$sa" --frames 1000 --packed >/dev/null 2>&1 ||
		{ echo "  device 0 no longer serves"; errs=$((errs + 1)); }
	r1=$(sec_bystander "$bys" "$bylog") || r1=0
	if ! kill -0 "$bys" 2>/dev/null || grep -q "dev1: front-end gone" "$BELOG" ||
		[ "$r1" -le "$r0" ]; then
		echo "  the other device was disturbed (frames back: $r0, then $r1)"
		errs=$((errs + 1))
	fi
	stop "$bys"
	stop "$BE" || { echo "  the back-end did not stop cleanly"; errs=$((errs + 1)); }
	[ $errs -eq 0 ]
}

# sec_bystander PID LOG: the frames the bystander got back intact so far
# (none wrong), from its counters on SIGUSR1.
sec_bystander() {
	local n before
	before=$(grep -c "front-end: sent" "$2")
	kill -USR1 "$1" 2>/dev/null || return 1
	wait_for count_ge "$2" "front-end: sent" $((before + 1)) || return 1
	n=$(grep "front-end: sent" "$2" | tail -n 1 |
		sed -n 's/.*received \([0-9]*\) intact, 0 wrong.*/\1/p')
	[ -n "$n" ] || return 1
	echo "$n"
}

# Every test the Makefile builds (SEC_SRC), and no other: a binary that
# is missing fails, a stale one of a deleted test is not run.
sec_all() {
	local srcs=() src b name
	for src in $(make -s --no-print-directory BOARD="$BOARD" print-SEC_SRC); do
		srcs+=("$src")
	done
	stage_begin "$LABEL security" ${#srcs[@]}
	for src in "${srcs[@]}"; do
		name=$(basename "${src%.c}")
		b=$BUILD/security/$name
		# a quick board (run.sh --quick) runs those in QUICK_TESTS
		if [ "${QUICK_BOARD:-0}" = 1 ]; then
			case " $(echo $QUICK_TESTS) " in *" $name "*) ;; *)
				skip "$LABEL security $name" "quick suite: make test-all runs it"
				continue ;;
			esac
		fi
		if [ ! -x "$b" ]; then
			fail "$LABEL security $name (not built: $b)"
			continue
		fi
		E2E_DIR=$(mktemp -d /tmp/vhost-sec.XXXXXX)
		echo "== $LABEL security: $name"
		if sec_one "$name" "$b"; then pass "$LABEL security $name"; else
			fail "$LABEL security $name"
			[ -n "${BELOG:-}" ] && [ -f "$BELOG" ] && tail -n 5 "$BELOG" | sed 's/^/  | /'
		fi
		e2e_cleanup
		BELOG=
	done
	stage_end
}
