/*
 * frontend.c - the front-end role (vhost-user.rst "Front-end").
 *
 * The back-end is not trusted either: every reply is checked (flags,
 * request, size, no fds), and every used element it writes is checked
 * against what we actually offered.
 */
#include "core/dev/fe_priv.h"

#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/net/net.h"
#include "core/proto/trace.h"

/* The handshake and the set-up: once a run, compiled for size (GCC and
 * clang read `cold` so), out of the way of the rings' code. */
#define FE_SETUP __attribute__((cold))

/* Handshake steps, in the order QEMU uses; queue steps repeat per queue. */
enum {
	ST_OWNER,
	ST_GET_FEATURES,
	ST_GET_PROTO,
	ST_SET_PROTO,
	ST_GET_QNUM,
	ST_SET_FEATURES,
	ST_SET_MTU,
	ST_MEM_TABLE,
	ST_QUEUES, /* then 6 steps for each of queue 0 (RX) and 1 (TX) */
};
enum { QS_NUM, QS_BASE, QS_ADDR, QS_CALL, QS_KICK, QS_ENABLE, QS_COUNT };

/* Frames flow at this step; then GET_VRING_BASE stops queue k at step
 * st_run + k, and the run ends at st_end. */
static unsigned st_run(const struct fe_dev *d)
{
	return ST_QUEUES + 2 * fe_pairs(d) * QS_COUNT;
}

static unsigned st_end(const struct fe_dev *d)
{
	return st_run(d) + 2 * fe_pairs(d);
}

/* The bytes of one pair's buffers (RX, then TX slots) and --indirect
 * tables, for buffers of buf_size bytes. */
FE_SETUP static uint64_t fe_pair_bytes(uint32_t buf_size)
{
	return ((uint64_t)(FE_NUM + FE_TX_SLOTS) * buf_size +
		32ull * FE_TX_SLOTS + 63) / 64 * 64;
}

/* The shared memory a front-end with options o needs, and the bytes of
 * one of its buffers; 0 (logged, naming who) if the options do not fit
 * the board. */
FE_SETUP static uint64_t fe_mem_need(const struct fe_opts *o, const char *who,
			    uint32_t *buf_size)
{
	uint32_t hdr = 12; /* the larger header: the layout fits either */
	uint32_t frame_max;
	uint64_t need, size;

	if ((!o->host && o->size < PKT_ARP_FRAME_LEN) ||
	    o->size > CFG_FRAME_MAX) {
		LOG_ERR("%s: --size %u: frames are %u to %u bytes", who,
			o->size, (unsigned)PKT_ARP_FRAME_LEN,
			(unsigned)CFG_FRAME_MAX);
		return 0;
	}
	/* --ping frames carry headers around the payload, and what we answer
	 * may be as large as a standard frame */
	frame_max = o->host ? o->size + 42 : o->size;
	if (o->host && frame_max < 1514)
		frame_max = 1514;
	if (frame_max > CFG_FRAME_MAX) {
		LOG_ERR("%s: --size %u makes frames larger than %u bytes (the "
			"payload of --ping is at most %u)", who, o->size,
			(unsigned)CFG_FRAME_MAX, (unsigned)CFG_FRAME_MAX - 42);
		return 0;
	}
	/* virtio 1.2 5.1.4: an mtu is 68 to 65535, and with it negotiated
	 * the driver sends no frame longer than the MTU allows */
	if (o->mtu != 0 &&
	    (o->mtu < 68 || o->mtu > 65535 ||
	     (o->host ? o->size + 42 : o->size) > o->mtu + 18)) {
		LOG_ERR("%s: --mtu %u: an MTU is 68 to 65535, and frames of "
			"--size %u must fit it (with an 18-byte header)", who,
			o->mtu, o->size);
		return 0;
	}
	if (o->pairs < 1 || o->pairs > CFG_MAX_QUEUE_PAIRS) {
		LOG_ERR("%s: --queues %u: 1 to %u queue pairs on this board",
			who, o->pairs, (unsigned)CFG_MAX_QUEUE_PAIRS);
		return 0;
	}
	*buf_size = (hdr + frame_max + 63) / 64 * 64;
	need = OFF_BUFS + o->pairs * fe_pair_bytes(*buf_size);
	size = (need + 0x1fffff) & ~0x1fffffull; /* whole 2 MiB */
	if (size > CFG_FE_MEM_SIZE) {
		LOG_ERR("%s: --size %u with %u queue pairs needs %llu bytes of "
			"shared memory, the board gives %u", who, o->size,
			o->pairs, (unsigned long long)size,
			(unsigned)CFG_FE_MEM_SIZE);
		return 0;
	}
	if (o->timeout_secs == 0) {
		LOG_ERR("%s: --timeout must be at least 1 second", who);
		return 0;
	}
	return size;
}

