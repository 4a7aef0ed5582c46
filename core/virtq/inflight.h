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
 * inflight.c is the region (create, map, unmap, a queue's part) and the
 * order of resubmission; inflight_split.c and inflight_packed.c keep a
 * part in the layout vhost-user.rst gives for each ring type.  Only the
 * ring of that layout calls them (vq_split.c, vq_packed.c), with plain
 * values.
 *
 * The region is shared with the front-end, so nothing read from it is
 * trusted: its sizes are checked before it is mapped (CVE-2021-3839: an
 * unchecked num_queues), indexes read back are checked against the ring,
 * at most VQ_SHADOW chains are taken again, and a region replaced by a
 * later GET or SET is unmapped first (CVE-2020-10726).
 */
#ifndef CORE_VIRTQ_INFLIGHT_H
#define CORE_VIRTQ_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/proto/vu_proto.h"
#include "core/virtq/chain.h"
#include "core/virtq/layout.h"

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
	const char *name; /* the ring's, for error lines */
	uint16_t num;
	uint64_t counter; /* the next chain's age */
	uint16_t batch[VQ_SHADOW]; /* split: heads pushed, not published */
	uint16_t popped[VQ_SHADOW]; /* split: heads taken, not published */
	uint16_t npopped;
	uint16_t resubmit[VQ_SHADOW]; /* to take again, oldest first */
	uint64_t ages[VQ_SHADOW];     /* their ages, while they are sorted */
	uint16_t nresubmit;
	uint16_t pos; /* next of them to take */
};

/* A part's header starts with these (both layouts), then is versioned. */
#define INFLIGHT_VERSION 1

/* ---- the region (inflight.c) -------------------------------------------- */

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

/* What inflight_part found for a ring. */
enum {
	INFLIGHT_NONE,    /* the region does not cover it: no tracking */
	INFLIGHT_FRESH,   /* a part never used: set it up for the ring */
	INFLIGHT_RECOVER, /* a part in use: recover what it holds */
};

/*
 * Start iq on ring qi's part of the region, for a ring of num entries
 * (packed or not) named `name`.  INFLIGHT_NONE, _FRESH or _RECOVER, or <0
 * (logged) if the part does not fit the ring.
 */
int inflight_part(struct inflight_q *iq, const struct inflight *inf,
		  unsigned qi, bool packed, uint32_t num, const char *name);

/* Recovery: entry i, of age `age`, is to be taken again (in age order).
 * <0 (logged) when there are more than VQ_SHADOW. */
int inflight_resubmit_add(struct inflight_q *iq, uint16_t i, uint64_t age);

/* The next entry to take again, or -1 when none is left. */
static inline int inflight_resubmit_next(const struct inflight_q *iq)
{
	return iq->pos < iq->nresubmit ? iq->resubmit[iq->pos] : -1;
}

/* ---- split rings (inflight_split.c), for vq_split.c --------------------- */

/* Start tracking a ring whose used index is `used` in its part: a fresh
 * one (nothing in flight), or one to recover (finish the last batch, list
 * what is still in flight, and set *avail, where the ring takes new
 * chains from).  <0 (logged) if the part is bad. */
int inflight_split_start(struct inflight_q *iq, bool fresh, uint16_t used,
			 uint16_t *avail);
/* Chain `head` was taken from the avail ring. */
void inflight_split_popped(struct inflight_q *iq, uint16_t head);
/* The chain recorded at `track` is element k of the batch to publish. */
void inflight_split_pushed(struct inflight_q *iq, uint16_t k, uint16_t track);
/* The batch of n elements was published; the used index is now `used`. */
void inflight_split_published(struct inflight_q *iq, uint16_t n,
			      uint16_t used);
/* Where the batch being built starts, for vq_mark. */
uint16_t inflight_split_batch_head(const struct inflight_q *iq);
/* Back to a vq_mark: the batch head then, and `popped` heads taken. */
void inflight_split_rewind(struct inflight_q *iq, uint16_t batch_head,
			   uint16_t popped);

/* ---- packed rings (inflight_packed.c), for vq_packed.c ------------------ */

/* Start tracking the ring at `ring`, its used position (used, used_wrap),
 * in its part: a fresh one (nothing in flight), or one to recover (roll a
 * half-done batch back or forward, list what is still in flight, and set
 * the ring's used and avail positions).  Returns how many slots from the
 * new used position a batch rolled back covered (their flags are to look
 * available again), 0 if none, or <0 (logged) if the part is bad. */
int inflight_packed_start(struct inflight_q *iq, bool fresh,
			  const struct vring_packed_desc *ring, uint16_t *used,
			  bool *used_wrap, uint16_t *avail, bool *avail_wrap);
/* One descriptor of a chain being taken (head: its first, last: its
 * last); the chain's entry (its used element's track) or <0 (logged). */
int inflight_packed_desc(struct inflight_q *iq, uint64_t addr, uint32_t len,
			 uint16_t id, uint16_t flags, bool head, bool last);
/* The n used elements e are about to be marked used; the used position
 * after them is (used, wrap). */
void inflight_packed_freeing(struct inflight_q *iq,
			     const struct vq_used_elem *e, unsigned n,
			     uint16_t used, bool wrap);
/* ... and now they are. */
void inflight_packed_published(struct inflight_q *iq,
			       const struct vq_used_elem *e, unsigned n);
/* Where the free list starts, for vq_mark; back to it, for vq_rewind. */
uint16_t inflight_packed_free_head(const struct inflight_q *iq);
void inflight_packed_rewind(struct inflight_q *iq, uint16_t free_head);
/* Resubmission: the descriptor at entry k of the chain recorded at entry
 * e, into *d (our byte order) and the entry after it into *next.  Returns
 * how many descriptors the chain has (1 to num), or <0 (logged) if that
 * or k is out of range. */
int inflight_packed_get(const struct inflight_q *iq, uint16_t e, uint16_t k,
			struct vring_packed_desc *d, uint16_t *next);

#endif /* CORE_VIRTQ_INFLIGHT_H */
