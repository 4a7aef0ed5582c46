/*
 * be_queue.c - the back-end's queues: their rings attached to guest memory
 * (layout, base, dirty log, inflight tracking), their kicks, polling and
 * the work a kick starts.  The request handlers (backend.c) configure
 * them.
 */
#include "core/dev/be_queue.h"

#include <string.h>

#include "core/log.h"

void be_queue_init(struct be_dev *d, unsigned qi)
{
	struct vu_queue *q = &d->q[qi];
	char *p = q->name;
	size_t n = strlen(d->dev.name);

	/* "dev0 q1": qi < CFG_MAX_QUEUES, at most 3 digits (a watch's
	 * uint8_t) */
	memcpy(p, d->dev.name, n);
	p[n++] = ' ';
	p[n++] = 'q';
	if (qi >= 100)
		p[n++] = (char)('0' + qi / 100 % 10);
	if (qi >= 10)
		p[n++] = (char)('0' + qi / 10 % 10);
	p[n++] = (char)('0' + qi % 10);
	p[n] = '\0';
	q->ring.name = p;
	q->kick_fd = q->call_fd = q->err_fd = -1;
}

void be_queue_reset(struct be_dev *d, unsigned qi)
{
	struct vu_queue *q = &d->q[qi];

	port_fd_close(q->kick_fd);
	port_fd_close(q->call_fd);
	port_fd_close(q->err_fd);
	q->kick_fd = q->call_fd = q->err_fd = -1;
	q->num = 0;
	q->base = 0;
	q->base_set = false;
	q->addr_set = false;
	q->ring.inflight = NULL;
	q->ring.log.dirty = NULL;
	memset(&q->addr, 0, sizeof(q->addr));
	q->polled = q->started = q->enabled = q->attached = q->busy = false;
	q->failed = q->owe_call = false;
}

/* Migration (vhost-user.rst): with VHOST_F_LOG_ALL negotiated and a log
 * mapped, the ring logs what it writes (vq_attach_log: which areas, as
 * the ring's VHOST_VRING_F_LOG says). */
static int queue_log(struct be_dev *d, struct vu_queue *q)
{
	return vq_attach_log(&q->ring, be_logging(d) ? &d->dlog : NULL, &d->mem,
			     q->attached && (q->addr.flags & VU_VRING_F_LOG),
			     q->addr.log);
}

/* Translate the ring addresses of q, once its size, its addresses and the
 * memory table are all known.  Returns <0 if they do not fit in memory. */
