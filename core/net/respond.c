/*
 * respond.c - the bring-up responder: ARP, ICMP echo, IPv6 neighbour
 * solicitation and ICMPv6 echo for one address.
 *
 * Security model: every byte of `in` came from the guest.  A length field
 * is checked against what the frame really holds before anything it
 * covers is read, and whatever is malformed, unexpected or not for us is
 * dropped in silence: a responder sends no ICMP errors, so a bad frame
 * costs nothing but the look.  Replies use the lengths of the IP packet,
 * never of the frame, which may carry Ethernet padding.
 */
#include "core/net/respond.h"

#include <stddef.h>
#include <string.h>

#include "core/net/pkt.h"

#define IP4_OPT_LSRR 131u /* loose source route (RFC 791 3.1) */
#define IP4_OPT_SSRR 137u /* strict source route */

static bool mac_is_ours(const struct respond_cfg *cfg, const uint8_t *mac)
{
	return memcmp(mac, cfg->mac, 6) == 0;
}

/* ---- ARP (RFC 826) ------------------------------------------------------ */

static uint32_t arp_answer(const struct respond_cfg *cfg, const uint8_t *in,
			   uint32_t len, uint8_t *out, uint32_t cap)
{
	const uint8_t *a = in + PKT_ETH_HLEN;
	uint8_t *r = out + PKT_ETH_HLEN;

	/* A request is broadcast, or unicast when a neighbour re-checks an
	 * entry it already has (RFC 1122 2.3.2.1). */
	if (!mac_is_ours(cfg, in + PKT_ETH_DST) &&
	    memcmp(in + PKT_ETH_DST, pkt_mac_broadcast, 6) != 0)
		return 0;
	if (len < PKT_ARP_FRAME_LEN)
		return 0;
	if (pkt_get16(a + PKT_ARP_HRD) != PKT_ARP_HRD_ETHER ||
	    pkt_get16(a + PKT_ARP_PRO) != PKT_ETHERTYPE_IP4 ||
	    a[PKT_ARP_HLN] != 6 || a[PKT_ARP_PLN] != 4 ||
	    pkt_get16(a + PKT_ARP_OP) != PKT_ARP_OP_REQUEST)
		return 0;
	/* RFC 826 "Am I the target protocol address?"  Nothing else is
	 * asked of the sender's addresses: a probe (sender 0.0.0.0, RFC 5227
	 * 2.1.1) or a gratuitous-looking request for our own address is
	 * answered like any request, which tells its sender the address is
	 * taken (RFC 5227 2.4). */
	if (memcmp(a + PKT_ARP_TPA, cfg->ip4, 4) != 0)
		return 0;
	/* The reply goes to the sender hardware address: an individual one. */
	if (pkt_mac_is_group(a + PKT_ARP_SHA) ||
	    memcmp(a + PKT_ARP_SHA, pkt_mac_zero, 6) == 0)
		return 0;
	if (cap < PKT_ARP_FRAME_LEN)
		return 0;
	/* RFC 826: swap sender and target, put ours in as sender, op reply.
	 * 42 bytes: virtio-net and tap take frames below the 60-byte
	 * Ethernet minimum, so no padding is added. */
	pkt_eth_put(out, a + PKT_ARP_SHA, cfg->mac, PKT_ETHERTYPE_ARP);
	memcpy(r, a, PKT_ARP_OP); /* hrd, pro, hln, pln as checked */
	pkt_put16(r + PKT_ARP_OP, PKT_ARP_OP_REPLY);
	memcpy(r + PKT_ARP_SHA, cfg->mac, 6);
	memcpy(r + PKT_ARP_SPA, cfg->ip4, 4);
	memcpy(r + PKT_ARP_THA, a + PKT_ARP_SHA, 6);
	memcpy(r + PKT_ARP_TPA, a + PKT_ARP_SPA, 4);
	return PKT_ARP_FRAME_LEN;
}

/* ---- ICMP echo over IPv4 (RFC 792) -------------------------------------- */

/* RFC 1122 3.2.1.3: a datagram whose source is not a host's unicast
 * address is discarded: 0/8 ("this network"), 127/8 (loopback), 224/4
 * (multicast), 240/4 (reserved) and 255.255.255.255 (broadcast). */
static bool ip4_src_ok(const uint8_t *a)
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

/*
 * Walk the IPv4 options (RFC 791 3.1: end of list, no-operation, or type,
 * length, data).  False if one is malformed, or is a source route: RFC
 * 1122 3.2.2.6 would have the reply reverse it, and RFC 7126 4.3/4.4
 * advise dropping source-routed packets, which we do.
 */