FE_SETUP int fe_opts_check(const struct fe_opts *o, const char *who)
{
	uint32_t buf_size;

	return fe_mem_need(o, who, &buf_size) != 0 ? 0 : -PORT_EINVAL;
}

/* Build the shared memory.  Negative (logged) if the options do not fit. */
FE_SETUP static int fe_init(struct fe_dev *d)
{
	struct fe_state *f = &d->fe;
	int rc;

	f->memfd = -1;
	f->deadline = port_now_ns() + fe_timeout_ns(d); /* for a back-end */
	f->mem_size = fe_mem_need(&d->o, d->dev.name, &f->buf_size);
	if (f->mem_size == 0)
		return -PORT_EINVAL;
	f->pair_bytes = fe_pair_bytes(f->buf_size);
	rc = port_mem_create("vhost-frontend", f->mem_size);
	if (rc < 0) {
		LOG_ERR("%s: cannot create shared memory: %s",
			d->dev.name, err_text(rc));
		return rc;
	}
	f->memfd = rc;
	rc = port_mem_map(f->memfd, f->mem_size, &f->mem);
	if (rc < 0) {
		LOG_ERR("%s: cannot map shared memory: %s", d->dev.name,
			err_text(rc));
		port_fd_close(f->memfd);
		f->memfd = -1;
		return rc;
	}
	return 0;
}

static void fe_release(struct fe_dev *d)
{
	struct fe_state *f = &d->fe;

	if (f->mem != NULL)
		port_mem_unmap(f->mem, f->mem_size);
	port_fd_close(f->memfd);
	f->mem = NULL;
	f->memfd = -1;
}

/* ---- handshake ----------------------------------------------------------- */

/* Lay the rings of every pair out and offer every RX buffer and no TX
 * yet.  Split: descriptor table, avail ring, used ring (64-byte aligned);
 * packed: descriptor ring, driver and device event areas. */
