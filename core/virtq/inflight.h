/*
 * inflight.h - inflight I/O tracking (vhost-user.rst "Inflight I/O
 * tracking"), so that a back-end that restarts can finish what it had taken
 * from the rings and not yet returned.
 *
 * GET_INFLIGHT_FD has the back-end create a shared region, one part per
 * queue; SET_INFLIGHT_FD hands a region (back after a restart) to the
 * back-end.  While a ring runs, every chain taken is marked in flight there
 * and unmarked once its used element is published.  When a ring starts on a
 * region that still marks chains in flight, they are taken again, oldest
 * first, before anything new.
 *
 * The region is shared with the front-end, so nothing read from it is
 * trusted: its sizes are checked before it is mapped (CVE-2021-3839: an
 * unchecked num_queues), indexes read back are checked against the ring,
 * at most VQ_SHADOW chains are taken again, and a region replaced by a
 * later GET or SET is unmapped first (CVE-2020-10726).
 */
#ifndef CORE_INFLIGHT_H
#define CORE_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/virtq/vring.h"
#include "core/proto/vu_proto.h"

/* The region of a device, as the last GET or SET_INFLIGHT_FD left it. */
struct inflight {
	uint8_t *base;   /* queue 0's part, NULL: none */
	void *map_base;  /* what port_mem_map returned */
	uint64_t map_len;
	uint64_t queue_bytes; /* bytes of one queue's part */
	uint16_t num_queues;
	uint16_t queue_size;
	bool packed;
};

/* Our tracking of one queue (its part of the region is shared). */
struct inflight_q {
	uint8_t *region;
	bool packed;
	uint16_t num;
	uint64_t counter; /* the next chain's age */
	uint16_t batch[VQ_SHADOW]; /* split: heads pushed, not published */
	uint16_t popped[VQ_SHADOW]; /* split: heads taken, not published */
	uint16_t npopped;
	uint16_t resubmit[VQ_SHADOW]; /* to take again, oldest first */
	uint16_t nresubmit;
	uint16_t pos; /* next of them to take */
};

/* Bytes of one queue's part for a ring of queue_size (64-byte aligned,
 * as DPDK and QEMU's libvhost-user lay it out). */
uint64_t inflight_queue_bytes(bool packed, uint16_t queue_size);

/*
 * GET_INFLIGHT_FD: create a region for num_queues rings of queue_size
 * entries in the layout of the negotiated ring type, map it, and fill *reply
 * (size, offset 0, the same counts).  Returns the fd to send (the caller
 * closes it: the mapping stays) or <0 after logging with prefix `who`.
 */
int inflight_create(struct inflight *inf, const struct vu_inflight *req,
		    bool packed, struct vu_inflight *reply, const char *who);

/* SET_INFLIGHT_FD: check and map the region of fd that *req describes. */
int inflight_map(struct inflight *inf, int fd, const struct vu_inflight *req,
		 bool packed, const char *who);

void inflight_unmap(struct inflight *inf);

/*
 * Ring qi has just been attached: track it in the region if the region
 * covers it (else vq->inflight stays NULL), after recovering what the
 * region says was in flight.  <0 (logged) if the region does not fit the
 * ring or is corrupt.
 */
int inflight_attach(struct vq *vq, struct inflight_q *iq,
		    const struct inflight *inf, unsigned qi);

/* ---- called by the ring code (vring.c, vring_packed.c) ------------------- */

void inflight_mark(const struct vq *vq, struct vq_mark *m);
void inflight_rewind(struct vq *vq, const struct vq_mark *m);
/* 1 with a chain taken again, 0 when none is left, <0 (logged). */
int inflight_pop_resubmit(struct vq *vq, const struct mem_table *mem,
			  struct vq_chain *c);
/* split: a chain taken from the avail ring */
void inflight_popped(struct vq *vq, struct vq_chain *c);
void inflight_pushed(struct vq *vq, const struct vq_chain *c);
/* packed: one descriptor of a chain being taken; the chain's entry (for
 * c->track) or <0 (logged) */
int inflight_packed_desc(struct vq *vq, uint64_t addr, uint32_t len,
			 uint16_t id, uint16_t flags, bool head, bool last);
/* packed: the batch is about to be marked used; the used slot after it */
void inflight_packed_freeing(struct vq *vq, uint16_t used_idx, bool wrap);
/* after the publish */
void inflight_published(struct vq *vq);

#endif /* CORE_INFLIGHT_H */
