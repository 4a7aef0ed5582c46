/*
 * pkt.c - Ethernet, ARP, IPv4, IPv6 and ICMP on flat byte buffers.
 *
 * The field offsets (pkt.h) are those of the RFC diagrams: RFC 826 (ARP),
 * RFC 791 3.1 (IPv4), RFC 8200 3 (IPv6), RFC 792 and RFC 4443 4.1 (echo),
 * RFC 4861 4.3/4.4 (neighbour solicitation and advertisement).
 */
#include "core/net/pkt.h"

#include <stddef.h>
#include <string.h>

const uint8_t pkt_mac_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t pkt_mac_zero[6];

static bool fail(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return false;
}

/* ---- addresses ---------------------------------------------------------- */

void pkt_ip6_solicited_node(const uint8_t ip6[16], uint8_t out[16])
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
					   0,    0,    0, 0x01, 0xff};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + 13, ip6 + 13, 3);
}

void pkt_ip6_mcast_mac(const uint8_t ip6[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, ip6 + 12, 4);
}

bool pkt_ip6_is_unspecified(const uint8_t ip6[16])
{
	uint8_t any = 0;

	for (unsigned i = 0; i < 16; i++)
		any |= ip6[i];
	return any == 0;
}

/* ---- the Internet checksum ---------------------------------------------- */

/* End-around carry until the sum fits 16 bits (RFC 1071 2(1)). */
static uint32_t csum_reduce(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffffu) + (s >> 16);
	return (uint32_t)s;
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	/* 64 bits cannot overflow: 2^31 words of 0xffff stay below 2^47. */
	uint64_t s = sum;
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	/* An odd last byte is the high half of a word padded with zero
	 * (RFC 1071 1, "if the total length is odd"). */
	if (len & 1u)
		s += (uint32_t)p[len - 1] << 8;
	return csum_reduce(s);
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	return (uint16_t)~csum_reduce(sum);
}

uint16_t pkt_csum(const uint8_t *p, uint32_t len)
{
	return pkt_csum_fold(pkt_csum_add(0, p, len));
}

uint32_t pkt_csum_ip6_pseudo(const uint8_t src[16], const uint8_t dst[16],
			     uint32_t upper_len, uint8_t next_header)
{
	/* RFC 8200 8.1: 16 + 16 address bytes, a 32-bit length, three zero
	 * bytes and the next header: all on 16-bit boundaries. */
	uint64_t s = pkt_csum_add(pkt_csum_add(0, src, 16), dst, 16);

	s += (upper_len >> 16) + (upper_len & 0xffffu) + next_header;
	return csum_reduce(s);
}

uint16_t pkt_icmp6_csum(const uint8_t src[16], const uint8_t dst[16],
			const uint8_t *icmp, uint32_t len)
{
	uint32_t s = pkt_csum_ip6_pseudo(src, dst, len, PKT_IPPROTO_ICMP6);

	return pkt_csum_fold(pkt_csum_add(s, icmp, len));
}

bool pkt_nd_find_lla(const uint8_t *opts, uint32_t len, uint8_t type,
		     const uint8_t **mac)
{
	uint32_t off = 0;

	*mac = NULL;
	while (off < len) {
		uint32_t olen;

		if (len - off < 2)
			return false;
		olen = 8u * opts[off + 1]; /* in units of 8 octets */
		if (olen == 0 || olen > len - off)
			return false;
		/* Another length would not be an Ethernet address: skip it
		 * like an option we do not know (RFC 4861 4.6). */
		if (opts[off] == type && olen == PKT_ND_LLA_LEN && *mac == NULL)
			*mac = opts + off + 2;
		off += olen;
	}
	return true;
}

/* ---- header writers ----------------------------------------------------- */

void pkt_eth_put(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
		 uint16_t ethertype)
{
	memcpy(f + PKT_ETH_DST, dst, 6);
	memcpy(f + PKT_ETH_SRC, src, 6);
	pkt_put16(f + PKT_ETH_TYPE, ethertype);
}

