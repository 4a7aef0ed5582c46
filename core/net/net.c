/*
 * net.c - the back-end's virtio-net data path (virtio 1.2 5.1.6).
 *
 * Frames are copied straight from the guest's TX buffers into its RX
 * buffers; nothing is staged in our memory.  One pass takes at most
 * CFG_BATCH chains per queue, then publishes each used ring once and calls
 * the guest once (if it wants calls).
 */
#include "core/net/net.h"

#include <string.h>

#include "core/net/iov.h"
#include "core/log.h"
#include "core/net/pkt.h"

/* A device with no sink yet drops what its guest sends. */
static int no_sink(void *ctx, struct net_dev *from, unsigned pair,
		   const struct net_frame *fr)
{
	(void)ctx;
	(void)from;
	(void)pair;
	(void)fr;
	return NET_DELIVERED;
}

void net_dev_init(struct net_dev *nd, struct vu_queue *q,
		  const struct mem_table *mem)
{
	memset(nd, 0, sizeof(*nd));
	nd->q = q;
	nd->mem = mem;
	nd->sink.frame = no_sink;
}

uint32_t net_frame_gather(const struct net_frame *fr, uint8_t *buf,
			  uint32_t cap)
{
	struct vq_iov one = {buf, cap};
	struct iov_cur src, dst;

	iov_cur_init(&dst, &one, 1);
	iov_cur_init(&src, fr->iov, fr->n);
	iov_skip(&src, fr->skip);
	return iov_copy(&dst, &src, fr->len);
}

/* Publish the used ring and call the guest if it wants it (virtio 1.2
 * 2.7.7.2). */
void net_queue_flush(struct vu_queue *q)
{
	bool call;

	if (!q->attached)
		return;
	vq_publish(&q->ring);
	call = vq_need_call(&q->ring) || q->owe_call;
	if (call && q->call_fd >= 0) {
		q->owe_call = false;
		port_evt_signal(q->call_fd);
		q->st.calls++;
		LOG_TRACE(LOG_RINGS, "%s: call\n", q->name);
	}
}

/* Start of the writable pieces of a chain. */
static void cur_in(struct iov_cur *cur, const struct vq_chain *c)
{
	iov_cur_init(cur, c->iov + c->nout, c->nin);
}

/* Bytes the writable pieces we hold can take (fewer than in_bytes when
 * the chain had more pieces than CFG_CHAIN_SEGS: we use the first ones). */
static uint32_t room_in(const struct vq_chain *c)
{
	uint32_t n = 0;

	if (!c->too_long)
		return c->in_bytes;
	for (unsigned i = c->nout; i < (unsigned)c->nout + c->nin; i++)
		n += c->iov[i].len;
	return n;
}

/*
 * Copy one frame into the RX queue, with a fresh virtio-net header.  With
 * MRG_RXBUF a frame may take several RX chains, and the first header says
 * how many (num_buffers, virtio 1.2 5.1.6.4).
 */
/*
 * vhost-user.rst, SET_VRING_ERR: "Set the event file descriptor to signal
 * when error occurs."  A guest that breaks a ring costs that ring, not
 * the connection: as Linux's vhost does (vq_err), the ring stops where it
 * stood (the bad chain is not taken) and the front-end hears of it on the
 * ring's error fd.  QEMU reports it ("vhost vring error"); the ring runs
 * again once the front-end starts it again (SET_VRING_KICK after
 * GET_VRING_BASE, or a reset), which clears `failed`.  What the guest did
 * wrong is already in the log (virtq); this line says what it cost.
 */
void net_ring_fail(struct vu_queue *q)
{
	q->failed = true;
	q->busy = false;
	q->st.errors++;
	if (q->err_fd >= 0)
		port_evt_signal(q->err_fd);
	LOG_WARN("%s: ring stopped until the front-end restarts it (%s)",
		 q->name, q->err_fd >= 0 ? "error fd signalled"
					 : "no error fd to signal");
}

