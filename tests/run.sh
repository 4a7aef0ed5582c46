#!/usr/bin/env bash
# run.sh - run the tests of one or more boards and count them.
#
#   tests/run.sh --board host --build build/host [--stages unit,e2e]
#                [--board qemu-virt --build build/qemu-virt ...]
#                [--board rpi3 --build build/rpi3 --quick]
#                [--frontend PATH] [--san] [--aarch64 VHOST]
#
# Per board: the unit tests (natively, or under the board's runner such as
# qemu-aarch64), checks of the linked binary (static, right architecture,
# no allocator, size, layering, release stores), and the end-to-end tests
# of the real back-end and front-end over real unix sockets, and the
# security tests (tests/security/, a hostile front-end per published
# vulnerability class); then, once, the interop tests with real peers
# (QEMU, DPDK) for the host board, the build, install and help tests
# (tests/make/make.sh) and the examples of the README and docs
# (tests/docs/docs.sh).  --stages LIST (after a --board) runs only those
# of unit, binary, e2e, security, interop for that board.  --quick after
# a board runs its quick suite: the unit tests, the binary checks, and
# the end-to-end and security tests named in QUICK_TESTS; the others are
# reported as skipped (make test-all runs them).
#
# A board built without the front-end (CFG_WITH_FRONTEND 0) is driven by
# another board's binary: --frontend PATH, else the first board of this
# run that has one, else build/host/vhost.
#
# Counting.  Every test is one line PASS, FAIL or SKIP.  A test of a part
# the board leaves out (core/config.h), or one that cannot run on this
# machine (a unit test that exits 77), is a SKIP, never a PASS.  Each
# stage declares how many tests it has from its own list -- the unit and
# security tests from the Makefile's lists of sources (so a binary that is
# missing fails, and a stale one of a deleted test is neither run nor
# counted), the others from the lists in their scripts -- and a stage
# that runs none, or other than it declared, fails.  The run ends with
# the expected total and one line "N passed, M failed"; exit status 0
# only if nothing failed.
set -u
cd "$(dirname "$0")/.."

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
SKIPPED_NAMES=()
EXPECTED=0 # tests the stages declared
COUNTED=0  # tests the stages ran (each a PASS, FAIL or SKIP)
STAGE=
STAGE_DECLARED=0
STAGE_AT=0
STAGES_RUN=()

pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); echo "FAIL $*"; }

# skip NAME WHY: a test not run, and why (counted apart from the passes).
skip() { SKIPPED=$((SKIPPED + 1)); SKIPPED_NAMES+=("$1: $2"); echo "SKIP $1 ($2)"; }

# skip_why NAME WHY: the same (the build and docs tests' name for it).
skip_why() { skip "$@"; }

# The quick suite's end-to-end and security tests: the data path on both
# ring layouts, the command line, signals, the responder and the switch,
# and the attacks whose limits come from the board (queue indexes,
# memory tables, framing).
QUICK_TESTS="t_echo t_packed_indirect t_cli t_signals t_respond t_switch
	cve_2020_10723 mem_table framing"

# stage_begin NAME DECLARED ... stage_end: the tests in between are the
# stage's; it must run exactly the DECLARED of them.  A miscount is a
# failure of its own (not one of the stage's tests).
stage_begin() {
	STAGE=$1
	STAGE_DECLARED=$2
	STAGE_AT=$((PASSED + FAILED + SKIPPED))
	EXPECTED=$((EXPECTED + STAGE_DECLARED))
}

# stage_more N: the stage declares N more (a count known only once the
# stage runs, as the docs' examples).
stage_more() {
	STAGE_DECLARED=$((STAGE_DECLARED + $1))
	EXPECTED=$((EXPECTED + $1))
}

