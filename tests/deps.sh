#!/usr/bin/env bash
# deps.sh - make sure this machine has what a make target needs, in sets:
#
#   tests/deps.sh demo    make demo: the host compiler, the aarch64 musl
#                         cross toolchain and qemu-user, nothing more
#   tests/deps.sh test    make test (the default): the demo set, the
#                         network tools of the end-to-end tests, the
#                         install and docs tests' tools, the interop
#                         tests' peers (QEMU, a kernel, DPDK), and clang
#                         for the fuzzers
#   tests/deps.sh --list SET   print the set's Debian packages and exit
#
# Installs what is missing when run as root on Debian/Ubuntu; otherwise
# prints the exact commands and fails.
set -euo pipefail

set_name=test
list=0
while [ $# -gt 0 ]; do
	case $1 in
	--list) list=1; shift ;;
	demo | test) set_name=$1; shift ;;
	*) echo "deps.sh: unknown set '$1' (demo, test)" >&2; exit 2 ;;
	esac
done

# make demo: build the qemu-virt board and run it under qemu-user
# (demo.sh reads the binary's architecture with file).
DEMO_PKGS="make gcc musl-dev:arm64 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user file"
PKGS=$DEMO_PKGS
if [ "$set_name" = test ]; then
	# the host board, and the end-to-end tests' tools
	PKGS="$PKGS musl-tools iproute2 iputils-ping tcpdump tshark"
	# make install's and the docs' tests: the descriptor's checker, the
	# man page's renderers
	PKGS="$PKGS python3 groff-base man-db"
	# The interop tests' real peers: QEMU booting a Debian kernel, and
	# DPDK (testpmd is in dpdk in older 22.11 point releases, in
	# dpdk-dev in newer).
	# ethtool goes into the guest image for the driver's per-queue
	# counters.
	PKGS="$PKGS qemu-system-x86 busybox-static cpio ethtool dpdk dpdk-dev"
	# The service tests: systemd-socket-activate (--fd, as systemd
	# hands it over) and systemd-analyze (the example units of
	# docs/service/).
	PKGS="$PKGS systemd"
	# make fuzz: clang with libFuzzer and the sanitizer runtimes, and
	# llvm-symbolizer for its stack traces.
	PKGS="$PKGS clang libclang-rt-14-dev llvm"
	case $(dpkg --print-architecture 2>/dev/null) in
	amd64) PKGS="$PKGS linux-image-cloud-amd64" ;;
	esac
fi
if [ "$list" = 1 ]; then
	echo "$PKGS"
	exit 0
fi

# The first thing missing, by the command (or file) that shows it.
missing() {
	local t
	for t in make gcc aarch64-linux-musl-gcc aarch64-linux-gnu-gcc \
		aarch64-linux-gnu-nm aarch64-linux-gnu-strip qemu-aarch64 file; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 0; }
	done
	[ -f /usr/lib/aarch64-linux-musl/libc.a ] || { echo "musl-dev:arm64"; return 0; }
	[ "$set_name" = test ] || return 0
	for t in musl-gcc ip ping tcpdump tshark nm strip python3 groff man \
		qemu-system-x86_64 cpio dpdk-testpmd clang llvm-symbolizer \
		systemd-socket-activate systemd-analyze; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 0; }
	done
	[ -x /bin/busybox ] || { echo "busybox-static"; return 0; }
	[ -x /usr/sbin/ethtool ] || { echo "ethtool"; return 0; }
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
		{ echo "libclang-rt-14-dev"; return 0; }
	ls /boot/vmlinuz-* >/dev/null 2>&1 || echo "a kernel in /boot"
}

m=$(missing)
[ -z "$m" ] && exit 0

cmds="dpkg --add-architecture arm64 && apt-get update && apt-get install -y $PKGS"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing $m. Install the tools for make $set_name with:" >&2
	echo "  sudo sh -c '$cmds'" >&2
	exit 1
fi
echo "deps: missing $m; installing: $PKGS"
export DEBIAN_FRONTEND=noninteractive
dpkg --add-architecture arm64
apt-get update -q >/dev/null
apt-get install -y -q $PKGS >/dev/null
m=$(missing)
if [ -n "$m" ]; then
	echo "deps: still missing $m after installing; try: $cmds" >&2
	exit 1
fi
echo "deps: ready"
