#!/usr/bin/env bash
# run.sh - run the tests of one or more boards and count them.
#
#   tests/run.sh --board host --build build/host [--board qemu-virt --build build/qemu-virt]
#                [--frontend PATH]
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
# as passed.  Ends with one line "N passed, M failed"; exit status 0 only
# if nothing failed.
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
SAN=0
IOP_AARCH64_VHOST=
FRONTEND=
while [ $# -gt 0 ]; do
	case $1 in
	--board) boards+=("$2"); shift 2 ;;
	--build) builds+=("$2"); shift 2 ;;
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
	echo "== $BOARD: end to end (${RUN:-native})"
	e2e_all
	e2e_net_all
	echo "== $BOARD: security, one test per class of known vulnerability"
	sec_all
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
	RUN=
	VHOST=$BUILD/vhost
	echo "== interop: QEMU and a Linux guest"
	interop_qemu_all
	echo "== interop: DPDK testpmd, as front-end and as back-end"
	interop_dpdk_all
done

[ "$SKIPPED" -gt 0 ] && echo "$SKIPPED skipped (parts their board leaves out)"
if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