void pkt_ip4_put(uint8_t *ip, uint16_t total_len, uint16_t id, uint8_t proto,
		 const uint8_t src[4], const uint8_t dst[4])
{
	ip[PKT_IP4_VIHL] = 0x45; /* version 4, 5 words */
	ip[1] = 0;           /* DSCP and ECN: best effort, not ECN-capable */
	pkt_put16(ip + PKT_IP4_TOTAL, total_len);
	pkt_put16(ip + PKT_IP4_ID, id);
	pkt_put16(ip + PKT_IP4_FRAG, PKT_IP4_DF);
	ip[PKT_IP4_TTL] = PKT_TTL;
	ip[PKT_IP4_PROTO] = proto;
	pkt_put16(ip + PKT_IP4_CSUM, 0);
	memcpy(ip + PKT_IP4_SRC, src, 4);
	memcpy(ip + PKT_IP4_DST, dst, 4);
	pkt_put16(ip + PKT_IP4_CSUM, pkt_csum(ip, PKT_IP4_HLEN));
}

void pkt_ip6_put(uint8_t *ip, uint16_t payload_len, uint8_t next_header,
		 uint8_t hop_limit, const uint8_t src[16],
		 const uint8_t dst[16])
{
	pkt_put32(ip, 6u << 28); /* version 6, traffic class 0, flow 0 */
	pkt_put16(ip + PKT_IP6_PLEN, payload_len);
	ip[PKT_IP6_NH] = next_header;
	ip[PKT_IP6_HOPS] = hop_limit;
	memcpy(ip + PKT_IP6_SRC, src, 16);
	memcpy(ip + PKT_IP6_DST, dst, 16);
}

/* ---- builders ----------------------------------------------------------- */

/* An ARP or RARP packet for Ethernet and IPv4 (RFC 826, RFC 903). */
static void arp_put(uint8_t *a, uint16_t op, const uint8_t sha[6],
		    const uint8_t spa[4], const uint8_t tha[6],
		    const uint8_t tpa[4])
{
	pkt_put16(a + PKT_ARP_HRD, PKT_ARP_HRD_ETHER);
	pkt_put16(a + PKT_ARP_PRO, PKT_ETHERTYPE_IP4);
	a[PKT_ARP_HLN] = 6;
	a[PKT_ARP_PLN] = 4;
	pkt_put16(a + PKT_ARP_OP, op);
	memcpy(a + PKT_ARP_SHA, sha, 6);
	memcpy(a + PKT_ARP_SPA, spa, 4);
	memcpy(a + PKT_ARP_THA, tha, 6);
	memcpy(a + PKT_ARP_TPA, tpa, 4);
}

uint32_t pkt_arp_request(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
			 const uint8_t src_ip[4], const uint8_t target_ip[4])
{
	static const uint8_t no_mac[6]; /* RFC 5227 2.1.1: zero */
	uint8_t *a = out + PKT_ETH_HLEN;

	if (cap < PKT_ARP_FRAME_LEN)
		return 0;
	pkt_eth_put(out, pkt_mac_broadcast, src_mac, PKT_ETHERTYPE_ARP);
	arp_put(a, PKT_ARP_OP_REQUEST, src_mac, src_ip, no_mac, target_ip);
	return PKT_ARP_FRAME_LEN;
}

uint32_t pkt_rarp_announce(uint8_t *out, uint32_t cap, const uint8_t mac[6])
{
	static const uint8_t no_ip[4];
	uint8_t *a = out + PKT_ETH_HLEN;

	if (cap < PKT_ETH_MIN_LEN)
		return 0;
	memset(out, 0, PKT_ETH_MIN_LEN); /* the padding */
	pkt_eth_put(out, pkt_mac_broadcast, mac, PKT_ETHERTYPE_RARP);
	arp_put(a, PKT_RARP_OP_REQUEST, mac, no_ip, mac, no_ip);
	return PKT_ETH_MIN_LEN;
}

/* The test frame's head: the sample app's ARP request, 52:54:00:12:34:56
 * at 192.0.2.1 (TEST-NET-1) asking for 192.0.2.2. */
