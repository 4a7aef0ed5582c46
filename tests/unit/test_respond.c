/*
 * test_respond.c - the bring-up responder (core/respond.c) and the packet
 * helpers it and the bring-up checks share (core/pkt.c).
 *
 * Requests come from the pkt_ builders, or are made by hand when they
 * must be malformed; every reply is checked field by field, and its
 * checksums are recomputed here by a separate byte-at-a-time sum (RFC
 * 1071), so a fault in pkt_csum cannot hide itself.  Each pkt_check_*
 * must also refuse a reply with one wrong field, and say which.
 *
 * Addresses: 192.0.2.0/24, 198.51.100.0/24 (RFC 5737), 2001:db8::/32
 * (RFC 3849), link-local, and MACs 00:00:5e:00:53:xx (RFC 7042 2.1.2) or
 * the responder's own 52:54:00:00:02:01.
 */
#include <stdint.h>
#include <string.h>

#include "core/net/pkt.h"
#include "core/net/respond.h"
#include "tests/unit/check.h"

#define BUF 70000u /* the largest echo (65535-byte packet) and more */

static uint8_t req[BUF]; /* what the guest sends */
static uint8_t rep[BUF]; /* what the responder answers */
static uint8_t tmp[BUF];

static struct respond_cfg cfg; /* the responder: 192.0.2.1, 2001:db8::1 */
static uint8_t ll[16];         /* its link-local address */

/* the guest */
static const uint8_t g_mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};
static const uint8_t g_ip[4] = {192, 0, 2, 2};
static const uint8_t other_ip[4] = {198, 51, 100, 7};
static const uint8_t other_mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x99};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static uint8_t g_ip6[16];     /* 2001:db8::2 */
static uint8_t g_ll[16];      /* fe80::200:5eff:fe00:5302, from g_mac */
static uint8_t other_ip6[16]; /* 2001:db8::99 */

/* ---- an independent RFC 1071 sum ---------------------------------------- */

static uint64_t ref_sum(uint64_t s, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		s += (i % 2 == 0) ? (uint64_t)p[i] * 256u : p[i];
	return s;
}

static uint16_t ref_fin(uint64_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)(0xffff - s);
}

static uint16_t ref_csum(const uint8_t *p, uint32_t n)
{
	return ref_fin(ref_sum(0, p, n));
}

/* ICMPv6 checksum over the pseudo-header of RFC 8200 8.1, laid out in
 * memory as the RFC draws it. */
