/*
 * net.h - the virtio-net data path of the back-end (virtio 1.2 5.1.6).
 *
 * Queue 2n is the guest's RX n (we write frames into it), 2n+1 its TX n
 * (we read frames from it).  Every frame starts with the virtio-net header.
 */
#ifndef CORE_NET_H
#define CORE_NET_H

#include <stdint.h>

#include "core/dev.h"

/* virtio 1.2 5.1.6: 12 bytes (with num_buffers) for VERSION_1 or
 * MRG_RXBUF, else the legacy 10. */
static inline uint32_t net_hdr_len(uint64_t features)
{
	return (features & (VU_BIT(VIRTIO_F_VERSION_1) |
			    VU_BIT(VIRTIO_NET_F_MRG_RXBUF)))
		       ? 12u
		       : 10u;
}

#define NET_ETH_HLEN 14u

/* Move frames on queue pair `pair`: take what the guest transmitted, act on
 * it, publish both used rings and call.  Negative when the guest broke a
 * ring (logged). */
int net_pair_work(struct vu_dev *d, unsigned pair);

#endif /* CORE_NET_H */