static void test_head(uint8_t head[PKT_ARP_FRAME_LEN])
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	static const uint8_t sip[4] = {192, 0, 2, 1}, tip[4] = {192, 0, 2, 2};

	pkt_arp_request(head, PKT_ARP_FRAME_LEN, mac, sip, tip);
}

/* Byte `at` (past the head) of test frame seq: a sequence number, then a
 * pattern that moves with it. */
static uint8_t test_tail(uint32_t seq, uint32_t at)
{
	uint32_t k = at - PKT_ARP_FRAME_LEN;

	return k < 4 ? (uint8_t)(seq >> (24 - 8 * k)) : (uint8_t)(seq + k);
}

/* Test frame seq: written into out, or (out NULL) compared with in. */
static bool test_frame(uint8_t *out, const uint8_t *in, uint32_t size,
		       uint32_t seq)
{
	uint8_t head[PKT_ARP_FRAME_LEN];

	test_head(head);
	for (uint32_t i = 0; i < size; i++) {
		uint8_t v = i < sizeof(head) ? head[i] : test_tail(seq, i);

		if (out != NULL)
			out[i] = v;
		else if (in[i] != v)
			return false;
	}
	return true;
}

void pkt_test_frame(uint8_t *out, uint32_t size, uint32_t seq)
{
	test_frame(out, NULL, size, seq);
}

bool pkt_test_frame_check(const uint8_t *b, uint32_t size, uint32_t seq)
{
	return test_frame(NULL, b, size, seq);
}

/* id, seq and the pattern payload after an ICMP or ICMPv6 type/code. */
static void echo_body_put(uint8_t *icmp, uint16_t id, uint16_t seq,
			  uint32_t payload_len)
{
	pkt_put16(icmp + PKT_ICMP_ID, id);
	pkt_put16(icmp + PKT_ICMP_SEQ, seq);
	for (uint32_t i = 0; i < payload_len; i++)
		icmp[PKT_ICMP_HLEN + i] = pkt_echo_byte(seq, i);
}

uint32_t pkt_icmp_echo(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
		       const uint8_t dst_mac[6], const uint8_t src_ip[4],
		       const uint8_t dst_ip[4], uint16_t id, uint16_t seq,
		       uint32_t payload_len)
{
	uint8_t *ip = out + PKT_ETH_HLEN;
	uint8_t *icmp = ip + PKT_IP4_HLEN;
	uint32_t icmp_len, flen;

	if (payload_len > PKT_ICMP4_PAYLOAD_MAX)
		return 0;
	icmp_len = PKT_ICMP_HLEN + payload_len;
	flen = PKT_ETH_HLEN + PKT_IP4_HLEN + icmp_len;
	if (flen > cap)
		return 0;
	pkt_eth_put(out, dst_mac, src_mac, PKT_ETHERTYPE_IP4);
	pkt_ip4_put(ip, (uint16_t)(PKT_IP4_HLEN + icmp_len), seq,
		    PKT_IPPROTO_ICMP, src_ip, dst_ip);
	icmp[PKT_ICMP_TYPE] = PKT_ICMP_ECHO_REQUEST;
	icmp[PKT_ICMP_CODE] = 0;
	pkt_put16(icmp + PKT_ICMP_CSUM, 0);
	echo_body_put(icmp, id, seq, payload_len);
	pkt_put16(icmp + PKT_ICMP_CSUM, pkt_csum(icmp, icmp_len));
	return flen;
}