FE_SETUP static void fe_setup_pair(struct fe_dev *d, unsigned p)
{
	struct fe_pair *pp = &d->fe.pair[p];
	bool packed = (d->features & VU_BIT(VIRTIO_F_RING_PACKED)) != 0;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);

	for (unsigned q = 2 * p; q < 2 * p + 2; q++) {
		uint64_t o = OFF_RING(q);
		uint64_t drv = o + VRING_DESC_BYTES(FE_NUM);
		uint64_t dev = packed ? drv + VRING_EVENT_BYTES
				      : (drv + VRING_AVAIL_BYTES(FE_NUM) + 63) /
						64 * 64;
		vqd_init(fe_ring(d, q), FE_NUM, packed, fe_ptr(d, o),
			 fe_ptr(d, drv), fe_ptr(d, dev));
		fe_ring(d, q)->event_idx =
			(d->features & VU_BIT(VIRTIO_RING_F_EVENT_IDX)) != 0;
		d->q[q].addr.index = q;
		d->q[q].addr.desc = fe_uva(d, o);
		d->q[q].addr.avail = fe_uva(d, drv);
		d->q[q].addr.used = fe_uva(d, dev);
	}
	for (uint32_t i = 0; i < FE_NUM; i++) {
		struct vring_desc *dd = &pp->rxq.desc[i];
		dd->addr = FE_GPA_BASE + rx_buf_off(d, p, i);
		dd->len = d->fe.buf_size;
		dd->flags = VRING_DESC_F_WRITE;
		vqd_add(&pp->rxq, (uint16_t)i);
	}
	for (uint32_t s = 0; s < FE_TX_SLOTS; s++) {
		struct vring_desc *h = &pp->txq.desc[2 * s];
		uint64_t buf = FE_GPA_BASE + tx_buf_off(d, p, s);

		if (d->o.indirect) {
			/* one descriptor naming a table of two */
			h = (struct vring_desc *)(void *)fe_ptr(
				d, tx_table_off(d, p, s));
			pp->txq.desc[2 * s].addr =
				FE_GPA_BASE + tx_table_off(d, p, s);
			pp->txq.desc[2 * s].len = 32;
			pp->txq.desc[2 * s].flags = VRING_DESC_F_INDIRECT;
		}
		pp->tx_free[s] = (uint16_t)(FE_TX_SLOTS - 1 - s);
		if (d->o.indirect && packed) {
			/* 2.8.7: a packed table is used in order, every
			 * entry, with no flag but WRITE */
			struct vring_packed_desc *pd = (void *)h;

			pd[0] = (struct vring_packed_desc){buf, hdr, 0, 0};
			pd[1] = (struct vring_packed_desc){buf + hdr, d->o.size,
							   0, 0};
		} else {
			h->addr = buf;
			h->len = hdr;
			h->flags = VRING_DESC_F_NEXT;
			h->next = d->o.indirect ? 1 : (uint16_t)(2 * s + 1);
			h[1].addr = h->addr + h->len;
			h[1].len = d->o.size;
			h[1].flags = 0;
		}
	}
	pp->n_tx_free = FE_TX_SLOTS;
	memset(pp->tx_out, 0, sizeof(pp->tx_out));
}

FE_SETUP static void fe_setup_rings(struct fe_dev *d)
{
	memset(d->fe.mem, 0, OFF_BUFS);
	for (unsigned p = 0; p < fe_pairs(d); p++)
		fe_setup_pair(d, p);
}

/*
 * Build the message of step `st`.  Returns 0 with *req set, 1 to skip the
 * step, <0 on failure.  *want_reply tells whether the request has a reply
 * of its own.
 */
