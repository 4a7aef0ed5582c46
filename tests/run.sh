#!/usr/bin/env bash
# run.sh - run the tests of one or more boards and count them.
#
#   tests/run.sh --board host --build build/host [--board qemu-virt --build build/qemu-virt]
#                [--board rpi3 --build build/rpi3 --quick] [--frontend PATH]
#
# Per board: the unit tests (natively, or under the board's runner such as
# qemu-aarch64), checks of the linked binary (static, right architecture,
# no allocator, size, layering), and the end-to-end tests of the real
# back-end and front-end over real unix sockets, and the security tests
# (tests/security/, a hostile front-end per published vulnerability
# class).  A board built without the front-end (CFG_WITH_FRONTEND 0) is
# driven by another board's binary: --frontend PATH, else the first board
# of this run that has one, else build/host/vhost.  A test of a part the
# board leaves out (core/config.h) is skipped and said so, never counted
# as passed.  --quick after a board runs its quick suite: the unit
# tests, the binary checks, and the end-to-end and security tests named
# in QUICK_TESTS; the others are reported as skipped (make test-all runs
# them).  Then, once: the build, install and help tests
# (tests/make/make.sh), the interop tests with the host board, and the
# examples of the README and docs (tests/docs/docs.sh).  Ends with one
# line "N passed, M failed"; exit status 0 only if nothing failed.
set -u
cd "$(dirname "$0")/.."

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); echo "FAIL $*"; }

# skip NAME PARTS: a test not run, as the board leaves PARTS out.
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $1 (not in board $BOARD: $2)"; }

# skip_why NAME REASON: a test not run, and why.
skip_why() { SKIPPED=$((SKIPPED + 1)); echo "SKIP $1 ($2)"; }

# The quick suite's end-to-end and security tests: the data path on both
# ring layouts, the command line, signals, the responder and the switch,
# and the attacks whose limits come from the board (queue indexes,
# memory tables, framing).
QUICK_TESTS="t_echo t_packed_indirect t_cli t_signals t_respond t_switch
	cve_2020_10723 mem_table framing"

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

boards=()
builds=()
declare -A quick=()
SAN=0
IOP_AARCH64_VHOST=
FRONTEND=
while [ $# -gt 0 ]; do
	case $1 in
	--board) boards+=("$2"); shift 2 ;;
	--build) builds+=("$2"); shift 2 ;;
	--quick) quick[$((${#boards[@]} - 1))]=1; shift ;;
	--frontend) FRONTEND=$2; shift 2 ;;
	--san) SAN=1; shift ;;
	--aarch64) IOP_AARCH64_VHOST=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

source tests/e2e/e2e.sh
source tests/e2e/e2e_net.sh
source tests/security/security.sh
source tests/interop/qemu.sh
source tests/interop/dpdk.sh
source tests/make/make.sh
source tests/docs/docs.sh

# On a quick board (QUICK_BOARD=1), e2e_run runs of the tests that
# e2e_all and e2e_net_all give it those in QUICK_TESTS, and reports the
# others as skipped.
eval "e2e_run_every() $(declare -f e2e_run | tail -n +2)"
QUICK_BOARD=0
e2e_run() {
	local lines=$1 t keep=()
	shift
	[ "$QUICK_BOARD" = 1 ] || { e2e_run_every "$lines" "$@"; return; }
	for t in "$@"; do
		case " $(echo $QUICK_TESTS) " in
		*" $t "*) keep+=("$t") ;;
		*) skip_why "$BOARD e2e ${t#t_}" "quick suite: make test-all runs it" ;;
		esac
	done
	e2e_run_every "$lines" "${keep[@]}"
}