int queue_attach(struct be_dev *d, unsigned qi)
{
	struct vu_queue *q = &d->q[qi];
	const struct vu_addr *a = &q->addr;
	bool packed = packed_rings(d);
	struct vq_areas ar;
	struct vq_config cfg;
	const char *why;
	int rc;

	/* A ring that moves (new memory table, new addresses) or goes away
	 * for a while carries on where it was, not at the old SET_VRING_BASE
	 * value: keep its position in base. */
	if (q->attached) {
		net_queue_flush(q); /* nothing pushed may be lost */
		q->base = vq_base(&q->ring);
		q->base_set = true;
		q->attached = false;
		q->ring.inflight = NULL;
	}
	if (q->num == 0 || !q->addr_set || d->mem.n == 0)
		return 0;
	why = vq_areas(packed, q->num, &ar);
	if (why != NULL) {
		LOG_ERR("%s: %s ring of %u entries: %s", q->name,
			packed ? "packed" : "split", q->num, why);
		return -PORT_EINVAL;
	}
	why = vq_base_check(packed, q->num, queue_base(d, q));
	if (why != NULL) {
		LOG_ERR("%s: SET_VRING_BASE 0x%x %s", q->name,
			queue_base(d, q), why);
		return -PORT_EINVAL;
	}
	if ((a->desc & (ar.align[0] - 1)) || (a->avail & (ar.align[1] - 1)) ||
	    (a->used & (ar.align[2] - 1))) {
		LOG_ERR("%s: ring addresses misaligned (desc 0x%llx avail "
			"0x%llx used 0x%llx)", q->name,
			(unsigned long long)a->desc,
			(unsigned long long)a->avail,
			(unsigned long long)a->used);
		return -PORT_EINVAL;
	}
	cfg.desc = mem_uva_range(&d->mem, a->desc, ar.bytes[0]);
	cfg.driver = mem_uva_range(&d->mem, a->avail, ar.bytes[1]);
	cfg.device = mem_uva_range(&d->mem, a->used, ar.bytes[2]);
	if (cfg.desc == NULL || cfg.driver == NULL || cfg.device == NULL) {
		LOG_ERR("%s: ring of %u entries at desc 0x%llx avail 0x%llx "
			"used 0x%llx is not inside guest memory", q->name,
			q->num, (unsigned long long)a->desc,
			(unsigned long long)a->avail,
			(unsigned long long)a->used);
		return -PORT_EINVAL;
	}
	/* Aligned user addresses are not enough: an odd mmap_offset puts
	 * them at odd local addresses, where loads would fault or tear. */
	if (((uintptr_t)cfg.desc & (ar.align[0] - 1)) ||
	    ((uintptr_t)cfg.driver & (ar.align[1] - 1)) ||
	    ((uintptr_t)cfg.device & (ar.align[2] - 1))) {
		LOG_ERR("%s: ring memory misaligned in our mapping (region "
			"mmap_offset not aligned)", q->name);
		return -PORT_EINVAL;
	}
	cfg.num = q->num;
	cfg.packed = packed;
	cfg.indirect = (d->features & VU_BIT(VIRTIO_RING_F_INDIRECT_DESC)) != 0;
	cfg.event_idx = (d->features & VU_BIT(VIRTIO_RING_F_EVENT_IDX)) != 0;
	cfg.base = queue_base(d, q);
	vq_attach(&q->ring, &cfg);
	q->attached = true;
	rc = queue_log(d, q);
	if (rc == 0)
		rc = vq_attach_inflight(&q->ring, &q->iq, &d->inflight, qi);
	if (rc < 0) {
		q->attached = false;
		return rc;
	}
	LOG_TRACE(LOG_STATES, "%s: %s ring of %u entries at desc 0x%llx avail "
		  "0x%llx used 0x%llx, from 0x%x%s%s%s%s\n", q->name,
		  packed ? "packed" : "split", q->num,
		  (unsigned long long)a->desc, (unsigned long long)a->avail,
		  (unsigned long long)a->used, cfg.base,
		  cfg.indirect ? ", indirect tables" : "",
		  q->ring.log.dirty != NULL ? ", logged" : "",
		  q->ring.inflight != NULL ? ", inflight tracked" : "",
		  q->enabled ? "" : ", disabled");
	queue_wake(d, qi);
	return rc;
}

/*
 * A ring that starts, or starts again (a restart after GET_VRING_BASE, a
 * new memory table, new addresses), may hold chains the driver posted
 * while we were not looking, and may still say "no notifications" from a
 * pass that ended at its batch limit before the stop: the driver would
 * then never kick again.  So it asks for kicks again, in guest memory
 * (virtio 1.2 2.7.10, 2.8.10), and its pair is looked at on the next
 * round of the loop, kick or none.  It also calls the driver once: a
 * back-end that died between publishing used entries and calling took
 * that call with it, and a driver whose RX ring it filled would wait for
 * it forever, with no buffer left for a frame that could call again.  A
 * call with nothing new is harmless (the driver finds no used entry).
 */
void queue_wake(struct be_dev *d, unsigned qi)
{
	struct vu_queue *q = &d->q[qi];

	/* a disabled ring is looked at when it is enabled (or kicked) */
	if (!net_queue_ready(q) || !net_queue_enabled(q))
		return;
	vq_kicks_on(&q->ring);
	q->owe_call = true;
	d->q[qi | 1].busy = true; /* the pair's TX ring: be_tick runs it */
}

