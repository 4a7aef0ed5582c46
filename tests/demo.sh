#!/usr/bin/env bash
# demo.sh - the sample app's scenario: a back-end with the message trace
# on, and a front-end that drives it and sends ARP request frames, which
# come back echoed.  Both are the given binary (by default the static
# aarch64 build, run under qemu-aarch64).
#
#   tests/demo.sh build/qemu-virt/vhost [FRAMES]
set -u
VHOST=${1:?usage: demo.sh VHOST [FRAMES]}
FRAMES=${2:-10}
RUN=
file "$VHOST" | grep -q "ARM aarch64" && [ "$(uname -m)" != aarch64 ] && RUN=qemu-aarch64

dir=$(mktemp -d /tmp/vhost-demo.XXXXXX)
sock=$dir/vhost-net.sock
be=
cleanup() {
	[ -n "$be" ] && kill -KILL "$be" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

echo "### $(file -b "$VHOST" | cut -d, -f1-2,4)"
echo "### back-end:  ${RUN:+$RUN }$VHOST -s $sock -v"
$RUN "$VHOST" -s "$sock" -v > >(sed -u 's/^/[back-end]  /') 2>&1 &
be=$!
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
echo "### front-end: ${RUN:+$RUN }$VHOST -q $sock --frames $FRAMES -v"
$RUN "$VHOST" -q "$sock" --frames "$FRAMES" -v 2>&1 | sed -u 's/^/[front-end] /'
rc=${PIPESTATUS[0]}
sleep 0.3
echo "### stopping the back-end (SIGINT)"
kill -INT "$be"
wait "$be"
be=
sleep 0.2
if [ "$rc" -eq 0 ]; then
	echo "### every frame came back intact; the socket file is gone: $([ -e "$sock" ] && echo no || echo yes)"
else
	echo "### the front-end failed (status $rc)"
fi
exit "$rc"
