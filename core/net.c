/*
 * net.c - the back-end's virtio-net data path (virtio 1.2 5.1.6).
 *
 * Frames are copied straight from the guest's TX buffers into its RX
 * buffers; nothing is staged in our memory.  One pass takes at most
 * CFG_BATCH chains per queue, then publishes each used ring once and calls
 * the guest once (if it wants calls).
 */
#include "core/net.h"

#include <string.h>

#include "core/backend.h"
#include "core/frontend.h"
#include "core/fwd.h"
#include "core/iov.h"
#include "core/log.h"

/* Publish the used ring and call the guest if it wants it (virtio 1.2
 * 2.7.7.2). */
static void q_flush(struct vu_queue *q)
{
	if (!q->attached)
		return;
	vq_publish(&q->ring);
	if (vq_need_call(&q->ring) && q->call_fd >= 0) {
		port_evt_signal(q->call_fd);
		q->st.calls++;
	}
}

/* Start of the writable pieces of a chain. */
static void cur_in(struct iov_cur *cur, const struct vq_chain *c)
{
	iov_cur_init(cur, c->iov + c->nout, c->nin);
}

/*
 * Copy one frame into the RX queue, with a fresh virtio-net header.  With
 * MRG_RXBUF a frame may take several RX chains, and the first header says
 * how many (num_buffers, virtio 1.2 5.1.6.4).
 */
int net_rx_deliver(struct vu_dev *d, unsigned pair, const struct net_frame *f)
{
	struct vu_queue *rx = &d->q[2 * pair];
	bool mrg = (d->features & VU_BIT(VIRTIO_NET_F_MRG_RXBUF)) != 0;
	uint32_t hdr = net_hdr_len(d->features);
	struct vq_chain *first = &d->rx_first;
	struct iov_cur s, w;
	uint8_t h[12] = {0};
	uint32_t left = f->len, used_first;
	uint16_t nbufs = 1;
	int rc;

	if (!be_ring_ready(rx)) {
		rx->st.drop_norx++;
		return NET_DROPPED;
	}
	if (!be_ring_enabled(d, rx)) {
		/* vhost-user.rst "Ring states": no new RX on a disabled ring */
		rx->st.drop_disabled++;
		return NET_DROPPED;
	}
	rc = vq_pop(&rx->ring, &d->mem, first);
	if (rc <= 0)
		return rc < 0 ? rc : NET_FULL;
	if (first->too_long || first->in_bytes < hdr ||
	    (!mrg && first->in_bytes < hdr + f->len)) {
		/* The guest's buffer cannot take it: give it back untouched
		 * and drop this frame only. */
		vq_unpop(&rx->ring, 1);
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
	vq_push(&rx->ring, first->head, used_first);

	while (left > 0) { /* mergeable buffers only */
		struct vq_chain *more = &d->rx_more;
		uint32_t k;

		rc = vq_pop(&rx->ring, &d->mem, more);
		if (rc < 0)
			return rc;
		if (rc == 0 || more->too_long || nbufs == 0xffff) {
			/* Not enough room now: undo it all, frame stays. */
			vq_unpop(&rx->ring, (uint16_t)(nbufs + (rc > 0)));
			vq_unpush(&rx->ring, nbufs);
			return NET_FULL;
		}
		cur_in(&w, more);
		k = iov_copy(&w, &s, left);
		left -= k;
		vq_push(&rx->ring, more->head, k);
		nbufs++;
	}
	if (hdr == 12 && nbufs > 1) {
		uint8_t nb[2] = {(uint8_t)nbufs, (uint8_t)(nbufs >> 8)};
		cur_in(&w, first);
		iov_skip(&w, 10);
		iov_from_buf(&w, nb, 2);
	}
	rx->st.frames++;
	rx->st.bytes += f->len;
	rx->dirty = true;
	fwd_capture(d, f);
	return NET_DELIVERED;
}

void net_rx_flush(struct vu_dev *d)
{
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q += 2) {
		if (d->q[q].dirty) {
			d->q[q].dirty = false;
			q_flush(&d->q[q]);
		}
	}
}

/* `--dump`: the frame as hex, 16 bytes a line, like the sample app's
 * "chunks:" output. */
