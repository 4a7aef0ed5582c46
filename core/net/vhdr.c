/*
 * vhdr.c - the virtio-net header's offloads (vhdr.h).
 */
#include "core/net/vhdr.h"

#include "core/proto/vu_proto.h"

unsigned net_offloads_tx(uint64_t f)
{
	return ((f & VU_BIT(VIRTIO_NET_F_CSUM)) ? NET_OFF_CSUM : 0u) |
	       ((f & VU_BIT(VIRTIO_NET_F_HOST_TSO4)) ? NET_OFF_TSO4 : 0u) |
	       ((f & VU_BIT(VIRTIO_NET_F_HOST_TSO6)) ? NET_OFF_TSO6 : 0u) |
	       ((f & VU_BIT(VIRTIO_NET_F_HOST_ECN)) ? NET_OFF_ECN : 0u);
}

unsigned net_offloads_rx(uint64_t f)
{
	return ((f & VU_BIT(VIRTIO_NET_F_GUEST_CSUM)) ? NET_OFF_CSUM : 0u) |
	       ((f & VU_BIT(VIRTIO_NET_F_GUEST_TSO4)) ? NET_OFF_TSO4 : 0u) |
	       ((f & VU_BIT(VIRTIO_NET_F_GUEST_TSO6)) ? NET_OFF_TSO6 : 0u) |
	       ((f & VU_BIT(VIRTIO_NET_F_GUEST_ECN)) ? NET_OFF_ECN : 0u);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

void net_hdr_get(struct net_hdr *h, const uint8_t *b)
{
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = get16(b + 2);
	h->gso_size = get16(b + 4);
	h->csum_start = get16(b + 6);
	h->csum_offset = get16(b + 8);
}

void net_hdr_put(const struct net_hdr *h, uint8_t *b)
{
	b[0] = h->flags;
	b[1] = h->gso_type;
	put16(b + 2, h->hdr_len);
	put16(b + 4, h->gso_size);
	put16(b + 6, h->csum_start);
	put16(b + 8, h->csum_offset);
}

enum net_hdr_bad net_hdr_check(const struct net_hdr *h, uint32_t len,
			       unsigned off, bool rx)
{
	unsigned gso = h->gso_type & ~NET_HDR_GSO_ECN;
	unsigned known = NET_HDR_F_NEEDS_CSUM | (rx ? NET_HDR_F_DATA_VALID : 0);

	/* virtio 1.2 5.1.6.2 (TX), 5.1.6.4 (RX): only what was negotiated */
	if (h->flags & ~known)
		return NET_HDR_BAD_FLAGS;
	if (h->flags && !(off & NET_OFF_CSUM))
		return NET_HDR_BAD_CSUM_OFF;
	if ((h->flags & NET_HDR_F_NEEDS_CSUM) &&
	    (uint32_t)h->csum_start + h->csum_offset + 2 > len)
		return NET_HDR_BAD_CSUM_AT;
	if (gso == NET_HDR_GSO_NONE)
		return h->gso_type & NET_HDR_GSO_ECN ? NET_HDR_BAD_ECN
						     : NET_HDR_OK;
	if (!(gso == NET_HDR_GSO_TCPV4 && (off & NET_OFF_TSO4)) &&
	    !(gso == NET_HDR_GSO_TCPV6 && (off & NET_OFF_TSO6)))
		return NET_HDR_BAD_GSO_TYPE;
	if ((h->gso_type & NET_HDR_GSO_ECN) && !(off & NET_OFF_ECN))
		return NET_HDR_BAD_ECN;
	/* a GSO frame's checksum is always left to the segmenter, which
	 * needs to know where it goes */
	if (!(h->flags & NET_HDR_F_NEEDS_CSUM))
		return NET_HDR_BAD_GSO_CSUM;
	if (h->gso_size == 0)
		return NET_HDR_BAD_GSO_SIZE;
	if (h->hdr_len > len)
		return NET_HDR_BAD_HDR_LEN;
	return NET_HDR_OK;
}
