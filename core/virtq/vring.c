/*
 * vring.c - the device side of virtqueues: the calls that pick the
 * layout, and the split ring itself (virtio 1.2 section 2.7).  Chains are
 * built in chain.c, the packed ring is in vring_packed.c.
 *
 * Everything read from guest memory is read once into a local copy and
 * checked there: the driver may change it while we look.
 */
#include "core/virtq/vring.h"

#include <stddef.h>
#include <string.h>

#include "core/mem/dirty.h"
#include "core/virtq/inflight.h"
#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

/* ---- the calls, for either layout ---------------------------------------- */

uint16_t vq_base_used(uint32_t base)
{
	/* DPDK's virtio-user sends the avail half only (0x8000 for a fresh
	 * ring): its used position is then the same as the avail one, as
	 * DPDK's vhost takes it. */
	return (uint16_t)((base >> 16) != 0 ? base >> 16 : base);
}

const char *vq_base_check(bool packed, uint32_t num, uint32_t base)
{
	uint32_t a, u;

	if (!packed)
		return base > 0xffff ? "does not fit a split ring index" : NULL;
	a = base & 0x7fffu;
	u = vq_base_used(base) & 0x7fffu;
	if (a >= num || u >= num)
		return "has an index past the ring";
	/* Positions on a circle of 2 * num slots (the wrap counter is the
	 * high half): the device cannot be more than a ring ahead. */
	if (vq_wrap_dist(vq_wrap_pos(u, vq_base_used(base) & VQ_BASE_WRAP, num),
			 vq_wrap_pos(a, base & VQ_BASE_WRAP, num), num) > num)
		return "has more than a ring of descriptors outstanding";
	return NULL;
}

void vq_attach(struct vq *vq, const struct vq_config *cfg)
{
	vq->num = cfg->num;
	vq->packed = cfg->packed;
	vq->indirect = cfg->indirect;
	vq->nshadow = 0;
	vq->call_pending = false;
	if (cfg->packed) {
		vq_packed_attach(vq, cfg);
		return;
	}
	vq->desc = cfg->desc;
	vq->avail = cfg->driver;
	vq->used = cfg->device;
	vq->last_avail = (uint16_t)cfg->base;
	vq->avail_idx = vq->last_avail;
	/* Resume where the used ring says we were (reconnect, or a ring that
	 * was stopped and restarted). */
	vq->used_idx = LE16(LOAD(&vq->used->idx));
	vq->published = vq->used_idx;
	vq->signalled = vq->used_idx;
}

int vq_attach_log(struct vq *vq, struct dirty_log *dirty,
		  const struct mem_table *mem, bool ring, uint64_t log_addr)
{
	struct vq_log *l = &vq->log;

	l->dirty = dirty;
	l->ring_gpa = l->event_gpa = UINT64_MAX;
	if (dirty == NULL || !ring)
		return 0;
	if (vq->packed) {
		/* translated from our mapping: inside guest memory */
		mem_local_to_gpa(mem, vq->pdesc, &l->ring_gpa);
		mem_local_to_gpa(mem, vq->device_evt, &l->event_gpa);
	} else {
		l->ring_gpa = log_addr;
	}
	if (!dirty_covers(dirty, l->ring_gpa,
			  vq->packed ? VRING_PACKED_BYTES(vq->num)
				     : VRING_USED_BYTES(vq->num)) ||
	    (vq->packed && !dirty_covers(dirty, l->event_gpa, 4))) {
		LOG_ERR("%s: ring logged at 0x%llx: past the end of the log "
			"(%llu bytes)", vq->name,
			(unsigned long long)l->ring_gpa,
			(unsigned long long)dirty->size);
		l->ring_gpa = l->event_gpa = UINT64_MAX;
		return -PORT_EINVAL;
	}
	return 0;
}

void vq_log_chain(const struct vq_log *l, const struct vq_chain *c,
		  uint32_t len)
{
	/* the pieces' guest addresses, as the chain was gathered */
	for (unsigned i = c->nout; i < (unsigned)c->nout + c->nin && len > 0;
	     i++) {
		uint32_t k = c->iov[i].len < len ? c->iov[i].len : len;

		dirty_mark(l->dirty, c->gpa[i], k);
		len -= k;
	}
}

uint32_t vq_base(const struct vq *vq)
{
	if (vq->packed)
		return VQ_BASE_PACKED(vq->last_avail, vq->avail_wrap,
				      vq->used_idx, vq->used_wrap);
	return vq->last_avail;
}

bool vq_push_room(const struct vq *vq, unsigned n)
{
	/* The same bound for both layouts, so that no more than VQ_SHADOW
	 * chains are ever in flight between two publishes. */
	unsigned pending = vq->packed
		? vq->nshadow
		: (uint16_t)(vq->used_idx - vq->published);
	return pending + n <= VQ_SHADOW;
}

void vq_mark(const struct vq *vq, struct vq_mark *m)
{
	m->last_avail = vq->last_avail;
	m->avail_wrap = vq->avail_wrap;
	m->used_idx = vq->used_idx;
	m->nshadow = vq->nshadow;
	if (vq->inflight != NULL)
		inflight_mark(vq, m);
}

void vq_rewind(struct vq *vq, const struct vq_mark *m)
{
	if (vq->inflight != NULL)
		inflight_rewind(vq, m);
	vq->last_avail = m->last_avail;
	vq->avail_wrap = m->avail_wrap;
	vq->used_idx = m->used_idx;
	vq->nshadow = m->nshadow;
}