/* The guest broke its RX ring in the middle of a frame: give back what
 * the frame took, fail the ring, drop the frame. */
static int rx_broken(struct vu_queue *rx, const struct vq_mark *mark)
{
	vq_rewind(&rx->ring, mark);
	net_ring_fail(rx);
	rx->st.drop_norx++;
	return NET_DROPPED;
}

int net_rx_deliver(struct net_dev *d, unsigned pair,
		   const struct net_frame *f)
{
	struct vu_queue *rx = &d->q[2 * pair];
	bool mrg = (d->features & VU_BIT(VIRTIO_NET_F_MRG_RXBUF)) != 0;
	uint32_t hdr = net_hdr_len(d->features);
	struct vq_chain *first = &d->rx_first;
	struct iov_cur s, w;
	struct vq_mark mark;
	uint8_t h[12] = {0};
	uint32_t left = f->len, used_first;
	uint16_t nbufs = 1;
	int rc;

	if (!net_queue_ready(rx)) {
		rx->st.drop_norx++;
		return NET_DROPPED;
	}
	if (!net_queue_enabled(rx)) {
		/* vhost-user.rst "Ring states": no new RX on a disabled ring */
		rx->st.drop_disabled++;
		return NET_DROPPED;
	}
	/* Room for a whole frame's used elements: else hand over (and
	 * call for) what is pending first. */
	if (!vq_push_room(&rx->ring, CFG_RX_BUFS))
		net_queue_flush(rx);
	vq_mark(&rx->ring, &mark);
	rc = vq_pop(&rx->ring, d->mem, first);
	if (rc < 0)
		return rx_broken(rx, &mark);
	if (rc == 0)
		return NET_FULL;
	if (room_in(first) < hdr || (!mrg && room_in(first) < hdr + f->len)) {
		/* The guest's buffer cannot take it: give it back untouched
		 * and drop this frame only. */
		vq_rewind(&rx->ring, &mark);
		rx->st.drop_oversize++;
		return NET_DROPPED;
	}
	iov_cur_init(&s, f->iov, f->n);
	iov_skip(&s, f->skip);
	cur_in(&w, first);
	h[10] = 1; /* num_buffers, fixed below if more are used */
	iov_from_buf(&w, h, hdr);
	left -= iov_copy(&w, &s, left);
	used_first = hdr + (f->len - left);
	vq_push(&rx->ring, first, used_first);

	while (left > 0) { /* mergeable buffers only */
		struct vq_chain *more = &d->rx_more;
		uint32_t k;

		if (nbufs == CFG_RX_BUFS) {
			/* buffers this small never take the frame: drop it
			 * rather than wait for ever */
			vq_rewind(&rx->ring, &mark);
			rx->st.drop_oversize++;
			return NET_DROPPED;
		}
		rc = vq_pop(&rx->ring, d->mem, more);
		if (rc < 0)
			return rx_broken(rx, &mark);
		if (rc == 0) {
			/* Not enough room now: undo it all, frame stays. */
			vq_rewind(&rx->ring, &mark);
			return NET_FULL;
		}
		cur_in(&w, more);
		k = iov_copy(&w, &s, left);
		left -= k;
		vq_push(&rx->ring, more, k);
		vq_log_written(&rx->ring, more, k);
		nbufs++;
	}
	if (hdr == 12 && nbufs > 1) {
		uint8_t nb[2] = {(uint8_t)nbufs, (uint8_t)(nbufs >> 8)};
		cur_in(&w, first);
		iov_skip(&w, 10);
		iov_from_buf(&w, nb, 2);
	}
	vq_log_written(&rx->ring, first, used_first);
	rx->st.frames++;
	rx->st.bytes += f->len;
	rx->dirty = true;
	return NET_DELIVERED;
}

void net_rx_flush(struct net_dev *d)
{
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q += 2) {
		if (d->q[q].dirty) {
			d->q[q].dirty = false;
			net_queue_flush(&d->q[q]);
		}
	}
}