static bool ip4_options_ok(const uint8_t *o, uint32_t len)
{
	uint32_t off = 0;

	while (off < len) {
		uint32_t olen;

		if (o[off] == 0) /* end of option list */
			break;
		if (o[off] == 1) { /* no operation */
			off++;
			continue;
		}
		if (len - off < 2)
			return false;
		olen = o[off + 1]; /* counts type and length too */
		if (olen < 2 || olen > len - off)
			return false;
		if (o[off] == IP4_OPT_LSRR || o[off] == IP4_OPT_SSRR)
			return false;
		off += olen;
	}
	return true;
}

static uint32_t ip4_answer(const struct respond_cfg *cfg, const uint8_t *in,
			   uint32_t len, uint8_t *out, uint32_t cap)
{
	const uint8_t *ip = in + PKT_ETH_HLEN;
	const uint8_t *icmp;
	uint8_t *ricmp = out + PKT_ETH_HLEN + PKT_IP4_HLEN;
	uint32_t hlen, total, icmp_len, rlen;

	/* RFC 1122 3.3.6: a unicast datagram that came as a link-layer
	 * broadcast is discarded; so is one for another station. */
	if (!mac_is_ours(cfg, in + PKT_ETH_DST))
		return 0;
	if (len < PKT_ETH_HLEN + PKT_IP4_HLEN || ip[PKT_IP4_VIHL] >> 4 != 4)
		return 0;
	hlen = 4u * (ip[PKT_IP4_VIHL] & 0xfu);
	total = pkt_get16(ip + PKT_IP4_TOTAL);
	/* The total length, not the frame, ends the packet: what follows is
	 * Ethernet padding.  A packet longer than the frame is truncated. */
	if (hlen < PKT_IP4_HLEN || total < hlen || total > len - PKT_ETH_HLEN)
		return 0;
	if (pkt_csum(ip, hlen) != 0) /* RFC 1122 3.2.1.2 */
		return 0;
	/* A fragment (more fragments, or an offset) holds part of a request
	 * at most; we do not reassemble (RFC 791 3.2). */
	if ((pkt_get16(ip + PKT_IP4_FRAG) &
	     (PKT_IP4_MF | PKT_IP4_OFFSET_MASK)) != 0)
		return 0;
	if (ip[PKT_IP4_PROTO] != PKT_IPPROTO_ICMP)
		return 0;
	/* Only our own unicast address: broadcast and multicast echo
	 * requests MAY be discarded (RFC 1122 3.2.2.6). */
	if (memcmp(ip + PKT_IP4_DST, cfg->ip4, 4) != 0 ||
	    !ip4_src_ok(ip + PKT_IP4_SRC))
		return 0;
	if (!ip4_options_ok(ip + PKT_IP4_HLEN, hlen - PKT_IP4_HLEN))
		return 0;
	icmp = ip + hlen;
	icmp_len = total - hlen;
	if (icmp_len < PKT_ICMP_HLEN || icmp[PKT_ICMP_TYPE] !=
	    PKT_ICMP_ECHO_REQUEST || icmp[PKT_ICMP_CODE] != 0)
		return 0;
	if (pkt_csum(icmp, icmp_len) != 0)
		return 0;
	rlen = PKT_ETH_HLEN + PKT_IP4_HLEN + icmp_len;
	if (rlen > cap)
		return 0;
	/* The reply has no options: the Record Route and Timestamp that RFC
	 * 1122 3.2.2.6 says SHOULD come back updated are left out.  Its id
	 * is 0, an atomic datagram's id being meaningless (RFC 6864 4). */
	pkt_eth_put(out, in + PKT_ETH_SRC, cfg->mac, PKT_ETHERTYPE_IP4);
	pkt_ip4_put(out + PKT_ETH_HLEN, (uint16_t)(PKT_IP4_HLEN + icmp_len), 0,
		    PKT_IPPROTO_ICMP, cfg->ip4, ip + PKT_IP4_SRC);
	/* RFC 792: id, seq and data returned as they came. */
	memcpy(ricmp, icmp, icmp_len);
	ricmp[PKT_ICMP_TYPE] = PKT_ICMP_ECHO_REPLY;
	pkt_put16(ricmp + PKT_ICMP_CSUM, 0);
	pkt_put16(ricmp + PKT_ICMP_CSUM, pkt_csum(ricmp, icmp_len));
	return rlen;
}

