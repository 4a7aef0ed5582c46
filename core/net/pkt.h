/*
 * pkt.h - Ethernet, ARP, IPv4, IPv6 and ICMP on flat byte buffers: the
 * Internet checksum, builders of the frames a bring-up test sends (ARP
 * request, ICMP echo, neighbour solicitation, ICMPv6 echo) and checkers of
 * the answers it expects.
 *
 * Every field is read and written a byte at a time through the big-endian
 * helpers below (network byte order, RFC 791 appendix B): no packed structs,
 * no casts of a buffer to a wider type, so alignment never matters.
 * Builders take the capacity of their output and return 0 when the frame
 * would not fit; checkers take the length of their input and never read
 * past it.  Frames carry no FCS.
 */
#ifndef CORE_PKT_H
#define CORE_PKT_H

#include <stdbool.h>
#include <stdint.h>

/* ---- sizes and numbers -------------------------------------------------- */

#define PKT_ETH_HLEN 14u  /* destination, source, EtherType */
#define PKT_ARP_LEN 28u   /* RFC 826 for Ethernet and IPv4 */
#define PKT_IP4_HLEN 20u  /* RFC 791 3.1, without options */
#define PKT_IP6_HLEN 40u  /* RFC 8200 3 */
#define PKT_ICMP_HLEN 8u  /* type, code, checksum, id, seq (RFC 792) */
#define PKT_ND_LEN 24u    /* NS/NA without options (RFC 4861 4.3, 4.4) */
#define PKT_ND_LLA_LEN 8u /* Ethernet link-layer address option (RFC 2464 6) */

#define PKT_ARP_FRAME_LEN (PKT_ETH_HLEN + PKT_ARP_LEN) /* 42 */
#define PKT_ETH_MIN_LEN 60u /* IEEE 802.3 minimum, without the FCS */
#define PKT_NS_FRAME_LEN \
	(PKT_ETH_HLEN + PKT_IP6_HLEN + PKT_ND_LEN + PKT_ND_LLA_LEN) /* 86 */
#define PKT_NA_FRAME_LEN PKT_NS_FRAME_LEN

/* The largest ICMP payload (after id and seq) that fits the 16-bit length
 * fields: IPv4 total length (RFC 791) and IPv6 payload length (RFC 8200). */
#define PKT_ICMP4_PAYLOAD_MAX (65535u - PKT_IP4_HLEN - PKT_ICMP_HLEN)
#define PKT_ICMP6_PAYLOAD_MAX (65535u - PKT_ICMP_HLEN)

/* ---- field offsets, as in the RFC diagrams ------------------------------ */

/* Ethernet header */
#define PKT_ETH_DST 0u
#define PKT_ETH_SRC 6u
#define PKT_ETH_TYPE 12u

/* ARP packet after the Ethernet header, RFC 826 field names (ar$hrd...) */
#define PKT_ARP_HRD 0u
#define PKT_ARP_PRO 2u
#define PKT_ARP_HLN 4u
#define PKT_ARP_PLN 5u
#define PKT_ARP_OP 6u
#define PKT_ARP_SHA 8u
#define PKT_ARP_SPA 14u
#define PKT_ARP_THA 18u
#define PKT_ARP_TPA 24u
#define PKT_ARP_HRD_ETHER 1u

/* IPv4 header (RFC 791 3.1); flags and fragment offset share PKT_IP4_FRAG */
#define PKT_IP4_VIHL 0u
#define PKT_IP4_TOTAL 2u
#define PKT_IP4_ID 4u
#define PKT_IP4_FRAG 6u
#define PKT_IP4_TTL 8u
#define PKT_IP4_PROTO 9u
#define PKT_IP4_CSUM 10u
#define PKT_IP4_SRC 12u
#define PKT_IP4_DST 16u
#define PKT_IP4_DF 0x4000u
#define PKT_IP4_MF 0x2000u
#define PKT_IP4_OFFSET_MASK 0x1fffu

/* IPv6 header (RFC 8200 3) */
#define PKT_IP6_PLEN 4u
#define PKT_IP6_NH 6u
#define PKT_IP6_HOPS 7u
#define PKT_IP6_SRC 8u
#define PKT_IP6_DST 24u