/* After the log or the inflight region changed: every live ring again. */
int queues_reattach(struct be_dev *d)
{
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++) {
		int rc = queue_attach(d, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* vhost-user.rst "Migration": the SET_LOG_FD eventfd tells the front-end
 * that the log has new marks. */
static void log_kick(struct be_dev *d)
{
	if (d->dlog.marked && d->log_fd >= 0) {
		d->dlog.marked = false;
		port_evt_signal(d->log_fd);
	}
}

int be_queue_work(struct be_dev *d, unsigned qi)
{
	/* Both directions of a pair move on either kick: a TX frame for the
	 * echo may be waiting for RX buffers.  A ring the guest breaks
	 * fails alone (net_ring_fail); the connection stays. */
	(void)net_pair_work(&d->net, qi / 2);
	return 0;
}

/* The loop's last step each round (fwd_flush), after every kick, tick and
 * frame from elsewhere: the front-end hears of the round's log marks
 * once. */
void be_flush(struct be_dev *d)
{
	net_rx_flush(&d->net);
	log_kick(d);
}

/* ---- the role's hooks ---------------------------------------------------- */

/* Kick fds of started rings; a polled or busy ring sets the deadline. */
void be_watch(struct vu_dev *dev, struct dev_pollset *ps, uint64_t now)
{
	struct be_dev *d = be_of(dev);

	if (dev->fd < 0)
		return;
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		const struct vu_queue *vq = &d->q[q];

		if (!vq->started)
			continue;
		dev_watch_fd(ps, dev, vq->kick_fd, W_RING, (uint8_t)q);
		if (vq->busy)
			dev_watch_until(ps, now);
		else if (vq->polled && net_queue_ready(vq))
			dev_watch_until(ps, now + CFG_NOFD_POLL_US * PORT_NS_PER_US);
	}
}

/* A kick fd fired: its pair is served at the end of this round
 * (be_tick), with the others that have work. */
int be_kick(struct vu_dev *dev, unsigned q, uint16_t revents, uint64_t now)
{
	struct be_dev *d = be_of(dev);
	uint64_t count;

	(void)now;
	if (q >= CFG_MAX_QUEUES)
		return 0;
	/* closed earlier this round (GET_VRING_BASE stops the ring) */
	if (d->q[q].kick_fd < 0)
		return 0;
	/* a kick fd that reads as no eventfd (a file, a pipe whose writer
	 * is gone) would wake us for ever */
	if (port_evt_drain(d->q[q].kick_fd, &count) < 0 ||
	    (revents & (PORT_POLLHUP | PORT_POLLERR))) {
		LOG_ERR("%s: the kick fd reads as no eventfd (or its writer is "
			"gone)", d->q[q].name);
		return -PORT_EPROTO;
	}
	d->q[q].st.kicks++;
	LOG_TRACE(LOG_RINGS, "%s: kick\n", d->q[q].name);
	d->q[q | 1].busy = true;
	return 0;
}

/*
 * The pairs with work (kicked, polled, or a batch left over), once a
 * round each: every pass is bounded (CFG_BATCH chains), so a pair the
 * guest floods cannot starve the others, whatever their kicks do.  The
 * pair served first moves on each round (round-robin), so none is
 * always last either.
 */
int be_tick(struct vu_dev *dev, uint64_t now)
{
	struct be_dev *d = be_of(dev);
	unsigned first = d->next_pair;

	(void)now;
	if (dev->fd < 0)
		return 0;
	d->next_pair = (first + 1) % CFG_MAX_QUEUE_PAIRS;
	for (unsigned k = 0; k < CFG_MAX_QUEUE_PAIRS; k++) {
		unsigned p = (first + k) % CFG_MAX_QUEUE_PAIRS;
		struct vu_queue *tx = &d->q[2 * p + 1], *rx = &d->q[2 * p];

		if (!tx->polled && !tx->busy && !rx->polled)
			continue;
		if (net_queue_ready(tx) || net_queue_ready(rx))
			(void)net_pair_work(&d->net, p);
		else
			tx->busy = false;
	}
	return 0;
}

void be_memory_check(struct be_dev *d)
{
	int hit = 0;

	for (unsigned i = 0; i < d->mem.n; i++)
		hit |= port_mem_faulted(d->mem.r[i].map_base);
	if (d->dlog.map_base != NULL)
		hit |= port_mem_faulted(d->dlog.map_base);
	if (d->inflight.map_base != NULL)
		hit |= port_mem_faulted(d->inflight.map_base);
	if (!hit || d->dev.fd < 0)
		return;
	LOG_ERR("%s: guest memory faulted: the file behind a region shrank "
		"under our mapping", d->dev.name);
	d->dev.violations++;
	dev_disconnect(&d->dev, "guest memory faulted");
}

const struct q_stats *be_stats(const struct vu_dev *dev, unsigned q)
{
	const struct be_dev *d = (const struct be_dev *)(const void *)dev;

	return q < CFG_MAX_QUEUES ? &d->q[q].st : NULL;
}