/* ---- IPv6: neighbour discovery and echo --------------------------------- */

/* Which of our addresses a is: the configured one, the link-local one of
 * our MAC (ll), or NULL. */
static const uint8_t *ip6_ours(const struct respond_cfg *cfg,
			       const uint8_t *ll, const uint8_t *a)
{
	if (memcmp(a, cfg->ip6, 16) == 0)
		return cfg->ip6;
	if (memcmp(a, ll, 16) == 0)
		return ll;
	return NULL;
}

/* RFC 4861 7.1.1 validation, then 7.2.4: a solicited advertisement. */
static uint32_t ns_answer(const struct respond_cfg *cfg, const uint8_t *in,
			  uint32_t plen, const uint8_t *ll, uint8_t *out,
			  uint32_t cap)
{
	const uint8_t *ip = in + PKT_ETH_HLEN;
	const uint8_t *icmp = ip + PKT_IP6_HLEN;
	const uint8_t *src = ip + PKT_IP6_SRC;
	const uint8_t *dst = ip + PKT_IP6_DST;
	const uint8_t *target = icmp + PKT_ND_TARGET;
	const uint8_t *ours, *slla, *to_mac;
	uint8_t group[16], group_mac[6];
	uint8_t *rip = out + PKT_ETH_HLEN;
	uint8_t *ricmp = rip + PKT_IP6_HLEN;

	/* Hop limit 255: it cannot have crossed a router. */
	if (ip[PKT_IP6_HOPS] != PKT_ND_HOP_LIMIT ||
	    icmp[PKT_ICMP_CODE] != 0 || plen < PKT_ND_LEN)
		return 0;
	ours = ip6_ours(cfg, ll, target);
	if (ours == NULL)
		return 0;
	/* A DAD probe (source ::, RFC 4862 5.4.2) stays unanswered: this
	 * responder only ever replies to the asker, while RFC 4861 7.2.4
	 * would have an unsolicited advertisement multicast to all nodes. */
	if (pkt_ip6_is_unspecified(src))
		return 0;
	/* Sent to the target itself (a reachability check, 7.3.1) and our
	 * MAC, or to the target's solicited-node group and its MAC. */
	pkt_ip6_solicited_node(target, group);
	pkt_ip6_mcast_mac(group, group_mac);
	if (memcmp(dst, target, 16) == 0) {
		if (!mac_is_ours(cfg, in + PKT_ETH_DST))
			return 0;
	} else if (memcmp(dst, group, 16) == 0) {
		if (memcmp(in + PKT_ETH_DST, group_mac, 6) != 0 &&
		    !mac_is_ours(cfg, in + PKT_ETH_DST))
			return 0;
	} else {
		return 0;
	}
	if (!pkt_nd_find_lla(icmp + PKT_ND_LEN, plen - PKT_ND_LEN,
			     PKT_ND_OPT_SLLA, &slla))
		return 0;
	/* The solicitor's link-layer address from its option, else from
	 * the frame it came in. */
	to_mac = slla != NULL ? slla : in + PKT_ETH_SRC;
	if (pkt_mac_is_group(to_mac) || memcmp(to_mac, pkt_mac_zero, 6) == 0)
		return 0;
	if (cap < PKT_NA_FRAME_LEN)
		return 0;
	pkt_eth_put(out, to_mac, cfg->mac, PKT_ETHERTYPE_IP6);
	pkt_ip6_put(rip, PKT_ND_LEN + PKT_ND_LLA_LEN, PKT_IPPROTO_ICMP6,
		    PKT_ND_HOP_LIMIT, ours, src);
	ricmp[PKT_ICMP_TYPE] = PKT_ICMP6_NA;
	ricmp[PKT_ICMP_CODE] = 0;
	pkt_put16(ricmp + PKT_ICMP_CSUM, 0);
	/* Solicited: it answers this NS.  Override: the address is ours
	 * alone, not anycast (7.2.4). */
	pkt_put32(ricmp + PKT_ND_FLAGS,
		  (uint32_t)(PKT_NA_F_SOLICITED | PKT_NA_F_OVERRIDE) << 24);
	memcpy(ricmp + PKT_ND_TARGET, ours, 16);
	ricmp[PKT_ND_LEN] = PKT_ND_OPT_TLLA;
	ricmp[PKT_ND_LEN + 1] = 1; /* 8 octets */
	memcpy(ricmp + PKT_ND_LEN + 2, cfg->mac, 6);
	pkt_put16(ricmp + PKT_ICMP_CSUM,
		  pkt_icmp6_csum(ours, src, ricmp,
				 PKT_ND_LEN + PKT_ND_LLA_LEN));
	return PKT_NA_FRAME_LEN;
}

