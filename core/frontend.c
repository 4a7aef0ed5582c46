/*
 * frontend.c - the front-end role (vhost-user.rst "Front-end").
 *
 * The back-end is not trusted either: every reply is checked (flags,
 * request, size, no fds), and every used element it writes is checked
 * against what we actually offered.
 */
#include "core/frontend.h"

#include <string.h>

#include "core/backend.h"
#include "core/fe_ping.h"
#include "core/log.h"
#include "core/net.h"
#include "core/trace.h"

/* Where our one region sits in "guest-physical" space. */
#define FE_GPA_BASE 0x40000000ull
#define FE_TIMEOUT_NS (10ull * 1000000000ull)
#define FE_GRACE_NS (300ull * 1000000ull)
#define FE_NUM CFG_FE_QUEUE_SIZE
#define FE_TX_SLOTS (FE_NUM / 2) /* a TX chain is two descriptors */

/* Handshake steps, in the order QEMU uses; queue steps repeat per queue. */
enum {
	ST_OWNER,
	ST_GET_FEATURES,
	ST_GET_PROTO,
	ST_SET_PROTO,
	ST_GET_QNUM,
	ST_SET_FEATURES,
	ST_MEM_TABLE,
	ST_QUEUES, /* then 6 steps for each of queue 0 (RX) and 1 (TX) */
};
enum { QS_NUM, QS_BASE, QS_ADDR, QS_CALL, QS_KICK, QS_ENABLE, QS_COUNT };
#define ST_RUN (ST_QUEUES + 2 * QS_COUNT)
#define ST_STOP_RX ST_RUN /* GET_VRING_BASE at the end */
#define ST_STOP_TX (ST_RUN + 1)
#define ST_END (ST_RUN + 2)

/* Layout of the shared memory (offsets), fixed by the queue size. */
#define RING_BYTES \
	((VRING_DESC_BYTES(FE_NUM) + VRING_AVAIL_BYTES(FE_NUM) + 63) / 64 * 64 + \
	 VRING_USED_BYTES(FE_NUM))
#define RING_SPAN ((RING_BYTES + 4095) / 4096 * 4096)
#define OFF_RX_RING 0ull
#define OFF_TX_RING RING_SPAN
#define OFF_BUFS (2 * RING_SPAN)

static uint8_t *fe_ptr(const struct vu_dev *d, uint64_t off)
{
	return (uint8_t *)d->fe.mem + off;
}

static uint64_t fe_uva(const struct vu_dev *d, uint64_t off)
{
	return (uint64_t)(uintptr_t)fe_ptr(d, off);
}

/* RX buffer i, then TX slot s. */
static uint64_t rx_buf_off(const struct vu_dev *d, uint32_t i)
{
	return OFF_BUFS + (uint64_t)i * d->fe.buf_size;
}

static uint64_t tx_buf_off(const struct vu_dev *d, uint32_t s)
{
	return OFF_BUFS + (uint64_t)(FE_NUM + s) * d->fe.buf_size;
}

static const uint8_t arp_request[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* broadcast */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* our MAC */
	0x08, 0x06,                         /* ARP */
	0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01, /* Ethernet/IPv4 request */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* sender MAC */
	192,  0,    2,    1,                /* sender 192.0.2.1 (TEST-NET-1) */
	0,    0,    0,    0,    0,    0,    /* target MAC unknown */
	192,  0,    2,    2,                /* who has 192.0.2.2? */
};

/* Byte `at` of test frame number seq: the ARP request, then a sequence
 * number, then a pattern that moves with it. */
static uint8_t fe_byte(uint32_t seq, uint32_t at)
{
	uint32_t k;

	if (at < sizeof(arp_request))
		return arp_request[at];
	k = at - (uint32_t)sizeof(arp_request);
	return k < 4 ? (uint8_t)(seq >> (24 - 8 * k)) : (uint8_t)(seq + k);
}

