/*
 * net.h - the virtio-net data path of the back-end (virtio 1.2 5.1.6).
 *
 * Queue 2n is the guest's RX n (we write frames into it), 2n+1 its TX n
 * (we read frames from it).  Every frame starts with the virtio-net header.
 */
#ifndef CORE_NET_H
#define CORE_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/mem/mem.h"
#include "core/net/flow.h"
#include "core/net/vhdr.h"
#include "core/proto/vu_proto.h"
#include "core/virtq/inflight.h"
#include "core/virtq/vq.h"

/* A queue's counters, listed once (X-macro) for the struct, the sums and
 * the "did anything" test. */
#define Q_STATS(X)                                                        \
	X(frames)                                                         \
	X(bytes)                                                          \
	X(kicks)                                                          \
	X(calls)                                                          \
	X(drop_bad)      /* chain too short for the header, or runt */    \
	X(drop_oversize) /* frame or chain larger than we handle */       \
	X(drop_norx)     /* no room on the RX queue */                    \
	X(drop_disabled) /* ring disabled (vhost-user.rst "Ring states") */ \
	X(errors)        /* times the guest broke the ring (net_ring_fail) */

struct q_stats {
#define Q_STAT_FIELD(n) uint64_t n;
	Q_STATS(Q_STAT_FIELD)
#undef Q_STAT_FIELD
};

/* One virtqueue of the back-end as the vhost-user messages configure it,
 * and the data path's state of it. */
struct vu_queue {
	struct vq ring;
	char name[20]; /* "dev0 q1", for error lines */
	uint32_t num;  /* SET_VRING_NUM; 0 until set */
	uint32_t base; /* SET_VRING_BASE, or where the ring stopped */
	bool base_set;
	bool addr_set;
	struct vu_addr addr; /* SET_VRING_ADDR, as received */
	int kick_fd;
	int call_fd;
	int err_fd;
	bool polled;   /* kick came with the NOFD flag: poll the ring */
	bool started;  /* kick set, until GET_VRING_BASE stops it */
	bool enabled;  /* SET_VRING_ENABLE (or no protocol features) */
	bool attached; /* ring memory translated into `ring` */
	bool busy;     /* a batch ended with chains left: come back soon */
	bool dirty;    /* RX: frames delivered, used ring not yet published */
	bool failed;   /* the guest broke it: stopped until it starts again */
	bool owe_call; /* (re)started: one call, whatever the driver asked */
	struct inflight_q iq; /* inflight tracking (vq.h vq->inflight) */
	struct q_stats st;
};

/* virtio 1.2 5.1.6: 12 bytes (with num_buffers) for VERSION_1 or
 * MRG_RXBUF, else the legacy 10. */
static inline uint32_t net_hdr_len(uint64_t features)
{
	return (features & (VU_BIT(VIRTIO_F_VERSION_1) |
			    VU_BIT(VIRTIO_NET_F_MRG_RXBUF)))
		       ? 12u
		       : 10u;
}

/*
 * MTUs a front-end may set (NET_SET_MTU): at least 68 (virtio 1.2 5.1.4.1:
 * a device's mtu is 68 to 65535), at most what a frame of CFG_FRAME_MAX
 * holds after an Ethernet header and an 802.1Q tag.
 */
#define NET_ETH_VLAN_HLEN 18u
#define NET_MTU_MIN 68u
#define NET_MTU_MAX (CFG_FRAME_MAX - NET_ETH_VLAN_HLEN)

/* The longest frame either way: with VIRTIO_NET_F_MTU negotiated and an
 * MTU set, the MTU's (virtio 1.2 5.1.4.1: the device passes no larger
 * received packet; 5.1.4.2: nor may the driver send one), else
 * CFG_FRAME_MAX. */
static inline uint32_t net_frame_limit(uint64_t features, uint32_t mtu)
{
	return (features & VU_BIT(VIRTIO_NET_F_MTU)) && mtu != 0
		       ? mtu + NET_ETH_VLAN_HLEN
		       : CFG_FRAME_MAX;
}


/* A frame somewhere in memory: len bytes after the first skip bytes of the
 * pieces iov[0..n) (a guest's TX chain after its virtio-net header, or one
 * flat buffer). */
struct net_frame {
	const struct vq_iov *iov;
	unsigned n;
	uint32_t skip;
	uint32_t len;
	/* offloads it carries (a partial checksum, a GSO frame: vhdr.h),
	 * checked against what was negotiated; NULL: a whole frame */
	const struct net_hdr *hdr;
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
	fr->hdr = NULL;
}

struct net_dev;

/*
 * Where the frames a guest transmits go: the one door out of the data
 * path, set by the program (app.c: the forwarding plane, fwd.c).  It
 * returns NET_FULL only when the frame should wait in the guest's TX ring
 * (echo into a full RX ring).
 */
struct net_sink {
	int (*frame)(void *ctx, struct net_dev *from, unsigned pair,
		     const struct net_frame *fr);
	void *ctx;
};

/* Flows the guest transmitted (net_flow_learn), by flow hash: what pair
 * each went out on, plus one (0: none seen).  None with one pair. */
#define NET_FLOW_SLOTS (CFG_MAX_QUEUE_PAIRS > 1 ? 256u : 1u)

/* The virtio-net device of one back-end: what the data path needs of it.
 * The back-end owns the queues and the memory (each ring carries its own
 * dirty log, vq_attach_log); it keeps
 * `features` current. */