/*
 * A frame whose checksum the guest left to us (VIRTIO_NET_F_CSUM, virtio
 * 1.2 5.1.6.2): the sum over [csum_start, end) goes at csum_start +
 * csum_offset.  Both come from the guest, so they are checked against the
 * frame first (CVE-2024-11614: csum_start past the end was read beyond
 * the buffer).  The frame is completed in a copy: the guest's TX buffer is
 * read-only to us, and may change under us.
 */
static bool csum_complete(struct net_dev *d, struct net_frame *fr,
			  struct vq_iov *flat, uint16_t start, uint16_t off)
{
	uint8_t *buf = d->flat;
	uint16_t sum;

	if ((uint32_t)start + off + 2 > fr->len || buf == NULL ||
	    net_frame_gather(fr, buf, CFG_FRAME_MAX) != fr->len)
		return false;
	sum = pkt_csum(buf + start, fr->len - start);
	/* 0 is sent as 0xffff, as Linux does (UDP reserves 0) */
	if (sum == 0)
		sum = 0xffff;
	buf[start + off] = (uint8_t)(sum >> 8);
	buf[start + off + 1] = (uint8_t)sum;
	flat->base = buf;
	flat->len = fr->len;
	fr->iov = flat;
	fr->n = 1;
	fr->skip = 0;
	return true;
}

/* The offloads a TX header asks for, with CSUM negotiated (virtio 1.2
 * 5.1.6.2): 0 to send fr (completed in *flat if it asked for a checksum),
 * -1 to drop it as bad. */
static int tx_offloads(struct net_dev *d, const struct vq_chain *c,
		       struct net_frame *fr, struct vq_iov *flat)
{
	uint8_t h[10];

	if (c->iov[0].len >= sizeof(h)) {
		memcpy(h, c->iov[0].base, sizeof(h)); /* the usual case */
	} else {
		struct vq_iov one = {h, sizeof(h)};
		struct iov_cur src, dst;

		iov_cur_init(&dst, &one, 1);
		iov_cur_init(&src, c->iov, c->nout);
		if (iov_copy(&dst, &src, sizeof(h)) != sizeof(h))
			return -1;
	}
	/* gso_type: no GSO feature is offered */
	if (h[1] != 0)
		return -1;
	if (!(h[0] & NET_HDR_F_NEEDS_CSUM))
		return 0;
	return csum_complete(d, fr, flat, (uint16_t)(h[6] | h[7] << 8),
			     (uint16_t)(h[8] | h[9] << 8))
		       ? 0
		       : -1;
}

/* Check one chain the guest transmitted and hand its frame on.  Returns
 * NET_*. */
static int tx_frame(struct net_dev *d, struct vu_queue *tx,
		    const struct vq_chain *c)
{
	uint32_t hdr = net_hdr_len(d->features);
	struct net_frame frame;
	struct vq_iov flat;
	int r;

	if (!net_queue_enabled(tx)) {
		/* "Ring states": a disabled TX ring is drained, not sent */
		tx->st.drop_disabled++;
		return NET_DROPPED;
	}
	if (c->too_long) {
		tx->st.drop_oversize++;
		return NET_DROPPED;
	}
	/* Too short for the virtio-net and Ethernet headers, or writable
	 * buffers on TX (virtio 1.2 5.1.6.2: TX buffers are device-readable):
	 * a bad frame, dropped and counted (CVE-2022-2132). */
	if (c->out_bytes < hdr + PKT_ETH_HLEN || c->nin > 0) {
		tx->st.drop_bad++;
		return NET_DROPPED;
	}
	if (c->out_bytes - hdr > CFG_FRAME_MAX) {
		tx->st.drop_oversize++;
		return NET_DROPPED;
	}
	frame.iov = c->iov;
	frame.n = c->nout;
	frame.skip = hdr;
	frame.len = c->out_bytes - hdr;
	if ((d->features & VU_BIT(VIRTIO_NET_F_CSUM)) &&
	    tx_offloads(d, c, &frame, &flat) < 0) {
		tx->st.drop_bad++;
		return NET_DROPPED;
	}
	r = net_send_up(d, (unsigned)(tx - d->q) / 2, &frame);
	if (r != NET_FULL) { /* a frame left waiting counts later */
		tx->st.frames++;
		tx->st.bytes += frame.len;
	}
	return r;
}