void fe_make_frame(uint8_t *out, uint32_t size, uint32_t seq)
{
	for (uint32_t i = 0; i < size; i++)
		out[i] = fe_byte(seq, i);
}

int fe_init(struct vu_dev *d)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = 12; /* the larger header: the layout fits either */
	uint32_t frame_max;
	uint64_t need;
	int rc;

	f->memfd = -1;
	f->deadline = port_now_ns() + FE_TIMEOUT_NS; /* for a back-end */
	if ((!d->o.host && d->o.size < sizeof(arp_request)) ||
	    d->o.size > CFG_FRAME_MAX) {
		LOG_ERR("%s: --size %u: frames are %u to %u bytes", d->name,
			d->o.size, (unsigned)sizeof(arp_request),
			(unsigned)CFG_FRAME_MAX);
		return -PORT_EINVAL;
	}
	/* --ping frames carry headers around the payload, and what we answer
	 * may be as large as a standard frame */
	frame_max = d->o.host ? d->o.size + 42 : d->o.size;
	if (d->o.host && frame_max < 1514)
		frame_max = 1514;
	if (frame_max > CFG_FRAME_MAX) {
		LOG_ERR("%s: --size %u makes frames larger than %u bytes",
			d->name, d->o.size, (unsigned)CFG_FRAME_MAX);
		return -PORT_EINVAL;
	}
	f->buf_size = (hdr + frame_max + 63) / 64 * 64;
	need = OFF_BUFS + (uint64_t)(FE_NUM + FE_TX_SLOTS) * f->buf_size;
	f->mem_size = (need + 0x1fffff) & ~0x1fffffull; /* whole 2 MiB */
	if (f->mem_size > CFG_FE_MEM_SIZE) {
		LOG_ERR("%s: --size %u needs %llu bytes of shared memory, the "
			"board gives %u", d->name, d->o.size,
			(unsigned long long)f->mem_size,
			(unsigned)CFG_FE_MEM_SIZE);
		return -PORT_ENOSPC;
	}
	rc = port_mem_create("vhost-frontend", f->mem_size);
	if (rc < 0) {
		LOG_ERR("%s: cannot create shared memory (error %d)", d->name,
			-rc);
		return rc;
	}
	f->memfd = rc;
	rc = port_mem_map(f->memfd, f->mem_size, &f->mem);
	if (rc < 0) {
		LOG_ERR("%s: cannot map shared memory (error %d)", d->name, -rc);
		port_fd_close(f->memfd);
		f->memfd = -1;
		return rc;
	}
	return 0;
}

void fe_release(struct vu_dev *d)
{
	struct fe_state *f = &d->fe;

	if (f->mem != NULL)
		port_mem_unmap(f->mem, f->mem_size);
	port_fd_close(f->memfd);
	f->mem = NULL;
	f->memfd = -1;
}

static void fe_finish(struct vu_dev *d, bool ok, const char *why)
{
	if (d->finished)
		return;
	d->finished = true;
	d->exit_code = ok ? 0 : 1;
	if (!ok)
		LOG_ERR("%s: front-end failed: %s", d->name, why);
}

void fe_fail(struct vu_dev *d, const char *why)
{
	fe_finish(d, false, why);
}

/* ---- handshake ----------------------------------------------------------- */

static uint64_t fe_hdr_len(const struct vu_dev *d)
{
	return net_hdr_len(d->features);
}

