/*
 * vq_packed.c - the device side of packed rings (virtio 1.2 section 2.8).
 *
 * The driver marks a descriptor available by setting its AVAIL bit to its
 * wrap counter and its USED bit to the inverse; the device marks a chain
 * used by writing one descriptor, id and length, with both bits equal to
 * its own wrap counter, over the first slot the chain took.  Used elements
 * wait in p->shadow until vq_publish writes them all: they overwrite
 * descriptors, so none can be written before a frame is sure to complete.
 */
#include "core/virtq/vq.h"

#include "core/log.h"
#include "core/virtq/access.h"
#include "core/virtq/inflight.h"
#include "port/port.h"

/* 2.8.1: available when AVAIL matches the wrap counter and USED does not. */
static bool desc_avail(uint16_t flags, bool wrap)
{
	bool a = (flags & VRING_PACKED_F_AVAIL) != 0;
	bool u = (flags & VRING_PACKED_F_USED) != 0;

	return a == wrap && u != wrap;
}

/* 2.8.1: used (by the device, in the lap of wrap counter `wrap`) when
 * both bits match it. */
static bool desc_used(uint16_t flags, bool wrap)
{
	bool a = (flags & VRING_PACKED_F_AVAIL) != 0;
	bool u = (flags & VRING_PACKED_F_USED) != 0;

	return a == wrap && u == wrap;
}

/* Ring positions in ring order (slot, wrap), as a count from slot 0 of a
 * lap of wrap 0: comparable modulo two laps. */
static uint32_t pos_of(uint16_t i, bool wrap, uint32_t num)
{
	return (wrap ? 0 : num) + i;
}

/*
 * Where a packed ring stands, read from the ring, when the base the
 * front-end gives contradicts it.  A split ring's position can be rebuilt
 * from used->idx, and QEMU does that when a back-end dies without
 * answering GET_VRING_BASE; a packed ring has no index in memory, so QEMU
 * 7.2 hands the new back-end the last base it knew -- often the initial
 * one (slot 0, wrap 1) -- and both ends then wait for ever, each at a slot
 * the other left long ago.
 *
 * virtio 1.2 2.8.1, 2.8.6: the device completes a chain by writing a used
 * descriptor over the chain's first slot, both bits equal to its wrap
 * counter; the chain's other slots keep the driver's "available" flags,
 * and so do chains posted and not yet used.  Heads are written in ring
 * order, the counter flipping at slot 0, so from the first used head after
 * slot 0 the heads of one lap run on, with tails and nothing else between
 * them, until a slot of another lap: the device stands after the last head
 * of that run and the tails of its chain.  The run ends at the first slot
 * that is neither used nor available in its lap.  Chains taken and not yet
 * used when the old back-end died are still "available" there, and are
 * taken again (as QEMU's restore of a split ring does).
 *
 * Validated, never trusted blindly: the base stands if it lies where the
 * ring says the device may stand (after the last head, before the end of
 * the available slots that follow it).  Otherwise the ring's position is
 * taken only when it is exact: when no run showed a multi-descriptor tail
 * (single-descriptor chains: Linux with indirect descriptors, QEMU's
 * default), or no available slot follows the last head.  If not, the
 * last chain's tail and new chains cannot be told apart, and the ring is
 * failed (vq_packed_pop) rather than guessed.  What follows goes through
 * the checked walker like any chain.
 */