/* ICMP and ICMPv6 (RFC 792, RFC 4443 2.1, 4.1); NS, NA (RFC 4861 4.3, 4.4) */
#define PKT_ICMP_TYPE 0u
#define PKT_ICMP_CODE 1u
#define PKT_ICMP_CSUM 2u
#define PKT_ICMP_ID 4u
#define PKT_ICMP_SEQ 6u
#define PKT_ND_FLAGS 4u
#define PKT_ND_TARGET 8u

/* ---- protocol numbers --------------------------------------------------- */

#define PKT_ETHERTYPE_IP4 0x0800u
#define PKT_ETHERTYPE_ARP 0x0806u
#define PKT_ETHERTYPE_RARP 0x8035u /* RFC 903 */
#define PKT_ETHERTYPE_IP6 0x86ddu

#define PKT_IPPROTO_ICMP 1u
#define PKT_IPPROTO_ICMP6 58u

#define PKT_ARP_OP_REQUEST 1u
#define PKT_ARP_OP_REPLY 2u
#define PKT_RARP_OP_REQUEST 3u /* "request reverse" (RFC 903) */

#define PKT_ICMP_ECHO_REPLY 0u   /* RFC 792 */
#define PKT_ICMP_ECHO_REQUEST 8u
#define PKT_ICMP6_ECHO_REQUEST 128u /* RFC 4443 4.1 */
#define PKT_ICMP6_ECHO_REPLY 129u   /* RFC 4443 4.2 */
#define PKT_ICMP6_NS 135u           /* RFC 4861 4.3 */
#define PKT_ICMP6_NA 136u           /* RFC 4861 4.4 */

#define PKT_ND_OPT_SLLA 1u /* source link-layer address (RFC 4861 4.6.1) */
#define PKT_ND_OPT_TLLA 2u /* target link-layer address */

/* NA flags, first byte after the checksum (RFC 4861 4.4). */
#define PKT_NA_F_ROUTER 0x80u
#define PKT_NA_F_SOLICITED 0x40u
#define PKT_NA_F_OVERRIDE 0x20u

/* The TTL and hop limit of what we originate (IANA's recommended default,
 * RFC 1700 "IP TTL"); 255 is for neighbour discovery only. */
#define PKT_TTL 64u
#define PKT_ND_HOP_LIMIT 255u

/* ---- network byte order ------------------------------------------------- */

static inline uint16_t pkt_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- addresses ---------------------------------------------------------- */

/* ff:ff:ff:ff:ff:ff, and the all-zero address (RFC 5227 2.1.1: an ARP
 * probe's target, never a station's own). */
extern const uint8_t pkt_mac_broadcast[6];
extern const uint8_t pkt_mac_zero[6];

/* IEEE 802 group (multicast or broadcast) address: the I/G bit, the least
 * significant bit of the first octet. */
static inline bool pkt_mac_is_group(const uint8_t mac[6])
{
	return (mac[0] & 1u) != 0;
}

/* RFC 4291 2.7.1: ff02::1:ffXX:XXXX from the low 24 bits of ip6. */
void pkt_ip6_solicited_node(const uint8_t ip6[16], uint8_t out[16]);

/* RFC 2464 7: the Ethernet address of IPv6 multicast group ip6,
 * 33:33 and its last four octets. */
void pkt_ip6_mcast_mac(const uint8_t ip6[16], uint8_t mac[6]);

/* :: (RFC 4291 2.5.2) */
bool pkt_ip6_is_unspecified(const uint8_t ip6[16]);

/* ---- the Internet checksum (RFC 1071) ----------------------------------- */

/*
 * Add len bytes at p to a running one's complement sum (0 to start, or a
 * previous result).  The result stays folded below 0x10000, so any number
 * of pieces can be added; every piece but the last must have an even
 * length, since an odd byte is summed as the high half of a word.
 */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, uint32_t len);

/* The value of a checksum field: the one's complement of the folded sum. */
uint16_t pkt_csum_fold(uint32_t sum);

