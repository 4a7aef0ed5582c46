/*
 * vring.h - virtqueues, split (virtio 1.2 section 2.7) and packed (2.8),
 * both sides.
 *
 * The device side (vq_*) walks chains the driver wrote, in place in guest
 * memory, and validates every value it reads there: head and next below the
 * ring size, a chain of more than `num` hops is a loop, indirect tables
 * bounded by their own length and never nested, every address range
 * translated whole.  One set of calls serves both layouts; `struct vq_chain`
 * is the same for both.  The driver side (vqd_*) is what the front-end role
 * uses to play the guest.
 *
 * Ring fields are little-endian (virtio 1.2 2.7.1 for VERSION_1; legacy
 * devices here are little-endian hosts too).
 */
#ifndef CORE_VRING_H
#define CORE_VRING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/mem/mem.h"
#include "core/virtq/chain.h"
#include "core/virtq/layout.h"
#include "core/virtq/vq_log.h"
#include "core/virtq/vqd.h"

/* ---- device side ------------------------------------------------------------ */

/* The shared inflight region of one queue (inflight.h). */
struct inflight_q;

/* A used element waiting for vq_publish (packed rings only: their used
 * elements overwrite descriptors, so none is written before the publish). */
struct vq_used_elem {
	uint16_t id;
	uint16_t ndesc;
	uint32_t len;
	uint16_t track;
};

/* How a ring is laid out, as SET_VRING_NUM/ADDR/BASE described it. */
struct vq_config {
	uint32_t num;
	bool packed;
	bool indirect; /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	void *desc;    /* split: descriptor table; packed: descriptor ring */
	void *driver;  /* split: avail ring; packed: driver event area */
	void *device;  /* split: used ring; packed: device event area */
	uint32_t base; /* SET_VRING_BASE (both packed indices) */
};

/* Device side of one ring. */
struct vq {
	uint32_t num;
	bool packed;
	bool indirect;
	bool avail_wrap;     /* packed: wrap counter at last_avail */
	bool used_wrap;      /* packed: wrap counter at used_idx */
	bool call_pending;   /* packed: published since the last call check */
	uint16_t last_avail; /* split: next avail entry; packed: next slot */
	uint16_t used_idx;   /* split: next used entry; packed: next slot */
	uint16_t avail_idx;  /* split: last avail->idx read */
	uint16_t published;  /* split: used->idx as last published */
	uint16_t signalled;  /* split: used->idx when last called */
	uint16_t nshadow;    /* packed: used elements not yet published */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_packed_desc *pdesc;
	struct vring_packed_event *driver_evt;
	struct vring_packed_event *device_evt;
	struct vq_log log; /* migration: what is logged, and where */
	struct inflight_q *inflight; /* NULL: no inflight tracking */
	const char *name; /* for error lines: "dev0 q1" */
	struct vq_used_elem shadow[VQ_SHADOW];
};

/* Where a ring stood, to go back to if a frame cannot be finished. */
struct vq_mark {
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t nshadow;
	uint16_t resubmit; /* inflight: resubmission list position */
	uint16_t popped;   /* inflight: heads taken so far (split) */
	uint16_t track;    /* inflight: batch head (split), free head */
	bool avail_wrap;
};

/*
 * Is base a sound SET_VRING_BASE for this layout?  Split: 16 bits.
 * Packed: both indices below num, and no more than num descriptors
 * outstanding between them.  NULL if so, else the reason.
 */
const char *vq_base_check(bool packed, uint32_t num, uint32_t base);

/* The used half (index and wrap counter) of a packed base.  vhost-user.rst
 * puts it in bits 16-31; DPDK's virtio-user leaves them 0, meaning "where
 * avail is". */
uint16_t vq_base_used(uint32_t base);

/* Make vq use the given (translated, validated) ring memory. */
void vq_attach(struct vq *vq, const struct vq_config *cfg);

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

/* Mark the pages of the first `len` bytes we wrote into chain c. */
void vq_log_chain(const struct vq_log *l, const struct vq_chain *c,
		  uint32_t len);
static inline void vq_log_written(const struct vq *vq,
				  const struct vq_chain *c, uint32_t len)
{
	if (vq->log.dirty != NULL)
		vq_log_chain(&vq->log, c, len);
}

/* The SET_VRING_BASE value that resumes this ring where it is now
 * (GET_VRING_BASE). */
uint32_t vq_base(const struct vq *vq);

/* Split only: chains the driver has made available and we have not
 * taken; -PORT_EPROTO (logged) if avail->idx moved more than num ahead. */
int vq_avail(struct vq *vq);

/*
 * Take the next available chain into *c, translating every descriptor
 * through mem.  Returns 1 with *c filled, 0 if none is available, or
 * -PORT_EPROTO (logged, naming the violation) when the driver wrote an
 * invalid ring: head or next out of range, a loop, an address outside the
 * guest's memory, an indirect descriptor that was not negotiated or a
 * table that nests, loops or does not fit, a writable descriptor before
 * a readable one.
 */
int vq_pop(struct vq *vq, const struct mem_table *mem, struct vq_chain *c);

/* Room for n more vq_push calls before a vq_publish (always true for a
 * split ring). */
bool vq_push_room(const struct vq *vq, unsigned n);

/* Record that chain c is done, `len` bytes written into it.  Not visible
 * to the driver until vq_publish.  The caller checks vq_push_room. */
void vq_push(struct vq *vq, const struct vq_chain *c, uint32_t len);

/* Remember where the ring stands; vq_rewind gives back every chain taken
 * and forgets every push made since (none may have been published). */
void vq_mark(const struct vq *vq, struct vq_mark *m);
void vq_rewind(struct vq *vq, const struct vq_mark *m);

/* Make every pushed element visible to the driver: store-release of
 * used->idx (split), or of the used descriptors' flags (packed). */
void vq_publish(struct vq *vq);

/* After vq_publish: does the driver want a call?  (Split: not with
 * VRING_AVAIL_F_NO_INTERRUPT; packed: not with the driver's event flags
 * at DISABLE.)  Marks the call as made. */
bool vq_need_call(struct vq *vq);

/*
 * Kick suppression (virtio 1.2 2.7.10, 2.8.10).  vq_kicks_off while we
 * are busy taking chains anyway; vq_kicks_on before we sleep, which
 * returns true if the driver added chains in the window (take them before
 * sleeping).
 */
void vq_kicks_off(struct vq *vq);
bool vq_kicks_on(struct vq *vq);

/* ---- between the ring files (vring.c, vring_packed.c, inflight.c) ---- */

/* Split rings (vring.c). */
int vq_split_pop(struct vq *vq, const struct mem_table *mem,
		 struct vq_chain *c);
/* The chain from head (resubmission too); last_avail is not moved. */
int vq_split_chain(struct vq *vq, const struct mem_table *mem,
		   struct vq_chain *c, uint16_t head);
void log_used_split(struct vq *vq);

/* Packed rings (vring_packed.c). */
void vq_packed_attach(struct vq *vq, const struct vq_config *cfg);
int vq_packed_pop(struct vq *vq, const struct mem_table *mem,
		  struct vq_chain *c);
void vq_packed_publish(struct vq *vq);
bool vq_packed_need_call(struct vq *vq);
/* on: kicks wanted again, true if a chain came in meanwhile */
bool vq_packed_kicks(struct vq *vq, bool on);

#endif /* CORE_VRING_H */