stage_end() {
	local ran=$((PASSED + FAILED + SKIPPED - STAGE_AT))
	COUNTED=$((COUNTED + ran))
	STAGES_RUN+=("$STAGE $ran")
	if [ "$ran" -eq 0 ]; then
		fail "$STAGE: no test ran ($STAGE_DECLARED declared)"
	elif [ "$ran" -ne "$STAGE_DECLARED" ]; then
		fail "$STAGE: $ran tests ran, $STAGE_DECLARED declared"
	fi
	STAGE=
}

# wanted STAGE: the current board runs that stage (--stages).
wanted() { case ",$STAGES," in *",all,"* | *",$1,"*) return 0 ;; esac; return 1; }

# unbuilt PART...: those of the parts named that the board leaves out
# (WITHOUT, from the Makefile: frontend respond switch pcap links).
unbuilt() {
	local p out=
	for p in "$@"; do
		case " $WITHOUT " in *" $p "*) out="$out $p" ;; esac
	done
	echo "${out# }"
}

# runner BINARY: how to run it here (qemu-aarch64 for an aarch64 binary
# on another machine).
runner() {
	if file -L "$1" | grep -q "ARM aarch64" && [ "$(uname -m)" != aarch64 ]; then
		echo qemu-aarch64
	fi
}

# result NAME CMD...: run a command, count it by its exit status.
result() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# mk VAR [MAKE ARGS]: a variable of the Makefile for this board.
mk() { make -s --no-print-directory BOARD="$BOARD" "print-$1" "${@:2}"; }

# is_debug_build: BUILD is what the Makefile builds with DEBUG=1.
is_debug_build() {
	[ "$(make -s --no-print-directory BOARD="$BOARD" DEBUG=1 SAN= \
		O="$(dirname "$BUILD")" print-BUILD)" = "$BUILD" ]
}