static uint16_t ref_csum6(const uint8_t *ip6hdr, const uint8_t *icmp,
			  uint32_t n)
{
	uint8_t ph[40];

	memcpy(ph, ip6hdr + 8, 32);
	ph[32] = (uint8_t)(n >> 24);
	ph[33] = (uint8_t)(n >> 16);
	ph[34] = (uint8_t)(n >> 8);
	ph[35] = (uint8_t)n;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 58;
	return ref_fin(ref_sum(ref_sum(0, ph, 40), icmp, n));
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void set16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute checksums after a test changed a field on purpose. */
static void fix_ip4(uint8_t *f)
{
	uint8_t *ip = f + 14;
	uint32_t hlen = 4u * (ip[0] & 15u);

	set16(ip + 10, 0);
	set16(ip + 10, ref_csum(ip, hlen));
}

static void fix_icmp4(uint8_t *f)
{
	uint8_t *ip = f + 14;
	uint32_t hlen = 4u * (ip[0] & 15u);
	uint32_t n = be16(ip + 2) - hlen;

	set16(ip + hlen + 2, 0);
	set16(ip + hlen + 2, ref_csum(ip + hlen, n));
}

static void fix_icmp6(uint8_t *f)
{
	uint8_t *ip = f + 14;
	uint32_t n = be16(ip + 4);

	set16(ip + 42, 0);
	set16(ip + 42, ref_csum6(ip, ip + 40, n));
}

/* ---- running the responder ---------------------------------------------- */

/* respond_frame with out capacity cap; nothing may be written at or past
 * cap (checked with a canary). */
static uint32_t run_cap(const uint8_t *in, uint32_t len, uint32_t cap)
{
	uint32_t n;
	int canary_ok = 1;

	memset(rep, 0xcc, cap + 64 <= BUF ? cap + 64 : BUF);
	n = respond_frame(&cfg, in, len, rep, cap);
	for (uint32_t i = cap; i < cap + 64 && i < BUF; i++)
		if (rep[i] != 0xcc)
			canary_ok = 0;
	CHECK(canary_ok);
	return n;
}

static uint32_t run(const uint8_t *in, uint32_t len)
{
	return run_cap(in, len, BUF - 64);
}

static void setup(void)
{
	uint8_t prefix = 0;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(respond_parse_ip4("192.0.2.1/24", cfg.ip4, &prefix));
	cfg.prefix = prefix;
	respond_mac_from_ip4(cfg.ip4, cfg.mac);
	cfg.has_ip6 = true;
	CHECK(respond_parse_ip6("2001:db8::1", cfg.ip6));
	respond_ip6_linklocal(cfg.mac, ll);
	CHECK(respond_parse_ip6("2001:db8::2", g_ip6));
	CHECK(respond_parse_ip6("2001:db8::99", other_ip6));
	respond_ip6_linklocal(g_mac, g_ll);
}

/* ---- the checksum itself ------------------------------------------------ */

static void test_csum(void)
{
	/* RFC 1071 3: the example words sum to ddf2 (checksum 220d). */
	static const uint8_t ex[8] = {0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7};
	uint8_t odd[7] = {1, 2, 3, 4, 5, 6, 7};
	uint8_t ip6h[40];
	uint32_t s;

	setup();
	CHECK_EQ_U(pkt_csum_add(0, ex, 8), 0xddf2);
	CHECK_EQ_U(pkt_csum(ex, 8), 0x220d);
	CHECK_EQ_U(pkt_csum(ex, 8), ref_csum(ex, 8));
	/* in pieces (even ones first) = whole; an odd tail is a high byte */
	s = pkt_csum_add(pkt_csum_add(0, odd, 4), odd + 4, 3);
	CHECK_EQ_U(pkt_csum_fold(s), ref_csum(odd, 7));
	CHECK_EQ_U(pkt_csum(odd, 7), ref_csum(odd, 7));
	CHECK_EQ_U(pkt_csum(odd, 0), 0xffff);
	/* many pieces of ff stay folded */
	memset(tmp, 0xff, 4096);
	s = 0;
	for (int i = 0; i < 64; i++)
		s = pkt_csum_add(s, tmp, 4096);
	CHECK(s < 0x10000);
	CHECK_EQ_U(pkt_csum_fold(s), ref_fin(ref_sum(0, tmp, 4096) * 64));
	/* the IPv6 pseudo-header */
	memset(ip6h, 0, sizeof(ip6h));
	memcpy(ip6h + 8, g_ip6, 16);
	memcpy(ip6h + 24, cfg.ip6, 16);
	memset(tmp, 0x5a, 99);
	s = pkt_csum_ip6_pseudo(g_ip6, cfg.ip6, 99, 58);
	CHECK_EQ_U(pkt_csum_fold(pkt_csum_add(s, tmp, 99)),
		   ref_csum6(ip6h, tmp, 99));
	CHECK_EQ_U(pkt_icmp6_csum(g_ip6, cfg.ip6, tmp, 99),
		   ref_csum6(ip6h, tmp, 99));
	/* big-endian helpers */
	pkt_put32(tmp, 0x01020304u);
	CHECK(tmp[0] == 1 && tmp[3] == 4);
	CHECK_EQ_U(pkt_get32(tmp), 0x01020304u);
	pkt_put16(tmp, 0xabcd);
	CHECK_EQ_U(pkt_get16(tmp), 0xabcd);
}

/* ---- ARP ---------------------------------------------------------------- */

static void check_arp_reply_fields(const uint8_t *r, const uint8_t *to_mac,
				   const uint8_t *to_ip)
{
	CHECK(memcmp(r, to_mac, 6) == 0);
	CHECK(memcmp(r + 6, cfg.mac, 6) == 0);
	CHECK_EQ_U(be16(r + 12), 0x0806);
	CHECK_EQ_U(be16(r + 14), 1);      /* hrd Ethernet */
	CHECK_EQ_U(be16(r + 16), 0x0800); /* pro IPv4 */
	CHECK_EQ_U(r[18], 6);
	CHECK_EQ_U(r[19], 4);
	CHECK_EQ_U(be16(r + 20), 2); /* reply */
	CHECK(memcmp(r + 22, cfg.mac, 6) == 0);
	CHECK(memcmp(r + 28, cfg.ip4, 4) == 0);
	CHECK(memcmp(r + 32, to_mac, 6) == 0);
	CHECK(memcmp(r + 38, to_ip, 4) == 0);
}

static void test_arp_for_us(void)
{
	static const uint8_t zero_ip[4];
	uint8_t mac[6] = {0};
	const char *why = NULL;
	uint32_t n;

	setup();
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	CHECK_EQ_U(n, 42);
	/* the request itself */
	CHECK(memcmp(req, bcast, 6) == 0);
	CHECK_EQ_U(be16(req + 20), 1);
	CHECK(memcmp(req + 38, cfg.ip4, 4) == 0);

	if (!CHECK_EQ_U(run(req, n), 42))
		return;
	check_arp_reply_fields(rep, g_mac, g_ip);
	CHECK(pkt_check_arp_reply(rep, 42, g_mac, g_ip, cfg.ip4, mac, &why));
	CHECK(memcmp(mac, cfg.mac, 6) == 0);

	/* padded to the Ethernet minimum: the reply stays 42 */
	memset(req + 42, 0xaa, 18);
	CHECK_EQ_U(run(req, 60), 42);

	/* unicast to our MAC (a cache re-check): answered */
	memcpy(req, cfg.mac, 6);
	CHECK_EQ_U(run(req, 42), 42);

	/* a probe from 0.0.0.0 (RFC 5227): answered, to its MAC */
	n = pkt_arp_request(req, BUF, g_mac, zero_ip, cfg.ip4);
	if (CHECK_EQ_U(run(req, n), 42))
		check_arp_reply_fields(rep, g_mac, zero_ip);

	/* gratuitous-looking, for our address: answered */
	n = pkt_arp_request(req, BUF, g_mac, cfg.ip4, cfg.ip4);
	CHECK_EQ_U(run(req, n), 42);
	/* gratuitous for the guest's own address: not ours, silence */
	n = pkt_arp_request(req, BUF, g_mac, g_ip, g_ip);
	CHECK_EQ_U(run(req, n), 0);
}

static void test_arp_not_for_us(void)
{
	uint32_t n;

	setup();
	n = pkt_arp_request(req, BUF, g_mac, g_ip, other_ip);
	CHECK_EQ_U(run(req, n), 0);
	/* for us, but sent to another station's MAC */
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	memcpy(req, other_mac, 6);
	CHECK_EQ_U(run(req, n), 0);
	/* from our own MAC (a loop), or from a group address */
	n = pkt_arp_request(req, BUF, cfg.mac, g_ip, cfg.ip4);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	req[6] |= 1;
	CHECK_EQ_U(run(req, n), 0);
	/* a sender hardware address that is broadcast or zero */
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	memset(req + 22, 0xff, 6);
	CHECK_EQ_U(run(req, n), 0);
	memset(req + 22, 0, 6);
	CHECK_EQ_U(run(req, n), 0);
}

static void test_arp_malformed(void)
{
	uint32_t n;

	setup();
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	CHECK_EQ_U(run(req, 41), 0); /* one byte short */
	CHECK_EQ_U(run(req, 14), 0); /* header only */
	CHECK_EQ_U(run(req, 13), 0); /* not even that */
	CHECK_EQ_U(run(req, 0), 0);
	CHECK_EQ_U(run(req, n), 42); /* and intact, it works */

	memcpy(tmp, req, n);
	tmp[18] = 8; /* hln */
	CHECK_EQ_U(run(tmp, n), 0);
	memcpy(tmp, req, n);
	tmp[19] = 16; /* pln */
	CHECK_EQ_U(run(tmp, n), 0);
	memcpy(tmp, req, n);
	set16(tmp + 14, 6); /* hrd IEEE 802 */
	CHECK_EQ_U(run(tmp, n), 0);
	memcpy(tmp, req, n);
	set16(tmp + 16, 0x86dd); /* pro */
	CHECK_EQ_U(run(tmp, n), 0);
}

static void test_arp_op(void)
{
	uint32_t n;

	setup();
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	set16(req + 20, 2); /* a reply is never answered */
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 20, 3); /* RARP request */
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 20, 0x0101);
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 20, 1);
	if (CHECK_EQ_U(run(req, n), 42))
		CHECK_EQ_U(be16(rep + 20), 2);
}

