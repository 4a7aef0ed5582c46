/*
 * vq_log.h - what a ring logs for live migration (vhost-user.rst
 * "Migration"): with VHOST_F_LOG_ALL negotiated and a log mapped, every
 * byte the device writes into guest memory has its page marked.  The ring
 * decides which of its areas it wrote; this is where the marks go, and
 * the one test of whether the ring's own areas are logged.
 */
#ifndef CORE_VIRTQ_VQ_LOG_H
#define CORE_VIRTQ_VQ_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem/dirty.h"

struct vq_log {
	/* NULL: nothing is logged, not even the buffers we fill */
	struct dirty_log *dirty;
	/* the area the ring's used elements are written to (split: the used
	 * ring at log_guest_addr; packed: the descriptor ring), UINT64_MAX
	 * when the ring's own writes are not logged (no VHOST_VRING_F_LOG) */
	uint64_t ring_gpa;
	uint64_t event_gpa; /* packed: the device event area */
};

/* Are the ring's own writes logged? */
static inline bool vq_log_on(const struct vq_log *l)
{
	return l->dirty != NULL && l->ring_gpa != UINT64_MAX;
}

/* Mark [off, off + len) of the ring area, if the ring is logged. */
static inline void vq_log_mark(const struct vq_log *l, uint64_t off,
			       uint64_t len)
{
	if (vq_log_on(l))
		dirty_mark(l->dirty, l->ring_gpa + off, len);
}

/* The same in the device event area (packed), logged with the ring. */
static inline void vq_log_mark_event(const struct vq_log *l, uint64_t off,
				     uint64_t len)
{
	if (vq_log_on(l))
		dirty_mark(l->dirty, l->event_gpa + off, len);
}

#endif /* CORE_VIRTQ_VQ_LOG_H */
