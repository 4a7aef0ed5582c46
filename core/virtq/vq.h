/*
 * vq.h - the device side of a virtqueue: the one face the data path and
 * the queue plumbing use, for split (virtio 1.2 section 2.7) and packed
 * (2.8) rings alike.
 *
 * The layout is chosen here and only here: each call is one two-way
 * switch on vq->packed into vq_split.c or vq_packed.c (inline, so the data
 * path pays a branch, not a pointer), and nothing below tests the layout
 * again.  Below both sit chain.c (every descriptor walked and checked,
 * in place in guest memory: head and next below the ring size, a chain of
 * more than `num` hops is a loop, indirect tables bounded by their own
 * length and never nested, every address range translated whole), the
 * inflight region (inflight.h) and the migration log (vq_log.h).
 * `struct vq_chain` is the same for both layouts.
 */
#ifndef CORE_VIRTQ_VQ_H
#define CORE_VIRTQ_VQ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "core/mem/mem.h"
#include "core/virtq/chain.h"
#include "core/virtq/fault.h"
#include "core/virtq/layout.h"
#include "core/virtq/vq_log.h"
#include "core/virtq/vq_packed.h"
#include "core/virtq/vq_split.h"

/* The shared inflight region (inflight.h). */
struct inflight;
struct inflight_q;

/* How a ring is laid out, as SET_VRING_NUM/ADDR/BASE described it. */
struct vq_config {
	uint32_t num;
	bool packed;
	bool indirect; /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	void *desc;    /* split: descriptor table; packed: descriptor ring */
	void *driver;  /* split: avail ring; packed: driver event area */
	void *device;  /* split: used ring; packed: device event area */
	uint32_t base; /* SET_VRING_BASE (both packed indices) */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
};

/* Device side of one ring. */
struct vq {
	uint32_t num;
	bool packed;
	bool indirect;
	bool event_idx; /* notifications by index (2.7.10, 2.8.10) */
	const char *name; /* for error lines: "dev0 q1" */
	struct vq_log log; /* migration: what is logged, and where */
	struct inflight_q *inflight; /* NULL: no inflight tracking */
	union {
		struct vq_split s;
		struct vq_packed p;
	};
};

/* Where a ring stood, to go back to if a frame cannot be finished. */
struct vq_mark {
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t nshadow;  /* packed */
	uint16_t resubmit; /* inflight: resubmission list position */
	uint16_t popped;   /* inflight: heads taken so far (split) */
	uint16_t track;    /* inflight: batch head (split), free head */
	bool avail_wrap;   /* packed */
};

/* ---- setting a ring up (vq.c) ------------------------------------------- */

/* The three areas of a ring (virtio 1.2 2.7 split: descriptor table,
 * avail ring, used ring; 2.8 packed: descriptor ring, driver and device
 * event areas): their sizes in bytes, and the alignment each needs. */
struct vq_areas {
	uint64_t bytes[3];
	uint64_t align[3];
};

/* The areas of a ring of num entries in this layout, or NULL; else the
 * reason it cannot be one (a split ring's size is a power of two). */
const char *vq_areas(bool packed, uint32_t num, struct vq_areas *a);

/*
 * Is base a sound SET_VRING_BASE for this layout?  Split: 16 bits.
 * Packed: both indices below num, and no more than num descriptors
 * outstanding between them.  NULL if so, else the reason.
 */
const char *vq_base_check(bool packed, uint32_t num, uint32_t base);

/* Make vq use the given (translated, validated) ring memory. */
static inline void vq_attach(struct vq *vq, const struct vq_config *cfg)
{
	vq->num = cfg->num;
	vq->packed = cfg->packed;
	vq->indirect = cfg->indirect;
	vq->event_idx = cfg->event_idx;
	if (cfg->packed)
		vq_packed_attach(vq, cfg);
	else
		vq_split_attach(vq, cfg);
}

/*
 * Migration: log into `dirty` (NULL: no logging) the buffers we fill and,
 * with `ring` (the ring's VHOST_VRING_F_LOG), the ring's own writes: a
 * split used ring at log_addr (log_guest_addr), which must lie inside the
 * log; a packed ring's descriptor and device event areas at their own
 * guest addresses (vhost-user.rst "Migration").  <0 (logged) if the log
 * does not cover them; the ring's writes are then not logged.
 */
int vq_attach_log(struct vq *vq, struct dirty_log *dirty,
		  const struct mem_table *mem, bool ring, uint64_t log_addr);

/*
 * The ring, just attached, is ring qi of the device: track it in the
 * inflight region if the region covers it (else vq->inflight stays NULL),
 * after recovering what the region says was in flight.  iq is the
 * caller's.  <0 (logged) if the region does not fit the ring or is
 * corrupt.
 */
int vq_attach_inflight(struct vq *vq, struct inflight_q *iq,
		       const struct inflight *inf, unsigned qi);

