/*
 * respond.h - a bring-up responder: answers ARP, ICMP echo, IPv6 neighbour
 * solicitation and ICMPv6 echo for one configured address, so a guest can
 * ping the back-end with nothing else on the link.
 *
 * Sans-I/O: it looks at one frame and may write one reply; the caller owns
 * both buffers and sends the reply where the request came from.  Every
 * field of the request is guest-controlled: a frame that is malformed,
 * truncated, or not for us gets no answer, never a read past its length.
 */
#ifndef CORE_RESPOND_H
#define CORE_RESPOND_H

#include <stdbool.h>
#include <stdint.h>

struct respond_cfg {
	uint8_t mac[6];  /* replies come from this MAC */
	uint8_t ip4[4];  /* our IPv4 address */
	uint8_t prefix;  /* its prefix length (informational) */
	bool has_ip6;    /* answer IPv6 at all */
	uint8_t ip6[16]; /* our IPv6 address (a link-local fe80::/64 from the
			  * MAC is answered too) */
};

/*
 * If `in` (one Ethernet frame, len bytes, no FCS, Ethernet padding allowed)
 * asks us something we answer, write the reply frame into out (at most cap
 * bytes) and return its length; else 0.  A reply that would not fit gives
 * 0.  in and out must not overlap.
 *
 * Answered: ARP requests for cfg->ip4 (RFC 826), to our MAC or broadcast;
 * ICMP echo requests to cfg->ip4 (RFC 792) to our MAC, unfragmented, with
 * correct checksums, options allowed except source routes; and if
 * cfg->has_ip6, neighbour solicitations for cfg->ip6 or the link-local
 * address of cfg->mac (RFC 4861 7.2.3, 7.2.4; not DAD probes) and ICMPv6
 * echo requests to either (RFC 4443 4.1, 4.2).
 */
uint32_t respond_frame(const struct respond_cfg *cfg, const uint8_t *in,
		       uint32_t len, uint8_t *out, uint32_t cap);

/* A locally administered unicast MAC 52:54:00:xx:yy:zz whose last three
 * octets are those of ip4. */
void respond_mac_from_ip4(const uint8_t ip4[4], uint8_t mac[6]);

/* fe80::/64 with the modified EUI-64 interface identifier of mac (RFC 4291
 * 2.5.1 and appendix A, RFC 2464 4). */
void respond_ip6_linklocal(const uint8_t mac[6], uint8_t ip6[16]);

/* Parse "A.B.C.D" or "A.B.C.D/N" (N 0..32, default 32): decimal, no
 * leading zeros, nothing after.  False if malformed; outputs are written
 * only on success. */
bool respond_parse_ip4(const char *s, uint8_t ip4[4], uint8_t *prefix);

/* Parse an IPv6 address in the text forms of RFC 4291 2.2 items 1 and 2:
 * eight groups of 1..4 hex digits, or fewer around one "::".  The dotted
 * IPv4 tail of item 3, zones and prefixes are refused.  False if
 * malformed; ip6 is written only on success. */
bool respond_parse_ip6(const char *s, uint8_t ip6[16]);

#endif /* CORE_RESPOND_H */
