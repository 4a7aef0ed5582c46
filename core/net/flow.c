/*
 * flow.c - a frame's flow as one number (flow.h).
 *
 * Each endpoint field is folded with its peer by XOR (source with
 * destination address, port with port), which makes the number the
 * same both ways, then mixed so that its low bits, which pick the pair,
 * depend on every bit.  What is read is bounds-checked against the
 * length field by field: the frame may come from a guest or an
 * interface, and may be cut anywhere.
 */
#include "core/net/flow.h"

#include "core/net/pkt.h"

#define ETHERTYPE_VLAN 0x8100u /* IEEE 802.1Q */
#define IPPROTO_TCP 6u
#define IPPROTO_UDP 17u
#define IPPROTO_SCTP 132u

/* The XOR of the n 16-bit words at a and at b (one copy of the loop for
 * the three callers: size over speed, it is a few words). */
__attribute__((noinline)) static uint32_t fold(const uint8_t *a,
					      const uint8_t *b, uint32_t n)
{
	uint32_t x = 0;

	for (uint32_t i = 0; i < n; i++)
		x ^= (uint32_t)(pkt_get16(a + 2 * i) ^ pkt_get16(b + 2 * i))
		     << (i & 1 ? 16 : 0);
	return x;
}

uint32_t net_flow_hash(const uint8_t *f, uint32_t len)
{
	uint32_t off = PKT_ETH_HLEN, l4 = 0, h;
	uint16_t type;
	uint8_t proto;

	if (len < PKT_ETH_HLEN)
		return 0;
	type = pkt_get16(f + PKT_ETH_TYPE);
	if (type == ETHERTYPE_VLAN && len >= PKT_ETH_HLEN + 4) {
		type = pkt_get16(f + PKT_ETH_HLEN + 2);
		off += 4;
	}
	if (type == PKT_ETHERTYPE_IP4 && len >= off + PKT_IP4_HLEN &&
	    (f[off + PKT_IP4_VIHL] & 15u) >= 5) {
		h = fold(f + off + PKT_IP4_SRC, f + off + PKT_IP4_DST, 2);
		proto = f[off + PKT_IP4_PROTO];
		/* ports only in the first fragment's header, and not even
		 * there for the flow's other fragments: none for fragments */
		if (!(pkt_get16(f + off + PKT_IP4_FRAG) &
		      (PKT_IP4_MF | PKT_IP4_OFFSET_MASK)))
			l4 = off + 4u * (f[off + PKT_IP4_VIHL] & 15u);
	} else if (type == PKT_ETHERTYPE_IP6 && len >= off + PKT_IP6_HLEN) {
		h = fold(f + off + PKT_IP6_SRC, f + off + PKT_IP6_DST, 8);
		proto = f[off + PKT_IP6_NH]; /* no extension headers walked */
		l4 = off + PKT_IP6_HLEN;
	} else {
		/* not IP: the two stations and what they speak */
		h = fold(f + PKT_ETH_DST, f + PKT_ETH_SRC, 3);
		proto = 0;
		l4 = 0;
		h ^= (uint32_t)type << 8;
	}
	h = h * 0x9e3779b1u ^ proto;
	if (l4 != 0 && len >= l4 + 4 &&
	    (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	     proto == IPPROTO_SCTP))
		h ^= (uint32_t)(pkt_get16(f + l4) ^ pkt_get16(f + l4 + 2)) << 8;
	/* the low bits pick the queue (h % pairs): mix the high ones in */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}