VQ_SETUP static void packed_recover(struct vq *vq)
{
	struct vq_packed *p = &vq->p;
	const uint32_t num = vq->num;
	uint32_t first = num, k, after = 0, base, lo;
	uint16_t i, pos = 0;
	bool lap = false, pos_wrap = false, tails = false, seen = false;

	for (k = 0; k < num && first == num; k++) {
		uint16_t f = LE16(LOAD(&p->pdesc[k].flags));

		if (desc_used(f, (f & VRING_PACKED_F_AVAIL) != 0)) {
			first = k;
			lap = (f & VRING_PACKED_F_AVAIL) != 0;
		}
	}
	if (first == num) {
		/* No used head left: every slot is posted, those the device
		 * used already posted again for the next lap.  The device
		 * stands where the lap of the posts changes (or at slot 0). */
		bool a0 = LE16(LOAD(&p->pdesc[0].flags)) & VRING_PACKED_F_AVAIL;

		pos_wrap = a0;
		for (k = 1; k < num; k++) {
			bool a = LE16(LOAD(&p->pdesc[k].flags)) &
				 VRING_PACKED_F_AVAIL;

			if (a != a0 && pos == 0) {
				pos = (uint16_t)k;
				pos_wrap = a;
			} else if (a != pos_wrap) {
				return; /* not one change: leave it to the base */
			}
		}
	}
	i = (uint16_t)(first % num);
	for (k = 0; k < num && first < num; k++) {
		uint16_t f = LE16(LOAD(&p->pdesc[i].flags));

		if (desc_used(f, lap)) {
			tails |= after > 0 && seen;
			after = 0;
			seen = true;
			pos = i;
			pos_wrap = lap;
			vq_wrap_add(&pos, &pos_wrap, 1, (uint16_t)num);
		} else if (desc_avail(f, lap)) {
			after++;
		} else {
			break;
		}
		vq_wrap_add(&i, &lap, 1, (uint16_t)num);
	}
	/* the base's used half: where the device writes next */
	lo = pos_of(pos, pos_wrap, num);
	base = pos_of(p->used_idx, p->used_wrap, num);
	if ((base + 2 * num - lo) % (2 * num) <= (tails ? after : 0))
		return; /* the base agrees with the ring */
	if (tails && after > 0) {
		p->lost = true;
		LOG_ERR("%s: SET_VRING_BASE slot %u wrap %u contradicts the "
			"ring, whose position cannot be told (chains of several "
			"descriptors)", vq->name, p->used_idx, p->used_wrap);
		return;
	}
	LOG_WARN("%s: SET_VRING_BASE slot %u wrap %u contradicts the ring: "
		 "going on from slot %u wrap %u, where the ring stands",
		 vq->name, p->used_idx, p->used_wrap, pos, pos_wrap);
	p->last_avail = p->used_idx = pos;
	p->avail_wrap = p->used_wrap = pos_wrap;
}

void vq_packed_attach(struct vq *vq, const struct vq_config *cfg)
{
	struct vq_packed *p = &vq->p;

	/* The base was checked (vq_base_check): indices below num. */
	p->pdesc = cfg->desc;
	p->driver_evt = cfg->driver;
	p->device_evt = cfg->device;
	p->last_avail = (uint16_t)(cfg->base & 0x7fffu);
	p->avail_wrap = (cfg->base & VQ_BASE_WRAP) != 0;
	p->used_idx = vq_base_used(cfg->base) & 0x7fffu;
	p->used_wrap = (vq_base_used(cfg->base) & VQ_BASE_WRAP) != 0;
	p->nshadow = 0;
	p->call_pending = false;
	p->lost = false;
	packed_recover(vq);
	p->signalled = p->used_idx;
	p->signalled_wrap = p->used_wrap;
	p->signalled_valid = false;
}

/*
 * A batch the inflight region rolled back: a dead back-end wrote its used
 * elements and the flags of all but the first (vq_packed_publish), and
 * died before the first's, which hands the batch over.  Its chains are
 * taken again, and its slots are still the device's; they show
 * "available" again, as the driver left them, or publishing the first
 * element anew would hand the driver the rest (it reads on in ring order,
 * 2.8.6) before they are done: RX buffers the device then writes again.
 */
static void packed_unpublish(struct vq *vq, uint32_t n)
{
	struct vq_packed *p = &vq->p;
	uint16_t i = p->used_idx;
	bool w = p->used_wrap;

	for (uint32_t k = 0; k < n; k++) {
		uint16_t f = LE16(LOAD(&p->pdesc[i].flags));

		f = (uint16_t)((f & ~(VRING_PACKED_F_AVAIL |
				      VRING_PACKED_F_USED)) |
			       (w ? VRING_PACKED_F_AVAIL : VRING_PACKED_F_USED));
		STORE(&p->pdesc[i].flags, LE16(f));
		if (vq_log_on(&vq->log))
			dirty_mark(vq->log.dirty, vq->log.ring_gpa + 16ull * i,
				   16);
		vq_wrap_add(&i, &w, 1, vq->num);
	}
}

int vq_packed_inflight(struct vq *vq, struct inflight_q *iq, bool fresh)
{
	struct vq_packed *p = &vq->p;
	int rc = inflight_packed_start(iq, fresh, p->pdesc, &p->used_idx,
				       &p->used_wrap, &p->last_avail,
				       &p->avail_wrap);

	if (rc > 0) {
		packed_unpublish(vq, (uint32_t)rc);
		rc = 0;
	}
	/* A part to recover says where the ring stands (vhost-user.rst
	 * "Inflight I/O tracking": used_idx, then the chains in flight),
	 * checked by inflight_packed_start: a ring whose flags could not
	 * tell it (packed_recover) is not lost. */
	if (rc == 0 && !fresh && p->lost) {
		p->lost = false;
		LOG_PEER("%s: the inflight region says where the ring stands: "
			 "slot %u wrap %u\n", vq->name, p->used_idx,
			 p->used_wrap);
	}
	return rc;
}

