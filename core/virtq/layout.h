/*
 * layout.h - the two ring layouts as they lie in guest memory: split
 * (virtio 1.2 2.7.5 - 2.7.8) and packed (2.8.13 - 2.8.14), the packed
 * base of SET/GET_VRING_BASE, and the arithmetic of the packed wrap
 * counter.  Both sides of a ring (device vq_*, driver vqd_*) read them.
 */
#ifndef CORE_VIRTQ_LAYOUT_H
#define CORE_VIRTQ_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"

/* ---- split ring --------------------------------------------------------- */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VRING_DESC_F_NEXT 1u
#define VRING_DESC_F_WRITE 2u
#define VRING_DESC_F_INDIRECT 4u

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
#define VRING_AVAIL_F_NO_INTERRUPT 1u

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};
#define VRING_USED_F_NO_NOTIFY 1u

/*
 * VIRTIO_RING_F_EVENT_IDX (virtio 1.2 2.7.10): the driver's used_event
 * follows the avail ring ("call me once you write used entry number
 * used_event"), the device's avail_event follows the used ring ("kick me
 * once you make avail entry number avail_event available").
 */
static inline uint16_t *vring_used_event(struct vring_avail *a, uint32_t num)
{
	return &a->ring[num];
}

static inline uint16_t *vring_avail_event(struct vring_used *u, uint32_t num)
{
	return (uint16_t *)(void *)&u->ring[num];
}

/*
 * Does moving an index from old to new (16 bits, wrapping) pass entry
 * `event`: is event in [old, new)?  Both indexes are free-running, so
 * the distances are taken modulo 2^16: the event is passed when it is
 * less far ahead of old than new is (2.7.10, the driver's and the
 * device's rule alike).
 */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx,
				    uint16_t old)
{
	return (uint16_t)(event - old) < (uint16_t)(new_idx - old);
}

/* Bytes of each part for a ring of num entries (with the event words that
 * follow the rings, virtio 1.2 2.7.6 and 2.7.8). */
#define VRING_DESC_BYTES(num) (16ull * (num))
#define VRING_AVAIL_BYTES(num) (6ull + 2ull * (num))
#define VRING_USED_BYTES(num) (6ull + 8ull * (num))

/* ---- packed ring -------------------------------------------------------- */

struct vring_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};
#define VRING_PACKED_F_AVAIL (1u << 7)
#define VRING_PACKED_F_USED (1u << 15)

/* The driver and device event suppression areas. */
struct vring_packed_event {
	uint16_t off_wrap;
	uint16_t flags;
};
#define VRING_EVENT_F_ENABLE 0x0u
#define VRING_EVENT_F_DISABLE 0x1u
#define VRING_EVENT_F_DESC 0x2u /* only with EVENT_IDX: at off_wrap */
/* off_wrap: the descriptor ring offset (bits 0-14) and the wrap counter
 * (bit 15) of the event (2.8.10) */
#define VRING_EVENT_WRAP 0x8000u

#define VRING_PACKED_BYTES(num) (16ull * (num))
#define VRING_EVENT_BYTES 4ull

/* vhost-user.rst "Vring descriptor indices for packed virtqueues": the
 * 32-bit base of SET/GET_VRING_BASE. */
#define VQ_BASE_WRAP 0x8000u
#define VQ_BASE_PACKED(avail, aw, used, uw)                              \
	((uint32_t)(avail) | ((aw) ? VQ_BASE_WRAP : 0u) |                \
	 ((uint32_t)(used) << 16) | ((uw) ? (uint32_t)VQ_BASE_WRAP << 16 : 0u))
/* Both wrap counters start at 1 (virtio 1.2 2.8.1). */
#define VQ_BASE_PACKED_INIT VQ_BASE_PACKED(0, 1, 0, 1)

/* The used half (index and wrap counter) of a packed base.  vhost-user.rst
 * puts it in bits 16-31; DPDK's virtio-user leaves them 0 (0x8000 for a
 * fresh ring), meaning "where avail is", as DPDK's vhost takes it. */
static inline uint16_t vq_base_used(uint32_t base)
{
	return (uint16_t)((base >> 16) != 0 ? base >> 16 : base);
}

/* ---- the wrap counter --------------------------------------------------- */

/*
 * A packed ring's index and its wrap counter (virtio 1.2 2.8.1) are one
 * position on a circle of 2 * num slots: the counter flips each time the
 * index passes the end.  Every side that moves such a position (device,
 * driver, inflight recovery) moves it here.  `by` is 1..num: a chain
 * takes at most the whole ring, which its taker checked.
 */
static inline void vq_wrap_add(uint16_t *idx, bool *wrap, uint32_t by,
			       uint32_t num)
{
	uint32_t n = (uint32_t)*idx + by;

	CORE_ASSERT(by >= 1 && by <= num);
	if (n >= num) {
		n -= num;
		*wrap = !*wrap;
	}
	*idx = (uint16_t)n;
}

/* The same position as a number below 2 * num (wrap counter 1 first). */
static inline uint32_t vq_wrap_pos(uint32_t idx, bool wrap, uint32_t num)
{
	return idx + (wrap ? 0 : num);
}

/* How far position `to` is ahead of `from` (both vq_wrap_pos values,
 * below 2 * num), going round the circle. */
static inline uint32_t vq_wrap_dist(uint32_t from, uint32_t to, uint32_t num)
{
	return to >= from ? to - from : to + 2 * num - from;
}

/*
 * The packed ring's event rule (virtio 1.2 2.8.10, with EVENT_IDX): a
 * side moved from position old to new (each an index and its wrap
 * counter); did it pass the descriptor the other side named in off_wrap
 * (offset and wrap counter, VRING_EVENT_F_DESC): is it in [old, new)
 * going round the circle of 2 * num slots?  An off_wrap past the ring is
 * the other side's mistake and is never passed.  (event.c: one copy for
 * both sides.)
 */
bool vq_wrap_need_event(uint16_t off_wrap, uint16_t old_idx, bool old_wrap,
			uint16_t new_idx, bool new_wrap, uint32_t num);

#endif /* CORE_VIRTQ_LAYOUT_H */