/* Lay the rings out and offer every RX buffer and no TX yet. */
static void fe_setup_rings(struct vu_dev *d)
{
	struct fe_state *f = &d->fe;
	uint64_t qoff[2] = {OFF_RX_RING, OFF_TX_RING};
	struct vqd *r[2] = {&f->rxq, &f->txq};

	memset(f->mem, 0, OFF_BUFS);
	for (unsigned q = 0; q < 2; q++) {
		uint64_t o = qoff[q];
		uint64_t avail = o + VRING_DESC_BYTES(FE_NUM);
		uint64_t used = (avail + VRING_AVAIL_BYTES(FE_NUM) + 63) / 64 * 64;
		vqd_init(r[q], FE_NUM, fe_ptr(d, o), fe_ptr(d, avail),
			 fe_ptr(d, used));
		d->q[q].addr.index = q;
		d->q[q].addr.desc = fe_uva(d, o);
		d->q[q].addr.avail = fe_uva(d, avail);
		d->q[q].addr.used = fe_uva(d, used);
	}
	for (uint32_t i = 0; i < FE_NUM; i++) {
		struct vring_desc *dd = &f->rxq.desc[i];
		dd->addr = FE_GPA_BASE + rx_buf_off(d, i);
		dd->len = f->buf_size;
		dd->flags = VRING_DESC_F_WRITE;
		vqd_add(&f->rxq, (uint16_t)i);
	}
	for (uint32_t s = 0; s < FE_TX_SLOTS; s++) {
		struct vring_desc *h = &f->txq.desc[2 * s];
		h->addr = FE_GPA_BASE + tx_buf_off(d, s);
		h->len = (uint32_t)fe_hdr_len(d);
		h->flags = VRING_DESC_F_NEXT;
		h->next = (uint16_t)(2 * s + 1);
		h[1].addr = h->addr + h->len;
		h[1].len = d->o.size;
		h[1].flags = 0;
		f->tx_free[s] = (uint16_t)(FE_TX_SLOTS - 1 - s);
	}
	f->n_tx_free = FE_TX_SLOTS;
}

/*
 * Build the message of step `st`.  Returns 0 with *req set, 1 to skip the
 * step, <0 on failure.  *want_reply tells whether the request has a reply
 * of its own.
 */
static int fe_build(struct vu_dev *d, unsigned st, uint32_t *req,
		    uint8_t *payload, uint32_t *size, int *fds,
		    unsigned *nfds, bool *want_reply)
{
	struct fe_state *f = &d->fe;
	bool proto = (d->features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES)) ||
		     (!d->o.no_proto &&
		      (f->offered & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES)));
	uint64_t u64 = 0;

	*size = 0;
	*nfds = 0;
	*want_reply = false;
	switch (st) {
	case ST_OWNER:
		*req = VU_SET_OWNER;
		return 0;
	case ST_GET_FEATURES:
		*req = VU_GET_FEATURES;
		*want_reply = true;
		return 0;
	case ST_GET_PROTO:
		if (!proto)
			return 1;
		*req = VU_GET_PROTOCOL_FEATURES;
		*want_reply = true;
		return 0;
	case ST_SET_PROTO:
		if (!proto)
			return 1;
		*req = VU_SET_PROTOCOL_FEATURES;
		u64 = f->proto_offered & (VU_BIT(VU_PROTO_F_REPLY_ACK) |
					  VU_BIT(VU_PROTO_F_MQ));
		d->proto = u64;
		break;
	case ST_GET_QNUM:
		if (!(d->proto & VU_BIT(VU_PROTO_F_MQ)))
			return 1;
		*req = VU_GET_QUEUE_NUM;
		*want_reply = true;
		return 0;
	case ST_SET_FEATURES:
		*req = VU_SET_FEATURES;
		u64 = f->offered &
		      (VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VIRTIO_NET_F_MRG_RXBUF));
		if (proto)
			u64 |= VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
		d->features = u64;
		break;
	case ST_MEM_TABLE: {
		struct vu_memhdr h = {1, 0};
		struct vu_region r = {FE_GPA_BASE, f->mem_size, fe_uva(d, 0), 0};
		*req = VU_SET_MEM_TABLE;
		memcpy(payload, &h, sizeof(h));
		memcpy(payload + sizeof(h), &r, sizeof(r));
		*size = sizeof(h) + sizeof(r);
		fds[0] = f->memfd;
		*nfds = 1;
		fe_setup_rings(d);
		return 0;
	}
	case ST_STOP_RX:
	case ST_STOP_TX: {
		struct vu_state s = {st - ST_STOP_RX, 0};
		*req = VU_GET_VRING_BASE;
		memcpy(payload, &s, sizeof(s));
		*size = sizeof(s);
		*want_reply = true;
		return 0;
	}
	default: {
		unsigned q = (st - ST_QUEUES) / QS_COUNT;
		struct vu_queue *vq = &d->q[q];
		struct vu_state s = {q, 0};

		switch ((st - ST_QUEUES) % QS_COUNT) {
		case QS_NUM:
			*req = VU_SET_VRING_NUM;
			s.num = FE_NUM;
			break;
		case QS_BASE:
			*req = VU_SET_VRING_BASE;
			break;
		case QS_ADDR:
			*req = VU_SET_VRING_ADDR;
			memcpy(payload, &vq->addr, sizeof(vq->addr));
			*size = sizeof(vq->addr);
			return 0;
		case QS_CALL:
		case QS_KICK: {
			bool call = (st - ST_QUEUES) % QS_COUNT == QS_CALL;
			int fd;

			*req = call ? VU_SET_VRING_CALL : VU_SET_VRING_KICK;
			*size = 8;
			if (!call && d->o.no_kick) {
				/* vhost-user.rst: no kick fd, the ring is
				 * polled by the back-end */
				u64 = q | VU_VRING_NOFD;
				memcpy(payload, &u64, 8);
				return 0;
			}
			fd = port_evt_create();
			if (fd < 0)
				return fd;
			if (call)
				vq->call_fd = fd;
			else
				vq->kick_fd = fd;
			u64 = q;
			fds[0] = fd;
			*nfds = 1;
			memcpy(payload, &u64, 8);
			return 0;
		}
		case QS_ENABLE:
		default:
			if (!proto)
				return 1;
			*req = VU_SET_VRING_ENABLE;
			s.num = 1;
			break;
		}
		memcpy(payload, &s, sizeof(s));
		*size = sizeof(s);
		return 0;
	}
	}
	memcpy(payload, &u64, 8);
	*size = 8;
	return 0;
}

