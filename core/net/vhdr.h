/*
 * vhdr.h - the virtio-net header's offloads (virtio 1.2 5.1.6): a partial
 * checksum the other side completes, and a GSO frame the other side
 * segments.  Read from the bytes a guest or a tap wrote, checked against
 * what was negotiated for that direction before anything is done with
 * them, and written for the other side.
 */
#ifndef CORE_NET_VHDR_H
#define CORE_NET_VHDR_H

#include <stdbool.h>
#include <stdint.h>

/* The header's first 10 bytes (num_buffers, RX's, follows them). */
struct net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};
#define NET_HDR_BYTES 10u

/* flags */
#define NET_HDR_F_NEEDS_CSUM 1u
#define NET_HDR_F_DATA_VALID 2u /* RX only */
/* gso_type */
#define NET_HDR_GSO_NONE 0u
#define NET_HDR_GSO_TCPV4 1u
#define NET_HDR_GSO_UDP 3u
#define NET_HDR_GSO_TCPV6 4u
#define NET_HDR_GSO_ECN 0x80u

/* The longest GSO frame: 64 KiB of IP packet, the Ethernet header and a
 * VLAN tag.  The MTU limits only frames that are no GSO frames (5.1.4). */
#define NET_GSO_FRAME_MAX (65536u + 18u)

/* Offloads one direction may carry, from the features negotiated:
 * NET_OFF_* bits.  TX (the guest's frames): CSUM, HOST_TSO4/6, HOST_ECN;
 * RX (frames to the guest): GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN. */
#define NET_OFF_CSUM 1u
#define NET_OFF_TSO4 2u
#define NET_OFF_TSO6 4u
#define NET_OFF_ECN 8u
unsigned net_offloads_tx(uint64_t features);
unsigned net_offloads_rx(uint64_t features);

/* The header in the first NET_HDR_BYTES at b (little-endian fields). */
void net_hdr_get(struct net_hdr *h, const uint8_t *b);
void net_hdr_put(const struct net_hdr *h, uint8_t *b);

/* The header asks for nothing: a whole frame, checksums done. */
static inline bool net_hdr_plain(const struct net_hdr *h)
{
	return h->flags == 0 && h->gso_type == NET_HDR_GSO_NONE;
}

/* What net_hdr_check finds wrong with a header. */
enum net_hdr_bad {
	NET_HDR_OK,
	NET_HDR_BAD_FLAGS,     /* a flag unknown, or not for this direction */
	NET_HDR_BAD_CSUM_OFF,  /* a checksum flag, no checksum offload */
	NET_HDR_BAD_CSUM_AT,   /* csum_start + csum_offset past the frame */
	NET_HDR_BAD_ECN,       /* the ECN bit on no GSO type, or not taken */
	NET_HDR_BAD_GSO_TYPE,  /* a GSO type not negotiated (UDP, USO: never) */
	NET_HDR_BAD_GSO_CSUM,  /* a GSO frame without NEEDS_CSUM */
	NET_HDR_BAD_GSO_SIZE,  /* a GSO frame with gso_size 0 */
	NET_HDR_BAD_HDR_LEN,   /* hdr_len past the frame */
};

/*
 * Is h a header a frame of len bytes may carry with the offloads `off`
 * (NET_OFF_*) negotiated for its direction (rx: to the guest, where
 * DATA_VALID may be set too)?  NET_HDR_OK if so, else what is wrong.
 * Every field comes from a guest or a tap, and is never trusted.
 */
enum net_hdr_bad net_hdr_check(const struct net_hdr *h, uint32_t len,
			       unsigned off, bool rx);

#endif /* CORE_NET_VHDR_H */
