#!/usr/bin/env bash
# run.sh - run the tests of one or more boards and count them.
#
#   tests/run.sh --board host --build build/host [--board qemu-virt --build build/qemu-virt]
#
# Per board: the unit tests (natively, or under the board's runner such as
# qemu-aarch64), checks of the linked binary (static, right architecture,
# no allocator, size, layering), and the end-to-end tests of the real
# back-end and front-end over real unix sockets, and the security tests
# (tests/security/, a hostile front-end per published vulnerability
# class).  Ends with one line
# "N passed, M failed"; exit status 0 only if nothing failed.
set -u
cd "$(dirname "$0")/.."

PASSED=0
FAILED=0
FAILED_NAMES=()

pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1"); echo "FAIL $*"; }

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
while [ $# -gt 0 ]; do
	case $1 in
	--board) boards+=("$2"); shift 2 ;;
	--build) builds+=("$2"); shift 2 ;;
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

for i in "${!boards[@]}"; do
	BOARD=${boards[$i]}
	BUILD=${builds[$i]}
	RUN=$(make -s --no-print-directory BOARD="$BOARD" print-BOARD_RUN)
	BINUTILS=$(make -s --no-print-directory BOARD="$BOARD" print-BOARD_BINUTILS)
	VHOST=$BUILD/vhost
	echo "== $BOARD: unit tests (${RUN:-native})"
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

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${FAILED_NAMES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