FE_SETUP static int fe_build(struct fe_dev *d, unsigned st, uint32_t *req,
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
					  VU_BIT(VU_PROTO_F_MQ) |
					  (d->o.mtu ? VU_BIT(VU_PROTO_F_MTU) : 0));
		d->proto = u64;
		break;
	case ST_GET_QNUM:
		if (!(d->proto & VU_BIT(VU_PROTO_F_MQ)) && fe_pairs(d) > 1) {
			LOG_ERR("%s: --queues %u, and the back-end does not offer "
				"VHOST_USER_PROTOCOL_F_MQ", d->dev.name,
				fe_pairs(d));
			return -PORT_ENOTSUP;
		}
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
		if (d->o.packed)
			u64 |= VU_BIT(VIRTIO_F_RING_PACKED);
		if (d->o.indirect)
			u64 |= VU_BIT(VIRTIO_RING_F_INDIRECT_DESC);
		if (fe_pairs(d) > 1)
			u64 |= VU_BIT(VIRTIO_NET_F_MQ);
		if (d->o.mtu)
			u64 |= VU_BIT(VIRTIO_NET_F_MTU);
		if (d->o.event_idx == FE_ON ||
		    (d->o.event_idx == FE_IF_OFFERED &&
		     (f->offered & VU_BIT(VIRTIO_RING_F_EVENT_IDX))))
			u64 |= VU_BIT(VIRTIO_RING_F_EVENT_IDX);
		if (u64 & ~f->offered) {
			uint64_t miss = u64 & ~f->offered;

			LOG_ERR("%s: the back-end does not offer %s",
				d->dev.name,
				miss & VU_BIT(VIRTIO_F_RING_PACKED)
					? "packed rings (VIRTIO_F_RING_PACKED)"
				: miss & VU_BIT(VIRTIO_RING_F_INDIRECT_DESC)
					? "indirect descriptors "
					  "(VIRTIO_RING_F_INDIRECT_DESC)"
				: miss & VU_BIT(VIRTIO_NET_F_MQ)
					? "multiqueue (VIRTIO_NET_F_MQ)"
				: miss & VU_BIT(VIRTIO_NET_F_MTU)
					? "an MTU (VIRTIO_NET_F_MTU)"
					: "VIRTIO_RING_F_EVENT_IDX");
			return -PORT_ENOTSUP;
		}
		d->features = u64;
		break;
	case ST_SET_MTU:
		/* vhost-user.rst NET_SET_MTU: the MTU of our config space */
		if (!d->o.mtu)
			return 1;
		if (!(d->proto & VU_BIT(VU_PROTO_F_MTU))) {
			LOG_ERR("%s: --mtu %u, and the back-end does not offer "
				"VHOST_USER_PROTOCOL_F_MTU", d->dev.name, d->o.mtu);
			return -PORT_ENOTSUP;
		}
		*req = VU_NET_SET_MTU;
		u64 = d->o.mtu;
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
	default:
		break;
	}
	if (st >= st_run(d)) { /* stop queue st - st_run */
		struct vu_state s = {st - st_run(d), 0};
		*req = VU_GET_VRING_BASE;
		memcpy(payload, &s, sizeof(s));
		*size = sizeof(s);
		*want_reply = true;
		return 0;
	}
	if (st >= ST_QUEUES) {
		unsigned q = (st - ST_QUEUES) / QS_COUNT;
		struct fe_queue *vq = &d->q[q];
		struct vu_state s = {q, 0};

		switch ((st - ST_QUEUES) % QS_COUNT) {
		case QS_NUM:
			*req = VU_SET_VRING_NUM;
			s.num = FE_NUM;
			break;
		case QS_BASE:
			*req = VU_SET_VRING_BASE;
			s.num = vqd_base(fe_ring(d, q));
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
	memcpy(payload, &u64, 8);
	*size = 8;
	return 0;
}

/* Why the connection ended under us: before the first reply, a back-end
 * that closes at once is most likely busy with another front-end (a
 * vhost-user socket serves one at a time). */
static const char *fe_gone_why(const struct fe_dev *d)
{
	if (d->fe.step <= ST_GET_FEATURES + 1 && d->fe.offered == 0)
		return "the back-end closed the connection before its first "
		       "reply: is it serving another front-end? (one at a "
		       "time)";
	return "the back-end closed the connection";
}

/* Send steps until one needs an answer or the handshake is over. */
FE_SETUP int fe_advance(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	while (!f->waiting && f->step < st_end(d)) {
		struct vu_msg m;
		bool want_reply = false;
		int fds[1];
		int rc;

		if (f->step == st_run(d) && !f->running) {
			f->running = true;
			LOG_TRACE(LOG_STATES, "%s: handshake done, features "
				  "0x%llx, protocol features 0x%llx: rings "
				  "running\n", d->dev.name,
				  (unsigned long long)d->features,
				  (unsigned long long)d->proto);
			/* the RX buffers are on the rings: tell the back-end */
			for (unsigned p = 0; p < fe_pairs(d); p++)
				fe_kick(d, 2 * p);
			f->deadline = now + fe_timeout_ns(d);
			fe_pump(d, now);
			rc = fe_run_over(d, now); /* at once for --frames 0 */
			if (rc <= 0)
				return rc;
			continue;
		}
		if (f->step == st_run(d) && !f->stopping)
			return 0;
		rc = fe_build(d, f->step, &m.hdr.request, m.p.bytes,
			      &m.hdr.size, fds, &m.nfds, &want_reply);
		if (rc < 0) {
			fe_finish(d, false, rc == -PORT_ENOTSUP
						    ? "a feature is missing"
						    : "cannot create an eventfd");
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
		if (log_level >= LOG_MESSAGES) {
			for (unsigned i = 0; i < m.nfds; i++)
				m.fds[i] = fds[i];
			trace_msg(d->dev.name, &m);
		}
		rc = vu_send(d->dev.fd, m.hdr.request, m.hdr.flags, m.p.bytes,
			     m.hdr.size, fds, m.nfds);
		if (rc < 0) {
			fe_finish(d, false, rc == -PORT_EPIPE ||
						    rc == -PORT_ECONNRESET
						    ? fe_gone_why(d)
						    : "cannot send to the "
						      "back-end");
			return rc;
		}
		f->step++;
		if (want_reply) {
			f->waiting = true;
			f->wait_req = m.hdr.request;
			f->deadline = now + fe_timeout_ns(d);
		}
	}
	if (f->step >= st_end(d) && !f->waiting && !d->dev.finished)
		fe_finish(d, true, NULL);
	return 0;
}

FE_SETUP static int fe_connected(struct vu_dev *dev, uint64_t now)
{
	struct fe_dev *d = fe_of(dev);
	struct fe_state *f = &d->fe;

	f->step = ST_OWNER;
	f->waiting = false;
	f->running = false;
	f->stopping = false;
	f->sent = f->tx_done = f->received = f->bad = 0;
	memset(f->pair, 0, sizeof(f->pair));
	f->grace_end = 0;
	f->have_peer = false;
	f->arp_sent = f->pings = f->answered = f->ignored = 0;
	f->arp_at = 0;
	f->serve_end = 0;
	d->features = 0;
	d->proto = 0;
	return fe_advance(d, now);
}

FE_SETUP static int fe_on_msg(struct vu_dev *dev, struct vu_msg *m, uint64_t now)
{
	struct fe_dev *d = fe_of(dev);
	struct fe_state *f = &d->fe;
	uint64_t v;

	trace_msg(d->dev.name, m);
	if (!f->waiting || !(m->hdr.flags & VU_FLAG_REPLY) ||
	    m->hdr.request != f->wait_req || m->hdr.size != 8 ||
	    m->nfds != 0) {
		LOG_ERR("%s: unexpected message from the back-end: %s (%u) "
			"flags 0x%x size %u fds %u", d->dev.name,
			vu_req_name(m->hdr.request), m->hdr.request,
			m->hdr.flags, m->hdr.size, m->nfds);
		fe_finish(d, false, "the back-end broke the protocol");
		return -PORT_EPROTO;
	}
	f->waiting = false;
	v = m->p.u64;
	if (f->step - 1 >= st_run(d)) {
		/* GET_VRING_BASE of queue q */
		unsigned q = f->step - 1 - st_run(d);
		const struct vqd *r = fe_ring(d, q);
		uint32_t got = m->p.state.num;
		/* The next avail index the back-end would take: at least what
		 * it has returned to us (which may be past what we have read:
		 * a back-end that keeps filling RX until the stop), at most
		 * what we offered.  TX was all consumed. */
		if (m->p.state.index != q ||
		    !vqd_base_plausible(r, got, q & 1)) {
			LOG_ERR("%s: GET_VRING_BASE of queue %u: 0x%x, not where "
				"the ring can have stopped (we offered up to "
				"%u)", d->dev.name, q, got, r->avail_idx);
			fe_finish(d, false, "wrong ring base after stop");
			return -PORT_EPROTO;
		}
		return fe_advance(d, now);
	}
	switch (f->step - 1) {
	case ST_GET_FEATURES:
		f->offered = v;
		break;
	case ST_GET_PROTO:
		f->proto_offered = v;
		break;
	case ST_GET_QNUM:
		f->queues = v; /* queue pairs, as net front-ends count */
		if (v < fe_pairs(d)) {
			LOG_ERR("%s: the back-end has %llu queue pairs, --queues "
				"asks for %u", d->dev.name, (unsigned long long)v,
				fe_pairs(d));
			fe_finish(d, false, "too few queue pairs");
			return -PORT_EPROTO;
		}
		break;
	default:
		/* a REPLY_ACK: 0 is success */
		if (v != 0) {
			LOG_ERR("%s: the back-end refused %s (status %llu)",
				d->dev.name, vu_req_name(m->hdr.request),
				(unsigned long long)v);
			fe_finish(d, false, "a request was refused");
			return -PORT_EPROTO;
		}
		break;
	}
	return fe_advance(d, now);
}

/* Is the run complete?  1 when the rings should now be stopped
 * (GET_VRING_BASE, sent by fe_advance), 0 not yet, <0 failed. */
int fe_run_over(struct fe_dev *d, uint64_t now)
{
	int r;

	if (d->fe.stopping)
		return 0;
	r = d->mode->over(d, now);
	if (r > 0)
		d->fe.stopping = true;
	return r;
}

int fe_on_call(struct fe_dev *d, unsigned q, uint64_t now)
{
	int rc;

	if (!d->fe.running || d->fe.stopping)
		return 0;
	rc = fe_reap(d, q / 2, now);
	if (rc == 0)
		rc = fe_run_over(d, now);
	return rc > 0 ? fe_advance(d, now) : rc;
}

/* When fe_tick next has something to do: the time-out, or the mode's
 * earlier (or overriding) event while frames flow. */
static uint64_t fe_deadline(const struct fe_dev *d)
{
	const struct fe_state *f = &d->fe;

	if (d->dev.finished)
		return UINT64_MAX;
	if (f->running && !f->stopping)
		return d->mode->deadline(d, f->deadline);
	return f->deadline;
}

/* No back-end came in --timeout seconds: say what the last attempt met. */
static void fe_no_backend(struct fe_dev *d)
{
	int e = d->dev.last_err;

	if (d->dev.o.listen)
		LOG_ERR("%s: no back-end connected to %s in %u s (--timeout "
			"SECS waits longer)", d->dev.name, d->dev.o.path,
			d->o.timeout_secs);
	else
		LOG_ERR("%s: no back-end on %s after %u s: %s%s (--timeout "
			"SECS waits longer)", d->dev.name, d->dev.o.path,
			d->o.timeout_secs, err_text(e),
			e == -PORT_ECONNREFUSED
				? ", a socket file nobody listens on"
				: "");
	fe_finish(d, false, "no back-end");
}

/* Nothing moved for --timeout seconds: say where it stands, and what
 * that suggests of the back-end. */
static void fe_timed_out(struct fe_dev *d)
{
	const struct fe_state *f = &d->fe;
	const char *why;

	if (f->waiting)
		why = "no reply to a request (the back-end is stuck)";
	else if (f->tx_done < f->sent)
		why = "the back-end stopped taking frames from the TX ring";
	else if (f->received + f->bad == 0 && d->o.host)
		why = "no echo reply came back";
	else if (f->received + f->bad == 0)
		why = "the back-end takes the frames but returns none: it does "
		      "not echo (for a --sink or --dump back-end, add "
		      "--expect-none)";
	else
		why = "frames stopped coming back";
	LOG_ERR("%s: timed out after %u s (--timeout SECS waits longer), "
		"waiting for %s: sent %u, completed %u, received %u: %s",
		d->dev.name, d->o.timeout_secs,
		f->waiting ? vu_req_name(f->wait_req) : "frames", f->sent,
		f->tx_done, f->received, why);
	fe_finish(d, false, "timed out");
}

static int fe_tick(struct vu_dev *dev, uint64_t now)
{
	struct fe_dev *d = fe_of(dev);
	struct fe_state *f = &d->fe;

	if (d->dev.finished)
		return 0;
	if (d->dev.fd < 0) {
		if (now >= f->deadline)
			fe_no_backend(d);
		return 0;
	}
	if (f->running && !f->stopping) {
		int rc = fe_run_over(d, now);
		if (rc != 0)
			return rc > 0 ? fe_advance(d, now) : rc;
	}
	if (f->running && !f->stopping) {
		fe_pump(d, now); /* --ping: ARP retries */
		if (d->dev.finished)
			return -PORT_EPROTO;
	}
	if (f->deadline != 0 && now >= f->deadline && f->serve_end == 0) {
		fe_timed_out(d);
		return -PORT_EPROTO;
	}
	return 0;
}

/* ---- the role (dev.h struct dev_role) ------------------------------------ */

static void fe_queues_reset(struct fe_dev *d)
{
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		port_fd_close(d->q[q].kick_fd);
		port_fd_close(d->q[q].call_fd);
		d->q[q].kick_fd = d->q[q].call_fd = -1;
	}
}

FE_SETUP int fe_open(struct fe_dev *f, unsigned index, const struct dev_opts *o,
	    const struct fe_opts *fo)
{
	int rc;

	memset(f, 0, sizeof(*f));
	dev_init(&f->dev, index, o, &fe_role);
	f->o = *fo;
	f->mode = fo->host ? &fe_ping_mode : &fe_echo_mode;
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++)
		f->q[q].kick_fd = f->q[q].call_fd = -1;
	rc = fe_init(f);
	return rc < 0 ? rc : dev_start(&f->dev);
}

