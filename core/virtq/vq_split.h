/*
 * vq_split.h - the device side of a split ring (virtio 1.2 section 2.7):
 * its state, and the calls vq.h picks for a split ring.
 */
#ifndef CORE_VIRTQ_VQ_SPLIT_H
#define CORE_VIRTQ_VQ_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem/mem.h"
#include "core/virtq/chain.h"
#include "core/virtq/layout.h"

struct vq;
struct vq_config;
struct vq_mark;
struct inflight_q;

struct vq_split {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail; /* next avail entry to take */
	uint16_t avail_idx;  /* avail->idx as last read */
	uint16_t used_idx;   /* next used entry to write */
	uint16_t published;  /* used->idx as last published */
	uint16_t signalled;  /* used->idx when last called */
	bool signalled_valid; /* a call was checked since the attach */
};

void vq_split_attach(struct vq *vq, const struct vq_config *cfg);
/* Track the ring in an inflight part iq (fresh, or to recover). */
int vq_split_inflight(struct vq *vq, struct inflight_q *iq, bool fresh);

/* Chains the driver has made available and we have not taken;
 * -PORT_EPROTO (logged) if avail->idx moved more than num ahead. */
int vq_split_avail(struct vq *vq);

int vq_split_pop(struct vq *vq, const struct mem_table *mem,
		 struct vq_chain *c);
void vq_split_push(struct vq *vq, const struct vq_chain *c, uint32_t len);
void vq_split_mark(const struct vq *vq, struct vq_mark *m);
void vq_split_rewind(struct vq *vq, const struct vq_mark *m);
void vq_split_publish(struct vq *vq);
bool vq_split_need_call(struct vq *vq);
/* on: kicks wanted again, true if a chain came in meanwhile */
bool vq_split_kicks(struct vq *vq, bool on);

static inline bool vq_split_push_room(const struct vq_split *s, unsigned n)
{
	/* written, not yet published: at most VQ_SHADOW, as for a packed
	 * ring, so that inflight tracking can follow them */
	return (uint16_t)(s->used_idx - s->published) + n <= VQ_SHADOW;
}

static inline uint32_t vq_split_base(const struct vq_split *s)
{
	return s->last_avail;
}

#endif /* CORE_VIRTQ_VQ_SPLIT_H */