uint32_t pkt_ns(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
		const uint8_t src_ip6[16], const uint8_t target_ip6[16])
{
	uint8_t *ip = out + PKT_ETH_HLEN;
	uint8_t *icmp = ip + PKT_IP6_HLEN;
	uint8_t group[16], group_mac[6];
	/* RFC 4861 4.3: no source link-layer option from :: (a DAD probe). */
	bool dad = pkt_ip6_is_unspecified(src_ip6);
	uint32_t icmp_len = PKT_ND_LEN + (dad ? 0 : PKT_ND_LLA_LEN);
	uint32_t flen = PKT_ETH_HLEN + PKT_IP6_HLEN + icmp_len;

	if (flen > cap)
		return 0;
	pkt_ip6_solicited_node(target_ip6, group);
	pkt_ip6_mcast_mac(group, group_mac);
	pkt_eth_put(out, group_mac, src_mac, PKT_ETHERTYPE_IP6);
	pkt_ip6_put(ip, (uint16_t)icmp_len, PKT_IPPROTO_ICMP6,
		    PKT_ND_HOP_LIMIT, src_ip6, group);
	icmp[PKT_ICMP_TYPE] = PKT_ICMP6_NS;
	icmp[PKT_ICMP_CODE] = 0;
	pkt_put16(icmp + PKT_ICMP_CSUM, 0);
	pkt_put32(icmp + PKT_ND_FLAGS, 0); /* reserved */
	memcpy(icmp + PKT_ND_TARGET, target_ip6, 16);
	if (!dad) {
		icmp[PKT_ND_LEN] = PKT_ND_OPT_SLLA;
		icmp[PKT_ND_LEN + 1] = 1;
		memcpy(icmp + PKT_ND_LEN + 2, src_mac, 6);
	}
	pkt_put16(icmp + PKT_ICMP_CSUM,
		  pkt_icmp6_csum(src_ip6, group, icmp, icmp_len));
	return flen;
}

uint32_t pkt_icmp6_echo(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
			const uint8_t dst_mac[6], const uint8_t src_ip6[16],
			const uint8_t dst_ip6[16], uint16_t id, uint16_t seq,
			uint32_t payload_len)
{
	uint8_t *ip = out + PKT_ETH_HLEN;
	uint8_t *icmp = ip + PKT_IP6_HLEN;
	uint32_t icmp_len, flen;

	if (payload_len > PKT_ICMP6_PAYLOAD_MAX)
		return 0;
	icmp_len = PKT_ICMP_HLEN + payload_len;
	flen = PKT_ETH_HLEN + PKT_IP6_HLEN + icmp_len;
	if (flen > cap)
		return 0;
	pkt_eth_put(out, dst_mac, src_mac, PKT_ETHERTYPE_IP6);
	pkt_ip6_put(ip, (uint16_t)icmp_len, PKT_IPPROTO_ICMP6, PKT_TTL,
		    src_ip6, dst_ip6);
	icmp[PKT_ICMP_TYPE] = PKT_ICMP6_ECHO_REQUEST;
	icmp[PKT_ICMP_CODE] = 0;
	pkt_put16(icmp + PKT_ICMP_CSUM, 0);
	echo_body_put(icmp, id, seq, payload_len);
	pkt_put16(icmp + PKT_ICMP_CSUM,
		  pkt_icmp6_csum(src_ip6, dst_ip6, icmp, icmp_len));
	return flen;
}

/* ---- checkers ----------------------------------------------------------- */

