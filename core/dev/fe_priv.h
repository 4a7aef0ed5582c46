/*
 * fe_priv.h - what the front-end's files share: the layout of its shared
 * memory, and the calls between the handshake (frontend.c), the rings at
 * run time (fe_io.c) and the traffic modes (fe_echo.c, fe_ping.c).  Not
 * for use outside the front-end.
 */
#ifndef CORE_FE_PRIV_H
#define CORE_FE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dev/frontend.h"
#include "core/net/net.h"
#include "core/net/pkt.h"

/* The front-end whose connection d is (d is its first member). */
static inline struct fe_dev *fe_of(struct vu_dev *d)
{
	return (struct fe_dev *)(void *)d;
}

/* Where our one region sits in "guest-physical" space. */
#define FE_GPA_BASE 0x40000000ull
#define FE_GRACE_NS (300 * PORT_NS_PER_MS)
#define FE_NUM CFG_FE_QUEUE_SIZE
#define FE_TX_SLOTS (FE_NUM / 2) /* a TX chain is two descriptors */

/* Layout of the shared memory (offsets): the rings of every pair the
 * board allows (fixed by the queue size), then each pair's buffers and
 * indirect tables, pair_bytes apiece. */
#define RING_BYTES \
	((VRING_DESC_BYTES(FE_NUM) + VRING_AVAIL_BYTES(FE_NUM) + 63) / 64 * 64 + \
	 VRING_USED_BYTES(FE_NUM))
#define RING_SPAN ((RING_BYTES + 4095) / 4096 * 4096)
#define OFF_RING(q) ((uint64_t)(q) * RING_SPAN)
#define OFF_BUFS (CFG_MAX_QUEUES * RING_SPAN)

/* The pairs in use, and the ring of queue q (2n RX, 2n+1 TX). */
static inline unsigned fe_pairs(const struct fe_dev *d)
{
	return d->o.pairs;
}

static inline struct vqd *fe_ring(struct fe_dev *d, unsigned q)
{
	struct fe_pair *p = &d->fe.pair[q / 2];

	return q & 1 ? &p->txq : &p->rxq;
}

/* How long the front-end waits for anything (--timeout). */
static inline uint64_t fe_timeout_ns(const struct fe_dev *d)
{
	return (uint64_t)d->o.timeout_secs * PORT_NS_PER_S;
}

/* Bytes of the virtio-net header with the features negotiated. */
static inline uint64_t fe_hdr_len(const struct fe_dev *d)
{
	return net_hdr_len(d->features);
}

/* Our address for an offset into the shared memory, and the user address
 * the back-end is told (both are ours: we are the "VMM"). */
static inline uint8_t *fe_ptr(const struct fe_dev *d, uint64_t off)
{
	return (uint8_t *)d->fe.mem + off;
}

static inline uint64_t fe_uva(const struct fe_dev *d, uint64_t off)
{
	return (uint64_t)(uintptr_t)fe_ptr(d, off);
}

/* Pair p's RX buffer i, TX slot s, and (--indirect) the table of two
 * descriptors of TX slot s. */
static inline uint64_t rx_buf_off(const struct fe_dev *d, unsigned p,
				  uint32_t i)
{
	return OFF_BUFS + p * d->fe.pair_bytes + (uint64_t)i * d->fe.buf_size;
}

static inline uint64_t tx_buf_off(const struct fe_dev *d, unsigned p,
				  uint32_t s)
{
	return rx_buf_off(d, p, FE_NUM + s);
}

static inline uint64_t tx_table_off(const struct fe_dev *d, unsigned p,
				    uint32_t s)
{
	return rx_buf_off(d, p, FE_NUM + FE_TX_SLOTS) + 32ull * s;
}

/* The descriptor that holds pair p's TX slot s's frame (its length
 * changes). */
static inline struct vring_desc *tx_frame_desc(struct fe_dev *d, unsigned p,
					       uint32_t s)
{
	if (d->o.indirect)
		return (struct vring_desc *)(void *)fe_ptr(
			       d, tx_table_off(d, p, s)) +
		       1;
	return &d->fe.pair[p].txq.desc[2 * s + 1];
}

/*
 * A traffic mode: what goes out on TX, and what is made of what comes
 * back on RX.  fe_io.c moves the frames, frontend.c runs the handshake
 * around them; both call the mode the device was opened with.
 */
struct fe_mode {
	/* queue what should go out now, on any pair (fe_tx_frame,
	 * fe_tx_send) */
	void (*pump)(struct fe_dev *d, uint64_t now);
	/* a frame back on pair p's RX: flen bytes at fr, after its
	 * virtio-net header; len as the back-end wrote it (not trusted) */
	void (*rx)(struct fe_dev *d, unsigned p, const uint8_t *fr,
		   uint32_t flen, uint32_t len);
	/* 1 when the run is over (stop the rings), 0 not yet, <0 failed */
	int (*over)(struct fe_dev *d, uint64_t now);
	/* its next timed event while frames flow, given the time-out
	 * (returned if nothing comes earlier) */
	uint64_t (*deadline)(const struct fe_dev *d, uint64_t deadline);
	/* its line of counters, ending with result */
	void (*print_stats)(const struct fe_dev *d, const char *result);
};

/* Test frames, echoed back and checked byte for byte (fe_echo.c). */
extern const struct fe_mode fe_echo_mode;
/* A small host: answers ARP and ping, and may --ping (fe_ping.c). */
extern const struct fe_mode fe_ping_mode;

/* ---- fe_io.c ---- */

/* End the run (once); a failure is logged with its reason. */
void fe_finish(struct fe_dev *d, bool ok, const char *why);

/* Sending a frame on pair p: fe_tx_frame gives where to build it in a
 * free TX slot (room for *cap bytes), NULL when none is free; fe_tx_send
 * then queues its first len bytes (kicked at the end of the round,
 * fe_pump). */
uint8_t *fe_tx_frame(struct fe_dev *d, unsigned p, uint32_t *cap);
void fe_tx_send(struct fe_dev *d, unsigned p, uint32_t len);

/* Make what was added to queue q visible and kick it if wanted. */
void fe_kick(struct fe_dev *d, unsigned q);

/* Let the mode queue frames, and kick the TX rings it filled. */
int fe_pump(struct fe_dev *d, uint64_t now);

/* Take what the back-end returned on both queues of pair p (a call
 * fired). */
int fe_reap(struct fe_dev *d, unsigned p, uint64_t now);

/* ---- frontend.c ---- */

/* Send handshake steps until one needs an answer or the run starts. */
int fe_advance(struct fe_dev *d, uint64_t now);

/* 1 when the run is over (stop the rings), 0 not yet, <0 failed. */
int fe_run_over(struct fe_dev *d, uint64_t now);

/* A call eventfd of queue q fired: take what the back-end returned on its
 * pair. */
int fe_on_call(struct fe_dev *d, unsigned q, uint64_t now);

#endif /* CORE_FE_PRIV_H */