/*
 * A packed list, from the ring at last_avail or, for a chain taken again
 * after a restart (again >= 0), from the inflight region's record of it
 * at that entry: the one walk for both, by the rules of chain_packed.
 */
int vq_packed_pop(struct vq *vq, const struct mem_table *mem,
		  struct vq_chain *c)
{
	struct vq_packed *p = &vq->p;
	struct inflight_q *iq = vq->inflight;
	int again = iq != NULL ? inflight_resubmit_next(iq) : -1, n = 0;
	const struct vring_packed_desc *ring = p->pdesc;
	uint16_t i = p->last_avail, k = (uint16_t)again, next = 0;
	bool wrap = p->avail_wrap;
	struct vring_packed_desc d = {0, 0, 0, 0}; /* (LTO cannot see it set) */
	struct chain_walk w;

	if (p->lost) {
		LOG_ERR("%s: packed ring position unknown: the front-end must "
			"start it again", vq->name);
		return -PORT_EPROTO;
	}
	if (again < 0) {
		/* Acquire: the rest of the chain, written before this first
		 * flags word (2.8.6), is visible after it. */
		d.flags = LE16(LOAD_ACQUIRE(&ring[i].flags));
		if (!desc_avail(d.flags, wrap))
			return 0;
	}
	chain_begin(&w, vq->name, vq->num, vq->indirect, mem, c);
	for (;;) {
		int rc;

		if (again < 0) {
			d.addr = LE64(LOAD(&ring[i].addr));
			d.len = LE32(LOAD(&ring[i].len));
			d.id = LE16(LOAD(&ring[i].id));
		} else {
			rc = inflight_packed_get(iq, (uint16_t)again, k, &d,
						 &next);
			if (rc < 0)
				return rc;
			if (n == 0)
				n = rc; /* as long as when it was taken */
		}
		rc = chain_packed(&w, again < 0 ? i : k, d.addr, d.len,
				  d.flags);
		if (rc < 0)
			return rc;
		if (again >= 0) {
			if (c->ndesc == n)
				break;
			k = next;
			continue;
		}
		if (iq != NULL) {
			bool last = !(d.flags & VRING_DESC_F_NEXT);

			rc = inflight_packed_desc(iq, d.addr, d.len, d.id,
						  d.flags, c->ndesc == 1, last);
			if (rc < 0)
				return rc;
			if (c->ndesc == 1)
				c->track = (uint16_t)rc;
		}
		vq_wrap_add(&i, &wrap, 1, w.num);
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		d.flags = LE16(LOAD(&ring[i].flags));
	}
	/* 2.8.6: the buffer id is the last descriptor's */
	c->head = d.id;
	if (again >= 0) {
		c->track = (uint16_t)again;
		iq->pos++;
		return 1;
	}
	p->last_avail = i;
	p->avail_wrap = wrap;
	return 1;
}

void vq_packed_push(struct vq *vq, const struct vq_chain *c, uint32_t len)
{
	struct vq_packed *p = &vq->p;
	struct vq_used_elem *e;

	CORE_ASSERT(vq_packed_push_room(p, 1));
	e = &p->shadow[p->nshadow++];
	e->id = c->head;
	e->ndesc = c->ndesc;
	e->len = len;
	e->track = c->track; /* its inflight entry, freed at the publish */
}

void vq_packed_mark(const struct vq *vq, struct vq_mark *m)
{
	const struct vq_packed *p = &vq->p;

	m->last_avail = p->last_avail;
	m->avail_wrap = p->avail_wrap;
	m->used_idx = p->used_idx;
	m->nshadow = p->nshadow;
	if (vq->inflight != NULL) {
		m->resubmit = vq->inflight->pos;
		m->track = inflight_packed_free_head(vq->inflight);
	}
}

void vq_packed_rewind(struct vq *vq, const struct vq_mark *m)
{
	struct vq_packed *p = &vq->p;

	if (vq->inflight != NULL) {
		vq->inflight->pos = m->resubmit;
		inflight_packed_rewind(vq->inflight, m->track);
	}
	p->last_avail = m->last_avail;
	p->avail_wrap = m->avail_wrap;
	p->used_idx = m->used_idx;
	p->nshadow = m->nshadow;
}

