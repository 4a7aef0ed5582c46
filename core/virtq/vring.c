/*
 * vring.c - the device side of virtqueues: what split and packed rings
 * share (building a chain, indirect tables, the calls that pick the
 * layout), and the split ring itself (virtio 1.2 section 2.7).  The packed
 * ring is in vring_packed.c, the driver side in vring_drv.c.
 *
 * Everything read from guest memory is read once into a local copy and
 * checked there: the driver may change it while we look.
 */
#include "core/virtq/vring.h"

#include <stddef.h>
#include <string.h>

#include "core/mem/dirty.h"
#include "core/virtq/inflight.h"
#include "core/log.h"
#include "core/virtq/vring_priv.h"
#include "port/port.h"

/* ---- building a chain ------------------------------------------------------ */

void chain_begin(struct chain_walk *w, struct vq *vq,
		 const struct mem_table *mem, struct vq_chain *c)
{
	w->vq = vq;
	w->mem = mem;
	w->c = c;
	w->seen_write = false;
	c->ndesc = 0;
	c->nout = 0;
	c->nin = 0;
	c->too_long = false;
	c->out_bytes = 0;
	c->in_bytes = 0;
}

/* Translate one buffer into c->iov, piece by piece where it crosses
 * regions.  Pieces past CFG_CHAIN_SEGS are checked, not kept. */