struct net_dev {
	uint64_t features;           /* negotiated virtio features */
	uint32_t frame_max;          /* net_frame_limit of features, MTU */
	/* its sink takes offloads as they are (a tap with a virtio-net
	 * header): partial checksums and GSO frames are passed on, not
	 * completed here */
	bool pass_offloads;
	const struct mem_table *mem; /* guest memory */
	struct vu_queue *q;          /* CFG_MAX_QUEUES queues */
	struct net_sink sink;
	uint8_t *flat; /* CFG_FRAME_MAX bytes: a TX frame whose checksum we
			* complete (one thread: the program's, shared) */
	/* one TX chain, the first RX chain of a frame (its header gets
	 * num_buffers last), the others */
	struct vq_chain tx_chain, rx_first, rx_more;
	uint8_t flow_pair[NET_FLOW_SLOTS];
};

/* The data path of a back-end whose queues are q[CFG_MAX_QUEUES]; frames
 * go nowhere until net_dev_sink. */
void net_dev_init(struct net_dev *nd, struct vu_queue *q,
		  const struct mem_table *mem);

/* Frames the guest transmits go to `sink`; `flat` is CFG_FRAME_MAX bytes
 * of scratch. */
static inline void net_dev_sink(struct net_dev *nd,
				const struct net_sink *sink, uint8_t *flat)
{
	nd->sink = *sink;
	nd->flat = flat;
}

/* A ring may be processed (vhost-user.rst "Ring states"), and the guest
 * has not broken it since it started (net_ring_fail). */
static inline bool net_queue_ready(const struct vu_queue *q)
{
	return q->started && q->attached && !q->failed;
}

/* The guest broke ring q (a bad descriptor or chain, already named in the
 * log): it stops, alone, and its SET_VRING_ERR fd is signalled. */
void net_ring_fail(struct vu_queue *q);

/* A ring is enabled (vhost-user.rst "Ring states"): by SET_VRING_ENABLE,
 * or by a SET_FEATURES without VHOST_USER_F_PROTOCOL_FEATURES. */
static inline bool net_queue_enabled(const struct vu_queue *q)
{
	return q->enabled;
}

/* RX of `pair` takes frames: the guest receives there. */
static inline bool net_rx_usable(const struct net_dev *nd, unsigned pair)
{
	const struct vu_queue *rx = &nd->q[2 * pair];

	return net_queue_ready(rx) && net_queue_enabled(rx);
}

/*
 * Automatic receive steering (virtio 1.2 5.1.6.5.5): the guest sent a
 * frame on `pair`; frames of its flow from elsewhere (the switch, an
 * interface with one queue) go back on that pair (net_rx_pair).
 */
void net_flow_learn(struct net_dev *nd, unsigned pair,
		    const struct net_frame *fr);

/*
 * The pair a frame from elsewhere goes to, given its first n bytes (at
 * least NET_FLOW_BYTES of it where the frame is that long): the pair the
 * guest sent its flow on, if the guest still receives there; else one
 * of those it receives on, by the flow's hash, so that a flow stays on
 * one pair.  0 if the guest receives on none.
 */
unsigned net_rx_pair(const struct net_dev *nd, const uint8_t *head,
		     uint32_t n);

/* Hand a frame out through the sink, as if the guest sent it on `pair`. */
static inline int net_send_up(struct net_dev *nd, unsigned pair,
			      const struct net_frame *fr)
{
	return nd->sink.frame(nd->sink.ctx, nd, pair, fr);
}

/* Copy what fr holds (at most cap bytes) into buf; the bytes copied. */
uint32_t net_frame_gather(const struct net_frame *fr, uint8_t *buf,
			  uint32_t cap);

enum net_result {
	NET_DELIVERED,
	NET_FULL,    /* no RX buffer: nothing taken, the frame may wait */
	NET_DROPPED, /* counted */
};

/* Move frames on queue pair `pair`: take what the guest transmitted, hand
 * each frame to the sink, publish both used rings and call.  Negative when
 * the guest broke one of the pair's rings in this pass: that ring failed
 * (net_ring_fail), the other goes on. */
int net_pair_work(struct net_dev *nd, unsigned pair);

/*
 * Put one frame on the guest's RX queue of `pair`, with a fresh virtio-net
 * header.  NET_FULL changes nothing.  The used ring is published and the
 * guest called by net_pair_work for its own pair, or by net_rx_flush for
 * frames that came from elsewhere (another device, a tap).  A guest that
 * breaks its RX ring fails that ring (net_ring_fail), and the frame is
 * dropped.
 */
int net_rx_deliver(struct net_dev *nd, unsigned pair,
		   const struct net_frame *f);

/* Publish what queue q has pushed, and call the guest if it wants it. */
void net_queue_flush(struct vu_queue *q);

/* Publish and call every RX queue that net_rx_deliver filled since. */
void net_rx_flush(struct net_dev *nd);

/* Counters: sum adds s. */
static inline void net_stats_add(struct q_stats *sum, const struct q_stats *s)
{
#define Q_STAT_ADD(n) sum->n += s->n;
	Q_STATS(Q_STAT_ADD)
#undef Q_STAT_ADD
}

/* Counters: s counted anything. */
static inline bool net_stats_any(const struct q_stats *s)
{
	uint64_t any = 0;
#define Q_STAT_OR(n) any |= s->n;
	Q_STATS(Q_STAT_OR)
#undef Q_STAT_OR
	return any != 0;
}

/* Counters: one queue's line (queue q of device `dev`), and a device's
 * totals on one line (--stats). */
void net_print_queue(const char *dev, unsigned q, const struct q_stats *s);
void net_print_line(const char *dev, bool connected,
		    const struct q_stats *rx, const struct q_stats *tx);

#endif /* CORE_NET_H */
