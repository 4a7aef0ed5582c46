/*
 * flow.c - a frame's flow as one number (flow.h).
 *
 * What is hashed is read a byte at a time, each field's bounds checked
 * against the length: the frame may come from a guest or an interface,
 * and may be cut anywhere.
 */
#include "core/net/flow.h"

#include <string.h>

#include "core/net/pkt.h"

#define ETHERTYPE_VLAN 0x8100u /* IEEE 802.1Q */
#define IPPROTO_TCP 6u
#define IPPROTO_UDP 17u
#define IPPROTO_SCTP 132u

/* FNV-1a over n bytes. */
static uint32_t fnv(uint32_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Two endpoints (addresses, or ports) of n bytes each, in an order that
 * does not depend on the direction. */
static uint32_t fnv_pair(uint32_t h, const uint8_t *a, const uint8_t *b,
			 uint32_t n)
{
	if (memcmp(a, b, n) > 0) {
		const uint8_t *t = a;
		a = b;
		b = t;
	}
	return fnv(fnv(h, a, n), b, n);
}

uint32_t net_flow_hash(const uint8_t *f, uint32_t len)
{
	uint32_t h = 2166136261u, off = PKT_ETH_HLEN, addr, alen, l4 = 0;
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
		addr = off + PKT_IP4_SRC;
		alen = 4;
		proto = f[off + PKT_IP4_PROTO];
		/* ports only in the first fragment's header, and not even
		 * there for the flow's other fragments: none for fragments */
		if (!(pkt_get16(f + off + PKT_IP4_FRAG) &
		      (PKT_IP4_MF | PKT_IP4_OFFSET_MASK)))
			l4 = off + 4u * (f[off + PKT_IP4_VIHL] & 15u);
	} else if (type == PKT_ETHERTYPE_IP6 && len >= off + PKT_IP6_HLEN) {
		addr = off + PKT_IP6_SRC;
		alen = 16;
		proto = f[off + PKT_IP6_NH]; /* no extension headers walked */
		l4 = off + PKT_IP6_HLEN;
	} else {
		/* not IP: the two stations and what they speak */
		uint8_t t[2] = {(uint8_t)(type >> 8), (uint8_t)type};

		return fnv_pair(fnv(h, t, 2), f + PKT_ETH_DST, f + PKT_ETH_SRC,
				6);
	}
	h = fnv_pair(fnv(h, &proto, 1), f + addr, f + addr + alen, alen);
	if (l4 != 0 && len >= l4 + 4 &&
	    (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	     proto == IPPROTO_SCTP))
		h = fnv_pair(h, f + l4, f + l4 + 2, 2);
	/* FNV's low bits mix poorly; they pick the queue (h % pairs) */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}