static void fe_close(struct vu_dev *dev)
{
	struct fe_dev *d = fe_of(dev);

	fe_queues_reset(d);
	fe_release(d);
}

/* The call fds once frames flow; the time-outs always. */
static void fe_watch(struct vu_dev *dev, struct dev_pollset *ps, uint64_t now)
{
	struct fe_dev *d = fe_of(dev);

	(void)now;
	if (dev->fd >= 0 && d->fe.running)
		for (unsigned q = 0; q < 2 * fe_pairs(d); q++)
			dev_watch_fd(ps, dev, d->q[q].call_fd, W_RING,
				     (uint8_t)q);
	dev_watch_until(ps, fe_deadline(d));
}

/* A call fd fired. */
static int fe_call(struct vu_dev *dev, unsigned q, uint16_t revents,
		   uint64_t now)
{
	struct fe_dev *d = fe_of(dev);
	uint64_t count;

	(void)revents;
	if (q >= 2 * fe_pairs(d))
		return 0;
	port_evt_drain(d->q[q].call_fd, &count);
	d->q[q].st.calls++;
	return fe_on_call(d, q, now);
}

/* The connection went away (or the run failed): the run ends with it. */
static bool fe_disconnected(struct vu_dev *dev, const char *why)
{
	struct fe_dev *d = fe_of(dev);

	(void)why;
	if (!d->dev.finished)
		fe_finish(d, false, fe_gone_why(d));
	fe_queues_reset(d);
	return false;
}

static const struct q_stats *fe_stats(const struct vu_dev *dev, unsigned q)
{
	const struct fe_dev *d = (const struct fe_dev *)(const void *)dev;

	return q < 2 * fe_pairs(d) ? &d->q[q].st : NULL;
}

static void fe_print_stats(const struct vu_dev *dev)
{
	const struct fe_dev *d = (const struct fe_dev *)(const void *)dev;

	d->mode->print_stats(d, dev->finished && dev->exit_code == 0 ? "PASS"
								    : "FAIL");
}

const struct dev_role fe_role = {
	.name = "front-end",
	.peer = "a back-end on",
	.ring_fail = "test failed",
	.release = fe_close,
	.connected = fe_connected,
	.message = fe_on_msg,
	.watch = fe_watch,
	.ring = fe_call,
	.tick = fe_tick,
	.disconnected = fe_disconnected,
	.stats = fe_stats,
	.print_stats = fe_print_stats,
};
