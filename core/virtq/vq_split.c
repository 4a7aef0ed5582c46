/*
 * vq_split.c - the device side of split rings (virtio 1.2 section 2.7):
 * chains offered through the avail ring, returned through the used ring.
 *
 * Everything read from guest memory is read once into a local copy and
 * checked there: the driver may change it while we look.
 */
#include "core/virtq/vq.h"

#include "core/log.h"
#include "core/virtq/access.h"
#include "core/virtq/inflight.h"
#include "port/port.h"

void vq_split_attach(struct vq *vq, const struct vq_config *cfg)
{
	struct vq_split *s = &vq->s;

	s->desc = cfg->desc;
	s->avail = cfg->driver;
	s->used = cfg->device;
	s->last_avail = (uint16_t)cfg->base;
	s->avail_idx = s->last_avail;
	/* Resume where the used ring says we were (reconnect, or a ring that
	 * was stopped and restarted). */
	s->used_idx = LE16(LOAD(&s->used->idx));
	s->published = s->used_idx;
	s->signalled = s->used_idx;
	s->signalled_valid = false;
}

int vq_split_inflight(struct vq *vq, struct inflight_q *iq, bool fresh)
{
	struct vq_split *s = &vq->s;
	int rc = inflight_split_start(iq, fresh, s->used_idx, &s->last_avail);

	s->avail_idx = s->last_avail;
	return rc;
}

int vq_split_avail(struct vq *vq)
{
	struct vq_split *s = &vq->s;
	/* Acquire: the ring entries and descriptors the driver wrote before
	 * it moved idx (virtio 1.2 2.7.13 step 3) are visible after this. */
	uint16_t idx = LE16(LOAD_ACQUIRE(&s->avail->idx));
	uint16_t n = (uint16_t)(idx - s->last_avail);

	if (n > vq->num) {
		LOG_ERR("%s: avail index jumped from %u to %u, more than the "
			"queue size %u", vq->name, s->last_avail, idx,
			vq->num);
		return -PORT_EPROTO;
	}
	s->avail_idx = idx;
	return n;
}

int vq_split_pop(struct vq *vq, const struct mem_table *mem,
		 struct vq_chain *c)
{
	struct vq_split *s = &vq->s;
	struct inflight_q *iq = vq->inflight;
	struct chain_walk w;
	uint16_t head;
	int rc;

	if (iq != NULL && inflight_resubmit_next(iq) >= 0) {
		/* taken again after a restart (last_avail counts it) */
		head = (uint16_t)inflight_resubmit_next(iq);
	} else {
		if (s->last_avail == s->avail_idx) {
			int n = vq_split_avail(vq);
			if (n <= 0)
				return n;
		}
		head = LE16(LOAD(&s->avail->ring[s->last_avail &
						  (vq->num - 1)]));
	}
	chain_begin(&w, vq->name, vq->num, vq->indirect, mem, c);
	c->track = head; /* the inflight entry of a split chain: its head */
	rc = chain_split(&w, s->desc, head);
	if (rc < 0)
		return rc;
	iq = vq->inflight;
	if (iq == NULL) {
		s->last_avail++;
	} else if (inflight_resubmit_next(iq) >= 0) {
		iq->pos++;
	} else {
		s->last_avail++;
		inflight_split_popped(iq, head);
	}
	return 1;
}

void vq_split_push(struct vq *vq, const struct vq_chain *c, uint32_t len)
{
	struct vq_split *s = &vq->s;
	struct vring_used_elem *e = &s->used->ring[s->used_idx & (vq->num - 1)];

	CORE_ASSERT(vq_split_push_room(s, 1));
	STORE(&e->id, LE32((uint32_t)c->head));
	STORE(&e->len, LE32(len));
	s->used_idx++;
	/* the element just pushed is number (used_idx - published) - 1 of
	 * the batch; vq_push_room keeps that below VQ_SHADOW */
	if (vq->inflight != NULL) {
		uint16_t k = (uint16_t)(s->used_idx - s->published - 1);

		inflight_split_pushed(vq->inflight, k, c->track);
	}
	VQ_FAULT(USED);
}

