/*
 * vring_packed.c - the device side of packed virtqueues (virtio 1.2
 * section 2.8).
 *
 * The driver marks a descriptor available by setting its AVAIL bit to its
 * wrap counter and its USED bit to the inverse; the device marks a chain
 * used by writing one descriptor, id and length, with both bits equal to
 * its own wrap counter, over the first slot the chain took.  Used elements
 * wait in vq->shadow until vq_publish writes them all: they overwrite
 * descriptors, so none can be written before a frame is sure to complete.
 */
#include "core/virtq/vring.h"

#include "core/virtq/inflight.h"
#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

/* 2.8.1: available when AVAIL matches the wrap counter and USED does not. */
static bool desc_avail(uint16_t flags, bool wrap)
{
	bool a = (flags & VRING_PACKED_F_AVAIL) != 0;
	bool u = (flags & VRING_PACKED_F_USED) != 0;

	return a == wrap && u != wrap;
}

void vq_packed_attach(struct vq *vq, const struct vq_config *cfg)
{
	/* The base was checked (vq_base_check): indices below num. */
	vq->pdesc = cfg->desc;
	vq->driver_evt = cfg->driver;
	vq->device_evt = cfg->device;
	vq->last_avail = (uint16_t)(cfg->base & 0x7fffu);
	vq->avail_wrap = (cfg->base & VQ_BASE_WRAP) != 0;
	vq->used_idx = vq_base_used(cfg->base) & 0x7fffu;
	vq->used_wrap = (vq_base_used(cfg->base) & VQ_BASE_WRAP) != 0;
}

int vq_packed_pop(struct vq *vq, const struct mem_table *mem,
		  struct vq_chain *c)
{
	uint16_t i = vq->last_avail, id = 0;
	bool wrap = vq->avail_wrap;
	const struct vring_packed_desc *d = &vq->pdesc[i];
	/* Acquire: the rest of the chain, written before this first flags
	 * word (2.8.6), is visible after it. */
	uint16_t flags = LE16(LOAD_ACQUIRE(&d->flags));
	struct chain_walk w;

	if (!desc_avail(flags, wrap))
		return 0;
	chain_begin(&w, vq->name, vq->num, vq->indirect, mem, c);
	for (;;) {
		uint64_t addr = LE64(LOAD(&d->addr));
		uint32_t len = LE32(LOAD(&d->len));
		int rc;

		id = LE16(LOAD(&d->id));
		rc = chain_packed(&w, i, addr, len, flags);
		if (rc < 0)
			return rc;
		if (vq->inflight != NULL) {
			rc = inflight_packed_desc(vq, addr, len, id, flags,
						  c->ndesc == 1,
						  !(flags & VRING_DESC_F_NEXT));
			if (rc < 0)
				return rc;
			if (c->ndesc == 1)
				c->track = (uint16_t)rc;
		}
		vq_wrap_add(&i, &wrap, 1, vq->num);
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		d = &vq->pdesc[i];
		flags = LE16(LOAD(&d->flags));
	}
	/* 2.8.6: the buffer id is the last descriptor's */
	c->head = id;
	vq->last_avail = i;
	vq->avail_wrap = wrap;
	return 1;
}

void vq_packed_publish(struct vq *vq)
{
	uint16_t slot = vq->used_idx, first = vq->used_idx;
	bool wrap = vq->used_wrap;
	uint16_t used_flags = 0;

	if (vq->nshadow == 0)
		return;
	/* Ids and lengths first, then (after a release fence) the flags
	 * that hand them over; the first element's flags last of all, so
	 * the driver never sees part of a batch, nor part of a frame that
	 * took several buffers (2.8.9 "Multi-buffer requests"). */
	for (unsigned k = 0; k < vq->nshadow; k++) {
		const struct vq_used_elem *e = &vq->shadow[k];
		struct vring_packed_desc *d = &vq->pdesc[slot];

		STORE(&d->id, LE16(e->id));
		STORE(&d->len, LE32(e->len));
		vq_wrap_add(&slot, &wrap, e->ndesc, vq->num);
	}
	if (vq->inflight != NULL)
		inflight_packed_freeing(vq, slot, wrap);
	RELEASE_FENCE();
	slot = first;
	wrap = vq->used_wrap;
	for (unsigned k = 0; k < vq->nshadow; k++) {
		const struct vq_used_elem *e = &vq->shadow[k];
		/* 2.8.5: WRITE says the device wrote into the buffer */
		uint16_t f = (uint16_t)((wrap ? VRING_PACKED_F_AVAIL |
							VRING_PACKED_F_USED
					      : 0) |
					(e->len > 0 ? VRING_DESC_F_WRITE : 0));

		if (k == 0)
			used_flags = f;
		else
			STORE(&vq->pdesc[slot].flags, LE16(f));
		vq_wrap_add(&slot, &wrap, e->ndesc, vq->num);
	}
	STORE_RELEASE(&vq->pdesc[first].flags, LE16(used_flags));
	/* marked after the writes, so a log read in between misses none */
	if (vq_log_on(&vq->log)) {
		slot = first;
		wrap = vq->used_wrap;
		for (unsigned k = 0; k < vq->nshadow; k++) {
			vq_log_mark(&vq->log, 16ull * slot, 16);
			vq_wrap_add(&slot, &wrap, vq->shadow[k].ndesc,
				    vq->num);
		}
	}
	if (vq->inflight != NULL)
		inflight_published(vq);
	vq->used_idx = slot;
	vq->used_wrap = wrap;
	vq->nshadow = 0;
	vq->call_pending = true;
}

bool vq_packed_need_call(struct vq *vq)
{
	uint16_t flags;

	if (!vq->call_pending)
		return false;
	/* The used flags must be visible before we read the driver's event
	 * flags (2.8.10), as for the split ring. */
	FULL_FENCE();
	flags = LE16(LOAD(&vq->driver_evt->flags)) & 3u;
	vq->call_pending = false;
	/* DESC needs EVENT_IDX, which is not offered: read it as enabled */
	return flags != VRING_EVENT_F_DISABLE;
}

bool vq_packed_kicks(struct vq *vq, bool on)
{
	uint16_t flags;

	STORE(&vq->device_evt->flags,
	      LE16(on ? VRING_EVENT_F_ENABLE : VRING_EVENT_F_DISABLE));
	vq_log_mark_event(&vq->log, 2, 2);
	if (!on)
		return false;
	FULL_FENCE();
	flags = LE16(LOAD(&vq->pdesc[vq->last_avail].flags));
	return desc_avail(flags, vq->avail_wrap);
}
