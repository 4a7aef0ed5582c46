#!/bin/busybox sh
# /init of the interop guest: a Linux kernel from Debian, busybox, and the
# virtio-net driver, talking to our back-end through QEMU's vhost-user
# netdev.  The scenario comes from the kernel command line (vhtest=...).
# Every line meant for the test starts with "VHTEST ".
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci failover net_failover virtio_net; do
	[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done
scenario=$(sed -n 's/.*vhtest=\([a-z]*\).*/\1/p' /proc/cmdline)
# no IPv6 chatter: the counters of both sides must agree frame for frame
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.5; done
ip link set eth0 up
ip addr add 192.0.2.10/24 dev eth0
echo "VHTEST up $scenario"
# the virtio features the driver and our back-end agreed on, bit 0 first
echo "VHTEST features $(cat /sys/class/net/eth0/device/features)"

pings() { # SIZE: 20 pings, print how many came back
	n=$(ping -c 20 -i 0.2 -W 3 -s "$1" 192.0.2.1 2>/dev/null |
		sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
	echo "VHTEST ping $1 ${n:-0}/20"
}

case $scenario in
ping)
	for s in 56 1000 1472; do pings $s; done
	;;
tap)
	pings 56
	echo "VHTEST ready"
	wget -q -O /tmp/blob http://192.0.2.1:8000/blob
	echo "VHTEST sha256 $(sha256sum /tmp/blob | cut -d' ' -f1)"
	sleep 4 # the namespace pings us meanwhile
	;;
restart)
	# The test kills the back-end once this says ready, and starts a new
	# one on the same socket two seconds later; QEMU reconnects.  Traffic
	# must come back on its own: wait for the outage, then for the first
	# answer, and ping again.
	pings 56
	echo "VHTEST ready"
	t=0
	while ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1 && [ $t -lt 30 ]; do
		t=$((t + 1))
		sleep 0.2
	done
	t=0
	until ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1 || [ $t -ge 60 ]; do
		t=$((t + 1))
	done
	echo "VHTEST resumed after $t"
	pings 56
	;;
life)
	# Life-cycle events, one after the other; the test acts on each
	# "VHTEST ready" line: the driver unloaded and loaded again (the
	# device is reset), then QEMU stop and cont during pings, then a
	# reset of the whole machine, after which this runs again from the
	# start (and the test quits QEMU at the end of the second run).
	pings 56
	echo "VHTEST ready1"
	ip link set eth0 down
	rmmod virtio_net && insmod /lib/modules/virtio_net.ko
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.5; done
	ip link set eth0 up
	ip addr add 192.0.2.10/24 dev eth0
	echo "VHTEST reloaded"
	pings 56
	echo "VHTEST ready2"
	pings 56
	echo "VHTEST ready3"
	sleep 60
	;;
soak)
	# The test kills the back-end again and again while this pings it
	# every 0.1 s and downloads, until /over is up.  Every download must
	# arrive whole.
	pings 56
	echo "VHTEST ready"
	ping -i 0.1 -W 1 192.0.2.1 >/tmp/flood 2>&1 &
	pp=$!
	i=0
	until wget -q -O /dev/null http://192.0.2.1:8000/over; do
		i=$((i + 1))
		wget -q -O /tmp/blob http://192.0.2.1:8000/blob
		echo "VHTEST sha256 $i $(sha256sum /tmp/blob | cut -d' ' -f1)"
		rm -f /tmp/blob
	done
	kill -INT $pp; wait $pp
	echo "VHTEST flood $(grep -c 'seq=' /tmp/flood) answered, $(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' /tmp/flood) sent"
	pings 56
	;;
perf)
	# Throughput over the tap: a 64 MiB download, then a 16 MiB upload
	# (POST; the server sends back the sha256 of what arrived), each timed
	# by /proc/uptime (10 ms).  Under TCG the guest's CPU is the limit:
	# the figures compare set-ups of the same run, nothing more.
	until ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1; do sleep 0.2; done
	head -c 12582912 /dev/urandom | base64 >/tmp/up
	t0=$(cut -d' ' -f1 /proc/uptime)
	wget -q -O /dev/null http://192.0.2.1:8000/big
	t1=$(cut -d' ' -f1 /proc/uptime)
	wget -q -O /tmp/got --post-file /tmp/up http://192.0.2.1:8000/cgi-bin/up
	t2=$(cut -d' ' -f1 /proc/uptime)
	up=$(wc -c </tmp/up)
	echo "VHTEST perf $(awk -v a="$t0" -v b="$t1" -v c="$t2" -v u="$up" 'BEGIN {
		printf "down %.0f up %.0f Mbit/s", 64 * 8 * 1048576 / (b - a) / 1e6,
			u * 8 / (c - b) / 1e6 }')"
	echo "VHTEST upload 0 $(cat /tmp/got) $(sha256sum /tmp/up | cut -d' ' -f1)"
	;;
