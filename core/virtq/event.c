/*
 * event.c - the packed ring's event rule (layout.h, virtio 1.2 2.8.10):
 * one copy for the device side (vq_packed.c) and the driver's (vqd.c).
 */
#include "core/virtq/layout.h"

bool vq_wrap_need_event(uint16_t off_wrap, uint16_t old_idx, bool old_wrap,
			uint16_t new_idx, bool new_wrap, uint32_t num)
{
	uint32_t off = off_wrap & (VRING_EVENT_WRAP - 1u);
	uint32_t from = vq_wrap_pos(old_idx, old_wrap, num);

	if (off >= num)
		return false;
	return vq_wrap_dist(from, vq_wrap_pos(off, (off_wrap &
						    VRING_EVENT_WRAP) != 0,
					      num),
			    num) <
	       vq_wrap_dist(from, vq_wrap_pos(new_idx, new_wrap, num), num);
}
