/*
 * vqd.c - the driver side of virtqueues, split (virtio 1.2 2.7.13)
 * and packed (2.8.21), for the front-end role, which plays the guest.
 *
 * Chains are laid out by the caller as a split descriptor table at
 * vqd->desc: the ring's own table for a split ring, a private copy for a
 * packed one, from which vqd_add writes them into the descriptor ring.
 * What the device writes back (used elements) is not trusted.
 */
#include "core/virtq/vqd.h"

#include <string.h>

#include "core/virtq/access.h"

void vqd_init(struct vqd *d, uint32_t num, bool packed, void *desc,
	      void *driver, void *device)
{
	memset(d, 0, sizeof(*d));
	d->num = num;
	d->packed = packed;
	if (!packed) {
		d->desc = desc;
		d->avail = driver;
		d->used = device;
		return;
	}
	d->pdesc = desc;
	d->driver_evt = driver;
	d->device_evt = device;
	d->desc = d->tmpl;
	/* 2.8.1: both wrap counters start at 1 */
	d->avail_wrap = true;
	d->used_wrap = true;
	d->kicked_wrap = true;
}

uint32_t vqd_base(const struct vqd *d)
{
	return d->packed ? VQ_BASE_PACKED_INIT : 0;
}

/* A packed chain: every descriptor but the first, then (after a release)
 * the first one's flags, which hand the whole chain over (2.8.21.1). */
static void add_packed(struct vqd *d, uint16_t head)
{
	uint16_t first = d->avail_idx, first_flags = 0, n = 0, i = head;

	for (;;) {
		const struct vring_desc *t = &d->tmpl[i];
		struct vring_packed_desc *p = &d->pdesc[d->avail_idx];
		uint16_t f = (uint16_t)((t->flags & (VRING_DESC_F_NEXT |
						     VRING_DESC_F_WRITE |
						     VRING_DESC_F_INDIRECT)) |
					(d->avail_wrap ? VRING_PACKED_F_AVAIL
						       : VRING_PACKED_F_USED));

		STORE(&p->addr, LE64(t->addr));
		STORE(&p->len, LE32(t->len));
		STORE(&p->id, LE16(head));
		if (n++ == 0)
			first_flags = f;
		else
			STORE(&p->flags, LE16(f));
		vq_wrap_add(&d->avail_idx, &d->avail_wrap, 1, d->num);
		if (!(t->flags & VRING_DESC_F_NEXT) || n == d->num)
			break;
		i = t->next % d->num; /* our own layout: in range */
	}
	d->ndesc[head] = n;
	STORE_RELEASE(&d->pdesc[first].flags, LE16(first_flags));
}

void vqd_add(struct vqd *d, uint16_t head)
{
	if (d->packed) {
		add_packed(d, head);
		return;
	}
	STORE(&d->avail->ring[d->avail_idx & (d->num - 1)], LE16(head));
	d->avail_idx++;
}

bool vqd_publish(struct vqd *d)
{
	uint16_t old = d->kicked;
	bool old_wrap = d->kicked_wrap;
	uint16_t flags;

	d->kicked = d->avail_idx;
	d->kicked_wrap = d->avail_wrap;
	if (d->packed) {
		/* descriptors were handed over in vqd_add; the flags must be
		 * visible before we read whether the device wants a kick */
		FULL_FENCE();
		flags = LE16(LOAD(&d->device_evt->flags)) & 3u;
		if (d->event_idx && flags == VRING_EVENT_F_DESC)
			return vq_wrap_need_event(
				LE16(LOAD(&d->device_evt->off_wrap)), old,
				old_wrap, d->avail_idx, d->avail_wrap, d->num);
		return flags != VRING_EVENT_F_DISABLE;
	}
	STORE_RELEASE(&d->avail->idx, LE16(d->avail_idx));
	FULL_FENCE();
	if (d->event_idx)
		return vring_need_event(
			LE16(LOAD(vring_avail_event(d->used, d->num))),
			d->avail_idx, old);
	return !(LE16(LOAD(&d->used->flags)) & VRING_USED_F_NO_NOTIFY);
}