static int gather(struct chain_walk *w, unsigned i, uint64_t addr,
		  uint32_t len, bool write)
{
	struct vq_chain *c = w->c;
	uint64_t left = len;

	/* the last byte may be the last of the address space */
	if (len > 0 && addr + (len - 1) < addr) {
		LOG_ERR("%s: descriptor %u: address 0x%llx + length %u wraps",
			w->vq->name, i, (unsigned long long)addr, len);
		return -PORT_EPROTO;
	}
	while (left > 0) {
		uint64_t got = left;
		uint8_t *p = mem_gpa(w->mem, addr, &got);
		unsigned n = (unsigned)c->nout + c->nin;

		if (p == NULL) {
			LOG_ERR("%s: descriptor %u: guest address 0x%llx "
				"(length %u) is outside guest memory",
				w->vq->name, i, (unsigned long long)addr, len);
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

int chain_add(struct chain_walk *w, unsigned i, uint64_t addr, uint32_t len,
	      bool write)
{
	struct vq_chain *c = w->c;
	uint32_t *total = write ? &c->in_bytes : &c->out_bytes;
	int rc;

	/* virtio 1.2 2.7.4.2, 2.8.6: writable descriptors come last. */
	if (!write && w->seen_write) {
		LOG_ERR("%s: descriptor %u: device-readable after "
			"device-writable in chain %u", w->vq->name, i, c->head);
		return -PORT_EPROTO;
	}
	if (*total + len < *total) {
		LOG_ERR("%s: chain %u holds more than 4 GiB", w->vq->name,
			c->head);
		return -PORT_EPROTO;
	}
	rc = gather(w, i, addr, len, write);
	if (rc < 0)
		return rc;
	*total += len;
	w->seen_write |= write;
	return 0;
}

/* One descriptor of an indirect table at p, in the split layout (addr,
 * len, flags, next; a packed one is addr, len, id, flags): with two 64-bit
 * loads where it is aligned in our memory, byte by byte where a guest put
 * it elsewhere. */
static void read_table_desc(const uint8_t *p, struct vring_desc *out)
{
	if (((uintptr_t)p & 7) == 0) {
		const uint64_t *q = (const void *)p;
		uint64_t lo = LE64(LOAD(&q[0])), hi = LE64(LOAD(&q[1]));

		out->addr = lo;
		out->len = (uint32_t)hi;
		out->flags = (uint16_t)(hi >> 32);
		out->next = (uint16_t)(hi >> 48);
		return;
	}
	uint8_t b[16];
	for (unsigned k = 0; k < 16; k++)
		b[k] = LOAD(&p[k]);
	out->addr = 0;
	for (unsigned k = 0; k < 8; k++)
		out->addr |= (uint64_t)b[k] << (8 * k);
	out->len = (uint32_t)b[8] | (uint32_t)b[9] << 8 |
		   (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
	out->flags = (uint16_t)(b[12] | b[13] << 8);
	out->next = (uint16_t)(b[14] | b[15] << 8);
}

/*
 * An indirect table: `len` bytes at guest address `addr`, named by ring
 * descriptor i (virtio 1.2 2.7.5.3, 2.8.7).  A split table is a chain of
 * its own (next links inside the table, bounded by its length); a packed
 * table is used in order, every entry.  Either way: a whole number of
 * descriptors, at most the queue size, inside guest memory, and no table
 * inside a table.
 */
int chain_indirect(struct chain_walk *w, unsigned i, uint64_t addr,
		   uint32_t len)
{
	struct vq *vq = w->vq;
	uint32_t n = len / 16, hops = 0;
	const uint8_t *table;
	uint16_t k = 0;

	if (!vq->indirect) {
		LOG_ERR("%s: descriptor %u is indirect, "
			"VIRTIO_RING_F_INDIRECT_DESC was not negotiated",
			vq->name, i);
		return -PORT_EPROTO;
	}
	if (len == 0 || len % 16 != 0 || n > vq->num) {
		LOG_ERR("%s: descriptor %u: indirect table of %u bytes (a "
			"table holds 1 to %u descriptors of 16 bytes)",
			vq->name, i, len, vq->num);
		return -PORT_EPROTO;
	}
	if (addr + (len - 1) < addr) {
		LOG_ERR("%s: descriptor %u: indirect table at 0x%llx + %u wraps",
			vq->name, i, (unsigned long long)addr, len);
		return -PORT_EPROTO;
	}
	/* Usually the table lies in one region; else each entry is looked
	 * up on its own (a table may straddle two adjacent regions). */
	table = mem_gpa_range(w->mem, addr, len);
	for (;;) {
		const uint8_t *p = table != NULL
			? table + 16u * k
			: mem_gpa_range(w->mem, addr + 16ull * k, 16);
		struct vring_desc d;
		int rc;

		if (p == NULL) {
			LOG_ERR("%s: descriptor %u: indirect table at 0x%llx "
				"(%u bytes) is outside guest memory", vq->name,
				i, (unsigned long long)addr, len);
			return -PORT_EPROTO;
		}
		/* A split table of n entries holds a chain of at most n;
		 * one more hop goes round. */
		if (++hops > n) {
			LOG_ERR("%s: descriptor %u: indirect table loops (more "
				"than its %u descriptors)", vq->name, i, n);
			return -PORT_EPROTO;
		}
		read_table_desc(p, &d);
		/* a packed entry has its flags where a split one has next */
		if (vq->packed)
			d.flags = d.next;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			LOG_ERR("%s: descriptor %u: indirect table entry %u is "
				"itself indirect (tables do not nest)",
				vq->name, i, k);
			return -PORT_EPROTO;
		}
		rc = chain_add(w, i, d.addr, d.len,
			       (d.flags & VRING_DESC_F_WRITE) != 0);
		if (rc < 0)
			return rc;
		if (vq->packed) {
			/* 2.8.7: every entry, in order; only WRITE counts */
			if (++k == n)
				return 0;
			continue;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= n) {
			LOG_ERR("%s: descriptor %u: indirect entry %u: next %u "
				"is past the table's %u descriptors", vq->name,
				i, k, d.next, n);
			return -PORT_EPROTO;
		}
		k = d.next;
	}
}

/* ---- the calls, for either layout ---------------------------------------- */

uint16_t vq_base_used(uint32_t base)
{
	/* DPDK's virtio-user sends the avail half only (0x8000 for a fresh
	 * ring): its used position is then the same as the avail one, as
	 * DPDK's vhost takes it. */
	return (uint16_t)((base >> 16) != 0 ? base >> 16 : base);
}

const char *vq_base_check(bool packed, uint32_t num, uint32_t base)
{
	uint32_t a, u, pa, pu;

	if (!packed)
		return base > 0xffff ? "does not fit a split ring index" : NULL;
	a = base & 0x7fffu;
	u = vq_base_used(base) & 0x7fffu;
	if (a >= num || u >= num)
		return "has an index past the ring";
	/* Positions on a circle of 2 * num slots (the wrap counter is the
	 * high half): the device cannot be more than a ring ahead. */
	pa = a + ((base & VQ_BASE_WRAP) ? 0 : num);
	pu = u + ((vq_base_used(base) & VQ_BASE_WRAP) ? 0 : num);
	if ((pa + 2 * num - pu) % (2 * num) > num)
		return "has more than a ring of descriptors outstanding";
	return NULL;
}

void vq_attach(struct vq *vq, const struct vq_config *cfg)
{
	vq->num = cfg->num;
	vq->packed = cfg->packed;
	vq->indirect = cfg->indirect;
	vq->nshadow = 0;
	vq->call_pending = false;
	if (cfg->packed) {
		vq_packed_attach(vq, cfg);
		return;
	}
	vq->desc = cfg->desc;
	vq->avail = cfg->driver;
	vq->used = cfg->device;
	vq->last_avail = (uint16_t)cfg->base;
	vq->avail_idx = vq->last_avail;
	/* Resume where the used ring says we were (reconnect, or a ring that
	 * was stopped and restarted). */
	vq->used_idx = LE16(LOAD(&vq->used->idx));
	vq->published = vq->used_idx;
	vq->signalled = vq->used_idx;
}

uint32_t vq_base(const struct vq *vq)
{
	if (vq->packed)
		return VQ_BASE_PACKED(vq->last_avail, vq->avail_wrap,
				      vq->used_idx, vq->used_wrap);
	return vq->last_avail;
}

bool vq_push_room(const struct vq *vq, unsigned n)
{
	/* The same bound for both layouts, so that no more than VQ_SHADOW
	 * chains are ever in flight between two publishes. */
	unsigned pending = vq->packed
		? vq->nshadow
		: (uint16_t)(vq->used_idx - vq->published);
	return pending + n <= VQ_SHADOW;
}

void vq_mark(const struct vq *vq, struct vq_mark *m)
{
	m->last_avail = vq->last_avail;
	m->avail_wrap = vq->avail_wrap;
	m->used_idx = vq->used_idx;
	m->nshadow = vq->nshadow;
	if (vq->inflight != NULL)
		inflight_mark(vq, m);
}

void vq_rewind(struct vq *vq, const struct vq_mark *m)
{
	if (vq->inflight != NULL)
		inflight_rewind(vq, m);
	vq->last_avail = m->last_avail;
	vq->avail_wrap = m->avail_wrap;
	vq->used_idx = m->used_idx;
	vq->nshadow = m->nshadow;
}

int vq_pop(struct vq *vq, const struct mem_table *mem, struct vq_chain *c)
{
	int rc;

	if (vq->inflight != NULL) {
		rc = inflight_pop_resubmit(vq, mem, c);
		if (rc != 0)
			return rc;
	}
	rc = vq->packed ? vq_packed_pop(vq, mem, c) : vq_split_pop(vq, mem, c);
	if (rc > 0 && vq->inflight != NULL)
		inflight_popped(vq, c);
	return rc;
}

void vq_push(struct vq *vq, const struct vq_chain *c, uint32_t len)
{
	CORE_ASSERT(vq_push_room(vq, 1));
	if (vq->packed) {
		struct vq_used_elem *e = &vq->shadow[vq->nshadow++];

		e->id = c->head;
		e->ndesc = c->ndesc;
		e->len = len;
		e->track = c->track;
	} else {
		struct vring_used_elem *e =
			&vq->used->ring[vq->used_idx & (vq->num - 1)];

		STORE(&e->id, LE32((uint32_t)c->head));
		STORE(&e->len, LE32(len));
		vq->used_idx++;
	}
	if (vq->inflight != NULL)
		inflight_pushed(vq, c);
}

void vq_publish(struct vq *vq)
{
	if (vq->packed) {
		vq_packed_publish(vq);
		return;
	}
	if (vq->used_idx == vq->published)
		return;
	/* Release: the used elements and the bytes written into the
	 * buffers are visible before the index that hands them over
	 * (virtio 1.2 2.7.14). */
	STORE_RELEASE(&vq->used->idx, LE16(vq->used_idx));
	/* marked after the writes, so a log read in between misses none */
	if (vq->log != NULL && vq->used_gpa != UINT64_MAX)
		log_used_split(vq);
	if (vq->inflight != NULL)
		inflight_published(vq);
	vq->published = vq->used_idx;
}

bool vq_need_call(struct vq *vq)
{
	uint16_t flags;

	if (vq->packed)
		return vq_packed_need_call(vq);
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
	if (vq->packed) {
		vq_packed_kicks(vq, false);
		return;
	}
	STORE(&vq->used->flags, LE16(VRING_USED_F_NO_NOTIFY));
	if (vq->log != NULL && vq->used_gpa != UINT64_MAX)
		dirty_mark(vq->log, vq->used_gpa, 2);
}

bool vq_kicks_on(struct vq *vq)
{
	if (vq->packed)
		return vq_packed_kicks(vq, true);
	STORE(&vq->used->flags, (uint16_t)0);
	if (vq->log != NULL && vq->used_gpa != UINT64_MAX)
		dirty_mark(vq->log, vq->used_gpa, 2);
	/* The flag store must be visible before we look at avail->idx
	 * again, or a chain added in between would get no kick. */
	FULL_FENCE();
	return LE16(LOAD(&vq->avail->idx)) != vq->last_avail;
}

/* ---- split rings ------------------------------------------------------------ */

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

/* Log the used elements and index a publish hands over (vhost-user.rst
 * "Migration": used ring writes at log_guest_addr). */
void log_used_split(struct vq *vq)
{
	uint16_t n = (uint16_t)(vq->used_idx - vq->published);
	uint32_t first = vq->published & (vq->num - 1);
	uint64_t elems = vq->used_gpa + 4;

	if (first + n <= vq->num) {
		dirty_mark(vq->log, elems + 8ull * first, 8ull * n);
	} else {
		dirty_mark(vq->log, elems + 8ull * first,
			   8ull * (vq->num - first));
		dirty_mark(vq->log, elems, 8ull * (first + n - vq->num));
	}
	dirty_mark(vq->log, vq->used_gpa + 2, 2);
}

int vq_split_chain(struct vq *vq, const struct mem_table *mem,
		   struct vq_chain *c, uint16_t head)
{
	struct chain_walk w;
	uint32_t hops = 0;
	uint16_t i;

	if (head >= vq->num) {
		LOG_ERR("%s: avail entry %u: head %u >= queue size %u",
			vq->name, vq->last_avail, head, vq->num);
		return -PORT_EPROTO;
	}
	chain_begin(&w, vq, mem, c);
	c->head = head;
	c->ndesc = 1;
	for (i = head;;) {
		const struct vring_desc *d = &vq->desc[i];
		uint64_t addr = LE64(LOAD(&d->addr));
		uint32_t len = LE32(LOAD(&d->len));
		uint16_t flags = LE16(LOAD(&d->flags));
		uint16_t next = LE16(LOAD(&d->next));
		int rc;

		/* A chain can hold at most num descriptors; one more hop
		 * means it goes round (virtio 1.2 2.7.5.1: no loops). */
		if (++hops > vq->num) {
			LOG_ERR("%s: chain from head %u loops (more than %u "
				"descriptors)", vq->name, head, vq->num);
			return -PORT_EPROTO;
		}
		if (flags & VRING_DESC_F_INDIRECT) {
			/* 2.7.5.3.1: never with NEXT, so it ends the chain */
			if (flags & VRING_DESC_F_NEXT) {
				LOG_ERR("%s: descriptor %u is indirect and has a "
					"next", vq->name, i);
				return -PORT_EPROTO;
			}
			return chain_indirect(&w, i, addr, len);
		}
		rc = chain_add(&w, i, addr, len,
			       (flags & VRING_DESC_F_WRITE) != 0);
		if (rc < 0)
			return rc;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		if (next >= vq->num) {
			LOG_ERR("%s: descriptor %u: next %u >= queue size %u",
				vq->name, i, next, vq->num);
			return -PORT_EPROTO;
		}
		i = next;
	}
}

int vq_split_pop(struct vq *vq, const struct mem_table *mem,
		 struct vq_chain *c)
{
	uint16_t head;
	int rc;

	if (vq->last_avail == vq->avail_idx) {
		int n = vq_avail(vq);
		if (n <= 0)
			return n;
	}
	head = LE16(LOAD(&vq->avail->ring[vq->last_avail & (vq->num - 1)]));
	rc = vq_split_chain(vq, mem, c, head);
	if (rc < 0)
		return rc;
	vq->last_avail++;
	return 1;
}