/* One wrong field at a time, and the reason that names it. */
static void test_check_arp_reply(void)
{
	static const struct {
		uint32_t off;
		const char *reason;
	} flips[] = {
		{0, "Ethernet destination"}, {12, "EtherType"},
		{14, "hardware type"},       {16, "protocol type"},
		{18, "address lengths"},     {20, "operation"},
		{28, "sender IP"},           {23, "Ethernet source"},
		{38, "target IP"},           {32, "target MAC"},
	};
	uint8_t mac[6];
	const char *why;
	uint32_t n;

	setup();
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	if (!CHECK_EQ_U(run(req, n), 42))
		return;
	why = NULL;
	CHECK(pkt_check_arp_reply(rep, 42, g_mac, g_ip, cfg.ip4, mac, &why));
	CHECK(why == NULL);
	for (unsigned i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(tmp, rep, 42);
		tmp[flips[i].off] ^= 0x04;
		why = NULL;
		check_note(flips[i].reason);
		CHECK(!pkt_check_arp_reply(tmp, 42, g_mac, g_ip, cfg.ip4, mac,
					   &why));
		CHECK_STR_HAS(why, flips[i].reason);
	}
	check_note("");
	memcpy(tmp, rep, 42);
	tmp[22] |= 1; /* sender MAC a group address */
	memcpy(tmp + 6, tmp + 22, 6);
	CHECK(!pkt_check_arp_reply(tmp, 42, g_mac, g_ip, cfg.ip4, mac, &why));
	CHECK_STR_HAS(why, "not unicast");
	CHECK(!pkt_check_arp_reply(rep, 41, g_mac, g_ip, cfg.ip4, mac, &why));
	CHECK_STR_HAS(why, "shorter");
	/* broadcast replies are allowed (RFC 5227 2.6) */
	memcpy(tmp, rep, 42);
	memcpy(tmp, bcast, 6);
	CHECK(pkt_check_arp_reply(tmp, 42, g_mac, g_ip, cfg.ip4, mac, &why));
	/* a NULL why is fine */
	CHECK(!pkt_check_arp_reply(rep, 41, g_mac, g_ip, cfg.ip4, mac, NULL));
}

/* ---- ICMP echo over IPv4 ------------------------------------------------ */

/* The reply r (n bytes) to the echo request q with payload plen. */
static void check_echo4_reply(const uint8_t *r, uint32_t n, const uint8_t *q,
			      uint32_t plen)
{
	const uint8_t *ip = r + 14, *icmp = r + 34;
	const uint8_t *qip = q + 14;
	const uint8_t *qicmp = qip + 4u * (qip[0] & 15u);
	uint8_t hdr[20];
	const char *why = NULL;

	if (!CHECK_EQ_U(n, 14 + 20 + 8 + plen))
		return;
	CHECK(memcmp(r, q + 6, 6) == 0); /* to the requester's MAC */
	CHECK(memcmp(r + 6, cfg.mac, 6) == 0);
	CHECK_EQ_U(be16(r + 12), 0x0800);
	CHECK_EQ_U(ip[0], 0x45);
	CHECK_EQ_U(be16(ip + 2), 20 + 8 + plen);
	CHECK_EQ_U(be16(ip + 6), 0x4000); /* DF, offset 0 */
	CHECK_EQ_U(ip[8], 64);
	CHECK_EQ_U(ip[9], 1);
	CHECK(memcmp(ip + 12, cfg.ip4, 4) == 0);
	CHECK(memcmp(ip + 16, qip + 12, 4) == 0);
	/* header checksum: verifies, and is what a fresh sum gives */
	CHECK_EQ_U(ref_csum(ip, 20), 0);
	memcpy(hdr, ip, 20);
	hdr[10] = hdr[11] = 0;
	CHECK_EQ_U(be16(ip + 10), ref_csum(hdr, 20));
	CHECK_EQ_U(icmp[0], 0);
	CHECK_EQ_U(icmp[1], 0);
	CHECK_EQ_U(ref_csum(icmp, 8 + plen), 0);
	CHECK_EQ_U(be16(icmp + 4), be16(qicmp + 4)); /* id */
	CHECK_EQ_U(be16(icmp + 6), be16(qicmp + 6)); /* seq */
	CHECK(memcmp(icmp + 8, qicmp + 8, plen) == 0);
	CHECK(pkt_check_icmp_echo_reply(r, n, q + 6, cfg.mac, qip + 12,
					cfg.ip4, be16(qicmp + 4),
					be16(qicmp + 6), plen, &why));
	CHECK(why == NULL);
}

static void test_echo_sizes(void)
{
	static const uint32_t sizes[] = {0, 56, 1472, PKT_ICMP4_PAYLOAD_MAX};
	uint32_t n, r;

	setup();
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4,
				  0x1234, (uint16_t)(7 + i), sizes[i]);
		if (!CHECK_EQ_U(n, 42 + sizes[i]))
			continue;
		/* the request is what it says it is */
		CHECK_EQ_U(ref_csum(req + 14, 20), 0);
		CHECK_EQ_U(ref_csum(req + 34, 8 + sizes[i]), 0);
		CHECK_EQ_U(be16(req + 20), 0x4000);
		CHECK_EQ_U(req[22], 64);
		CHECK_EQ_U(req[34], 8);
		if (sizes[i] > 1)
			CHECK_EQ_U(req[43],
				   pkt_echo_byte((uint16_t)(7 + i), 1));
		r = run(req, n);
		check_echo4_reply(rep, r, req, sizes[i]);
	}
	/* one past the largest payload is not built */
	CHECK_EQ_U(pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1,
				 PKT_ICMP4_PAYLOAD_MAX + 1),
		   0);
	CHECK_EQ_U(pkt_icmp_echo(req, 42 + 55, g_mac, cfg.mac, g_ip, cfg.ip4,
				 1, 1, 56),
		   0);
	CHECK_EQ_U(pkt_icmp_echo(req, 42 + 56, g_mac, cfg.mac, g_ip, cfg.ip4,
				 1, 1, 56),
		   98);
}

/* Insert IPv4 options into the echo request in req (n bytes). */
static uint32_t add_options(uint32_t n, const uint8_t *opt, uint32_t olen)
{
	uint8_t *ip = req + 14;

	memmove(ip + 20 + olen, ip + 20, n - 34);
	memcpy(ip + 20, opt, olen);
	ip[0] = (uint8_t)(0x40 | (20 + olen) / 4);
	set16(ip + 2, be16(ip + 2) + olen);
	fix_ip4(req);
	return n + olen;
}