static int fe_pump(struct vu_dev *d, uint64_t now);
static void fe_kick(struct vu_dev *d, unsigned q, struct vqd *r);
static int fe_run_over(struct vu_dev *d, uint64_t now);

/* Send steps until one needs an answer or the handshake is over. */
static int fe_advance(struct vu_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	while (!f->waiting && f->step < ST_END) {
		struct vu_msg m;
		bool want_reply = false;
		int fds[1];
		int rc;

		if (f->step == ST_RUN && !f->running) {
			f->running = true;
			/* the RX buffers are on the ring: tell the back-end */
			fe_kick(d, 0, &f->rxq);
			f->deadline = now + FE_TIMEOUT_NS;
			fe_pump(d, now);
			rc = fe_run_over(d, now); /* at once for --frames 0 */
			if (rc <= 0)
				return rc;
			continue;
		}
		if (f->step == ST_RUN && !f->stopping)
			return 0;
		rc = fe_build(d, f->step, &m.hdr.request, m.p.bytes,
			      &m.hdr.size, fds, &m.nfds, &want_reply);
		if (rc < 0) {
			fe_finish(d, false, "cannot create an eventfd");
			return rc;
		}
		if (rc == 1) {
			f->step++;
			continue;
		}
		m.hdr.flags = VU_VERSION;
		/* REPLY_ACK holds from the request after the one that
		 * negotiates it (QEMU sends that one without need_reply). */
		if (!want_reply && f->step != ST_SET_PROTO &&
		    (d->proto & VU_BIT(VU_PROTO_F_REPLY_ACK))) {
			m.hdr.flags |= VU_FLAG_NEED_REPLY;
			want_reply = true;
		}
		if (d->o.verbose) {
			for (unsigned i = 0; i < m.nfds; i++)
				m.fds[i] = fds[i];
			trace_msg(&m);
		}
		rc = vu_send(d->fd, m.hdr.request, m.hdr.flags, m.p.bytes,
			     m.hdr.size, fds, m.nfds);
		if (rc < 0) {
			fe_finish(d, false, "cannot send to the back-end");
			return rc;
		}
		f->step++;
		if (want_reply) {
			f->waiting = true;
			f->wait_req = m.hdr.request;
			f->deadline = now + FE_TIMEOUT_NS;
		}
	}
	if (f->step >= ST_END && !f->waiting && !d->finished)
		fe_finish(d, true, NULL);
	return 0;
}

