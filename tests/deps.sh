#!/usr/bin/env bash
# deps.sh - make sure this machine can build and test vhost: the host
# musl toolchain, the aarch64 musl cross toolchain and qemu-user, the
# interop tests' peers, and clang for the fuzzers.
# Installs what is missing when run as root on Debian/Ubuntu; otherwise
# prints the exact commands and fails.
set -euo pipefail

PKGS="make gcc iproute2 iputils-ping tcpdump tshark musl-tools musl-dev:arm64 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user file"
# The interop tests' real peers: QEMU booting a Debian kernel, and DPDK
# (testpmd is in dpdk in older 22.11 point releases, in dpdk-dev in newer);
# ethtool goes into the guest image for the driver's per-queue counters.
PKGS="$PKGS qemu-system-x86 busybox-static cpio ethtool dpdk dpdk-dev"
# The service tests: systemd-socket-activate (--fd, as systemd hands it
# over) and systemd-analyze (the example units of docs/service/).
PKGS="$PKGS systemd"
# make fuzz: clang with libFuzzer and the sanitizer runtimes, and
# llvm-symbolizer for its stack traces.
PKGS="$PKGS clang libclang-rt-14-dev llvm"
case $(dpkg --print-architecture 2>/dev/null) in
amd64) PKGS="$PKGS linux-image-cloud-amd64" ;;
esac

missing() {
	local t
	for t in make gcc ip ping tcpdump tshark musl-gcc aarch64-linux-musl-gcc aarch64-linux-gnu-gcc \
		aarch64-linux-gnu-nm aarch64-linux-gnu-strip qemu-aarch64 file nm strip; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 0; }
	done
	[ -f /usr/lib/aarch64-linux-musl/libc.a ] || echo "musl-dev:arm64"
	for t in qemu-system-x86_64 cpio dpdk-testpmd clang llvm-symbolizer \
		systemd-socket-activate systemd-analyze; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 0; }
	done
	[ -x /bin/busybox ] || echo "busybox-static"
	[ -x /usr/sbin/ethtool ] || echo "ethtool"
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
		echo "libclang-rt-14-dev"
	ls /boot/vmlinuz-* >/dev/null 2>&1 || echo "a kernel in /boot"
}

m=$(missing)
[ -z "$m" ] && exit 0

cmds="dpkg --add-architecture arm64 && apt-get update && apt-get install -y $PKGS"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing $m. Install the build and test tools with:" >&2
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