jumbo)
	# QEMU's host_mtu=9000 (VIRTIO_NET_F_MTU): the driver takes the MTU
	# from the config space; pings of 8972 bytes fill it
	echo "VHTEST mtu $(cat /sys/class/net/eth0/mtu)"
	for s in 56 8972; do pings $s; done
	;;
mq)
	# Multiqueue: the driver runs as many pairs as it was given, up to
	# one per vCPU.  One download per vCPU, pinned: XPS sends each flow
	# out on that vCPU's TX queue, and the tap (a queue per pair) hands
	# its replies back on the same pair, so every pair carries traffic
	# both ways.
	n=$(nproc)
	echo "VHTEST queues rx=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l) tx=$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l) cpus=$n"
	pings 56
	echo "VHTEST ready"
	for c in $(seq 0 $((n - 1))); do
		taskset -c "$c" wget -q -O "/tmp/blob$c" http://192.0.2.1:8000/blob &
	done
	wait
	for c in $(seq 0 $((n - 1))); do
		echo "VHTEST sha256 $c $(sha256sum "/tmp/blob$c" | cut -d' ' -f1)"
		# 4 MiB to send back (as text: busybox wget posts a string)
		head -c 3145728 "/tmp/blob$c" | base64 >"/tmp/up$c"
		rm -f "/tmp/blob$c"
	done
	# and one upload per vCPU: the server says what it got
	for c in $(seq 0 $((n - 1))); do
		taskset -c "$c" wget -q -O "/tmp/got$c" --post-file "/tmp/up$c" \
			http://192.0.2.1:8000/cgi-bin/up &
	done
	wait
	for c in $(seq 0 $((n - 1))); do
		echo "VHTEST upload $c $(cat "/tmp/got$c") $(sha256sum "/tmp/up$c" | cut -d' ' -f1)"
		rm -f "/tmp/up$c"
	done
	;;
migrate)
	# The test migrates this guest to a second QEMU during downloads 1
	# to 4, and puts /over up once it is through; 5 to 8 run after it.
	pings 56
	echo "VHTEST ready"
	for i in 1 2 3 4 5 6 7 8; do
		if [ $i = 5 ]; then
			until wget -q -O /dev/null http://192.0.2.1:8000/over; do
				sleep 1
			done
		fi
		wget -q -O /tmp/blob http://192.0.2.1:8000/blob
		echo "VHTEST sha256 $i $(sha256sum /tmp/blob | cut -d' ' -f1)"
		rm -f /tmp/blob
	done
	pings 56
	;;
esac
sleep 1
S=/sys/class/net/eth0/statistics
# Frames that reached the guest wrong: its stack's error counters, and
# the driver's.  "none", or each one that is not zero.
e=$(awk '/^(Ip|Icmp|Tcp|Udp):/ {
	if (!($1 in h)) { h[$1] = 1; for (i = 2; i <= NF; i++) n[$1 i] = $i; next }
	for (i = 2; i <= NF; i++)
		if (n[$1 i] ~ /^In(HdrErrors|AddrErrors|CsumErrors|Errs|Errors)$/ && $i > 0)
			printf " %s%s=%s", $1, n[$1 i], $i
}' /proc/net/snmp)
for c in rx_errors rx_length_errors rx_frame_errors rx_crc_errors; do
	v=$(cat $S/$c)
	[ "$v" = 0 ] || e="$e $c=$v"
done
echo "VHTEST errors${e:- none}"

echo "VHTEST stats tx=$(cat $S/tx_packets) rx=$(cat $S/rx_packets)"
# the driver's own counters per queue (Debian's ethtool, where the image
# has it): frames and kicks of each RX and TX queue
[ -x /bin/ethtool ] &&
	echo "VHTEST queue stats $(ethtool -S eth0 |
		sed -n 's/^ *\([rt]x_queue_[0-9]*_\(packets\|kicks\)\): *\([0-9]*\)$/\1=\3/p' |
		tr '\n' ' ')"
echo "VHTEST done"
poweroff -f