/* A used element is waiting at last_used. */
static bool used_pending(const struct vqd *d)
{
	uint16_t f;

	if (!d->packed)
		return LE16(LOAD_ACQUIRE(&d->used->idx)) != d->last_used;
	f = LE16(LOAD_ACQUIRE(&d->pdesc[d->last_used].flags));
	return ((f & VRING_PACKED_F_AVAIL) != 0) == d->used_wrap &&
	       ((f & VRING_PACKED_F_USED) != 0) == d->used_wrap;
}

bool vqd_calls_on(struct vqd *d)
{
	if (d->event_idx && d->packed) {
		STORE(&d->driver_evt->off_wrap,
		      LE16((uint16_t)(d->last_used |
				      (d->used_wrap ? VRING_EVENT_WRAP : 0))));
		STORE(&d->driver_evt->flags, LE16(VRING_EVENT_F_DESC));
	} else if (d->event_idx) {
		STORE(vring_used_event(d->avail, d->num), LE16(d->last_used));
	}
	/* the event must be visible before we look for more, or an element
	 * written in between would get no call */
	FULL_FENCE();
	return used_pending(d);
}

int vqd_get_used(struct vqd *d, uint32_t *id, uint32_t *len)
{
	if (!d->packed) {
		uint16_t idx = LE16(LOAD_ACQUIRE(&d->used->idx));
		const struct vring_used_elem *e;

		if (idx == d->last_used)
			return 0;
		e = &d->used->ring[d->last_used & (d->num - 1)];
		*id = LE32(LOAD(&e->id));
		*len = LE32(LOAD(&e->len));
		d->last_used++;
		return 1;
	}
	const struct vring_packed_desc *p = &d->pdesc[d->last_used];
	uint16_t f = LE16(LOAD_ACQUIRE(&p->flags));
	bool a = (f & VRING_PACKED_F_AVAIL) != 0;
	bool u = (f & VRING_PACKED_F_USED) != 0;

	/* used: both bits equal to our used wrap counter (2.8.1) */
	if (a != d->used_wrap || u != d->used_wrap)
		return 0;
	*id = LE16(LOAD(&p->id));
	*len = LE32(LOAD(&p->len));
	if (*id >= d->num || d->ndesc[*id] == 0)
		return -1;
	vq_wrap_add(&d->last_used, &d->used_wrap, d->ndesc[*id], d->num);
	d->ndesc[*id] = 0;
	return 1;
}

bool vqd_base_plausible(const struct vqd *d, uint32_t base, bool all_taken)
{
	uint32_t lo, hi, got, used;

	if (!d->packed) {
		/* at least what the device returned, at most what we
		 * offered */
		uint16_t l = all_taken ? d->avail_idx
				       : LE16(LOAD_ACQUIRE(&d->used->idx));

		return base <= 0xffff &&
		       (uint16_t)(base - l) <= (uint16_t)(d->avail_idx - l);
	}
	if ((base & 0x7fffu) >= d->num || ((base >> 16) & 0x7fffu) >= d->num)
		return false;
	lo = vq_wrap_pos(d->last_used, d->used_wrap, d->num);
	hi = vq_wrap_pos(d->avail_idx, d->avail_wrap, d->num);
	got = vq_wrap_pos(base & 0x7fffu, (base & VQ_BASE_WRAP) != 0, d->num);
	used = vq_wrap_pos((base >> 16) & 0x7fffu,
			   ((base >> 16) & VQ_BASE_WRAP) != 0, d->num);
	if (all_taken && got != hi)
		return false;
	/* lo <= used <= got <= hi, going round from lo; DPDK's vhost sends
	 * no used index (bits 16-31 zero): then only the avail one counts */
	if ((base >> 16) != 0 &&
	    vq_wrap_dist(lo, used, d->num) > vq_wrap_dist(lo, got, d->num))
		return false;
	return vq_wrap_dist(lo, got, d->num) <= vq_wrap_dist(lo, hi, d->num);
}
