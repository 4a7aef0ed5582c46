/*
 * vqd.h - the driver side of virtqueues, split (virtio 1.2 2.7.13) and
 * packed (2.8.21): what the front-end role uses to play the guest.
 */
#ifndef CORE_VIRTQ_VQD_H
#define CORE_VIRTQ_VQD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/virtq/layout.h"

struct vqd {
	uint32_t num;
	bool packed;
	bool event_idx;     /* VIRTIO_RING_F_EVENT_IDX negotiated: set it
			     * after vqd_init */
	bool avail_wrap;    /* packed */
	bool used_wrap;     /* packed */
	bool kicked_wrap;   /* packed */
	uint16_t avail_idx; /* split: next avail entry; packed: next slot */
	uint16_t last_used; /* split: next used entry; packed: next slot */
	uint16_t kicked;    /* avail_idx at the last vqd_publish */
	struct vring_desc *desc; /* split: the table; packed: tmpl */
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_packed_desc *pdesc;
	struct vring_packed_event *driver_evt;
	struct vring_packed_event *device_evt;
	/* packed: chains are laid out in desc (here, not in shared memory)
	 * as for a split table, and copied into the ring by vqd_add */
	struct vring_desc tmpl[CFG_FE_QUEUE_SIZE];
	uint16_t ndesc[CFG_FE_QUEUE_SIZE]; /* packed: slots of chain id */
};

/* Lay a zeroed ring of num (<= CFG_FE_QUEUE_SIZE) entries over the
 * caller's shared memory: split desc/avail/used, or packed descriptor
 * ring/driver area/device area.  Chains are then written at
 * vqd->desc[head ...] and offered with vqd_add. */
void vqd_init(struct vqd *d, uint32_t num, bool packed, void *desc,
	      void *driver, void *device);

/* Offer chain `head`; visible to the device after vqd_publish. */
void vqd_add(struct vqd *d, uint16_t head);

/* Make what was added visible; true if the device asked to be kicked
 * (its flags, or with EVENT_IDX its avail event: 2.7.10, 2.8.10). */
bool vqd_publish(struct vqd *d);

/*
 * After taking every used element: ask for a call at the next one (with
 * EVENT_IDX, the used event at last_used; without, calls stay on), then
 * look again.  True if a used element came in meanwhile: take it, or its
 * call may never come.
 */
bool vqd_calls_on(struct vqd *d);

/* Take one used element: 1 with *id and *len set, 0 if none, -1 if the
 * device returned an id we have no chain for (packed). */
int vqd_get_used(struct vqd *d, uint32_t *id, uint32_t *len);

/* The SET_VRING_BASE value for a fresh ring of this layout. */
uint32_t vqd_base(const struct vqd *d);

/* Is `base`, a GET_VRING_BASE reply, where a device that took every chain
 * we offered (all_taken) or some of them could have stopped? */
bool vqd_base_plausible(const struct vqd *d, uint32_t base, bool all_taken);

#endif /* CORE_VIRTQ_VQD_H */