static void test_echo_options(void)
{
	/* router alert (RFC 2113), a no-op, end of list */
	static const uint8_t ra[8] = {0x94, 4, 0, 0, 1, 0, 0, 0};
	/* record route with room for two addresses, then end */
	static const uint8_t rr[12] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	/* loose source route through 198.51.100.7 */
	static const uint8_t lsrr[8] = {0x83, 7, 4, 198, 51, 100, 7, 0};
	static const uint8_t ssrr[8] = {0x89, 7, 4, 198, 51, 100, 7, 0};
	static const uint8_t zero_len[4] = {0x94, 0, 0, 0};
	static const uint8_t too_long[4] = {0x94, 5, 0, 0};
	static const uint8_t cut[4] = {1, 1, 1, 0x94}; /* type, no length */
	static const uint8_t max_opts[40] = {1, 1, 1, 1}; /* NOPs, then EOL */
	uint32_t n;

	setup();
	check_note("router alert");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 1, 56);
	n = add_options(n, ra, sizeof(ra));
	CHECK_EQ_U(req[14], 0x47);
	check_echo4_reply(rep, run(req, n), req, 56);

	check_note("record route");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 2, 56);
	n = add_options(n, rr, sizeof(rr));
	check_echo4_reply(rep, run(req, n), req, 56);

	check_note("60-byte header");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 3, 0);
	n = add_options(n, max_opts, sizeof(max_opts));
	CHECK_EQ_U(req[14], 0x4f);
	check_echo4_reply(rep, run(req, n), req, 0);

	check_note("source routes and malformed options");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 4, 56);
	CHECK_EQ_U(run(req, add_options(n, lsrr, sizeof(lsrr))), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 4, 56);
	CHECK_EQ_U(run(req, add_options(n, ssrr, sizeof(ssrr))), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 4, 56);
	CHECK_EQ_U(run(req, add_options(n, zero_len, sizeof(zero_len))), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 4, 56);
	CHECK_EQ_U(run(req, add_options(n, too_long, sizeof(too_long))), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 4, 56);
	CHECK_EQ_U(run(req, add_options(n, cut, sizeof(cut))), 0);

	check_note("IHL below 5");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 5, 56);
	req[14] = 0x44;
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("IHL beyond the total length");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 5, 0);
	set16(req + 16, 24);
	req[14] = 0x47;
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("version 6 in an IPv4 frame");
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 9, 5, 56);
	req[14] = 0x65;
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
}

static void test_echo_not_for_us(void)
{
	static const uint8_t net_bcast[4] = {192, 0, 2, 255};
	static const uint8_t all_ones[4] = {255, 255, 255, 255};
	static const uint8_t mcast[4] = {224, 0, 0, 1};
	static const uint8_t loop_ip[4] = {127, 0, 0, 1};
	static const uint8_t mc_mac[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	uint32_t n;

	setup();
	/* another IP, to our MAC */
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, other_ip, 1, 1, 56);
	CHECK_EQ_U(run(req, n), 0);
	/* broadcast and multicast destinations */
	n = pkt_icmp_echo(req, BUF, g_mac, bcast, g_ip, net_bcast, 1, 1, 56);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, bcast, g_ip, all_ones, 1, 1, 56);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, mc_mac, g_ip, mcast, 1, 1, 56);
	CHECK_EQ_U(run(req, n), 0);
	/* our IP but a link-layer broadcast (RFC 1122 3.3.6) */
	n = pkt_icmp_echo(req, BUF, g_mac, bcast, g_ip, cfg.ip4, 1, 1, 56);
	CHECK_EQ_U(run(req, n), 0);
	/* our IP but another station's MAC */
	n = pkt_icmp_echo(req, BUF, g_mac, other_mac, g_ip, cfg.ip4, 1, 1, 56);
	CHECK_EQ_U(run(req, n), 0);
	/* sources that are not a host's unicast address */
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, all_ones, cfg.ip4, 1, 1, 8);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, mcast, cfg.ip4, 1, 1, 8);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, loop_ip, cfg.ip4, 1, 1, 8);
	CHECK_EQ_U(run(req, n), 0);
	/* not an echo request: an echo reply, a code other than 0, UDP */
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 8);
	req[34] = 0;
	fix_icmp4(req);
	CHECK_EQ_U(run(req, n), 0);
	req[34] = 8;
	req[35] = 1;
	fix_icmp4(req);
	CHECK_EQ_U(run(req, n), 0);
	req[35] = 0;
	fix_icmp4(req);
	req[23] = 17;
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	req[23] = 1;
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 50); /* put back, answered */
}

static void test_echo_bad_checksums(void)
{
	uint32_t n;

	setup();
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	req[24] ^= 0x01; /* IPv4 header checksum */
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	req[22] = 63; /* TTL changed, checksum not */
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	req[36] ^= 0x80; /* ICMP checksum */
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	req[60] ^= 0x10; /* payload, ICMP checksum not */
	CHECK_EQ_U(run(req, n), 0);
	/* a non-zero ICMP checksum over zeros is still checked */
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	set16(req + 36, 0);
	CHECK_EQ_U(run(req, n), 0);
}

static void test_echo_fragments(void)
{
	uint32_t n;

	setup();
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	set16(req + 20, 0x2000); /* MF, offset 0: a first fragment */
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 20, 0x0007); /* a last fragment, offset 56 */
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 20, 0x4001); /* DF with an offset */
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 20, 0x0000); /* not DF, not a fragment: answered */
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), n);
}

static void test_echo_truncated(void)
{
	uint32_t n;

	setup();
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 56);
	CHECK_EQ_U(run(req, n - 1), 0); /* total length past the frame */
	CHECK_EQ_U(run(req, 34), 0);    /* the IPv4 header only */
	CHECK_EQ_U(run(req, 33), 0);    /* not even that */
	/* a total length too short for ICMP */
	set16(req + 16, 27);
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
	/* a total length below the header */
	set16(req + 16, 19);
	fix_ip4(req);
	CHECK_EQ_U(run(req, n), 0);
}

/* Ethernet padding is not payload: the IP total length ends the packet. */
static void test_echo_padding(void)
{
	uint32_t n;

	setup();
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 3, 4, 0);
	CHECK_EQ_U(n, 42);
	memset(req + n, 0xee, 60 - n);
	check_echo4_reply(rep, run(req, 60), req, 0);
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 3, 5, 10);
	memset(req + n, 0xee, 60 - n);
	check_echo4_reply(rep, run(req, 60), req, 10);
	/* and what the checker makes of padding after a reply */
	memset(rep + 52, 0xee, 8);
	CHECK(pkt_check_icmp_echo_reply(rep, 60, g_mac, cfg.mac, g_ip, cfg.ip4,
					3, 5, 10, NULL));
}

