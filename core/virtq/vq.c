/*
 * vq.c - setting a ring up, for either layout (see vq.h): the base it
 * starts from, its memory, its migration log and its inflight tracking.
 * The data path's calls are inline in vq.h.
 */
#include "core/virtq/vq.h"

#include <stddef.h>

#include "core/log.h"
#include "core/mem/dirty.h"
#include "core/virtq/access.h"
#include "core/virtq/inflight.h"
#include "port/port.h"

VQ_SETUP
const char *vq_areas(bool packed, uint32_t num, struct vq_areas *a)
{
	/* virtio 1.2 2.7 (the alignment table) and 2.8.10 */
	if (packed) {
		*a = (struct vq_areas){{VRING_PACKED_BYTES(num),
					VRING_EVENT_BYTES, VRING_EVENT_BYTES},
				       {16, 4, 4}};
		return NULL;
	}
	*a = (struct vq_areas){{VRING_DESC_BYTES(num), VRING_AVAIL_BYTES(num),
				VRING_USED_BYTES(num)},
			       {16, 2, 4}};
	return num & (num - 1) ? "not a power of two" : NULL;
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

VQ_SETUP
int vq_attach_log(struct vq *vq, struct dirty_log *dirty,
		  const struct mem_table *mem, bool ring, uint64_t log_addr)
{
	struct vq_log *l = &vq->log;
	uint64_t bytes;

	l->dirty = dirty;
	l->ring_gpa = l->event_gpa = UINT64_MAX;
	if (dirty == NULL || !ring)
		return 0;
	if (vq->packed) {
		/* translated from our mapping: inside guest memory */
		mem_local_to_gpa(mem, vq->p.pdesc, &l->ring_gpa);
		mem_local_to_gpa(mem, vq->p.device_evt, &l->event_gpa);
		bytes = VRING_PACKED_BYTES(vq->num);
	} else {
		l->ring_gpa = log_addr;
		bytes = VRING_USED_BYTES(vq->num);
	}
	if (!dirty_covers(dirty, l->ring_gpa, bytes) ||
	    (vq->packed &&
	     !dirty_covers(dirty, l->event_gpa, VRING_EVENT_BYTES))) {
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

VQ_SETUP
int vq_attach_inflight(struct vq *vq, struct inflight_q *iq,
		       const struct inflight *inf, unsigned qi)
{
	int rc;

	vq->inflight = NULL;
	rc = inflight_part(iq, inf, qi, vq->packed, vq->num, vq->name);
	if (rc <= INFLIGHT_NONE)
		return rc;
	rc = vq->packed ? vq_packed_inflight(vq, iq, rc == INFLIGHT_FRESH)
			: vq_split_inflight(vq, iq, rc == INFLIGHT_FRESH);
	if (rc < 0)
		return rc;
	vq->inflight = iq;
	if (iq->nresubmit > 0)
		LOG_PEER("%s: %u chains in flight before the restart are taken "
			 "again\n", vq->name, iq->nresubmit);
	return 0;
}