int vq_pop(struct vq *vq, const struct mem_table *mem, struct vq_chain *c)
{
	int rc;

	if (vq->inflight != NULL) {
		rc = inflight_pop_resubmit(vq, mem, c);
		if (rc != 0)
			return rc;
	}
	rc = vq->packed ? vq_packed_pop(vq, mem, c) : vq_split_pop(vq, mem, c);
	if (rc > 0 && vq->inflight != NULL)
		inflight_popped(vq, c);
	return rc;
}

void vq_push(struct vq *vq, const struct vq_chain *c, uint32_t len)
{
	CORE_ASSERT(vq_push_room(vq, 1));
	if (vq->packed) {
		struct vq_used_elem *e = &vq->shadow[vq->nshadow++];

		e->id = c->head;
		e->ndesc = c->ndesc;
		e->len = len;
		e->track = c->track;
	} else {
		struct vring_used_elem *e =
			&vq->used->ring[vq->used_idx & (vq->num - 1)];

		STORE(&e->id, LE32((uint32_t)c->head));
		STORE(&e->len, LE32(len));
		vq->used_idx++;
	}
	if (vq->inflight != NULL)
		inflight_pushed(vq, c);
}

void vq_publish(struct vq *vq)
{
	if (vq->packed) {
		vq_packed_publish(vq);
		return;
	}
	if (vq->used_idx == vq->published)
		return;
	/* Release: the used elements and the bytes written into the
	 * buffers are visible before the index that hands them over
	 * (virtio 1.2 2.7.14). */
	STORE_RELEASE(&vq->used->idx, LE16(vq->used_idx));
	/* marked after the writes, so a log read in between misses none */
	if (vq_log_on(&vq->log))
		log_used_split(vq);
	if (vq->inflight != NULL)
		inflight_published(vq);
	vq->published = vq->used_idx;
}

bool vq_need_call(struct vq *vq)
{
	uint16_t flags;

	if (vq->packed)
		return vq_packed_need_call(vq);
	if (vq->published == vq->signalled)
		return false;
	/* Our used->idx store must be globally visible before we read the
	 * driver's flags, or both sides may decide the other will act. */
	FULL_FENCE();
	flags = LE16(LOAD(&vq->avail->flags));
	vq->signalled = vq->published;
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

void vq_kicks_off(struct vq *vq)
{
	if (vq->packed) {
		vq_packed_kicks(vq, false);
		return;
	}
	STORE(&vq->used->flags, LE16(VRING_USED_F_NO_NOTIFY));
	vq_log_mark(&vq->log, 0, 2);
}

bool vq_kicks_on(struct vq *vq)
{
	if (vq->packed)
		return vq_packed_kicks(vq, true);
	STORE(&vq->used->flags, (uint16_t)0);
	vq_log_mark(&vq->log, 0, 2);
	/* The flag store must be visible before we look at avail->idx
	 * again, or a chain added in between would get no kick. */
	FULL_FENCE();
	return LE16(LOAD(&vq->avail->idx)) != vq->last_avail;
}

/* ---- split rings ------------------------------------------------------------ */

int vq_avail(struct vq *vq)
{
	/* Acquire: the ring entries and descriptors the driver wrote before
	 * it moved idx (virtio 1.2 2.7.13 step 3) are visible after this. */
	uint16_t idx = LE16(LOAD_ACQUIRE(&vq->avail->idx));
	uint16_t n = (uint16_t)(idx - vq->last_avail);

	if (n > vq->num) {
		LOG_ERR("%s: avail index jumped from %u to %u, more than the "
			"queue size %u", vq->name, vq->last_avail, idx,
			vq->num);
		return -PORT_EPROTO;
	}
	vq->avail_idx = idx;
	return n;
}

/* Log the used elements and index a publish hands over (vhost-user.rst
 * "Migration": used ring writes at log_guest_addr). */
void log_used_split(struct vq *vq)
{
	uint16_t n = (uint16_t)(vq->used_idx - vq->published);
	uint32_t first = vq->published & (vq->num - 1);

	/* the elements (at offset 4), in one or two runs; then idx */
	if (first + n <= vq->num) {
		vq_log_mark(&vq->log, 4 + 8ull * first, 8ull * n);
	} else {
		vq_log_mark(&vq->log, 4 + 8ull * first,
			    8ull * (vq->num - first));
		vq_log_mark(&vq->log, 4, 8ull * (first + n - vq->num));
	}
	vq_log_mark(&vq->log, 2, 2);
}

int vq_split_chain(struct vq *vq, const struct mem_table *mem,
		   struct vq_chain *c, uint16_t head)
{
	struct chain_walk w;

	if (head >= vq->num) {
		LOG_ERR("%s: avail entry %u: head %u >= queue size %u",
			vq->name, vq->last_avail, head, vq->num);
		return -PORT_EPROTO;
	}
	chain_begin(&w, vq->name, vq->num, vq->indirect, mem, c);
	return chain_split(&w, vq->desc, head);
}

int vq_split_pop(struct vq *vq, const struct mem_table *mem,
		 struct vq_chain *c)
{
	uint16_t head;
	int rc;

	if (vq->last_avail == vq->avail_idx) {
		int n = vq_avail(vq);
		if (n <= 0)
			return n;
	}
	head = LE16(LOAD(&vq->avail->ring[vq->last_avail & (vq->num - 1)]));
	rc = vq_split_chain(vq, mem, c, head);
	if (rc < 0)
		return rc;
	vq->last_avail++;
	return 1;
}
