/*
 * inflight_packed.c - a packed ring's part of the inflight region
 * (vhost-user.rst "Inflight I/O tracking", the packed layout): a copy of
 * every descriptor of every chain taken, on entries taken from a free
 * list, and the used position before and after the batch being
 * published, so that a batch half marked used can be rolled back or
 * forward after a restart.
 */
#include "core/virtq/inflight.h"

#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

/* The functions below copy iq->num before they store into the region: a
 * store through a uint16_t pointer could be to it, for all the compiler
 * knows, and it would read it again after each. */

struct packed_desc {
	uint8_t inflight;
	uint8_t padding;
	uint16_t next;
	uint16_t last;
	uint16_t num;
	uint64_t counter;
	uint16_t id;
	uint16_t flags;
	uint32_t len;
	uint64_t addr;
};

struct packed_region {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t free_head;
	uint16_t old_free_head;
	uint16_t used_idx;
	uint16_t old_used_idx;
	uint8_t used_wrap;
	uint8_t old_used_wrap;
	uint8_t padding[7];
	struct packed_desc desc[];
};

_Static_assert(sizeof(struct packed_desc) == 32 &&
		       offsetof(struct packed_region, desc) == 32,
	       "packed inflight layout is 32 + 32 * n bytes");

static struct packed_region *packed_of(const struct inflight_q *iq)
{
	return (struct packed_region *)(void *)iq->region;
}

VQ_SETUP
int inflight_packed_start(struct inflight_q *iq, bool fresh,
			  const struct vring_packed_desc *ring, uint16_t *used,
			  bool *used_wrap, uint16_t *avail, bool *avail_wrap)
{
	const uint16_t num = iq->num;
	struct packed_region *r = packed_of(iq);
	uint16_t u, old_used, fh;
	uint32_t back = 0; /* slots of a batch rolled back */
	bool wrap;

	if (fresh) {
		memset(iq->region, 0, 32 + 32ull * num);
		/* every entry on the free list */
		for (uint16_t i = 0; i < num; i++)
			STORE(&r->desc[i].next, (uint16_t)(i + 1));
		STORE(&r->used_idx, *used);
		STORE(&r->old_used_idx, *used);
		STORE(&r->used_wrap, (uint8_t)*used_wrap);
		STORE(&r->old_used_wrap, (uint8_t)*used_wrap);
		STORE(&r->desc_num, num);
		STORE(&r->version, (uint16_t)INFLIGHT_VERSION);
		return 0;
	}
	u = LOAD(&r->used_idx);
	old_used = LOAD(&r->old_used_idx);
	if (u >= num || old_used >= num) {
		LOG_ERR("%s: inflight region: used index %u or %u past the ring",
			iq->name, u, old_used);
		return -PORT_EPROTO;
	}
	/* A batch half marked used: if its first descriptor no longer looks
	 * available, the driver has it, so the batch stands.  Else it is
	 * rolled back, and the caller makes its other slots, whose flags
	 * may already say "used", look available again (the return value). */
	wrap = LOAD(&r->used_wrap) != 0;
	if (u != old_used || wrap != (LOAD(&r->old_used_wrap) != 0)) {
		bool ow = LOAD(&r->old_used_wrap) != 0;
		uint16_t a = ow ? VRING_PACKED_F_AVAIL : VRING_PACKED_F_USED;
		uint16_t f = LE16(LOAD(&ring[old_used].flags)) &
			     (VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED);

		if (f != a) {
			STORE(&r->old_free_head, LOAD(&r->free_head));
			STORE(&r->old_used_idx, u);
			STORE(&r->old_used_wrap, (uint8_t)wrap);
		} else {
			back = vq_wrap_dist(vq_wrap_pos(old_used, ow, num),
					    vq_wrap_pos(u, wrap, num), num);
		}
	}
	if (back > num) {
		LOG_ERR("%s: inflight region: a batch of %u slots, in a ring "
			"of %u", iq->name, back, num);
		return -PORT_EPROTO;
	}
	/* roll back anything half done */
	fh = LOAD(&r->old_free_head);
	STORE(&r->free_head, fh);
	STORE(&r->used_idx, LOAD(&r->old_used_idx));
	STORE(&r->used_wrap, LOAD(&r->old_used_wrap));
	/* what is on the free list is not in flight */
	for (uint16_t k = 0; k < num && fh < num; k++) {
		STORE(&r->desc[fh].inflight, (uint8_t)0);
		fh = LOAD(&r->desc[fh].next);
	}
	u = LOAD(&r->used_idx);
	wrap = LOAD(&r->used_wrap) != 0;
	if (u >= num) {
		LOG_ERR("%s: inflight region: used index %u past the ring",
			iq->name, u);
		return -PORT_EPROTO;
	}
	*used = *avail = u;
	*used_wrap = *avail_wrap = wrap;
	for (uint16_t i = 0; i < num; i++) {
		uint64_t age = LOAD(&r->desc[i].counter);
		uint16_t n = LOAD(&r->desc[i].num);

		if (LOAD(&r->desc[i].inflight) == 0)
			continue;
		if (n == 0 || n > num) {
			LOG_ERR("%s: inflight region: entry %u is not a chain",
				iq->name, i);
			return -PORT_EPROTO;
		}
		if (inflight_resubmit_add(iq, i, age) < 0)
			return -PORT_EPROTO; /* too many: said there */
		/* taken in order after what was used */
		vq_wrap_add(avail, avail_wrap, n, num);
	}
	return (int)back;
}