bool pkt_check_arp_reply(const uint8_t *f, uint32_t len,
			 const uint8_t my_mac[6], const uint8_t my_ip[4],
			 const uint8_t peer_ip[4], uint8_t peer_mac_out[6],
			 const char **why)
{
	const uint8_t *a = f + PKT_ETH_HLEN;

	if (len < PKT_ARP_FRAME_LEN)
		return fail(why, "frame shorter than an ARP packet");
	if (memcmp(f + PKT_ETH_DST, my_mac, 6) != 0 &&
	    memcmp(f + PKT_ETH_DST, pkt_mac_broadcast, 6) != 0)
		return fail(why, "Ethernet destination is neither my MAC nor "
				 "broadcast");
	if (pkt_get16(f + PKT_ETH_TYPE) != PKT_ETHERTYPE_ARP)
		return fail(why, "EtherType is not ARP");
	if (pkt_get16(a + PKT_ARP_HRD) != PKT_ARP_HRD_ETHER)
		return fail(why, "ARP hardware type is not Ethernet");
	if (pkt_get16(a + PKT_ARP_PRO) != PKT_ETHERTYPE_IP4)
		return fail(why, "ARP protocol type is not IPv4");
	if (a[PKT_ARP_HLN] != 6 || a[PKT_ARP_PLN] != 4)
		return fail(why, "ARP address lengths are not 6 and 4");
	if (pkt_get16(a + PKT_ARP_OP) != PKT_ARP_OP_REPLY)
		return fail(why, "ARP operation is not reply");
	if (memcmp(a + PKT_ARP_SPA, peer_ip, 4) != 0)
		return fail(why, "ARP sender IP is not the peer's");
	if (pkt_mac_is_group(a + PKT_ARP_SHA) ||
	    memcmp(a + PKT_ARP_SHA, pkt_mac_zero, 6) == 0)
		return fail(why, "ARP sender MAC is not unicast");
	if (memcmp(f + PKT_ETH_SRC, a + PKT_ARP_SHA, 6) != 0)
		return fail(why, "Ethernet source is not the ARP sender MAC");
	if (memcmp(a + PKT_ARP_TPA, my_ip, 4) != 0)
		return fail(why, "ARP target IP is not mine");
	if (memcmp(a + PKT_ARP_THA, my_mac, 6) != 0)
		return fail(why, "ARP target MAC is not mine");
	memcpy(peer_mac_out, a + PKT_ARP_SHA, 6);
	return true;
}

/* id, seq and payload of an echo reply of icmp_len bytes (already known to
 * hold at least the 8-byte header). */
static bool echo_body_ok(const uint8_t *icmp, uint32_t icmp_len, uint16_t id,
			 uint16_t seq, uint32_t payload_len, const char **why)
{
	if (pkt_get16(icmp + PKT_ICMP_ID) != id)
		return fail(why, "echo id differs");
	if (pkt_get16(icmp + PKT_ICMP_SEQ) != seq)
		return fail(why, "echo sequence number differs");
	if (icmp_len - PKT_ICMP_HLEN != payload_len)
		return fail(why, "echo payload length differs");
	for (uint32_t i = 0; i < payload_len; i++)
		if (icmp[PKT_ICMP_HLEN + i] != pkt_echo_byte(seq, i))
			return fail(why, "echo payload bytes differ");
	return true;
}

/* The Ethernet header of a unicast reply from peer_mac to my_mac. */
static bool eth_ok(const uint8_t *f, const uint8_t my_mac[6],
		   const uint8_t peer_mac[6], uint16_t ethertype,
		   const char **why)
{
	if (memcmp(f + PKT_ETH_DST, my_mac, 6) != 0)
		return fail(why, "Ethernet destination is not my MAC");
	if (peer_mac != NULL && memcmp(f + PKT_ETH_SRC, peer_mac, 6) != 0)
		return fail(why, "Ethernet source is not the peer's MAC");
	if (pkt_get16(f + PKT_ETH_TYPE) != ethertype)
		return fail(why, ethertype == PKT_ETHERTYPE_IP4
					 ? "EtherType is not IPv4"
					 : "EtherType is not IPv6");
	return true;
}

int32_t pkt_icmp4_echo_id(const uint8_t *f, uint32_t len, uint8_t type)
{
	const uint8_t *ip = f + PKT_ETH_HLEN;
	uint32_t hlen;

	if (len < PKT_ETH_HLEN + PKT_IP4_HLEN ||
	    pkt_get16(f + PKT_ETH_TYPE) != PKT_ETHERTYPE_IP4 ||
	    ip[PKT_IP4_PROTO] != PKT_IPPROTO_ICMP)
		return -1;
	hlen = 4u * (ip[PKT_IP4_VIHL] & 0xfu);
	if (PKT_ETH_HLEN + hlen + PKT_ICMP_HLEN > len ||
	    ip[hlen + PKT_ICMP_TYPE] != type)
		return -1;
	return pkt_get16(ip + hlen + PKT_ICMP_ID);
}