void vq_split_mark(const struct vq *vq, struct vq_mark *m)
{
	const struct vq_split *s = &vq->s;

	m->last_avail = s->last_avail;
	m->used_idx = s->used_idx;
	if (vq->inflight != NULL) {
		m->resubmit = vq->inflight->pos;
		m->popped = vq->inflight->npopped;
		m->track = inflight_split_batch_head(vq->inflight);
	}
}

void vq_split_rewind(struct vq *vq, const struct vq_mark *m)
{
	struct vq_split *s = &vq->s;

	if (vq->inflight != NULL) {
		vq->inflight->pos = m->resubmit;
		inflight_split_rewind(vq->inflight, m->track, m->popped);
	}
	s->last_avail = m->last_avail;
	s->used_idx = m->used_idx;
}

/* Log the used elements and index a publish hands over (vhost-user.rst
 * "Migration": used ring writes at log_guest_addr); the ring is logged. */
static void log_used(struct vq *vq)
{
	const struct vq_split *s = &vq->s;
	uint16_t n = (uint16_t)(s->used_idx - s->published);
	uint32_t first = s->published & (vq->num - 1);
	uint64_t used = vq->log.ring_gpa;

	/* the elements (at offset 4), in one or two runs; then idx */
	if (first + n <= vq->num) {
		dirty_mark(vq->log.dirty, used + 4 + 8ull * first, 8ull * n);
	} else {
		dirty_mark(vq->log.dirty, used + 4 + 8ull * first,
			   8ull * (vq->num - first));
		dirty_mark(vq->log.dirty, used + 4,
			   8ull * (first + n - vq->num));
	}
	dirty_mark(vq->log.dirty, used + 2, 2);
}

VQ_PUBLISH void vq_split_publish(struct vq *vq)
{
	struct vq_split *s = &vq->s;

	if (s->used_idx == s->published)
		return;
	/* Release: the used elements and the bytes written into the
	 * buffers are visible before the index that hands them over
	 * (virtio 1.2 2.7.14). */
	STORE_RELEASE(&s->used->idx, LE16(s->used_idx));
	/* marked after the writes, so a log read in between misses none */
	if (vq_log_on(&vq->log))
		log_used(vq);
	VQ_FAULT(HANDED);
	if (vq->inflight != NULL)
		inflight_split_published(vq->inflight,
					 (uint16_t)(s->used_idx - s->published),
					 s->used_idx);
	s->published = s->used_idx;
	VQ_FAULT(PUBLISHED);
}

bool vq_split_need_call(struct vq *vq)
{
	struct vq_split *s = &vq->s;
	uint16_t old = s->signalled;
	bool valid = s->signalled_valid;

	if (s->published == s->signalled)
		return false;
	/* Our used->idx store must be globally visible before we read the
	 * driver's flags or event, or both sides may decide the other will
	 * act. */
	FULL_FENCE();
	s->signalled = s->published;
	s->signalled_valid = true;
	if (vq->event_idx)
		return !valid ||
		       vring_need_event(
			       LE16(LOAD(vring_used_event(s->avail, vq->num))),
			       s->published, old);
	return !(LE16(LOAD(&s->avail->flags)) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool vq_split_kicks(struct vq *vq, bool on)
{
	struct vq_split *s = &vq->s;

	if (vq->event_idx) {
		/* 2.7.10: with EVENT_IDX the driver reads avail_event only;
		 * the one it passed already asks for nothing more */
		if (!on)
			return false;
		STORE(vring_avail_event(s->used, vq->num), LE16(s->last_avail));
		vq_log_mark(&vq->log, VRING_USED_BYTES(vq->num) - 2, 2);
	} else {
		STORE(&s->used->flags,
		      LE16(on ? 0 : (uint16_t)VRING_USED_F_NO_NOTIFY));
		vq_log_mark(&vq->log, 0, 2);
		if (!on)
			return false;
	}
	/* The flag or event store must be visible before we look at
	 * avail->idx again, or a chain added in between would get no
	 * kick. */
	FULL_FENCE();
	return LE16(LOAD(&s->avail->idx)) != s->last_avail;
}
