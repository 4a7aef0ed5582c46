#!/usr/bin/env bash
# release.sh - the stores that hand used buffers to the driver are ordered
# after what they hand over, in the machine code of an aarch64 binary.
#
#   tests/release.sh OBJDUMP BINARY
#
# virtio 1.2 2.7.14 (split): the used elements, and the bytes written into
# the buffers, must be visible before the new used->idx; 2.8.9 (packed):
# before the flags that mark the descriptors used, the first one's last.
# On x86 every store is a release, so no test run there can tell; aarch64
# reorders plain stores, and the difference is only in the instructions:
#
#   vq_split_publish   its store of used->idx (its first 16-bit store) is
#                      a store-release (stlrh), or comes after a barrier
#                      (dmb ish / ishst / sy).
#   vq_packed_publish  a barrier (dmb ish / ishst / sy) before the flags
#                      stores, and the last of them, the first element's
#                      flags, a store-release (stlrh) after it.
#
# The functions are found by symbol (clones such as .part.0 included).  A
# function that is not in the binary fails the check: if the compiler
# inlined it, or it was renamed, this script must be told where the
# stores went, never pass without looking.
set -u

OBJDUMP=${1:?usage: release.sh OBJDUMP BINARY}
BIN=${2:?usage: release.sh OBJDUMP BINARY}

# body NAME: the instructions of NAME and its clones, one a line
# ("mnemonic operands").
body() {
	"$OBJDUMP" -d --no-show-raw-insn "$BIN" | awk -v n="$1" '
		/^[0-9a-f]+ <.*>:$/ {
			s = $2; sub(/^</, "", s); sub(/>:$/, "", s)
			inside = (s == n || index(s, n ".") == 1)
			next
		}
		inside && /^ *[0-9a-f]+:\t/ {
			sub(/^ *[0-9a-f]+:\t/, "")
			print
		}'
}

# The 16-bit stores and the barriers, in order: "S mnemonic" or "B".
events() {
	awk '
		$1 ~ /^(strh|sturh|stlrh|stlurh|stllrh)$/ { print "S " $1; next }
		$1 == "dmb" && $2 ~ /^(ish|ishst|sy|st)$/ { print "B"; next }'
}

rc=0

check_split() {
	local b ev first
	b=$(body vq_split_publish)
	if [ -z "$b" ]; then
		echo "  vq_split_publish is not in $BIN (inlined? renamed?)"
		return 1
	fi
	ev=$(events <<<"$b")
	first=$(grep -n '^S ' <<<"$ev" | head -n 1)
	if [ -z "$first" ]; then
		echo "  vq_split_publish stores no 16-bit value: where is used->idx?"
		return 1
	fi
	if [[ $first == *stl* ]]; then
		echo "  vq_split_publish: used->idx by ${first#*S }, a store-release"
		return 0
	fi
	if head -n "${first%%:*}" <<<"$ev" | grep -q '^B$'; then
		echo "  vq_split_publish: used->idx by ${first#*S }, after a barrier"
		return 0
	fi
	echo "  vq_split_publish: used->idx by ${first#*S }: neither a" \
		"store-release nor after a barrier"
	return 1
}

check_packed() {
	local b ev barrier last
	b=$(body vq_packed_publish)
	if [ -z "$b" ]; then
		echo "  vq_packed_publish is not in $BIN (inlined? renamed?)"
		return 1
	fi
	ev=$(events <<<"$b")
	barrier=$(grep -n '^B$' <<<"$ev" | head -n 1 | cut -d: -f1)
	if [ -z "$barrier" ]; then
		echo "  vq_packed_publish: no barrier before the flags stores"
		return 1
	fi
	last=$(tail -n +"$barrier" <<<"$ev" | grep -c '^S stl')
	if [ "$last" -eq 0 ]; then
		echo "  vq_packed_publish: the first element's flags are no" \
			"store-release after the barrier"
		return 1
	fi
	echo "  vq_packed_publish: a barrier, then the flags, the first by a store-release"
	return 0
}

check_split || rc=1
check_packed || rc=1
exit $rc