# sec_quick: the security tests in QUICK_TESTS (sec_all's loop, for them).
sec_quick() {
	local b name
	for b in "$BUILD"/security/*; do
		[ -x "$b" ] || continue
		name=$(basename "$b")
		case " $(echo $QUICK_TESTS) " in *" $name "*) ;; *)
			skip_why "$BOARD security $name" "quick suite: make test-all runs it"
			continue ;;
		esac
		E2E_DIR=$(mktemp -d /tmp/vhost-sec.XXXXXX)
		echo "== $BOARD security: $name"
		if sec_one "$name" "$b"; then pass "$BOARD security $name"; else
			fail "$BOARD security $name"
			[ -n "${BELOG:-}" ] && [ -f "$BELOG" ] && tail -n 5 "$BELOG" | sed 's/^/  | /'
		fi
		e2e_cleanup
		BELOG=
	done
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
	RUN=$(make -s --no-print-directory BOARD="$BOARD" print-BOARD_RUN)
	# the board's binutils, as the Makefile finds them (CROSS_COMPILE, CC)
	NM=$(make -s --no-print-directory BOARD="$BOARD" print-NM)
	SIZE_LIMIT=$(make -s --no-print-directory BOARD="$BOARD" print-BOARD_SIZE_LIMIT)
	WITHOUT=${without[$i]}
	VHOST=$BUILD/vhost
	# the front-end the tests drive the back-end with
	FE_VHOST=$VHOST
	FE_RUN=$RUN
	if [ -n "$(unbuilt frontend)" ]; then
		FE_VHOST=$FRONTEND
		FE_RUN=$(runner "$FE_VHOST")
		echo "== $BOARD: leaves out: $WITHOUT; front-end: $FE_VHOST"
		[ -x "$FE_VHOST" ] || { fail "$BOARD: no front-end at $FE_VHOST (--frontend)"; continue; }
	fi
	echo "== $BOARD: unit tests (${RUN:-native})"
	# those of a part left out are not built (Makefile, PART_TEST_*)
	for p in $WITHOUT; do
		for t in $(make -s --no-print-directory BOARD="$BOARD" print-PART_TEST_$p); do
			t=$(basename "$t")
			skip "$BOARD unit ${t%.c}" "$p"
		done
	done
	for t in "$BUILD"/tests/test_*; do
		case $t in *.d) continue ;; esac
		[ -x "$t" ] || continue
		out=$(timeout 120 $RUN "$t" 2>&1)
		rc=$?
		echo "$out" | tail -n 1
		if [ $rc -eq 0 ]; then pass "$BOARD unit $(basename "$t")"; else
			echo "$out" | grep -v '^ok' | tail -n 20
			fail "$BOARD unit $(basename "$t")"
		fi
	done
	if [ "$SAN" = 1 ]; then
		# sanitizers: any report aborts the process, so every test
		# below is also a memory and UB check
		export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
		export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	else
		echo "== $BOARD: the linked binary"
		binary_checks
	fi
	if [ "${quick[$i]:-0}" = 1 ]; then
		echo "== $BOARD: end to end, quick suite (${RUN:-native})"
		QUICK_BOARD=1
		e2e_all
		e2e_net_all
		QUICK_BOARD=0
		echo "== $BOARD: security, quick suite"
		sec_quick
		continue
	fi
	echo "== $BOARD: end to end (${RUN:-native})"
	e2e_all
	e2e_net_all
	echo "== $BOARD: security, one test per class of known vulnerability"
	sec_all
done

# The build itself, once: the user's flags, the toolchain knobs, make
# install, make help (not in the sanitizer run, whose build is not the
# product's: make test runs them).
if [ "$SAN" = 1 ]; then
	skip_why "build tests" "the sanitizer run: make test runs them"
else
	echo "== build: flags, toolchains, install, help"
	build_all
fi

# Real peers, once, with the native binary (the aarch64 one joins in
# the QEMU scenario that runs it under qemu-aarch64).
for i in "${!boards[@]}"; do
	[ "${boards[$i]}" = qemu-virt ] && IOP_AARCH64_VHOST=${builds[$i]}/vhost
done
for i in "${!boards[@]}"; do
	[ "${boards[$i]}" = host ] || continue
	BOARD=host
	BUILD=${builds[$i]}
	RUN=
	VHOST=$BUILD/vhost
	echo "== interop: QEMU and a Linux guest"
	interop_qemu_all
	echo "== interop: DPDK testpmd, as front-end and as back-end"
	interop_dpdk_all
done

# Every example command of the README and docs/, once (with the
# product's binaries: not in the sanitizer run).
if [ "$SAN" = 1 ]; then
	skip_why "docs examples" "the sanitizer run: make test runs them"
else
	echo "== docs: the examples of README.md and docs/*.md"
	docs_all
fi

[ "$SKIPPED" -gt 0 ] && echo "$SKIPPED skipped (parts their board leaves out, the quick suites' others, examples that cannot run here)"

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