/* The checksum of one buffer.  Over data that contains its own correct
 * checksum field it is 0 (RFC 1071 1: that is how a receiver checks). */
uint16_t pkt_csum(const uint8_t *p, uint32_t len);

/* The sum of the IPv6 pseudo-header (RFC 8200 8.1): source, destination,
 * upper-layer length and next header.  ICMPv6 covers it (RFC 4443 2.3). */
uint32_t pkt_csum_ip6_pseudo(const uint8_t src[16], const uint8_t dst[16],
			     uint32_t upper_len, uint8_t next_header);

/* The ICMPv6 checksum of the message at icmp (len bytes, its checksum
 * field included as it is) sent from src to dst: 0 when it is correct. */
uint16_t pkt_icmp6_csum(const uint8_t src[16], const uint8_t dst[16],
			const uint8_t *icmp, uint32_t len);

/*
 * Walk the neighbour discovery options at opts (len bytes, RFC 4861 4.6)
 * and find the link-layer address option of `type` (PKT_ND_OPT_SLLA or
 * _TLLA) of Ethernet size (RFC 2464 6): *mac points at its address, or is
 * NULL if there is none.  False if an option has length 0 or runs past
 * len (RFC 4861 7.1.1, 7.1.2: the message is then discarded).
 */
bool pkt_nd_find_lla(const uint8_t *opts, uint32_t len, uint8_t type,
		     const uint8_t **mac);

/* ---- header writers ----------------------------------------------------- */

void pkt_eth_put(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
		 uint16_t ethertype);

/* A 20-byte IPv4 header without options: DF set (an atomic datagram,
 * RFC 6864 4), TTL 64, its header checksum filled in. */
void pkt_ip4_put(uint8_t *ip, uint16_t total_len, uint16_t id, uint8_t proto,
		 const uint8_t src[4], const uint8_t dst[4]);

/* A 40-byte IPv6 header: traffic class and flow label 0. */
void pkt_ip6_put(uint8_t *ip, uint16_t payload_len, uint8_t next_header,
		 uint8_t hop_limit, const uint8_t src[16],
		 const uint8_t dst[16]);

/* ---- what a bring-up test sends ----------------------------------------- */

/* Byte i of the echo payload pkt_icmp_echo and pkt_icmp6_echo send with
 * sequence number seq: a reply carrying another request's data differs. */
static inline uint8_t pkt_echo_byte(uint16_t seq, uint32_t i)
{
	return (uint8_t)((uint8_t)(seq ^ (seq >> 8)) + (uint8_t)i);
}

/* Test frame number seq of `size` bytes (the sample app's ARP request,
 * then a sequence number and a pattern that moves with it): what a
 * front-end sends and checks, and what --generate fills RX with. */
void pkt_test_frame(uint8_t *out, uint32_t size, uint32_t seq);

/* b holds test frame seq of `size` bytes, byte for byte. */
bool pkt_test_frame_check(const uint8_t *b, uint32_t size, uint32_t seq);

/* "Who has target_ip? Tell src_ip" (RFC 826), broadcast: 42 bytes, or 0 if
 * cap is smaller.  The target hardware address is zero (RFC 5227 2.1.1). */
uint32_t pkt_arp_request(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
			 const uint8_t src_ip[4], const uint8_t target_ip[4]);

/* The announcement of a guest that moved (vhost-user.rst SEND_RARP, as
 * QEMU sends it itself): a broadcast RARP "request reverse" for mac from
 * mac, no protocol addresses, padded to 60 bytes so that every switch
 * learns where mac is now.  Returns 60, or 0 if cap is smaller. */
uint32_t pkt_rarp_announce(uint8_t *out, uint32_t cap, const uint8_t mac[6]);

/* An ICMP echo request (RFC 792) of payload_len pattern bytes after id and
 * seq, in an IPv4 header from pkt_ip4_put (its id is seq).  Returns the
 * frame length, or 0 if it exceeds cap or PKT_ICMP4_PAYLOAD_MAX. */
uint32_t pkt_icmp_echo(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
		       const uint8_t dst_mac[6], const uint8_t src_ip[4],
		       const uint8_t dst_ip[4], uint16_t id, uint16_t seq,
		       uint32_t payload_len);

