#!/usr/bin/env bash
# guest-initrd.sh - a tiny guest for trying vhost with QEMU: an initramfs
# for this machine's Debian kernel (/boot/vmlinuz-*) with busybox and the
# virtio-net driver, whose /init brings eth0 up at 192.0.2.2/24, pings
# 192.0.2.1 (a back-end's --respond address) and powers off; or, with
# `guest=shell` on the kernel command line, gives a shell on the console
# instead (exit it to power off).
#
#   scripts/guest-initrd.sh OUT.cpio.gz [KERNEL-VERSION]
#
# Needs busybox-static and cpio (Debian packages), and the kernel's
# modules in /lib/modules.  Prints the kernel to boot with it.
set -euo pipefail

out=${1:?usage: guest-initrd.sh OUT.cpio.gz [KERNEL-VERSION]}
kver=${2:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 | sed 's|^/boot/vmlinuz-||')}
[ -n "$kver" ] && [ -f "/boot/vmlinuz-$kver" ] ||
	{ echo "guest-initrd: no kernel in /boot (Debian: apt-get install linux-image-cloud-amd64)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "guest-initrd: no /bin/busybox (apt-get install busybox-static)" >&2; exit 1; }
command -v cpio >/dev/null || { echo "guest-initrd: no cpio (apt-get install cpio)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
# The virtio-net driver and what it needs, in load order; a kernel that
# has them built in has no module files for them.
mods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net"
for m in $mods; do
	f=$(find "/lib/modules/$kver" -name "$m.ko*" 2>/dev/null | head -n 1)
	[ -z "$f" ] && continue
	case $f in
	*.ko.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
	*.ko.zst) zstd -dqc "$f" >"$root/lib/modules/$m.ko" ;;
	*) cp "$f" "$root/lib/modules/$m.ko" ;;
	esac
done
[ -f "$root/lib/modules/virtio_net.ko" ] ||
	grep -q "CONFIG_VIRTIO_NET=y" "/boot/config-$kver" 2>/dev/null ||
	{ echo "guest-initrd: no virtio_net driver for kernel $kver" >&2; exit 1; }

cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $mods; do
	[ -f /lib/modules/\$m.ko ] && insmod /lib/modules/\$m.ko
done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.5; done
ip link set eth0 up
ip addr add 192.0.2.2/24 dev eth0
echo "guest: eth0 is 192.0.2.2/24"
if grep -q guest=shell /proc/cmdline; then
	setsid cttyhack sh
else
	ping -c 3 192.0.2.1
fi
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
echo "/boot/vmlinuz-$kver"