bool pkt_check_icmp_echo_reply(const uint8_t *f, uint32_t len,
			       const uint8_t my_mac[6],
			       const uint8_t peer_mac[6],
			       const uint8_t my_ip[4], const uint8_t peer_ip[4],
			       uint16_t id, uint16_t seq, uint32_t payload_len,
			       const char **why)
{
	const uint8_t *ip = f + PKT_ETH_HLEN;
	const uint8_t *icmp;
	uint32_t hlen, total;

	if (len < PKT_ETH_HLEN + PKT_IP4_HLEN)
		return fail(why, "frame shorter than Ethernet and IPv4 "
				 "headers");
	if (!eth_ok(f, my_mac, peer_mac, PKT_ETHERTYPE_IP4, why))
		return false;
	if (ip[PKT_IP4_VIHL] >> 4 != 4)
		return fail(why, "IP version is not 4");
	hlen = 4u * (ip[PKT_IP4_VIHL] & 0xfu);
	if (hlen < PKT_IP4_HLEN)
		return fail(why, "IPv4 header length below 20 bytes");
	total = pkt_get16(ip + PKT_IP4_TOTAL);
	if (total > len - PKT_ETH_HLEN)
		return fail(why, "IPv4 total length runs past the frame");
	if (total < hlen + PKT_ICMP_HLEN)
		return fail(why, "IPv4 total length too short for ICMP echo");
	if ((pkt_get16(ip + PKT_IP4_FRAG) &
	     (PKT_IP4_MF | PKT_IP4_OFFSET_MASK)) != 0)
		return fail(why, "IPv4 packet is a fragment");
	if (ip[PKT_IP4_PROTO] != PKT_IPPROTO_ICMP)
		return fail(why, "IPv4 protocol is not ICMP");
	if (memcmp(ip + PKT_IP4_SRC, peer_ip, 4) != 0)
		return fail(why, "IPv4 source is not the peer's");
	if (memcmp(ip + PKT_IP4_DST, my_ip, 4) != 0)
		return fail(why, "IPv4 destination is not mine");
	if (pkt_csum(ip, hlen) != 0)
		return fail(why, "IPv4 header checksum is wrong");
	icmp = ip + hlen;
	if (icmp[PKT_ICMP_TYPE] != PKT_ICMP_ECHO_REPLY)
		return fail(why, "ICMP type is not echo reply");
	if (icmp[PKT_ICMP_CODE] != 0)
		return fail(why, "ICMP code is not 0");
	if (pkt_csum(icmp, total - hlen) != 0)
		return fail(why, "ICMP checksum is wrong");
	return echo_body_ok(icmp, total - hlen, id, seq, payload_len, why);
}

/*
 * The IPv6 header of an ICMPv6 message to my_ip6 (and from peer_ip6 if not
 * NULL), its payload length at least min and within the frame; *icmp_len
 * receives it.  The frame holds at least both headers.
 */
static bool ip6_icmp_ok(const uint8_t *ip, uint32_t avail,
			const uint8_t my_ip6[16], const uint8_t *peer_ip6,
			uint32_t min, uint32_t *icmp_len, const char **why)
{
	uint32_t plen = pkt_get16(ip + PKT_IP6_PLEN);

	if (ip[0] >> 4 != 6)
		return fail(why, "IP version is not 6");
	if (plen > avail - PKT_IP6_HLEN)
		return fail(why, "IPv6 payload length runs past the frame");
	if (plen < min)
		return fail(why, "IPv6 payload too short for the message");
	if (ip[PKT_IP6_NH] != PKT_IPPROTO_ICMP6)
		return fail(why, "IPv6 next header is not ICMPv6");
	if (peer_ip6 != NULL && memcmp(ip + PKT_IP6_SRC, peer_ip6, 16) != 0)
		return fail(why, "IPv6 source is not the peer's");
	if (ip[PKT_IP6_SRC] == 0xff)
		return fail(why, "IPv6 source is multicast");
	if (memcmp(ip + PKT_IP6_DST, my_ip6, 16) != 0)
		return fail(why, "IPv6 destination is not mine");
	*icmp_len = plen;
	return true;
}

