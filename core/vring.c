/*
 * vring.c - split virtqueue walking (virtio 1.2 section 2.7).
 *
 * Everything read from the ring is read once into a local copy and checked
 * there: the driver may change guest memory while we look at it.
 */
#include "core/vring.h"

#include <stddef.h>

#include "core/log.h"
#include "port/port.h"

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(v) __builtin_bswap16(v)
#define LE32(v) __builtin_bswap32(v)
#define LE64(v) __builtin_bswap64(v)
#else
#define LE16(v) (v)
#define LE32(v) (v)
#define LE64(v) (v)
#endif

/* Shared-memory accesses: never merged, never torn, never cached. */
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define FULL_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)

void vq_attach(struct vq *vq, uint32_t num, struct vring_desc *desc,
	       struct vring_avail *avail, struct vring_used *used,
	       uint16_t last_avail)
{
	vq->num = num;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->last_avail = last_avail;
	vq->avail_idx = last_avail;
	/* Resume where the used ring says we were (reconnect, or a ring that
	 * was stopped and restarted). */
	vq->used_idx = LE16(LOAD(&used->idx));
	vq->published = vq->used_idx;
	vq->signalled = vq->used_idx;
}

int vq_avail(struct vq *vq)
{
	/* Acquire: the ring entries and descriptors the driver wrote before
	 * it moved idx (virtio 1.2 2.7.13 step 3) are visible after this. */
	uint16_t idx = LE16(LOAD_ACQUIRE(&vq->avail->idx));
	uint16_t n = (uint16_t)(idx - vq->last_avail);

	if (n > vq->num) {
		LOG_ERR("%s: avail index jumped from %u to %u, more than the "
			"queue size %u", vq->name, vq->last_avail, idx,
			vq->num);
		return -PORT_EPROTO;
	}
	vq->avail_idx = idx;
	return n;
}

/* Translate one descriptor's buffer into c->iov, piece by piece where it
 * crosses regions.  Pieces past CFG_CHAIN_SEGS are checked, not kept. */
static int gather(struct vq *vq, const struct mem_table *mem,
		  struct vq_chain *c, uint16_t i, uint64_t addr, uint32_t len,
		  bool write)
{
	uint64_t left = len;

	/* the last byte may be the last of the address space */
	if (len > 0 && addr + (len - 1) < addr) {
		LOG_ERR("%s: descriptor %u: address 0x%llx + length %u wraps",
			vq->name, i, (unsigned long long)addr, len);
		return -PORT_EPROTO;
	}
	while (left > 0) {
		uint64_t got = left;
		uint8_t *p = mem_gpa(mem, addr, &got);
		unsigned n = (unsigned)c->nout + c->nin;

		if (p == NULL) {
			LOG_ERR("%s: descriptor %u: guest address 0x%llx "
				"(length %u) is outside guest memory",
				vq->name, i, (unsigned long long)addr, len);
			return -PORT_EPROTO;
		}
		if (n < CFG_CHAIN_SEGS) {
			c->iov[n].base = p;
			c->iov[n].len = (uint32_t)got;
			if (write)
				c->nin++;
			else
				c->nout++;
		} else {
			c->too_long = true;
		}
		addr += got;
		left -= got;
	}
	return 0;
}