static void test_check_echo_reply(void)
{
	static const struct {
		uint32_t off;
		uint8_t val; /* xor */
		int fix;     /* 1: IPv4 header checksum, 2: ICMP checksum */
		const char *reason;
	} flips[] = {
		{0, 0x04, 0, "Ethernet destination"},
		{6, 0x04, 0, "Ethernet source"},
		{12, 0x01, 0, "EtherType"},
		{14, 0x20, 1, "version"},
		{14, 0x01, 1, "header length"},
		{16, 0x01, 1, "total length"},
		{17, 0x01, 1, "total length"},
		{20, 0x20, 1, "fragment"},
		{21, 0x01, 1, "fragment"},
		{23, 0x10, 1, "protocol"},
		{29, 0x01, 1, "source"},
		{33, 0x01, 1, "destination"},
		{24, 0x01, 0, "header checksum"},
		{34, 0x08, 2, "type"},
		{35, 0x01, 2, "code"},
		{37, 0x01, 0, "ICMP checksum"},
		{38, 0x01, 2, "echo id"},
		{41, 0x01, 2, "sequence"},
		{42, 0x01, 2, "payload bytes"},
		{97, 0x80, 2, "payload bytes"},
	};
	const char *why;
	uint32_t n, r;

	setup();
	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 77, 88, 56);
	r = run(req, n);
	if (!CHECK_EQ_U(r, 98))
		return;
	for (unsigned i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(tmp, rep, r);
		tmp[flips[i].off] ^= flips[i].val;
		if (flips[i].fix == 1)
			fix_ip4(tmp);
		if (flips[i].fix == 2)
			fix_icmp4(tmp);
		why = NULL;
		check_note(flips[i].reason);
		CHECK(!pkt_check_icmp_echo_reply(tmp, r, g_mac, cfg.mac, g_ip,
						 cfg.ip4, 77, 88, 56, &why));
		CHECK_STR_HAS(why, flips[i].reason);
	}
	check_note("expectations");
	CHECK(pkt_check_icmp_echo_reply(rep, r, g_mac, cfg.mac, g_ip, cfg.ip4,
					77, 88, 56, &why));
	CHECK(!pkt_check_icmp_echo_reply(rep, r, g_mac, cfg.mac, g_ip, cfg.ip4,
					 77, 88, 55, &why));
	CHECK_STR_HAS(why, "payload length");
	CHECK(!pkt_check_icmp_echo_reply(rep, r, g_mac, cfg.mac, g_ip, cfg.ip4,
					 77, 88, 0xffffffffu, &why));
	CHECK_STR_HAS(why, "payload length");
	CHECK(!pkt_check_icmp_echo_reply(rep, r - 1, g_mac, cfg.mac, g_ip,
					 cfg.ip4, 77, 88, 56, &why));
	CHECK_STR_HAS(why, "past the frame");
	CHECK(!pkt_check_icmp_echo_reply(rep, 33, g_mac, cfg.mac, g_ip,
					 cfg.ip4, 77, 88, 56, &why));
	CHECK_STR_HAS(why, "shorter");
	/* a request is not a reply */
	CHECK(!pkt_check_icmp_echo_reply(req, n, cfg.mac, g_mac, cfg.ip4, g_ip,
					 77, 88, 56, &why));
	CHECK_STR_HAS(why, "type");
}

/* ---- IPv6 --------------------------------------------------------------- */

/* The advertisement r (n bytes) answering the solicitation q for target. */
static void check_na(const uint8_t *r, uint32_t n, const uint8_t *q,
		     const uint8_t *target)
{
	const uint8_t *ip = r + 14, *icmp = r + 54;
	uint8_t mac[6] = {0};
	const char *why = NULL;

	if (!CHECK_EQ_U(n, 86))
		return;
	CHECK(memcmp(r, q + 6, 6) == 0);
	CHECK(memcmp(r + 6, cfg.mac, 6) == 0);
	CHECK_EQ_U(be16(r + 12), 0x86dd);
	CHECK_EQ_U(ip[0], 0x60);
	CHECK(ip[1] == 0 && ip[2] == 0 && ip[3] == 0);
	CHECK_EQ_U(be16(ip + 4), 32);
	CHECK_EQ_U(ip[6], 58);
	CHECK_EQ_U(ip[7], 255);
	CHECK(memcmp(ip + 8, target, 16) == 0);  /* from the target */
	CHECK(memcmp(ip + 24, q + 22, 16) == 0); /* to the solicitor */
	CHECK_EQ_U(icmp[0], 136);
	CHECK_EQ_U(icmp[1], 0);
	CHECK_EQ_U(ref_csum6(ip, icmp, 32), 0);
	CHECK_EQ_U(icmp[4], 0x60); /* solicited, override, not router */
	CHECK(icmp[5] == 0 && icmp[6] == 0 && icmp[7] == 0);
	CHECK(memcmp(icmp + 8, target, 16) == 0);
	CHECK_EQ_U(icmp[24], 2); /* target link-layer address */
	CHECK_EQ_U(icmp[25], 1);
	CHECK(memcmp(icmp + 26, cfg.mac, 6) == 0);
	CHECK(pkt_check_na(r, n, q + 6, q + 22, target, mac, &why));
	CHECK(why == NULL);
	CHECK(memcmp(mac, cfg.mac, 6) == 0);
}

static void test_ns_global(void)
{
	static const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 1};
	uint8_t sn[16];
	uint32_t n;

	setup();
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	if (!CHECK_EQ_U(n, 86))
		return;
	/* the solicitation: to ff02::1:ff00:1 and 33:33:ff:00:00:01 */
	CHECK(respond_parse_ip6("ff02::1:ff00:1", sn));
	CHECK(memcmp(req, sn_mac, 6) == 0);
	CHECK(memcmp(req + 38, sn, 16) == 0);
	CHECK_EQ_U(req[21], 255);
	CHECK_EQ_U(req[54], 135);
	CHECK_EQ_U(ref_csum6(req + 14, req + 54, 32), 0);
	CHECK_EQ_U(req[78], 1); /* source link-layer address */
	CHECK(memcmp(req + 80, g_mac, 6) == 0);
	check_na(rep, run(req, n), req, cfg.ip6);

	/* unicast to the address itself and our MAC (7.3.1) */
	memcpy(req, cfg.mac, 6);
	memcpy(req + 38, cfg.ip6, 16);
	fix_icmp6(req);
	check_na(rep, run(req, n), req, cfg.ip6);
	/* unicast to the address but another station's MAC */
	memcpy(req, other_mac, 6);
	CHECK_EQ_U(run(req, n), 0);
	/* to the solicited-node group but another station's MAC */
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	memcpy(req, other_mac, 6);
	CHECK_EQ_U(run(req, n), 0);
	/* to the group of another address (ff02::1:ff00:99) */
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[53] = 0x99;
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
}