VQ_PUBLISH void vq_packed_publish(struct vq *vq)
{
	struct vq_packed *p = &vq->p;
	/* read once: the stores into the ring below may alias them */
	struct vring_packed_desc *ring = p->pdesc;
	const struct vq_used_elem *e = p->shadow;
	const unsigned n = p->nshadow, num = vq->num;
	uint16_t slot = p->used_idx, first = p->used_idx;
	bool wrap = p->used_wrap;
	uint16_t used_flags = 0;

	if (n == 0)
		return;
	/* Ids and lengths first, then (after a release fence) the flags
	 * that hand them over; the first element's flags last of all, so
	 * the driver never sees part of a batch, nor part of a frame that
	 * took several buffers (2.8.9 "Multi-buffer requests"). */
	for (unsigned k = 0; k < n; k++) {
		STORE(&ring[slot].id, LE16(e[k].id));
		STORE(&ring[slot].len, LE32(e[k].len));
		vq_wrap_add(&slot, &wrap, e[k].ndesc, num);
	}
	if (vq->inflight != NULL)
		inflight_packed_freeing(vq->inflight, e, n, slot, wrap);
	RELEASE_FENCE();
	slot = first;
	wrap = p->used_wrap;
	for (unsigned k = 0; k < n; k++) {
		/* 2.8.5: WRITE says the device wrote into the buffer */
		uint16_t f = (uint16_t)((wrap ? VRING_PACKED_F_AVAIL |
							VRING_PACKED_F_USED
					      : 0) |
					(e[k].len > 0 ? VRING_DESC_F_WRITE
						      : 0));

		if (k == 0)
			used_flags = f;
		else
			STORE(&ring[slot].flags, LE16(f));
		vq_wrap_add(&slot, &wrap, e[k].ndesc, num);
	}
	VQ_FAULT(USED);
	STORE_RELEASE(&ring[first].flags, LE16(used_flags));
	/* marked after the writes, so a log read in between misses none:
	 * the first slot of each element, where it was written */
	if (vq_log_on(&vq->log)) {
		uint16_t at = first;
		bool aw = p->used_wrap;

		for (unsigned k = 0; k < n; k++) {
			dirty_mark(vq->log.dirty, vq->log.ring_gpa + 16ull * at,
				   16);
			vq_wrap_add(&at, &aw, e[k].ndesc, num);
		}
	}
	VQ_FAULT(HANDED);
	if (vq->inflight != NULL)
		inflight_packed_published(vq->inflight, e, n);
	p->used_idx = slot;
	p->used_wrap = wrap;
	p->nshadow = 0;
	p->call_pending = true;
	VQ_FAULT(PUBLISHED);
}

bool vq_packed_need_call(struct vq *vq)
{
	struct vq_packed *p = &vq->p;
	uint16_t flags, old = p->signalled;
	bool old_wrap = p->signalled_wrap, valid = p->signalled_valid;

	if (!p->call_pending)
		return false;
	/* The used flags must be visible before we read the driver's event
	 * flags (2.8.10), as for the split ring. */
	FULL_FENCE();
	flags = LE16(LOAD(&p->driver_evt->flags)) & 3u;
	p->call_pending = false;
	p->signalled = p->used_idx;
	p->signalled_wrap = p->used_wrap;
	p->signalled_valid = true;
	/* DESC without EVENT_IDX is the driver's mistake: read as enabled */
	if (vq->event_idx && flags == VRING_EVENT_F_DESC)
		return !valid ||
		       vq_wrap_need_event(LE16(LOAD(&p->driver_evt->off_wrap)),
					  old, old_wrap, p->used_idx,
					  p->used_wrap, vq->num);
	return flags != VRING_EVENT_F_DISABLE;
}

bool vq_packed_kicks(struct vq *vq, bool on)
{
	struct vq_packed *p = &vq->p;
	uint16_t flags = on ? VRING_EVENT_F_ENABLE : VRING_EVENT_F_DISABLE;

	if (on && vq->event_idx) {
		/* 2.8.10: a kick when the descriptor at last_avail (in this
		 * lap) is made available, none for those after it */
		STORE(&p->device_evt->off_wrap,
		      LE16((uint16_t)(p->last_avail |
				      (p->avail_wrap ? VRING_EVENT_WRAP : 0))));
		flags = VRING_EVENT_F_DESC;
	}
	STORE(&p->device_evt->flags, LE16(flags));
	vq_log_mark_event(&vq->log, 0, 4);
	if (!on)
		return false;
	/* The flag store must be visible before we look at the next slot
	 * again, or a chain added in between would get no kick. */
	FULL_FENCE();
	return desc_avail(LE16(LOAD(&p->pdesc[p->last_avail].flags)),
			  p->avail_wrap);
}
