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

#include "core/dev/backend.h"
#include "core/mem/dirty.h"
#include "core/dev/frontend.h"
#include "core/app/fwd.h"
#include "core/net/iov.h"
#include "core/log.h"
#include "core/net/pkt.h"

/* Publish the used ring and call the guest if it wants it (virtio 1.2
 * 2.7.7.2). */
void net_queue_flush(struct vu_queue *q)
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

/* Migration: mark the pages of the first `bytes` we wrote into c. */
static void log_written(struct vu_dev *d, const struct vq_chain *c,
			uint32_t bytes)
{
	for (unsigned i = c->nout; i < (unsigned)c->nout + c->nin && bytes > 0;
	     i++) {
		uint32_t k = c->iov[i].len < bytes ? c->iov[i].len : bytes;

		dirty_mark_local(&d->dlog, &d->mem, c->iov[i].base, k);
		bytes -= k;
	}
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
	bool logging = rx->ring.log != NULL;
	uint32_t hdr = net_hdr_len(d->features);
	struct vq_chain *first = &d->rx_first;
	struct iov_cur s, w;
	struct vq_mark mark;
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
	/* Room for a whole frame's used elements: else hand over (and
	 * call for) what is pending first. */
	if (!vq_push_room(&rx->ring, CFG_RX_BUFS))
		net_queue_flush(rx);
	vq_mark(&rx->ring, &mark);
	rc = vq_pop(&rx->ring, &d->mem, first);
	if (rc <= 0)
		return rc < 0 ? rc : NET_FULL;
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
		rc = vq_pop(&rx->ring, &d->mem, more);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			/* Not enough room now: undo it all, frame stays. */
			vq_rewind(&rx->ring, &mark);
			return NET_FULL;
		}
		cur_in(&w, more);
		k = iov_copy(&w, &s, left);
		left -= k;
		vq_push(&rx->ring, more, k);
		if (logging)
			log_written(d, more, k);
		nbufs++;
	}
	if (hdr == 12 && nbufs > 1) {
		uint8_t nb[2] = {(uint8_t)nbufs, (uint8_t)(nbufs >> 8)};
		cur_in(&w, first);
		iov_skip(&w, 10);
		iov_from_buf(&w, nb, 2);
	}
	if (logging)
		log_written(d, first, used_first);
	rx->st.frames++;
	rx->st.bytes += f->len;
	rx->dirty = true;
	fwd_capture(d, f);
	return NET_DELIVERED;
}

/* vhost-user.rst "Migration": the SET_LOG_FD eventfd tells the front-end
 * that the log has new marks. */
static void log_kick(struct vu_dev *d)
{
	if (d->dlog.marked && d->log_fd >= 0) {
		d->dlog.marked = false;
		port_evt_signal(d->log_fd);
	}
}

void net_rx_flush(struct vu_dev *d)
{
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q += 2) {
		if (d->q[q].dirty) {
			d->q[q].dirty = false;
			net_queue_flush(&d->q[q]);
		}
	}
	log_kick(d);
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

/*
 * A frame whose checksum the guest left to us (VIRTIO_NET_F_CSUM, virtio
 * 1.2 5.1.6.2): the sum over [csum_start, end) goes at csum_start +
 * csum_offset.  Both come from the guest, so they are checked against the
 * frame first (CVE-2024-11614: csum_start past the end was read beyond
 * the buffer).  The frame is completed in a copy: the guest's TX buffer is
 * read-only to us, and may change under us.
 */
static bool csum_complete(struct net_frame *fr, struct vq_iov *flat,
			  uint16_t start, uint16_t off)
{
	static uint8_t buf[CFG_FRAME_MAX];
	struct vq_iov one = {buf, sizeof(buf)};
	struct iov_cur src, dst;
	uint16_t sum;

	if ((uint32_t)start + off + 2 > fr->len)
		return false;
	iov_cur_init(&dst, &one, 1);
	iov_cur_init(&src, fr->iov, fr->n);
	iov_skip(&src, fr->skip);
	if (iov_copy(&dst, &src, fr->len) != fr->len)
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
static int tx_offloads(const struct vq_chain *c, struct net_frame *fr,
		       struct vq_iov *flat)
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
	return csum_complete(fr, flat, (uint16_t)(h[6] | h[7] << 8),
			     (uint16_t)(h[8] | h[9] << 8))
		       ? 0
		       : -1;
}

/* Check one chain the guest transmitted and hand its frame on.  Returns
 * NET_* or <0. */
static int tx_frame(struct vu_dev *d, struct vu_queue *tx,
		    const struct vq_chain *c)
{
	uint32_t hdr = net_hdr_len(d->features);
	struct net_frame frame;
	struct vq_iov flat;
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
	if ((d->features & VU_BIT(VIRTIO_NET_F_CSUM)) &&
	    tx_offloads(c, &frame, &flat) < 0) {
		tx->st.drop_bad++;
		return NET_DROPPED;
	}
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
	net_frame_flat(&fr, &one, frame, frame_len);
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

	if (CFG_WITH_FRONTEND && d->o.action == ACT_GENERATE &&
	    be_ring_ready(rx)) {
		rc = rx_generate(d, pair);
		if (rc < 0)
			return rc;
	}
	if (!be_ring_ready(tx)) {
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
			rc = vq_pop(&tx->ring, &d->mem, c);
			if (rc <= 0)
				break;
			rc = tx_frame(d, tx, c);
			if (rc < 0)
				break;
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
	log_kick(d);
	return rc < 0 ? rc : 0;
}