static void test_ns_linklocal(void)
{
	uint8_t want[16];
	uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0, 0, 0};
	uint32_t n;

	setup();
	/* 52:54:00:00:02:01 -> fe80::5054:ff:fe00:201 */
	CHECK(respond_parse_ip6("fe80::5054:ff:fe00:201", want));
	CHECK(memcmp(ll, want, 16) == 0);
	n = pkt_ns(req, BUF, g_mac, g_ll, ll);
	memcpy(sn_mac + 3, ll + 13, 3);
	CHECK(memcmp(req, sn_mac, 6) == 0);
	check_na(rep, run(req, n), req, ll);

	/* without IPv6 configured, nothing at all */
	cfg.has_ip6 = false;
	CHECK_EQ_U(run(req, n), 0);
}

static void test_ns_ignored(void)
{
	static const uint8_t any[16];
	uint32_t n;

	setup();
	check_note("hop limit 64");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[21] = 64; /* not in the checksum */
	CHECK_EQ_U(run(req, n), 0);
	check_note("DAD probe");
	n = pkt_ns(req, BUF, g_mac, any, cfg.ip6);
	CHECK_EQ_U(n, 78);
	CHECK_EQ_U(ref_csum6(req + 14, req + 54, 24), 0);
	CHECK_EQ_U(run(req, n), 0);
	check_note("another target");
	n = pkt_ns(req, BUF, g_mac, g_ip6, other_ip6);
	CHECK_EQ_U(run(req, n), 0);
	check_note("bad checksum");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[57] ^= 1;
	CHECK_EQ_U(run(req, n), 0);
	check_note("code 1");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[55] = 1;
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("option of length 0");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[79] = 0;
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("option running past the payload");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[79] = 2;
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("payload length past the frame");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	CHECK_EQ_U(run(req, n - 1), 0);
	check_note("payload shorter than an NS");
	set16(req + 18, 20);
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("multicast source");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[22] = 0xff;
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("source link-layer address broadcast");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	memset(req + 80, 0xff, 6);
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	check_note("a hop-by-hop header first");
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	req[20] = 0;
	CHECK_EQ_U(run(req, n), 0);
}

/* Without a source link-layer option the reply goes to the Ethernet
 * source; an option of another length is skipped like an unknown one. */
static void test_ns_no_option(void)
{
	uint32_t n;

	setup();
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	set16(req + 18, 24);
	fix_icmp6(req);
	check_na(rep, run(req, n - 8), req, cfg.ip6);
	/* and Ethernet padding after it changes nothing */
	memset(req + 78, 0xee, 8);
	check_na(rep, run(req, n), req, cfg.ip6);

	/* an option naming another MAC wins over the Ethernet source */
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	memcpy(req + 80, other_mac, 6);
	fix_icmp6(req);
	if (CHECK_EQ_U(run(req, n), 86))
		CHECK(memcmp(rep, other_mac, 6) == 0);
	/* an unknown option (type 14, nonce) before it is skipped */
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	memmove(req + 86, req + 78, 8);
	memset(req + 78, 0, 8);
	req[78] = 14;
	req[79] = 1;
	set16(req + 18, 40);
	fix_icmp6(req);
	check_na(rep, run(req, n + 8), req, cfg.ip6);
}

static void check_echo6_reply(const uint8_t *r, uint32_t n, const uint8_t *q,
			      uint32_t plen)
{
	const uint8_t *ip = r + 14, *icmp = r + 54;
	const char *why = NULL;

	if (!CHECK_EQ_U(n, 62 + plen))
		return;
	CHECK(memcmp(r, q + 6, 6) == 0);
	CHECK(memcmp(r + 6, cfg.mac, 6) == 0);
	CHECK_EQ_U(be16(r + 12), 0x86dd);
	CHECK_EQ_U(ip[0], 0x60);
	CHECK_EQ_U(be16(ip + 4), 8 + plen);
	CHECK_EQ_U(ip[6], 58);
	CHECK_EQ_U(ip[7], 64);
	CHECK(memcmp(ip + 8, q + 38, 16) == 0);  /* from where it was sent */
	CHECK(memcmp(ip + 24, q + 22, 16) == 0); /* back to the sender */
	CHECK_EQ_U(icmp[0], 129);
	CHECK_EQ_U(icmp[1], 0);
	CHECK_EQ_U(ref_csum6(ip, icmp, 8 + plen), 0);
	CHECK(memcmp(icmp + 4, q + 58, 4 + plen) == 0); /* id seq data */
	CHECK(pkt_check_icmp6_echo_reply(r, n, q + 6, cfg.mac, q + 22, q + 38,
					 be16(q + 58), be16(q + 60), plen,
					 &why));
	CHECK(why == NULL);
}

static void test_echo6(void)
{
	static const uint32_t sizes[] = {0, 56, 1452};
	uint32_t n;

	setup();
	for (unsigned i = 0; i < 3; i++) {
		n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6,
				   0x4321, (uint16_t)(100 + i), sizes[i]);
		if (!CHECK_EQ_U(n, 62 + sizes[i]))
			continue;
		CHECK_EQ_U(req[54], 128);
		CHECK_EQ_U(ref_csum6(req + 14, req + 54, 8 + sizes[i]), 0);
		check_echo6_reply(rep, run(req, n), req, sizes[i]);
	}
	/* to the link-local address */
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ll, ll, 1, 2, 56);
	check_echo6_reply(rep, run(req, n), req, 56);
	/* the largest */
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1, 3,
			   PKT_ICMP6_PAYLOAD_MAX);
	check_echo6_reply(rep, run(req, n), req, PKT_ICMP6_PAYLOAD_MAX);
	CHECK_EQ_U(pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1,
				  3, PKT_ICMP6_PAYLOAD_MAX + 1),
		   0);

	check_note("ignored");
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, other_ip6, 1, 2, 8);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp6_echo(req, BUF, g_mac, other_mac, g_ip6, cfg.ip6, 1, 2, 8);
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1, 2, 8);
	req[63] ^= 1; /* payload, checksum not */
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1, 2, 8);
	CHECK_EQ_U(run(req, n - 1), 0); /* truncated */
	req[14] = 0x40;                 /* version 4 */
	CHECK_EQ_U(run(req, n), 0);
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1, 2, 8);
	req[55] = 1; /* code */
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	set16(req + 18, 4); /* shorter than an echo header */
	req[55] = 0;
	fix_icmp6(req);
	CHECK_EQ_U(run(req, n), 0);
	cfg.has_ip6 = false;
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1, 2, 8);
	CHECK_EQ_U(run(req, n), 0);
}