# The unit tests: each test program the Makefile builds for this board
# (tests/unit and tests/port), no other.
unit_all() {
	local srcs=() src t name out rc p extra=0
	local -A left=() # a test of parts left out -> those parts
	for src in $(mk UNIT_SRC) $(mk PORT_TEST_SRC); do srcs+=("$src"); done
	# those of a part left out are not built (Makefile, PART_TEST_*); a
	# test of several parts is one test
	for p in $WITHOUT; do
		for t in $(mk "PART_TEST_$p"); do
			t=$(basename "${t%.c}")
			left[$t]="${left[$t]:+${left[$t]} }$p"
		done
	done
	is_debug_build && extra=1
	stage_begin "$LABEL unit" $((${#srcs[@]} + ${#left[@]} + extra))
	echo "== $LABEL: unit tests (${RUN:-native})"
	for t in $(printf '%s\n' "${!left[@]}" | sort); do
		skip "$LABEL unit $t" "not in board $BOARD: ${left[$t]}"
	done
	# a binary no source makes any more (a test deleted or renamed)
	for t in "$BUILD"/tests/test_*; do
		case $t in *.d | *'*') continue ;; esac
		name=$(basename "$t")
		printf '%s\n' "${srcs[@]}" | grep -q "/$name\.c$" ||
			echo "  $t: no source any more, not run"
	done
	for src in "${srcs[@]}"; do
		name=$(basename "${src%.c}")
		t=$BUILD/tests/$name
		if [ ! -x "$t" ]; then
			fail "$LABEL unit $name (not built: $t)"
			continue
		fi
		out=$(timeout 120 $RUN "$t" 2>&1)
		rc=$?
		echo "$out" | tail -n 1
		if [ $rc -eq 0 ]; then
			pass "$LABEL unit $name"
		elif [ $rc -eq 77 ]; then
			skip "$LABEL unit $name" "$(echo "$out" | tail -n 1 | sed 's/^[^:]*: skipped: //')"
		else
			echo "$out" | grep -v '^ok' | tail -n 20
			fail "$LABEL unit $name (exit $rc)"
		fi
	done
	# W10: a debug build is the one pass with CORE_ASSERT on; make sure
	# the asserts really are in it
	if [ "$extra" = 1 ]; then
		result "$LABEL unit tests have CORE_ASSERT compiled in" \
			grep -qa "assertion failed: %s" "$BUILD/tests/test_net"
	fi
	stage_end
}

boards=()
builds=()
stages=()
declare -A quick=()
SAN=0
IOP_AARCH64_VHOST=
FRONTEND=
while [ $# -gt 0 ]; do
	case $1 in
	--board) boards+=("$2"); stages+=(all); shift 2 ;;
	--build) builds+=("$2"); shift 2 ;;
	--stages)
		[ ${#boards[@]} -gt 0 ] || { echo "run.sh: --stages comes after a --board" >&2; exit 2; }
		stages[${#boards[@]} - 1]=$2
		shift 2 ;;
	--quick) quick[$((${#boards[@]} - 1))]=1; shift ;;
	--frontend) FRONTEND=$2; shift 2 ;;
	--san) SAN=1; shift ;;
	--aarch64) IOP_AARCH64_VHOST=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ ${#boards[@]} -gt 0 ] && [ ${#boards[@]} -eq ${#builds[@]} ] ||
	{ echo "run.sh: give each --board its --build" >&2; exit 2; }

source tests/e2e/e2e.sh
source tests/e2e/e2e_net.sh
source tests/e2e/e2e_svc.sh
source tests/security/security.sh
source tests/interop/qemu.sh
source tests/interop/dpdk.sh
source tests/crash/crash.sh
source tests/make/make.sh
source tests/docs/docs.sh

# On a quick board (QUICK_BOARD=1), e2e_run runs of the tests that
# e2e_all and e2e_net_all give it those in QUICK_TESTS, and reports the
# others as skipped (the stages still count every test).
eval "e2e_run_every() $(declare -f e2e_run | tail -n +2)"
QUICK_BOARD=0
e2e_run() {
	local lines=$1 t keep=()
	shift
	[ "$QUICK_BOARD" = 1 ] || { e2e_run_every "$lines" "$@"; return; }
	for t in "$@"; do
		case " $(echo $QUICK_TESTS) " in
		*" $t "*) keep+=("$t") ;;
		*) skip "$LABEL e2e ${t#t_}" "quick suite: make test-all runs it" ;;
		esac
	done
	[ ${#keep[@]} -eq 0 ] || e2e_run_every "$lines" "${keep[@]}"
}

# The parts each board leaves out; the front-end for those without one.
declare -A without=()
for i in "${!boards[@]}"; do
	without[$i]=$(make -s --no-print-directory BOARD="${boards[$i]}" print-BOARD_WITHOUT)
	case " ${without[$i]} " in *" frontend "*) ;; *)
		[ -z "$FRONTEND" ] && FRONTEND=${builds[$i]}/vhost ;;
	esac
done
[ -n "$FRONTEND" ] || FRONTEND=build/host/vhost

for i in "${!boards[@]}"; do
	BOARD=${boards[$i]}
	BUILD=${builds[$i]}
	STAGES=${stages[$i]}
	LABEL=$(basename "$BUILD") # host, qemu-virt, host-debug, host-san
	RUN=$(mk BOARD_RUN)
	BINUTILS=$(mk BOARD_BINUTILS)
	# the board's binutils, as the Makefile finds them (CROSS_COMPILE, CC)
	NM=$(mk NM)
	OBJDUMP=$(mk OBJDUMP)
	SIZE_LIMIT=$(mk BOARD_SIZE_LIMIT)
	WITHOUT=${without[$i]}
	VHOST=$BUILD/vhost
	# the front-end the tests drive the back-end with
	FE_VHOST=$VHOST
	FE_RUN=$RUN
	if [ -n "$(unbuilt frontend)" ]; then
		FE_VHOST=$FRONTEND
		FE_RUN=$(runner "$FE_VHOST")
		echo "== $LABEL: leaves out: $WITHOUT; front-end: $FE_VHOST"
		[ -x "$FE_VHOST" ] || { fail "$LABEL: no front-end at $FE_VHOST (--frontend)"; continue; }
	fi
	wanted unit && unit_all
	if wanted binary; then
		echo "== $LABEL: the linked binary"
		if [ "$SAN" = 1 ]; then
			# sanitizer runtimes: dynamic, with their own allocator
			stage_begin "$LABEL binary" 1
			skip "$LABEL binary checks" "a sanitizer build is dynamic and has its own allocator"
			stage_end
		else
			binary_checks
		fi
	fi
	if [ "$SAN" = 1 ]; then
		# sanitizers: any report aborts the process, so every test
		# below is also a memory and UB check
		export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
		export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	fi
	QUICK_BOARD=${quick[$i]:-0}
	if wanted e2e; then
		echo "== $LABEL: end to end (${RUN:-native})"
		e2e_all
		e2e_net_all
		e2e_svc_all
	fi
	if wanted security; then
		echo "== $LABEL: security, one test per class of known vulnerability"
		sec_all
	fi
	QUICK_BOARD=0
done

# Inflight recovery by crash (tests/crash/), once, with the host board's
# build (not in the sanitizers' pass: it runs everything else again).
for i in "${!boards[@]}"; do
	# the host board's product build (not its DEBUG=1 unit pass)
	[ "${boards[$i]}" = host ] && [ "${builds[$i]##*/}" = host ] &&
		[ "$SAN" = 0 ] || continue
	BOARD=host
	BUILD=${builds[$i]}
	echo "== crash: the back-end killed at chosen points, inflight recovery"
	stage_begin "crash" ${#CRASH_TESTS[@]}
	# every product binary of this run has no fault hook
	crash_all $(for b in "${builds[@]}"; do
		[ -e "$b/vhost" ] && echo "$b/vhost"; done)
	stage_end
	break
done

# Real peers, once, with the native binary (the aarch64 one joins in
# the QEMU scenario that runs it under qemu-aarch64).
for i in "${!boards[@]}"; do
	[ "${boards[$i]}" = qemu-virt ] && IOP_AARCH64_VHOST=${builds[$i]}/vhost
done
for i in "${!boards[@]}"; do
	[ "${boards[$i]}" = host ] || continue
	BOARD=host
	BUILD=${builds[$i]}
	STAGES=${stages[$i]}
	LABEL=$(basename "$BUILD")
	wanted interop || continue
	RUN=
	VHOST=$BUILD/vhost
	echo "== interop: QEMU and a Linux guest"
	interop_qemu_all
	echo "== interop: DPDK testpmd, as front-end and as back-end"
	interop_dpdk_all
	break
done

# The build itself, once: the user's flags, the toolchain knobs, make
# install, make help (not in the sanitizer run, whose build is not the
# product's: make test runs them).
stage_begin "build" 9
if [ "$SAN" = 1 ]; then
	for t in user_flags werror cross_compile cc version install capabilities help demo_deps; do
		skip "build $t" "the sanitizer run: make test runs them"
	done
else
	echo "== build: flags, toolchains, install, help"
	build_all
fi
stage_end

# Every example command of the README and docs/, once (with the
# product's binaries: not in the sanitizer run).  How many there are is
# the docs' own count (doctest.py).
if [ "$SAN" = 1 ]; then
	stage_begin "docs" 1
	skip "docs examples" "the sanitizer run: make test runs them"
	stage_end
else
	echo "== docs: the examples of README.md and docs/*.md"
	docs_all
fi

echo "== counted"
printf '  %s\n' "${STAGES_RUN[@]}"
if [ "$COUNTED" -ne "$EXPECTED" ]; then
	fail "total: $COUNTED tests ran, $EXPECTED expected"
fi
echo "$EXPECTED tests expected, $COUNTED ran: $PASSED passed, $FAILED failed, $SKIPPED skipped"
if [ "$SKIPPED" -gt 0 ]; then
	echo "skipped (not run, not passed):"
	printf '  %s\n' "${SKIPPED_NAMES[@]}"
fi
if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