void net_dump_frame(const struct vu_dev *d, const struct net_frame *f,
		    uint64_t seq)
{
	uint32_t len = f->len;
	static const char hex[] = "0123456789abcdef";
	struct iov_cur s;
	uint8_t b[16];
	char line[16 * 3 + 1];

	LOG_INFO("%s: frame %llu, %u bytes:\n", d->name,
		 (unsigned long long)seq, len);
	iov_cur_init(&s, f->iov, f->n);
	iov_skip(&s, f->skip);
	for (uint32_t off = 0; off < len; off += 16) {
		struct vq_iov one = {b, sizeof(b)};
		struct iov_cur dst;
		uint32_t k;

		iov_cur_init(&dst, &one, 1);
		k = iov_copy(&dst, &s, len - off < 16 ? len - off : 16);
		for (uint32_t j = 0; j < k; j++) {
			line[3 * j] = hex[b[j] >> 4];
			line[3 * j + 1] = hex[b[j] & 15];
			line[3 * j + 2] = ' ';
		}
		line[k ? 3 * k - 1 : 0] = '\0';
		LOG_INFO("  %04x: %s\n", off, line);
	}
}

/* Check one chain the guest transmitted and hand its frame on.  Returns
 * NET_* or <0. */
static int tx_frame(struct vu_dev *d, struct vu_queue *tx,
		    const struct vq_chain *c)
{
	uint32_t hdr = net_hdr_len(d->features);
	struct net_frame frame;
	int r;

	if (!be_ring_enabled(d, tx)) {
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
	if (c->out_bytes < hdr + NET_ETH_HLEN || c->nin > 0) {
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
	r = fwd_guest_frame(d, (unsigned)(tx - d->q) / 2, &frame, tx->st.frames);
	if (r >= 0 && r != NET_FULL) { /* a frame left waiting counts later */
		tx->st.frames++;
		tx->st.bytes += frame.len;
	}
	return r;
}

/* `--generate`: fill the guest's RX ring with one fixed frame, a batch at a
 * time, for as long as it has buffers (the bench's "rx" direction). */
static int rx_generate(struct vu_dev *d, unsigned pair)
{
	static uint8_t frame[CFG_FRAME_MAX];
	static uint32_t frame_len;
	struct vu_queue *rx = &d->q[2 * pair];
	struct vq_iov one;
	struct net_frame fr;
	unsigned k;

	if (frame_len != d->o.size) { /* built once */
		fe_make_frame(frame, d->o.size, 0);
		frame_len = d->o.size;
	}
	one.base = frame;
	one.len = frame_len;
	fr.iov = &one;
	fr.n = 1;
	fr.skip = 0;
	fr.len = frame_len;
	for (k = 0; k < CFG_BATCH; k++) {
		int r = net_rx_deliver(d, pair, &fr);
		if (r < 0)
			return r;
		if (r != NET_DELIVERED)
			break; /* full: the guest's RX kick brings us back */
	}
	rx->busy = k == CFG_BATCH;
	return 0;
}

int net_pair_work(struct vu_dev *d, unsigned pair)
{
	struct vu_queue *rx = &d->q[2 * pair];
	struct vu_queue *tx = &d->q[2 * pair + 1];
	struct vq_chain *c = &d->tx_chain;
	unsigned done = 0;
	bool stalled = false;
	int rc = 0;

	if (d->o.action == ACT_GENERATE && be_ring_ready(rx)) {
		rc = rx_generate(d, pair);
		if (rc < 0)
			return rc;
	}
	if (!be_ring_ready(tx)) {
		rx->dirty = false;
		q_flush(rx);
		return 0;
	}
	/* virtio 1.2 2.7.10: no kicks while we are taking chains anyway */
	vq_kicks_off(&tx->ring);
	for (;;) {
		while (done < CFG_BATCH) {
			rc = vq_pop(&tx->ring, &d->mem, c);
			if (rc <= 0)
				break;
			rc = tx_frame(d, tx, c);
			if (rc < 0)
				break;
			if (rc == NET_FULL) {
				/* Echo waits for RX buffers: the guest's RX
				 * kick brings us back (RX kicks stay on). */
				vq_unpop(&tx->ring, 1);
				stalled = true;
				break;
			}
			vq_push(&tx->ring, c->head, 0);
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
	q_flush(tx);
	rx->dirty = false;
	q_flush(rx);
	return rc < 0 ? rc : 0;
}