static void test_check_na_and_echo6(void)
{
	static const struct {
		uint32_t off;
		const char *reason;
	} na_flips[] = {
		{0, "Ethernet destination"}, {12, "EtherType"},
		{14, "version"},             {20, "next header"},
		{21, "hop limit"},           {25, "multicast"},
		{38, "destination"},         {54, "type"},
		{55, "code"},                {57, "checksum"},
		{58, "solicited"},           {62, "target"},
		{79, "option"},              {78, "no target link-layer"},
		{80, "not unicast"},
	};
	uint8_t mac[6];
	const char *why;
	uint32_t n, r;

	setup();
	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	r = run(req, n);
	if (!CHECK_EQ_U(r, 86))
		return;
	for (unsigned i = 0; i < sizeof(na_flips) / sizeof(na_flips[0]); i++) {
		uint32_t off = na_flips[i].off;

		memcpy(tmp, rep, r);
		if (off == 25)
			tmp[22] = 0xff; /* source multicast */
		else if (off == 58)
			tmp[58] &= 0xbf; /* clear S */
		else if (off == 79)
			tmp[79] = 0; /* option length 0 */
		else if (off == 78)
			tmp[78] = 1; /* a source, not a target, option */
		else if (off == 80)
			tmp[80] |= 1;
		else
			tmp[off] ^= 0x40;
		if (off != 57)
			fix_icmp6(tmp);
		why = NULL;
		check_note(na_flips[i].reason);
		CHECK(!pkt_check_na(tmp, r, g_mac, g_ip6, cfg.ip6, mac, &why));
		CHECK_STR_HAS(why, na_flips[i].reason);
	}
	check_note("NA lengths");
	CHECK(!pkt_check_na(rep, r - 1, g_mac, g_ip6, cfg.ip6, mac, &why));
	CHECK_STR_HAS(why, "past the frame");
	CHECK(!pkt_check_na(rep, 77, g_mac, g_ip6, cfg.ip6, mac, &why));
	CHECK_STR_HAS(why, "shorter");
	CHECK(!pkt_check_na(rep, r, g_mac, g_ip6, other_ip6, mac, &why));
	CHECK_STR_HAS(why, "target");

	check_note("echo6");
	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 5, 6, 56);
	r = run(req, n);
	if (!CHECK_EQ_U(r, 118))
		return;
	CHECK(pkt_check_icmp6_echo_reply(rep, r, g_mac, cfg.mac, g_ip6,
					 cfg.ip6, 5, 6, 56, &why));
	memcpy(tmp, rep, r);
	tmp[30] ^= 1; /* source */
	fix_icmp6(tmp);
	CHECK(!pkt_check_icmp6_echo_reply(tmp, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 6, 56, &why));
	CHECK_STR_HAS(why, "source");
	memcpy(tmp, rep, r);
	tmp[6] ^= 1;
	CHECK(!pkt_check_icmp6_echo_reply(tmp, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 6, 56, &why));
	CHECK_STR_HAS(why, "Ethernet source");
	memcpy(tmp, rep, r);
	tmp[54] = 128;
	fix_icmp6(tmp);
	CHECK(!pkt_check_icmp6_echo_reply(tmp, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 6, 56, &why));
	CHECK_STR_HAS(why, "type");
	memcpy(tmp, rep, r);
	tmp[100] ^= 1;
	CHECK(!pkt_check_icmp6_echo_reply(tmp, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 6, 56, &why));
	CHECK_STR_HAS(why, "checksum");
	fix_icmp6(tmp);
	CHECK(!pkt_check_icmp6_echo_reply(tmp, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 6, 56, &why));
	CHECK_STR_HAS(why, "payload bytes");
	CHECK(!pkt_check_icmp6_echo_reply(rep, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 7, 56, &why));
	CHECK_STR_HAS(why, "sequence");
	CHECK(!pkt_check_icmp6_echo_reply(rep, r, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 4, 6, 56, &why));
	CHECK_STR_HAS(why, "echo id");
	CHECK(!pkt_check_icmp6_echo_reply(rep, 53, g_mac, cfg.mac, g_ip6,
					  cfg.ip6, 5, 6, 56, &why));
	CHECK_STR_HAS(why, "shorter");
}

/* ---- capacity ----------------------------------------------------------- */

static void test_cap(void)
{
	uint32_t n;

	setup();
	n = pkt_arp_request(req, BUF, g_mac, g_ip, cfg.ip4);
	CHECK_EQ_U(run_cap(req, n, 41), 0);
	CHECK_EQ_U(run_cap(req, n, 42), 42);
	CHECK_EQ_U(run_cap(req, n, 0), 0);
	CHECK_EQ_U(pkt_arp_request(tmp, 41, g_mac, g_ip, cfg.ip4), 0);

	n = pkt_icmp_echo(req, BUF, g_mac, cfg.mac, g_ip, cfg.ip4, 1, 1, 1472);
	CHECK_EQ_U(n, 1514);
	CHECK_EQ_U(run_cap(req, n, 1513), 0);
	CHECK_EQ_U(run_cap(req, n, 1514), 1514);
	/* options in the request do not count against the reply */
	{
		static const uint8_t nops[4] = {1, 1, 1, 1};
		n = add_options(n, nops, 4);
		CHECK_EQ_U(run_cap(req, n, 1514), 1514);
	}

	n = pkt_ns(req, BUF, g_mac, g_ip6, cfg.ip6);
	CHECK_EQ_U(run_cap(req, n, 85), 0);
	CHECK_EQ_U(run_cap(req, n, 86), 86);
	CHECK_EQ_U(pkt_ns(tmp, 85, g_mac, g_ip6, cfg.ip6), 0);

	n = pkt_icmp6_echo(req, BUF, g_mac, cfg.mac, g_ip6, cfg.ip6, 1, 1, 56);
	CHECK_EQ_U(run_cap(req, n, n - 1), 0);
	CHECK_EQ_U(run_cap(req, n, n), n);
	CHECK_EQ_U(pkt_icmp6_echo(tmp, n - 1, g_mac, cfg.mac, g_ip6, cfg.ip6,
				  1, 1, 56),
		   0);
}

