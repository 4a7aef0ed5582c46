/*
 * vq_packed.h - the device side of a packed ring (virtio 1.2 section
 * 2.8): its state, and the calls vq.h picks for a packed ring.
 */
#ifndef CORE_VIRTQ_VQ_PACKED_H
#define CORE_VIRTQ_VQ_PACKED_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem/mem.h"
#include "core/virtq/chain.h"
#include "core/virtq/layout.h"

struct vq;
struct vq_config;
struct vq_mark;
struct inflight_q;

struct vq_packed {
	struct vring_packed_desc *pdesc;
	struct vring_packed_event *driver_evt;
	struct vring_packed_event *device_evt;
	uint16_t last_avail; /* next slot to take from */
	uint16_t used_idx;   /* next slot to write a used element to */
	uint16_t nshadow;    /* used elements not yet published */
	bool avail_wrap;     /* wrap counter at last_avail */
	bool used_wrap;      /* wrap counter at used_idx */
	bool call_pending;   /* published since the last call check */
	/* EVENT_IDX: where used_idx stood at the last call check */
	uint16_t signalled;
	bool signalled_wrap;
	bool signalled_valid; /* a call was checked since the attach */
	bool lost;           /* where the ring stands cannot be told */
	struct vq_used_elem shadow[VQ_SHADOW];
};

void vq_packed_attach(struct vq *vq, const struct vq_config *cfg);
/* Track the ring in an inflight part iq (fresh, or to recover). */
int vq_packed_inflight(struct vq *vq, struct inflight_q *iq, bool fresh);

int vq_packed_pop(struct vq *vq, const struct mem_table *mem,
		  struct vq_chain *c);
void vq_packed_push(struct vq *vq, const struct vq_chain *c, uint32_t len);
void vq_packed_mark(const struct vq *vq, struct vq_mark *m);
void vq_packed_rewind(struct vq *vq, const struct vq_mark *m);
void vq_packed_publish(struct vq *vq);
bool vq_packed_need_call(struct vq *vq);
/* on: kicks wanted again, true if a chain came in meanwhile */
bool vq_packed_kicks(struct vq *vq, bool on);

static inline bool vq_packed_push_room(const struct vq_packed *p, unsigned n)
{
	return p->nshadow + n <= VQ_SHADOW;
}

static inline uint32_t vq_packed_base(const struct vq_packed *p)
{
	return VQ_BASE_PACKED(p->last_avail, p->avail_wrap, p->used_idx,
			      p->used_wrap);
}

#endif /* CORE_VIRTQ_VQ_PACKED_H */