int vq_pop(struct vq *vq, const struct mem_table *mem, struct vq_chain *c)
{
	uint32_t mask = vq->num - 1;
	uint16_t head, i;
	uint32_t hops = 0;
	bool seen_write = false;

	if (vq->last_avail == vq->avail_idx) {
		int n = vq_avail(vq);
		if (n <= 0)
			return n;
	}
	head = LE16(LOAD(&vq->avail->ring[vq->last_avail & mask]));
	if (head >= vq->num) {
		LOG_ERR("%s: avail entry %u: head %u >= queue size %u",
			vq->name, vq->last_avail, head, vq->num);
		return -PORT_EPROTO;
	}
	c->head = head;
	c->nout = 0;
	c->nin = 0;
	c->too_long = false;
	c->out_bytes = 0;
	c->in_bytes = 0;

	for (i = head;;) {
		const struct vring_desc *d = &vq->desc[i];
		uint64_t addr = LE64(LOAD(&d->addr));
		uint32_t len = LE32(LOAD(&d->len));
		uint16_t flags = LE16(LOAD(&d->flags));
		uint16_t next = LE16(LOAD(&d->next));
		bool write = (flags & VRING_DESC_F_WRITE) != 0;
		uint32_t *total = write ? &c->in_bytes : &c->out_bytes;
		int rc;

		/* A chain can hold at most num descriptors; one more hop
		 * means it goes round (virtio 1.2 2.7.5.1: no loops). */
		if (++hops > vq->num) {
			LOG_ERR("%s: chain from head %u loops (more than %u "
				"descriptors)", vq->name, head, vq->num);
			return -PORT_EPROTO;
		}
		if (flags & VRING_DESC_F_INDIRECT) {
			LOG_ERR("%s: descriptor %u is indirect, "
				"VIRTIO_RING_F_INDIRECT_DESC was not offered",
				vq->name, i);
			return -PORT_EPROTO;
		}
		/* virtio 1.2 2.7.4.2: writable descriptors come last. */
		if (!write && seen_write) {
			LOG_ERR("%s: descriptor %u: device-readable after "
				"device-writable in chain %u", vq->name, i, head);
			return -PORT_EPROTO;
		}
		if (*total + len < *total) {
			LOG_ERR("%s: chain %u holds more than 4 GiB", vq->name,
				head);
			return -PORT_EPROTO;
		}
		rc = gather(vq, mem, c, i, addr, len, write);
		if (rc < 0)
			return rc;
		*total += len;
		seen_write |= write;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		if (next >= vq->num) {
			LOG_ERR("%s: descriptor %u: next %u >= queue size %u",
				vq->name, i, next, vq->num);
			return -PORT_EPROTO;
		}
		i = next;
	}
	vq->last_avail++;
	return 1;
}

void vq_unpop(struct vq *vq, uint16_t n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

void vq_push(struct vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	STORE(&e->id, LE32((uint32_t)head));
	STORE(&e->len, LE32(len));
	vq->used_idx++;
}

void vq_unpush(struct vq *vq, uint16_t n)
{
	vq->used_idx = (uint16_t)(vq->used_idx - n);
}

void vq_publish(struct vq *vq)
{
	if (vq->used_idx == vq->published)
		return;
	/* Release: the used elements and the bytes written into the
	 * buffers are visible before the index that hands them over
	 * (virtio 1.2 2.7.14). */
	STORE_RELEASE(&vq->used->idx, LE16(vq->used_idx));
	vq->published = vq->used_idx;
}

bool vq_need_call(struct vq *vq)
{
	uint16_t flags;

	if (vq->published == vq->signalled)
		return false;
	/* Our used->idx store must be globally visible before we read the
	 * driver's flags, or both sides may decide the other will act. */
	FULL_FENCE();
	flags = LE16(LOAD(&vq->avail->flags));
	vq->signalled = vq->published;
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

void vq_kicks_off(struct vq *vq)
{
	STORE(&vq->used->flags, LE16(VRING_USED_F_NO_NOTIFY));
}

bool vq_kicks_on(struct vq *vq)
{
	STORE(&vq->used->flags, (uint16_t)0);
	/* The flag store must be visible before we look at avail->idx
	 * again, or a chain added in between would get no kick. */
	FULL_FENCE();
	return LE16(LOAD(&vq->avail->idx)) != vq->last_avail;
}

/* ---- driver side -------------------------------------------------------- */

void vqd_init(struct vqd *d, uint32_t num, void *desc, void *avail,
	      void *used)
{
	d->num = num;
	d->avail_idx = 0;
	d->last_used = 0;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
}

void vqd_add(struct vqd *d, uint16_t head)
{
	STORE(&d->avail->ring[d->avail_idx & (d->num - 1)], LE16(head));
	d->avail_idx++;
}

bool vqd_publish(struct vqd *d)
{
	STORE_RELEASE(&d->avail->idx, LE16(d->avail_idx));
	FULL_FENCE();
	return !(LE16(LOAD(&d->used->flags)) & VRING_USED_F_NO_NOTIFY);
}

uint16_t vqd_used_idx(const struct vqd *d)
{
	return LE16(LOAD_ACQUIRE(&d->used->idx));
}

int vqd_get_used(struct vqd *d, uint32_t *id, uint32_t *len)
{
	uint16_t idx = LE16(LOAD_ACQUIRE(&d->used->idx));
	const struct vring_used_elem *e;

	if (idx == d->last_used)
		return 0;
	e = &d->used->ring[d->last_used & (d->num - 1)];
	*id = LE32(LOAD(&e->id));
	*len = LE32(LOAD(&e->len));
	d->last_used++;
	return 1;
}