int fe_connected(struct vu_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	f->step = ST_OWNER;
	f->waiting = false;
	f->running = false;
	f->stopping = false;
	f->sent = f->tx_done = f->received = f->bad = 0;
	f->grace_end = 0;
	f->have_peer = false;
	f->arp_sent = f->pings = f->answered = f->ignored = 0;
	f->arp_at = 0;
	f->serve_end = 0;
	f->tx_added = false;
	d->features = 0;
	d->proto = 0;
	return fe_advance(d, now);
}

int fe_on_msg(struct vu_dev *d, struct vu_msg *m, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint64_t v;

	if (d->o.verbose)
		trace_msg(m);
	if (!f->waiting || !(m->hdr.flags & VU_FLAG_REPLY) ||
	    m->hdr.request != f->wait_req || m->hdr.size != 8 ||
	    m->nfds != 0) {
		LOG_ERR("%s: unexpected message from the back-end: %s (%u) "
			"flags 0x%x size %u fds %u", d->name,
			vu_req_name(m->hdr.request), m->hdr.request,
			m->hdr.flags, m->hdr.size, m->nfds);
		fe_finish(d, false, "the back-end broke the protocol");
		return -PORT_EPROTO;
	}
	f->waiting = false;
	v = m->p.u64;
	switch (f->step - 1) {
	case ST_GET_FEATURES:
		f->offered = v;
		break;
	case ST_GET_PROTO:
		f->proto_offered = v;
		break;
	case ST_GET_QNUM:
		f->queues = v;
		if (v < 2) {
			fe_finish(d, false, "the back-end has fewer than 2 queues");
			return -PORT_EPROTO;
		}
		break;
	case ST_STOP_RX:
	case ST_STOP_TX: {
		unsigned q = f->step - 1 - ST_STOP_RX;
		uint16_t want = q == 0 ? f->rxq.last_used : f->txq.avail_idx;
		if (m->p.state.index != q || m->p.state.num != want) {
			LOG_ERR("%s: GET_VRING_BASE of queue %u: %u, expected %u",
				d->name, q, m->p.state.num, want);
			fe_finish(d, false, "wrong ring base after stop");
			return -PORT_EPROTO;
		}
		break;
	}
	default:
		/* a REPLY_ACK: 0 is success */
		if (v != 0) {
			LOG_ERR("%s: the back-end refused %s (status %llu)",
				d->name, vu_req_name(m->hdr.request),
				(unsigned long long)v);
			fe_finish(d, false, "a request was refused");
			return -PORT_EPROTO;
		}
		break;
	}
	return fe_advance(d, now);
}

/* ---- frames ------------------------------------------------------------- */

/* Make what we added visible, and kick queue q if the back-end wants it
 * (virtio 1.2 2.7.13.4). */
static void fe_kick(struct vu_dev *d, unsigned q, struct vqd *r)
{
	if (vqd_publish(r) && d->q[q].kick_fd >= 0) {
		port_evt_signal(d->q[q].kick_fd);
		d->q[q].st.kicks++;
	}
}