/* ---- addresses ---------------------------------------------------------- */

static void test_parse_ip4(void)
{
	static const char *const bad[] = {
		"256.1.1.1", "1.2.3",     "1.2.3.4/33", "",       "1.2.3.4.5",
		"01.2.3.4",  "1.2.3.4/",  "1.2.3.4 ",   "1..3.4", " 1.2.3.4",
		"1.2.3.4/024", "1.2.3.-4", "1.2.3.4/3a", "1000.2.3.4",
		"a.b.c.d",   "1.2.3.4/-1",
	};
	uint8_t ip[4] = {9, 9, 9, 9}, pfx = 99;

	CHECK(respond_parse_ip4("192.0.2.1/24", ip, &pfx));
	CHECK(ip[0] == 192 && ip[1] == 0 && ip[2] == 2 && ip[3] == 1);
	CHECK_EQ_U(pfx, 24);
	CHECK(respond_parse_ip4("192.0.2.1", ip, &pfx));
	CHECK_EQ_U(pfx, 32);
	CHECK(respond_parse_ip4("198.51.100.255/0", ip, &pfx));
	CHECK(ip[0] == 198 && ip[1] == 51 && ip[2] == 100 && ip[3] == 255);
	CHECK_EQ_U(pfx, 0);
	CHECK(respond_parse_ip4("0.0.0.0/32", ip, NULL));
	CHECK(ip[0] == 0 && ip[3] == 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(ip, 7, 4);
		pfx = 7;
		check_note(bad[i]);
		CHECK(!respond_parse_ip4(bad[i], ip, &pfx));
		CHECK(ip[0] == 7 && ip[3] == 7 && pfx == 7); /* untouched */
	}
	check_note("");
	CHECK(!respond_parse_ip4(NULL, ip, &pfx));
}

static void test_parse_ip6(void)
{
	static const struct {
		const char *s;
		uint8_t a[16];
	} good[] = {
		{"2001:db8::1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0,
				 0, 0, 0, 0, 1}},
		{"fe80::5054:ff:fe00:1", {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50,
					  0x54, 0, 0xff, 0xfe, 0, 0, 1}},
		{"::", {0}},
		{"1:2:3:4:5:6:7:8", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7,
				     0, 8}},
		{"::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"2001:DB8::", {0x20, 0x01, 0x0d, 0xb8}},
		{"1:2:3:4:5:6:7::", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7}},
		{"::2:3:4:5:6:7:8", {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7,
				     0, 8}},
		{"2001:0db8:0000:0000:0000:0000:0000:00ff",
		 {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		  0xff}},
		{"1:0:0:2::3",
		 {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3}},
	};
	static const char *const bad[] = {
		"1::2::3",
		"",
		":",
		":::",
		"1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7:8::",
		"::1:2:3:4:5:6:7:8",
		"12345::",
		"1:",
		":1::",
		"1:::2",
		"::g",
		"fe80::1%eth0",
		"2001:db8::/64",
		"::ffff:192.0.2.1",
		"2001:db8::1 ",
		" ::1",
		"1::2:",
	};
	uint8_t a[16];

	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(a, 0xaa, 16);
		check_note(good[i].s);
		CHECK(respond_parse_ip6(good[i].s, a));
		CHECK(memcmp(a, good[i].a, 16) == 0);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(a, 0xaa, 16);
		check_note(bad[i]);
		CHECK(!respond_parse_ip6(bad[i], a));
		CHECK(a[0] == 0xaa && a[15] == 0xaa); /* untouched */
	}
	check_note("");
	CHECK(!respond_parse_ip6(NULL, a));
}

static void test_derived_addresses(void)
{
	static const uint8_t ip[4] = {192, 0, 2, 1};
	static const uint8_t mac1[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
	uint8_t mac[6], a[16], want[16];

	respond_mac_from_ip4(ip, mac);
	CHECK(mac[0] == 0x52 && mac[1] == 0x54 && mac[2] == 0x00);
	CHECK(mac[3] == 0 && mac[4] == 2 && mac[5] == 1);
	CHECK(!pkt_mac_is_group(mac)); /* unicast */
	CHECK(mac[0] & 0x02);          /* locally administered */
	respond_ip6_linklocal(mac1, a);
	CHECK(respond_parse_ip6("fe80::5054:ff:fe00:1", want));
	CHECK(memcmp(a, want, 16) == 0);
	/* a universal MAC gets the U/L bit set in its identifier */
	respond_ip6_linklocal(g_mac, a);
	CHECK(respond_parse_ip6("fe80::200:5eff:fe00:5302", want));
	CHECK(memcmp(a, want, 16) == 0);
	/* solicited-node group and its MAC */
	CHECK(respond_parse_ip6("2001:db8::1:abcd:ef12", a));
	pkt_ip6_solicited_node(a, want);
	CHECK(respond_parse_ip6("ff02::1:ffcd:ef12", a));
	CHECK(memcmp(a, want, 16) == 0);
	pkt_ip6_mcast_mac(want, mac);
	CHECK(mac[0] == 0x33 && mac[1] == 0x33 && mac[2] == 0xff &&
	      mac[3] == 0xcd && mac[4] == 0xef && mac[5] == 0x12);
}

int main(void)
{
	RUN(test_csum);
	RUN(test_arp_for_us);
	RUN(test_arp_not_for_us);
	RUN(test_arp_malformed);
	RUN(test_arp_op);
	RUN(test_check_arp_reply);
	RUN(test_echo_sizes);
	RUN(test_echo_options);
	RUN(test_echo_not_for_us);
	RUN(test_echo_bad_checksums);
	RUN(test_echo_fragments);
	RUN(test_echo_truncated);
	RUN(test_echo_padding);
	RUN(test_check_echo_reply);
	RUN(test_ns_global);
	RUN(test_ns_linklocal);
	RUN(test_ns_ignored);
	RUN(test_ns_no_option);
	RUN(test_echo6);
	RUN(test_check_na_and_echo6);
	RUN(test_cap);
	RUN(test_parse_ip4);
	RUN(test_parse_ip6);
	RUN(test_derived_addresses);
	return check_summary("test_respond");
}