/* A neighbour solicitation for target_ip6 (RFC 4861 4.3, 7.2.2) to its
 * solicited-node group and that group's MAC, hop limit 255, with a source
 * link-layer address option; when src_ip6 is :: it is a duplicate address
 * detection probe and carries no option (RFC 4862 5.4.2).  Returns the
 * frame length (86, or 78 for a probe), or 0 if it exceeds cap. */
uint32_t pkt_ns(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
		const uint8_t src_ip6[16], const uint8_t target_ip6[16]);

/* An ICMPv6 echo request (RFC 4443 4.1), hop limit 64, payload as
 * pkt_icmp_echo.  Returns the frame length, or 0 if it exceeds cap or
 * PKT_ICMP6_PAYLOAD_MAX. */
uint32_t pkt_icmp6_echo(uint8_t *out, uint32_t cap, const uint8_t src_mac[6],
			const uint8_t dst_mac[6], const uint8_t src_ip6[16],
			const uint8_t dst_ip6[16], uint16_t id, uint16_t seq,
			uint32_t payload_len);

/* ---- what it expects back ----------------------------------------------- *
 * Each checker looks at one received frame of len bytes (Ethernet padding
 * after the packet allowed), field by field.  On failure it returns false
 * and, if why is not NULL, points *why at a short static reason; on
 * success the out parameters are written and *why is left alone.
 */

/* The ARP reply (RFC 826) of peer_ip to our request from my_mac/my_ip: to
 * my_mac (or broadcast, RFC 5227 2.6), op 2, sender peer_ip, target
 * my_mac/my_ip.  *peer_mac_out is the sender hardware address. */
bool pkt_check_arp_reply(const uint8_t *f, uint32_t len,
			 const uint8_t my_mac[6], const uint8_t my_ip[4],
			 const uint8_t peer_ip[4], uint8_t peer_mac_out[6],
			 const char **why);

/* The id of an IPv4 ICMP message of `type` (an echo or echo reply), or -1
 * if f is not one (only its headers are looked at: the classifier before
 * a full check). */
int32_t pkt_icmp4_echo_id(const uint8_t *f, uint32_t len, uint8_t type);

/* The echo reply (RFC 792) to what pkt_icmp_echo(.., my_mac, peer_mac,
 * my_ip, peer_ip, id, seq, payload_len) sent: addresses swapped, an
 * unfragmented IPv4 packet (options allowed) with a correct header
 * checksum, ICMP type 0 code 0 with a correct checksum, the same id, seq
 * and payload bytes. */
bool pkt_check_icmp_echo_reply(const uint8_t *f, uint32_t len,
			       const uint8_t my_mac[6],
			       const uint8_t peer_mac[6],
			       const uint8_t my_ip[4], const uint8_t peer_ip[4],
			       uint16_t id, uint16_t seq, uint32_t payload_len,
			       const char **why);

/* The neighbour advertisement (RFC 4861 4.4, 7.2.4) answering pkt_ns from
 * my_mac/my_ip6 for target_ip6: to my_mac and my_ip6, hop limit 255, a
 * correct checksum, the Solicited flag, target_ip6, and a target
 * link-layer address option (which *peer_mac_out receives). */
bool pkt_check_na(const uint8_t *f, uint32_t len, const uint8_t my_mac[6],
		  const uint8_t my_ip6[16], const uint8_t target_ip6[16],
		  uint8_t peer_mac_out[6], const char **why);

/* The ICMPv6 echo reply (RFC 4443 4.2) to what pkt_icmp6_echo sent with
 * these arguments: addresses swapped, type 129 code 0, a correct checksum,
 * the same id, seq and payload bytes.  Extension headers are not walked. */
bool pkt_check_icmp6_echo_reply(const uint8_t *f, uint32_t len,
				const uint8_t my_mac[6],
				const uint8_t peer_mac[6],
				const uint8_t my_ip6[16],
				const uint8_t peer_ip6[16], uint16_t id,
				uint16_t seq, uint32_t payload_len,
				const char **why);

#endif /* CORE_PKT_H */
