/*
 * net.h - the virtio-net data path of the back-end (virtio 1.2 5.1.6).
 *
 * Queue 2n is the guest's RX n (we write frames into it), 2n+1 its TX n
 * (we read frames from it).  Every frame starts with the virtio-net header.
 */
#ifndef CORE_NET_H
#define CORE_NET_H

#include <stdint.h>

#include "core/dev/dev.h"

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

/* virtio-net header flags (virtio 1.2 5.1.6) */
#define NET_HDR_F_NEEDS_CSUM 1u

/* A frame somewhere in memory: len bytes after the first skip bytes of the
 * pieces iov[0..n) (a guest's TX chain after its virtio-net header, or one
 * flat buffer). */
struct net_frame {
	const struct vq_iov *iov;
	unsigned n;
	uint32_t skip;
	uint32_t len;
};

/* A frame in one flat buffer of ours (no virtio-net header before it):
 * fr describes it through one, which must live as long as fr. */
static inline void net_frame_flat(struct net_frame *fr, struct vq_iov *one,
				  uint8_t *buf, uint32_t len)
{
	one->base = buf;
	one->len = len;
	fr->iov = one;
	fr->n = 1;
	fr->skip = 0;
	fr->len = len;
}

enum net_result {
	NET_DELIVERED,
	NET_FULL,    /* no RX buffer: nothing taken, the frame may wait */
	NET_DROPPED, /* counted */
};

/* Move frames on queue pair `pair`: take what the guest transmitted, hand
 * each frame to the forwarding plane (fwd.c), publish both used rings and
 * call.  Negative when the guest broke a ring (logged). */
int net_pair_work(struct vu_dev *d, unsigned pair);

/*
 * Put one frame on the guest's RX queue of `pair`, with a fresh virtio-net
 * header.  NET_FULL changes nothing.  The used ring is published and the
 * guest called by net_pair_work for its own pair, or by net_rx_flush for
 * frames that came from elsewhere (another device, a tap).  Negative when
 * the guest broke its RX ring (logged).
 */
int net_rx_deliver(struct vu_dev *d, unsigned pair, const struct net_frame *f);

/* Publish what queue q has pushed, and call the guest if it wants it. */
void net_queue_flush(struct vu_queue *q);

/* Publish and call every RX queue that net_rx_deliver filled since. */
void net_rx_flush(struct vu_dev *d);

/* Print a frame as hex, 16 bytes a line (`--dump`); seq numbers it. */
void net_dump_frame(const struct vu_dev *d, const struct net_frame *f,
		    uint64_t seq);

#endif /* CORE_NET_H */
