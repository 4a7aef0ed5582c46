/*
 * vring.h - split virtqueues (virtio 1.2 section 2.7), both sides.
 *
 * The device side (vq_*) walks chains the driver wrote, in place in guest
 * memory, and validates every value it reads there: head and next below the
 * ring size, a chain of more than `num` hops is a loop, every address range
 * translated whole.  The driver side (vqd_*) is what the front-end role uses
 * to play the guest.
 *
 * Ring fields are little-endian (virtio 1.2 2.7.1 for VERSION_1; legacy
 * devices here are little-endian hosts too).
 */
#ifndef CORE_VRING_H
#define CORE_VRING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/mem.h"

/* virtio 1.2 2.7.5 */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VRING_DESC_F_NEXT 1u
#define VRING_DESC_F_WRITE 2u
#define VRING_DESC_F_INDIRECT 4u

/* virtio 1.2 2.7.6 */
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
#define VRING_AVAIL_F_NO_INTERRUPT 1u

/* virtio 1.2 2.7.8 */
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

/* Bytes of each part for a ring of num entries (with the event words that
 * follow the rings, virtio 1.2 2.7.6 and 2.7.8). */
#define VRING_DESC_BYTES(num) (16ull * (num))
#define VRING_AVAIL_BYTES(num) (6ull + 2ull * (num))
#define VRING_USED_BYTES(num) (6ull + 8ull * (num))

/* One piece of a buffer, already translated to a local address. */
struct vq_iov {
	uint8_t *base;
	uint32_t len;
};

/* One descriptor chain: the device-readable pieces come first (nout of
 * them, out_bytes in all), then the device-writable ones (nin, in_bytes). */
struct vq_chain {
	uint16_t head;
	uint16_t nout;
	uint16_t nin;
	bool too_long; /* more pieces than CFG_CHAIN_SEGS: not gathered */
	uint32_t out_bytes;
	uint32_t in_bytes;
	struct vq_iov iov[CFG_CHAIN_SEGS];
};

/* Device side of one split ring. */
struct vq {
	uint32_t num;        /* ring size, a power of two */
	uint16_t last_avail; /* next avail entry to take */
	uint16_t used_idx;   /* next used entry to fill (not yet published) */
	uint16_t avail_idx;  /* last avail->idx read */
	uint16_t published;  /* used->idx as last published */
	uint16_t signalled;  /* used->idx when the driver was last called */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	const char *name; /* for error lines: "dev0 q1" */
};

/* Make vq use the given (translated, validated) ring memory. */
void vq_attach(struct vq *vq, uint32_t num, struct vring_desc *desc,
	       struct vring_avail *avail, struct vring_used *used,
	       uint16_t last_avail);

/* Number of chains the driver has made available and we have not taken;
 * -PORT_EPROTO (logged) if avail->idx moved more than num ahead. */
int vq_avail(struct vq *vq);

/*
 * Take the next available chain into *c, translating every descriptor
 * through mem.  Returns 1 with *c filled, 0 if none is available, or
 * -PORT_EPROTO (logged, naming the violation) when the driver wrote an
 * invalid ring: head or next out of range, a loop, an address outside the
 * guest's memory, an indirect descriptor (not negotiated), a writable
 * descriptor before a readable one.
 */
int vq_pop(struct vq *vq, const struct mem_table *mem, struct vq_chain *c);

/* Give back the last n chains taken and not yet pushed. */
void vq_unpop(struct vq *vq, uint16_t n);

/* Record that chain `head` is done, `len` bytes written into it.  Not
 * visible to the driver until vq_publish. */
void vq_push(struct vq *vq, uint16_t head, uint32_t len);

/* Forget the last n entries pushed and not yet published. */
void vq_unpush(struct vq *vq, uint16_t n);

/* Make every pushed entry visible: store-release of used->idx. */
void vq_publish(struct vq *vq);

/* After vq_publish: does the driver want a call?  (virtio 1.2 2.7.7:
 * not if it set VRING_AVAIL_F_NO_INTERRUPT.)  Marks the call as made. */
bool vq_need_call(struct vq *vq);

/*
 * Kick suppression (virtio 1.2 2.7.10).  vq_kicks_off while we are busy
 * taking chains anyway; vq_kicks_on before we sleep, which returns true if
 * the driver added chains in the window (take them before sleeping).
 */
void vq_kicks_off(struct vq *vq);
bool vq_kicks_on(struct vq *vq);

/* ---- driver side (the front-end role) -------------------------------- */

struct vqd {
	uint32_t num;
	uint16_t avail_idx; /* next avail entry to fill */
	uint16_t last_used; /* next used entry to read */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
};

/* Lay a zeroed ring over desc/avail/used (the caller's shared memory). */
void vqd_init(struct vqd *d, uint32_t num, void *desc, void *avail,
	      void *used);

/* Offer chain `head`; visible to the device after vqd_publish. */
void vqd_add(struct vqd *d, uint16_t head);

/* Store-release of avail->idx; true if the device asked to be kicked. */
bool vqd_publish(struct vqd *d);

/* Take one used element: 1 with *id and *len set, 0 if none. */
int vqd_get_used(struct vqd *d, uint32_t *id, uint32_t *len);

/* The device's used->idx as it is now (acquire). */
uint16_t vqd_used_idx(const struct vqd *d);

#endif /* CORE_VRING_H */