bool pkt_check_na(const uint8_t *f, uint32_t len, const uint8_t my_mac[6],
		  const uint8_t my_ip6[16], const uint8_t target_ip6[16],
		  uint8_t peer_mac_out[6], const char **why)
{
	const uint8_t *ip = f + PKT_ETH_HLEN;
	const uint8_t *icmp = ip + PKT_IP6_HLEN;
	const uint8_t *tlla;
	uint32_t icmp_len;

	if (len < PKT_ETH_HLEN + PKT_IP6_HLEN + PKT_ND_LEN)
		return fail(why, "frame shorter than a neighbour "
				 "advertisement");
	if (!eth_ok(f, my_mac, NULL, PKT_ETHERTYPE_IP6, why) ||
	    !ip6_icmp_ok(ip, len - PKT_ETH_HLEN, my_ip6, NULL, PKT_ND_LEN,
			 &icmp_len, why))
		return false;
	/* RFC 4861 7.1.2: anything else may have crossed a router. */
	if (ip[PKT_IP6_HOPS] != PKT_ND_HOP_LIMIT)
		return fail(why, "IPv6 hop limit is not 255");
	if (icmp[PKT_ICMP_TYPE] != PKT_ICMP6_NA)
		return fail(why, "ICMPv6 type is not neighbour advertisement");
	if (icmp[PKT_ICMP_CODE] != 0)
		return fail(why, "ICMPv6 code is not 0");
	if (pkt_icmp6_csum(ip + PKT_IP6_SRC, ip + PKT_IP6_DST, icmp,
			   icmp_len) != 0)
		return fail(why, "ICMPv6 checksum is wrong");
	if ((icmp[PKT_ND_FLAGS] & PKT_NA_F_SOLICITED) == 0)
		return fail(why, "advertisement is not marked solicited");
	if (memcmp(icmp + PKT_ND_TARGET, target_ip6, 16) != 0)
		return fail(why, "advertised target is not the one solicited");
	if (!pkt_nd_find_lla(icmp + PKT_ND_LEN, icmp_len - PKT_ND_LEN,
			     PKT_ND_OPT_TLLA, &tlla))
		return fail(why, "malformed neighbour discovery option");
	/* RFC 4861 7.2.4: included when the solicitation was multicast, as
	 * pkt_ns sends it. */
	if (tlla == NULL)
		return fail(why, "no target link-layer address option");
	if (pkt_mac_is_group(tlla) || memcmp(tlla, pkt_mac_zero, 6) == 0)
		return fail(why, "target link-layer address is not unicast");
	memcpy(peer_mac_out, tlla, 6);
	return true;
}

bool pkt_check_icmp6_echo_reply(const uint8_t *f, uint32_t len,
				const uint8_t my_mac[6],
				const uint8_t peer_mac[6],
				const uint8_t my_ip6[16],
				const uint8_t peer_ip6[16], uint16_t id,
				uint16_t seq, uint32_t payload_len,
				const char **why)
{
	const uint8_t *ip = f + PKT_ETH_HLEN;
	const uint8_t *icmp = ip + PKT_IP6_HLEN;
	uint32_t icmp_len;

	if (len < PKT_ETH_HLEN + PKT_IP6_HLEN)
		return fail(why, "frame shorter than Ethernet and IPv6 "
				 "headers");
	if (!eth_ok(f, my_mac, peer_mac, PKT_ETHERTYPE_IP6, why) ||
	    !ip6_icmp_ok(ip, len - PKT_ETH_HLEN, my_ip6, peer_ip6,
			 PKT_ICMP_HLEN, &icmp_len, why))
		return false;
	if (icmp[PKT_ICMP_TYPE] != PKT_ICMP6_ECHO_REPLY)
		return fail(why, "ICMPv6 type is not echo reply");
	if (icmp[PKT_ICMP_CODE] != 0)
		return fail(why, "ICMPv6 code is not 0");
	if (pkt_icmp6_csum(ip + PKT_IP6_SRC, ip + PKT_IP6_DST, icmp,
			   icmp_len) != 0)
		return fail(why, "ICMPv6 checksum is wrong");
	return echo_body_ok(icmp, icmp_len, id, seq, payload_len, why);
}