int net_pair_work(struct net_dev *d, unsigned pair)
{
	struct vu_queue *rx = &d->q[2 * pair];
	struct vu_queue *tx = &d->q[2 * pair + 1];
	struct vq_chain *c = &d->tx_chain;
	uint64_t errors = rx->st.errors + tx->st.errors;
	unsigned done = 0;
	bool stalled = false;
	int rc = 0;

	if (!net_queue_ready(tx)) {
		tx->busy = false;
		rx->dirty = false;
		net_queue_flush(rx);
		return 0;
	}
	/* virtio 1.2 2.7.10: no kicks while we are taking chains anyway */
	vq_kicks_off(&tx->ring);
	for (;;) {
		while (done < CFG_BATCH) {
			struct vq_mark mark;

			vq_mark(&tx->ring, &mark);
			rc = vq_pop(&tx->ring, d->mem, c);
			if (rc < 0)
				net_ring_fail(tx);
			if (rc <= 0)
				break;
			rc = tx_frame(d, tx, c);
			if (rc == NET_FULL) {
				/* Echo waits for RX buffers: the guest's RX
				 * kick brings us back (RX kicks stay on). */
				vq_rewind(&tx->ring, &mark);
				stalled = true;
				break;
			}
			vq_push(&tx->ring, c, 0);
			done++;
		}
		if (rc < 0 || stalled || done >= CFG_BATCH)
			break;
		/* Nothing left: ask for kicks again, and take what came in
		 * the window before they were on. */
		if (!vq_kicks_on(&tx->ring))
			break;
		vq_kicks_off(&tx->ring);
	}
	tx->busy = rc >= 0 && !stalled && done >= CFG_BATCH;
	net_queue_flush(tx);
	rx->dirty = false;
	net_queue_flush(rx);
	return rx->st.errors + tx->st.errors != errors ? -1 : 0;
}

/* ---- counters ------------------------------------------------------------ */

void net_print_queue(const char *dev, unsigned q, const struct q_stats *s)
{
	LOG_OUT("%s q%u (%s): frames %llu bytes %llu kicks %llu calls %llu "
		"drops: bad %llu oversize %llu no-rx %llu disabled %llu "
		"ring-errors %llu\n",
		 dev, q, q & 1 ? "tx" : "rx", (unsigned long long)s->frames,
		 (unsigned long long)s->bytes, (unsigned long long)s->kicks,
		 (unsigned long long)s->calls,
		 (unsigned long long)s->drop_bad,
		 (unsigned long long)s->drop_oversize,
		 (unsigned long long)s->drop_norx,
		 (unsigned long long)s->drop_disabled,
		 (unsigned long long)s->errors);
}

void net_print_line(const char *dev, bool connected,
		    const struct q_stats *rx, const struct q_stats *tx)
{
	LOG_OUT("%s: %s, rx %llu frames %llu bytes, tx %llu frames %llu "
		 "bytes, kicks %llu calls %llu, drops: bad %llu oversize %llu "
		 "no-rx %llu disabled %llu\n",
		 dev, connected ? "connected" : "waiting",
		 (unsigned long long)rx->frames, (unsigned long long)rx->bytes,
		 (unsigned long long)tx->frames, (unsigned long long)tx->bytes,
		 (unsigned long long)(rx->kicks + tx->kicks),
		 (unsigned long long)(rx->calls + tx->calls),
		 (unsigned long long)(rx->drop_bad + tx->drop_bad),
		 (unsigned long long)(rx->drop_oversize + tx->drop_oversize),
		 (unsigned long long)(rx->drop_norx + tx->drop_norx),
		 (unsigned long long)(rx->drop_disabled + tx->drop_disabled));
}