/* RFC 4443 4.1, 4.2: echo requests to one of our unicast addresses. */
static uint32_t echo6_answer(const struct respond_cfg *cfg,
			     const uint8_t *in, uint32_t plen,
			     const uint8_t *ll, uint8_t *out, uint32_t cap)
{
	const uint8_t *ip = in + PKT_ETH_HLEN;
	const uint8_t *icmp = ip + PKT_IP6_HLEN;
	const uint8_t *src = ip + PKT_IP6_SRC;
	const uint8_t *ours = ip6_ours(cfg, ll, ip + PKT_IP6_DST);
	uint8_t *rip = out + PKT_ETH_HLEN;
	uint8_t *ricmp = rip + PKT_IP6_HLEN;
	uint32_t rlen = PKT_ETH_HLEN + PKT_IP6_HLEN + plen;

	if (ours == NULL || !mac_is_ours(cfg, in + PKT_ETH_DST) ||
	    icmp[PKT_ICMP_CODE] != 0 || plen < PKT_ICMP_HLEN ||
	    pkt_ip6_is_unspecified(src))
		return 0;
	if (rlen > cap)
		return 0;
	/* 4.2: from the address the request was sent to, with its data
	 * "returned entirely and unmodified". */
	pkt_eth_put(out, in + PKT_ETH_SRC, cfg->mac, PKT_ETHERTYPE_IP6);
	pkt_ip6_put(rip, (uint16_t)plen, PKT_IPPROTO_ICMP6, PKT_TTL, ours,
		    src);
	memcpy(ricmp, icmp, plen);
	ricmp[PKT_ICMP_TYPE] = PKT_ICMP6_ECHO_REPLY;
	pkt_put16(ricmp + PKT_ICMP_CSUM, 0);
	pkt_put16(ricmp + PKT_ICMP_CSUM,
		  pkt_icmp6_csum(ours, src, ricmp, plen));
	return rlen;
}

static uint32_t ip6_answer(const struct respond_cfg *cfg, const uint8_t *in,
			   uint32_t len, uint8_t *out, uint32_t cap)
{
	const uint8_t *ip = in + PKT_ETH_HLEN;
	const uint8_t *icmp = ip + PKT_IP6_HLEN;
	uint8_t ll[16];
	uint32_t plen;

	if (!cfg->has_ip6 || len < PKT_ETH_HLEN + PKT_IP6_HLEN ||
	    ip[0] >> 4 != 6)
		return 0;
	plen = pkt_get16(ip + PKT_IP6_PLEN);
	/* The payload length ends the packet (padding may follow). */
	if (plen > len - PKT_ETH_HLEN - PKT_IP6_HLEN)
		return 0;
	/* Extension headers are not walked: neighbour discovery and echo
	 * come without them.  Four bytes hold type, code and checksum. */
	if (ip[PKT_IP6_NH] != PKT_IPPROTO_ICMP6 || plen < 4)
		return 0;
	/* RFC 4291 2.7: a multicast address is never a source. */
	if (ip[PKT_IP6_SRC] == 0xff)
		return 0;
	if (icmp[PKT_ICMP_TYPE] != PKT_ICMP6_NS &&
	    icmp[PKT_ICMP_TYPE] != PKT_ICMP6_ECHO_REQUEST)
		return 0;
	/* RFC 4443 2.3, over the pseudo-header of RFC 8200 8.1. */
	if (pkt_icmp6_csum(ip + PKT_IP6_SRC, ip + PKT_IP6_DST, icmp, plen) != 0)
		return 0;
	respond_ip6_linklocal(cfg->mac, ll);
	if (icmp[PKT_ICMP_TYPE] == PKT_ICMP6_NS)
		return ns_answer(cfg, in, plen, ll, out, cap);
	return echo6_answer(cfg, in, plen, ll, out, cap);
}

/* ---- the entry point ---------------------------------------------------- */