/* The SET_VRING_BASE value that resumes this ring where it is now
 * (GET_VRING_BASE). */
static inline uint32_t vq_base(const struct vq *vq)
{
	return vq->packed ? vq_packed_base(&vq->p) : vq_split_base(&vq->s);
}

/* ---- the data path ------------------------------------------------------ */

/*
 * Take the next available chain into *c, translating every descriptor
 * through mem.  Returns 1 with *c filled, 0 if none is available, or
 * -PORT_EPROTO (logged, naming the violation) when the driver wrote an
 * invalid ring: head or next out of range, a loop, an address outside the
 * guest's memory, an indirect descriptor that was not negotiated or a
 * table that nests, loops or does not fit, a writable descriptor before
 * a readable one.  Chains an inflight region had in flight come first.
 */
static inline int vq_pop(struct vq *vq, const struct mem_table *mem,
			 struct vq_chain *c)
{
	int rc = vq->packed ? vq_packed_pop(vq, mem, c)
			    : vq_split_pop(vq, mem, c);

	if (rc > 0)
		LOG_TRACE(LOG_RINGS, "%s: chain %u: %u bytes to read, %u to "
			  "write\n", vq->name, c->head, c->out_bytes,
			  c->in_bytes);
	if (rc > 0)
		VQ_FAULT(POPPED);
	return rc;
}

/* Room for n more vq_push calls before a vq_publish. */
static inline bool vq_push_room(const struct vq *vq, unsigned n)
{
	return vq->packed ? vq_packed_push_room(&vq->p, n)
			  : vq_split_push_room(&vq->s, n);
}

/* Record that chain c is done, `len` bytes written into it.  Not visible
 * to the driver until vq_publish.  The caller checks vq_push_room. */
static inline void vq_push(struct vq *vq, const struct vq_chain *c,
			   uint32_t len)
{
	LOG_TRACE(LOG_RINGS, "%s: chain %u used, %u bytes written\n",
		  vq->name, c->head, len);
	if (vq->packed)
		vq_packed_push(vq, c, len);
	else
		vq_split_push(vq, c, len);
}

/* Remember where the ring stands; vq_rewind gives back every chain taken
 * and forgets every push made since (none may have been published). */
static inline void vq_mark(const struct vq *vq, struct vq_mark *m)
{
	if (vq->packed)
		vq_packed_mark(vq, m);
	else
		vq_split_mark(vq, m);
}

static inline void vq_rewind(struct vq *vq, const struct vq_mark *m)
{
	if (vq->packed)
		vq_packed_rewind(vq, m);
	else
		vq_split_rewind(vq, m);
}

/* Make every pushed element visible to the driver: store-release of
 * used->idx (split), or of the used descriptors' flags (packed). */
static inline void vq_publish(struct vq *vq)
{
	if (vq->packed)
		vq_packed_publish(vq);
	else
		vq_split_publish(vq);
}

/*
 * After vq_publish: does the driver want a call?  Split: not with
 * VRING_AVAIL_F_NO_INTERRUPT; with EVENT_IDX, only if the used entries
 * published since the last call passed used_event (2.7.10).  Packed: not
 * with the driver's event flags at DISABLE; with EVENT_IDX and DESC, only
 * if the used descriptors written passed off_wrap (2.8.10).  The first
 * check after the ring is attached calls whatever the event says: the
 * driver may be waiting for one an earlier back-end never made.  Marks
 * the call as made.
 */
static inline bool vq_need_call(struct vq *vq)
{
	return vq->packed ? vq_packed_need_call(vq) : vq_split_need_call(vq);
}

/*
 * Kick suppression (virtio 1.2 2.7.10, 2.8.10).  vq_kicks_off while we
 * are busy taking chains anyway; vq_kicks_on before we sleep, which
 * returns true if the driver added chains in the window (take them before
 * sleeping).  With EVENT_IDX, on asks for a kick at the next chain only
 * (split: avail_event; packed: DESC at that slot), so the driver kicks
 * once however much it adds before we look; off is then a no-op on a
 * split ring, whose driver reads nothing else, as the event is passed.
 */
static inline void vq_kicks_off(struct vq *vq)
{
	if (vq->packed)
		vq_packed_kicks(vq, false);
	else
		vq_split_kicks(vq, false);
}

static inline bool vq_kicks_on(struct vq *vq)
{
	return vq->packed ? vq_packed_kicks(vq, true)
			  : vq_split_kicks(vq, true);
}

/* Migration: mark the pages of the first `len` bytes we wrote into chain
 * c, at the guest addresses it was gathered from. */
void vq_log_chain(const struct vq_log *l, const struct vq_chain *c,
		  uint32_t len);
static inline void vq_log_written(const struct vq *vq,
				  const struct vq_chain *c, uint32_t len)
{
	if (vq->log.dirty != NULL)
		vq_log_chain(&vq->log, c, len);
}

#endif /* CORE_VIRTQ_VQ_H */
