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

#include "core/log.h"
#include "core/net/flow.h"
#include "core/net/iov.h"
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
	nd->frame_max = CFG_FRAME_MAX;
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

/*
 * The next RX buffer.  None: we wait for the guest's next one, so ask for
 * its kick (a ring with EVENT_IDX asks for kicks only then: the driver
 * kicks once, when it adds the buffer we wait for, not at every refill),
 * and take one that came in meanwhile.
 */
static int rx_pop(struct net_dev *d, struct vu_queue *rx, struct vq_chain *c)
{
	int rc;

	for (unsigned tries = 0;; tries++) {
		rc = vq_pop(&rx->ring, d->mem, c);
		if (rc != 0 || tries > 0 || !vq_kicks_on(&rx->ring))
			return rc;
	}
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
	struct net_hdr oh = {0};
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
	if (CFG_WITH_LINKS && f->hdr != NULL) { /* only a tap's carry any */
		/* DATA_VALID is advice the guest may go without (a tap sets
		 * it whatever was negotiated); any other offload it did not
		 * take (GUEST_*, 5.1.6.4) drops the frame */
		oh = *f->hdr;
		if (!(net_offloads_rx(d->features) & NET_OFF_CSUM))
			oh.flags &= (uint8_t)~NET_HDR_F_DATA_VALID;
		if (net_hdr_check(&oh, f->len, net_offloads_rx(d->features),
				  true) != NET_HDR_OK) {
			rx->st.drop_bad++;
			return NET_DROPPED;
		}
	}
	if (f->len > (CFG_WITH_LINKS && f->hdr != NULL &&
			      oh.gso_type != NET_HDR_GSO_NONE
			      ? NET_GSO_FRAME_MAX
			      : d->frame_max)) {
		/* larger than the MTU the guest was given (5.1.4.1) */
		rx->st.drop_oversize++;
		return NET_DROPPED;
	}
	/* Room for a whole frame's used elements: else hand over (and
	 * call for) what is pending first. */
	if (!vq_push_room(&rx->ring, CFG_RX_BUFS))
		net_queue_flush(rx);
	vq_mark(&rx->ring, &mark);
	rc = rx_pop(d, rx, first);
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
	if (CFG_WITH_LINKS && f->hdr != NULL)
		net_hdr_put(&oh, h); /* the offloads it carries */
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
		rc = rx_pop(d, rx, more);
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

/* ---- which pair a frame from elsewhere goes to ---------------------------- */

/* RX rings that take frames; *first: the first of them. */
static unsigned rx_pairs(const struct net_dev *d, unsigned *first)
{
	unsigned n = 0;

	*first = 0;
	for (unsigned p = CFG_MAX_QUEUE_PAIRS; p-- > 0;) {
		if (net_rx_usable(d, p)) {
			*first = p;
			n++;
		}
	}
	return n;
}

void net_flow_learn(struct net_dev *d, unsigned pair,
		    const struct net_frame *fr)
{
	uint8_t head[NET_FLOW_BYTES];
	unsigned first;
	uint32_t n;

	/* one pair, or one that receives: nothing to choose later */
	if (CFG_MAX_QUEUE_PAIRS == 1 || rx_pairs(d, &first) < 2)
		return;
	n = net_frame_gather(fr, head, sizeof(head));
	d->flow_pair[net_flow_hash(head, n) % NET_FLOW_SLOTS] =
		(uint8_t)(pair + 1);
}

unsigned net_rx_pair(const struct net_dev *d, const uint8_t *head,
		     uint32_t n)
{
	unsigned first, usable, k, learned;
	uint32_t h;

	if (CFG_MAX_QUEUE_PAIRS == 1)
		return 0;
	usable = rx_pairs(d, &first);
	if (usable < 2)
		return first;
	h = net_flow_hash(head, n);
	learned = d->flow_pair[h % NET_FLOW_SLOTS];
	if (learned != 0 && net_rx_usable(d, learned - 1))
		return learned - 1;
	/* a flow the guest has not sent: any pair, the same each time */
	k = h % usable;
	for (unsigned p = first; p < CFG_MAX_QUEUE_PAIRS; p++)
		if (net_rx_usable(d, p) && k-- == 0)
			return p;
	return first;
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

/* The virtio-net header the guest wrote before a frame (its first
 * NET_HDR_BYTES, read once: the guest may change them meanwhile). */
static bool tx_hdr(const struct vq_chain *c, struct net_hdr *h)
{
	uint8_t b[NET_HDR_BYTES];

	if (c->iov[0].len >= sizeof(b)) {
		memcpy(b, c->iov[0].base, sizeof(b)); /* the usual case */
	} else {
		struct vq_iov one = {b, sizeof(b)};
		struct iov_cur src, dst;

		iov_cur_init(&dst, &one, 1);
		iov_cur_init(&src, c->iov, c->nout);
		if (iov_copy(&dst, &src, sizeof(b)) != sizeof(b))
			return false;
	}
	net_hdr_get(h, b);
	return true;
}

/* Check one chain the guest transmitted and hand its frame on.  Returns
 * NET_*. */
static int tx_frame(struct net_dev *d, struct vu_queue *tx,
		    const struct vq_chain *c)
{
	uint32_t hdr = net_hdr_len(d->features), limit;
	struct net_frame frame;
	struct net_hdr h;
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
	frame.iov = c->iov;
	frame.n = c->nout;
	frame.skip = hdr;
	frame.len = c->out_bytes - hdr;
	frame.hdr = NULL;
	/* The offloads the header asks for, as negotiated (CSUM, HOST_TSO*:
	 * virtio 1.2 5.1.6.2), each field checked (CVE-2024-11614: a
	 * csum_start past the end was read beyond the buffer).  Without
	 * CSUM the header asks for nothing (5.1.6.2.1). */
	if (d->features & VU_BIT(VIRTIO_NET_F_CSUM)) {
		if (!tx_hdr(c, &h) ||
		    net_hdr_check(&h, frame.len, net_offloads_tx(d->features),
				  false) != NET_HDR_OK) {
			tx->st.drop_bad++;
			return NET_DROPPED;
		}
		if (!net_hdr_plain(&h))
			frame.hdr = &h;
	}
	/* a GSO frame is as long as the segmenter takes; the MTU is for
	 * the others (5.1.4.2) */
	limit = frame.hdr != NULL && frame.hdr->gso_type != NET_HDR_GSO_NONE
			? NET_GSO_FRAME_MAX
			: d->frame_max;
	if (frame.len > limit) {
		tx->st.drop_oversize++;
		return NET_DROPPED;
	}
	if (frame.hdr != NULL && !(CFG_WITH_LINKS && d->pass_offloads)) {
		/* completed here: a GSO type was not offered, so only a
		 * partial checksum gets this far */
		if (frame.hdr->gso_type != NET_HDR_GSO_NONE ||
		    !csum_complete(d, &frame, &flat, h.csum_start,
				   h.csum_offset)) {
			tx->st.drop_bad++;
			return NET_DROPPED;
		}
		frame.hdr = NULL;
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