int inflight_packed_desc(struct inflight_q *iq, uint64_t addr, uint32_t len,
			 uint16_t id, uint16_t flags, bool head, bool last)
{
	const uint16_t num = iq->num;
	struct packed_region *r = packed_of(iq);
	uint16_t ofh = LOAD(&r->old_free_head), fh = LOAD(&r->free_head);
	struct packed_desc *d;

	if (ofh >= num || fh >= num) {
		LOG_ERR("%s: inflight region: free list broken (entry %u)",
			iq->name, ofh >= num ? ofh : fh);
		return -PORT_EPROTO;
	}
	if (head) {
		STORE(&r->desc[ofh].num, (uint16_t)0);
		STORE(&r->desc[ofh].counter, iq->counter++);
		STORE(&r->desc[ofh].inflight, (uint8_t)1);
	}
	if (last)
		STORE(&r->desc[ofh].last, fh);
	STORE(&r->desc[ofh].num, (uint16_t)(LOAD(&r->desc[ofh].num) + 1));
	d = &r->desc[fh];
	STORE(&d->addr, addr);
	STORE(&d->len, len);
	STORE(&d->flags, flags);
	STORE(&d->id, id);
	fh = LOAD(&d->next);
	STORE(&r->free_head, fh);
	if (last)
		STORE(&r->old_free_head, fh);
	return ofh; /* the chain's entry, for its used element */
}

void inflight_packed_freeing(struct inflight_q *iq,
			     const struct vq_used_elem *e, unsigned n,
			     uint16_t used, bool wrap)
{
	const uint16_t num = iq->num;
	struct packed_region *r = packed_of(iq);

	for (unsigned k = 0; k < n; k++) {
		uint16_t t = e[k].track, last;

		if (t >= num)
			continue;
		last = LOAD(&r->desc[t].last);
		if (last < num)
			STORE(&r->desc[last].next, LOAD(&r->free_head));
		STORE(&r->free_head, t);
	}
	STORE(&r->used_idx, used);
	STORE(&r->used_wrap, (uint8_t)wrap);
}

void inflight_packed_published(struct inflight_q *iq,
			       const struct vq_used_elem *e, unsigned n)
{
	struct packed_region *r = packed_of(iq);

	for (unsigned k = 0; k < n; k++)
		if (e[k].track < iq->num)
			STORE(&r->desc[e[k].track].inflight, (uint8_t)0);
	STORE(&r->old_free_head, LOAD(&r->free_head));
	STORE(&r->old_used_idx, LOAD(&r->used_idx));
	STORE(&r->old_used_wrap, LOAD(&r->used_wrap));
}

uint16_t inflight_packed_free_head(const struct inflight_q *iq)
{
	return LOAD(&packed_of(iq)->old_free_head);
}

void inflight_packed_rewind(struct inflight_q *iq, uint16_t free_head)
{
	const uint16_t num = iq->num;
	struct packed_region *r = packed_of(iq);
	uint16_t e = free_head, end = LOAD(&r->free_head);

	/* the entries taken since go back on the free list, no longer in
	 * flight (the walk bounded: the list is shared) */
	for (uint32_t k = 0; k < num && e != end && e < num; k++) {
		STORE(&r->desc[e].inflight, (uint8_t)0);
		e = LOAD(&r->desc[e].next);
	}
	STORE(&r->free_head, free_head);
	STORE(&r->old_free_head, free_head);
}

int inflight_packed_get(const struct inflight_q *iq, uint16_t e, uint16_t k,
			struct vring_packed_desc *d, uint16_t *next)
{
	const uint16_t num = iq->num;
	const struct packed_region *r = packed_of(iq);
	/* read again from shared memory: checked again (it becomes the
	 * number of slots the used element skips) */
	uint16_t n = LOAD(&r->desc[e].num);

	if (n == 0 || n > num || k >= num) {
		LOG_ERR("%s: inflight region: entry %u is a chain of %u "
			"descriptors through entry %u, in a table of %u",
			iq->name, e, n, k, num);
		return -PORT_EPROTO;
	}
	d->addr = LOAD(&r->desc[k].addr);
	d->len = LOAD(&r->desc[k].len);
	d->id = LOAD(&r->desc[k].id);
	d->flags = LOAD(&r->desc[k].flags);
	*next = LOAD(&r->desc[k].next);
	return n;
}