/* Put frames on TX while there are slots and frames to send. */
static int fe_pump(struct vu_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	bool added = f->tx_added;

	f->tx_added = false;
	if (d->o.host) {
		fe_ping_pump(d, now);
		if (added || f->tx_added)
			fe_kick(d, 1, &f->txq);
		f->tx_added = false;
		return 0;
	}
	while (f->sent < d->o.frames && f->n_tx_free > 0) {
		uint16_t s = f->tx_free[--f->n_tx_free];
		uint8_t *b = fe_ptr(d, tx_buf_off(d, s));
		memset(b, 0, hdr);
		fe_make_frame(b + hdr, d->o.size, f->sent);
		vqd_add(&f->txq, (uint16_t)(2 * s));
		f->sent++;
		d->q[1].st.frames++;
		d->q[1].st.bytes += d->o.size;
		added = true;
	}
	if (added)
		fe_kick(d, 1, &f->txq);
	return 0;
}

int fe_send(struct vu_dev *d, const uint8_t *frame, uint32_t len)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	uint16_t s;
	uint8_t *b;

	if (f->n_tx_free == 0 || hdr + len > f->buf_size)
		return -1;
	s = f->tx_free[--f->n_tx_free];
	b = fe_ptr(d, tx_buf_off(d, s));
	memset(b, 0, hdr);
	memcpy(b + hdr, frame, len);
	f->txq.desc[2 * s + 1].len = len;
	vqd_add(&f->txq, (uint16_t)(2 * s));
	f->sent++;
	f->tx_added = true;
	d->q[1].st.frames++;
	d->q[1].st.bytes += len;
	return 0;
}

/* Check one frame that came back on RX buffer id. */
static bool fe_check_rx(struct vu_dev *d, uint32_t id, uint32_t len)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	const uint8_t *b = fe_ptr(d, rx_buf_off(d, id));
	uint32_t seq = f->received + f->bad;

	if (len != hdr + d->o.size)
		return false;
	/* header: no offloads, and one buffer (5.1.6.4) */
	for (uint32_t i = 0; i < 10; i++)
		if (b[i] != 0)
			return false;
	if (hdr == 12 && (b[10] != 1 || b[11] != 0))
		return false;
	for (uint32_t i = 0; i < d->o.size; i++)
		if (b[hdr + i] != fe_byte(seq, i))
			return false;
	return true;
}

/* Take what the back-end returned on both queues. */
static int fe_reap(struct vu_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t id, len;
	bool progress = false, reposted = false, ok;
	uint32_t hdr, flen;
	int rc;

	while ((rc = vqd_get_used(&f->txq, &id, &len)) > 0) {
		if (id >= FE_NUM || (id & 1) || f->n_tx_free >= FE_TX_SLOTS ||
		    f->tx_done >= f->sent) {
			LOG_ERR("%s: back-end returned TX id %u, not one we "
				"offered", d->name, id);
			fe_finish(d, false, "bad used element on TX");
			return -PORT_EPROTO;
		}
		f->tx_free[f->n_tx_free++] = (uint16_t)(id / 2);
		f->tx_done++;
		progress = true;
	}
	while ((rc = vqd_get_used(&f->rxq, &id, &len)) > 0) {
		if (id >= FE_NUM) {
			LOG_ERR("%s: back-end returned RX id %u >= %u", d->name,
				id, FE_NUM);
			fe_finish(d, false, "bad used element on RX");
			return -PORT_EPROTO;
		}
		hdr = (uint32_t)fe_hdr_len(d);
		flen = len >= hdr ? len - hdr : 0; /* len is the back-end's */
		if (flen > f->buf_size - hdr)
			flen = 0; /* claims more than the buffer: ignore */
		if (d->o.host) {
			d->q[0].st.frames++;
			d->q[0].st.bytes += flen;
			fe_ping_rx(d, fe_ptr(d, rx_buf_off(d, id)) + hdr, flen);
			vqd_add(&f->rxq, (uint16_t)id);
			reposted = true;
			progress = true;
			continue;
		}
		ok = !d->o.expect_none && fe_check_rx(d, id, len);
		if (d->o.verbose)
			LOG_INFO("%s: frame %u came back: %u bytes, %s\n",
				 d->name, f->received + f->bad, flen,
				 ok ? "intact" : "WRONG");
		d->q[0].st.frames++;
		d->q[0].st.bytes += flen;
		if (ok) {
			f->received++;
		} else {
			if (f->bad < 5)
				LOG_ERR("%s: frame %u came back wrong (length "
					"%u, expected %u)", d->name,
					f->received + f->bad, len,
					(uint32_t)fe_hdr_len(d) + d->o.size);
			f->bad++;
		}
		/* the same buffer goes straight back on the ring */
		vqd_add(&f->rxq, (uint16_t)id);
		reposted = true;
		progress = true;
	}
	if (reposted)
		fe_kick(d, 0, &f->rxq);
	if (progress) {
		f->deadline = now + FE_TIMEOUT_NS;
		fe_pump(d, now);
	}
	return 0;
}

