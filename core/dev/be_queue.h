/*
 * be_queue.h - the back-end's queue plumbing (be_queue.c), shared with its
 * request handlers (backend.c).  Not for use outside the back-end.
 */
#ifndef CORE_BE_QUEUE_H
#define CORE_BE_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dev/backend.h"

/* Name queue q of d ("dev0 q1") and give it no fds. */
void be_queue_init(struct be_dev *d, unsigned q);

/* Close the fds and ring state of queue q (back to "not configured"). */
void be_queue_reset(struct be_dev *d, unsigned q);

/* Logging is on (vhost-user.rst "Migration"): VHOST_F_LOG_ALL negotiated
 * and a log mapped; every write we make to guest memory is marked. */
static inline bool be_logging(const struct be_dev *d)
{
	return (d->features & VU_BIT(VHOST_F_LOG_ALL)) && d->dlog.bits != NULL;
}

/* VIRTIO_F_RING_PACKED was negotiated. */
static inline bool packed_rings(const struct be_dev *d)
{
	return (d->features & VU_BIT(VIRTIO_F_RING_PACKED)) != 0;
}

/* The base a ring starts from: SET_VRING_BASE's, or the start of a fresh
 * ring (packed wrap counters start at 1, virtio 1.2 2.8.1). */
static inline uint32_t queue_base(const struct be_dev *d,
				  const struct vu_queue *q)
{
	if (q->base_set)
		return q->base;
	return packed_rings(d) ? VQ_BASE_PACKED_INIT : 0;
}

/* Translate the ring addresses of queue qi once its size, addresses and
 * the memory table are all known.  Returns <0 if they do not fit. */
int queue_attach(struct be_dev *d, unsigned qi);

/* Queue qi started or moved: notifications on, and its pair looked at on
 * the loop's next round. */
void queue_wake(struct be_dev *d, unsigned qi);

/* After the log or the inflight region changed: every live ring again. */
int queues_reattach(struct be_dev *d);

/* The region is about to be replaced: no ring may point into it meanwhile
 * (queues_reattach gives them the new one). */
static inline void rings_forget_inflight(struct be_dev *d)
{
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		d->q[i].ring.inflight = NULL;
}

/* The role's hooks for the queues (dev.h struct dev_role). */
void be_watch(struct vu_dev *d, struct dev_pollset *ps, uint64_t now);
int be_kick(struct vu_dev *d, unsigned q, uint16_t revents, uint64_t now);
int be_tick(struct vu_dev *d, uint64_t now);
const struct q_stats *be_stats(const struct vu_dev *d, unsigned q);

#endif /* CORE_BE_QUEUE_H */