uint32_t respond_frame(const struct respond_cfg *cfg, const uint8_t *in,
		       uint32_t len, uint8_t *out, uint32_t cap)
{
	if (len < PKT_ETH_HLEN)
		return 0;
	/* A source address is always an individual one (IEEE 802 I/G bit),
	 * and our own MAC as source is our own frame come back. */
	if (pkt_mac_is_group(in + PKT_ETH_SRC) ||
	    mac_is_ours(cfg, in + PKT_ETH_SRC))
		return 0;
	switch (pkt_get16(in + PKT_ETH_TYPE)) {
	case PKT_ETHERTYPE_ARP:
		return arp_answer(cfg, in, len, out, cap);
	case PKT_ETHERTYPE_IP4:
		return ip4_answer(cfg, in, len, out, cap);
	case PKT_ETHERTYPE_IP6:
		return ip6_answer(cfg, in, len, out, cap);
	default: /* including 802.1Q-tagged frames */
		return 0;
	}
}

/* ---- addresses ---------------------------------------------------------- */

void respond_mac_from_ip4(const uint8_t ip4[4], uint8_t mac[6])
{
	/* 0x52: the locally administered bit set, the group bit clear
	 * (IEEE 802 U/L and I/G); 52:54:00 is also what QEMU uses. */
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	memcpy(mac + 3, ip4 + 1, 3);
}

void respond_ip6_linklocal(const uint8_t mac[6], uint8_t ip6[16])
{
	memset(ip6, 0, 16);
	ip6[0] = 0xfe;
	ip6[1] = 0x80;
	/* RFC 4291 appendix A: ff:fe in the middle, and the U/L bit
	 * inverted so that a locally administered MAC gives 0 there. */
	ip6[8] = mac[0] ^ 0x02u;
	ip6[9] = mac[1];
	ip6[10] = mac[2];
	ip6[11] = 0xff;
	ip6[12] = 0xfe;
	memcpy(ip6 + 13, mac + 3, 3);
}

/* Up to three decimal digits at *s, no leading zero, value at most max;
 * *s moves past them. */
static bool parse_dec(const char **s, unsigned max, unsigned *v)
{
	const char *p = *s;
	unsigned n = 0, digits = 0;

	while (digits < 3 && p[digits] >= '0' && p[digits] <= '9') {
		n = n * 10u + (unsigned)(p[digits] - '0');
		digits++;
	}
	if (digits == 0 || (digits > 1 && p[0] == '0') || n > max)
		return false;
	*s = p + digits;
	*v = n;
	return true;
}

bool respond_parse_ip4(const char *s, uint8_t ip4[4], uint8_t *prefix)
{
	uint8_t a[4];
	unsigned v, pfx = 32;

	if (s == NULL)
		return false;
	for (unsigned i = 0; i < 4; i++) {
		if (i > 0) {
			if (*s != '.')
				return false;
			s++;
		}
		if (!parse_dec(&s, 255, &v))
			return false;
		a[i] = (uint8_t)v;
	}
	if (*s == '/') {
		s++;
		if (!parse_dec(&s, 32, &pfx))
			return false;
	}
	if (*s != '\0')
		return false;
	memcpy(ip4, a, 4);
	if (prefix != NULL)
		*prefix = (uint8_t)pfx;
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool respond_parse_ip6(const char *s, uint8_t ip6[16])
{
	uint16_t g[8];
	unsigned n = 0;   /* groups read */
	int gap = -1;     /* groups before the "::", if there is one */

	if (s == NULL)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':') /* a lone leading colon */
			return false;
		gap = 0;
		s += 2;
	}
	while (*s != '\0') {
		unsigned v = 0, digits = 0;
		int h;

		while (digits < 4 && (h = hex_value(s[digits])) >= 0) {
			v = v << 4 | (unsigned)h;
			digits++;
		}
		if (digits == 0 || n == 8)
			return false;
		g[n++] = (uint16_t)v;
		s += digits;
		if (*s == '\0')
			break;
		if (*s != ':') /* a fifth digit, a dot, a '%' or '/' */
			return false;
		s++;
		if (*s != ':') {
			/* a single ':' is followed by a group */
			if (*s == '\0')
				return false;
			continue;
		}
		if (gap >= 0) /* a second "::" */
			return false;
		gap = (int)n;
		s++; /* "::" may end the address */
	}
	/* Without "::" all eight groups; with it, it stands for at least
	 * one zero group (RFC 4291 2.2 item 2). */
	if (gap < 0 ? n != 8 : n > 7)
		return false;
	memset(ip6, 0, 16);
	for (unsigned i = 0; i < n; i++) {
		unsigned at = gap >= 0 && i >= (unsigned)gap ? i + 8 - n : i;
		pkt_put16(ip6 + 2 * at, g[i]);
	}
	return true;
}