/* Is the run complete?  1 when the rings should now be stopped
 * (GET_VRING_BASE, sent by fe_advance), 0 not yet, <0 failed. */
static int fe_run_over(struct vu_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t n = d->o.frames;

	if (f->stopping)
		return 0;
	if (d->o.host) {
		int r = fe_ping_over(d, now);
		if (r > 0)
			f->stopping = true;
		return r;
	}
	if (f->tx_done < n)
		return 0;
	if (d->o.expect_none) {
		if (f->grace_end == 0) {
			f->grace_end = now + FE_GRACE_NS;
			return 0;
		}
		if (now < f->grace_end)
			return 0;
	} else if (f->received + f->bad < n) {
		return 0;
	}
	if (f->bad > 0) {
		fe_finish(d, false, "frames came back wrong");
		return -PORT_EPROTO;
	}
	f->stopping = true;
	return 1;
}

int fe_on_call(struct vu_dev *d, uint64_t now)
{
	int rc;

	if (!d->fe.running || d->fe.stopping)
		return 0;
	rc = fe_reap(d, now);
	if (rc == 0)
		rc = fe_run_over(d, now);
	return rc > 0 ? fe_advance(d, now) : rc;
}

uint64_t fe_deadline(const struct vu_dev *d)
{
	const struct fe_state *f = &d->fe;

	if (d->finished)
		return UINT64_MAX;
	if (f->grace_end != 0 && !f->stopping && f->grace_end < f->deadline)
		return f->grace_end;
	if (d->o.host && f->running && !f->stopping) {
		uint64_t t = fe_ping_deadline(d);
		if (f->serve_end != 0 || t < f->deadline)
			return t;
	}
	return f->deadline;
}

int fe_tick(struct vu_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	if (d->finished)
		return 0;
	if (d->fd < 0) {
		if (now >= f->deadline) {
			LOG_ERR("%s: no back-end on %s", d->name, d->o.path);
			fe_finish(d, false, "no back-end");
		}
		return 0;
	}
	if (f->running && !f->stopping) {
		int rc = fe_run_over(d, now);
		if (rc != 0)
			return rc > 0 ? fe_advance(d, now) : rc;
	}
	if (d->o.host && f->running && !f->stopping) {
		fe_pump(d, now); /* ARP retries */
		if (d->finished)
			return -PORT_EPROTO;
	}
	if (f->deadline != 0 && now >= f->deadline && f->serve_end == 0) {
		LOG_ERR("%s: timed out (%s): sent %u, completed %u, received "
			"%u", d->name,
			f->waiting ? vu_req_name(f->wait_req) : "frames",
			f->sent, f->tx_done, f->received);
		fe_finish(d, false, "timed out");
		return -PORT_EPROTO;
	}
	return 0;
}

void fe_disconnected(struct vu_dev *d)
{
	if (!d->finished)
		fe_finish(d, false, "the back-end closed the connection");
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++)
		dev_queue_reset(d, q);
}
