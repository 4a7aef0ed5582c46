/*
 * chain.c - building a descriptor chain (see chain.h).
 *
 * Everything read from guest memory is read once into a local copy and
 * checked there: the driver may change it while we look.
 */
#include "core/virtq/chain.h"

#include <stddef.h>

#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

/* Translate one buffer into c->iov, piece by piece where it crosses
 * regions.  Pieces past CFG_CHAIN_SEGS are checked, not kept. */
static int gather(struct chain_walk *w, unsigned i, uint64_t addr,
		  uint32_t len, bool write)
{
	struct vq_chain *c = w->c;
	uint16_t *count = write ? &c->nin : &c->nout;
	uint64_t left = len;

	/* the last byte may be the last of the address space */
	if (len > 0 && addr + (len - 1) < addr) {
		LOG_ERR("%s: descriptor %u: address 0x%llx + length %u wraps",
			w->name, i, (unsigned long long)addr, len);
		return -PORT_EPROTO;
	}
	while (left > 0) {
		uint64_t got = left;
		uint8_t *p = mem_gpa(w->mem, addr, &got);
		unsigned n = (unsigned)c->nout + c->nin;

		if (p == NULL) {
			LOG_ERR("%s: descriptor %u: guest address 0x%llx "
				"(length %u) is outside guest memory",
				w->name, i, (unsigned long long)addr, len);
			return -PORT_EPROTO;
		}
		if (n < CFG_CHAIN_SEGS) {
			c->iov[n].base = p;
			c->iov[n].len = (uint32_t)got;
			c->gpa[n] = addr;
			(*count)++;
		} else {
			c->too_long = true;
		}
		addr += got;
		left -= got;
	}
	return 0;
}

/* Add one buffer [addr, addr+len), device-writable or not, named by
 * descriptor i in error lines. */
static int chain_add(struct chain_walk *w, unsigned i, uint64_t addr,
		     uint32_t len, bool write)
{
	struct vq_chain *c = w->c;
	uint32_t *total = write ? &c->in_bytes : &c->out_bytes;
	int rc;

	/* virtio 1.2 2.7.4.2, 2.8.6: writable descriptors come last. */
	if (!write && w->seen_write) {
		LOG_ERR("%s: descriptor %u: device-readable after "
			"device-writable in chain %u", w->name, i, c->head);
		return -PORT_EPROTO;
	}
	if (*total + len < *total) {
		LOG_ERR("%s: chain %u holds more than 4 GiB", w->name, c->head);
		return -PORT_EPROTO;
	}
	LOG_TRACE(LOG_RINGS, "%s: descriptor %u: 0x%llx, %u bytes, %s\n",
		  w->name, i, (unsigned long long)addr, len,
		  write ? "device-writable" : "device-readable");
	rc = gather(w, i, addr, len, write);
	if (rc < 0)
		return rc;
	*total += len;
	w->seen_write |= write;
	return 0;
}

/* One descriptor of a table that a guest put at an odd address in our
 * memory: byte by byte, into the two little-endian words of an aligned
 * one. */
static void read_unaligned(const uint8_t *p, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = 0;
	for (unsigned k = 0; k < 8; k++) {
		*lo |= (uint64_t)LOAD(&p[k]) << (8 * k);
		*hi |= (uint64_t)LOAD(&p[8 + k]) << (8 * k);
	}
}

int chain_table(struct chain_walk *w, const uint8_t *tab, uint64_t gpa,
		uint32_t n, unsigned from, enum chain_table kind)
{
	uint16_t k = kind == TABLE_RING ? (uint16_t)from : 0;
	uint32_t hops = 0;

	if (k >= n) { /* a ring's head, read from the avail ring */
		LOG_ERR("%s: head %u >= queue size %u", w->name, k, n);
		return -PORT_EPROTO;
	}
	for (;;) {
		const uint8_t *p = tab != NULL
			? tab + 16u * k
			: mem_gpa_range(w->mem, gpa + 16ull * k, 16);
		uint64_t addr, hi;
		uint16_t flags, next;
		int rc;

		if (p == NULL) {
			LOG_ERR("%s: descriptor %u: indirect table at 0x%llx "
				"(%u bytes) is outside guest memory", w->name,
				from, (unsigned long long)gpa, 16u * n);
			return -PORT_EPROTO;
		}
		if (++hops > n) {
			if (kind == TABLE_RING)
				LOG_ERR("%s: chain from head %u loops (more "
					"than %u descriptors)", w->name, from,
					n);
			else
				LOG_ERR("%s: descriptor %u: indirect table "
					"loops (more than its %u descriptors)",
					w->name, from, n);
			return -PORT_EPROTO;
		}
		/* addr, then len and flags, next (split) or id, flags
		 * (packed): two little-endian words, loaded whole where
		 * they are aligned in our memory */
		if (((uintptr_t)p & 7) == 0) {
			addr = LE64(LOAD((const uint64_t *)(const void *)p));
			hi = LE64(LOAD((const uint64_t *)(const void *)p + 1));
		} else {
			read_unaligned(p, &addr, &hi);
		}
		flags = (uint16_t)(hi >> (kind == TABLE_PACKED ? 48 : 32));
		if (flags & VRING_DESC_F_INDIRECT) {
			if (kind != TABLE_RING) {
				LOG_ERR("%s: descriptor %u: indirect table entry "
					"%u is itself indirect (tables do not "
					"nest)", w->name, from, k);
				return -PORT_EPROTO;
			}
			/* 2.7.5.3.1: never with NEXT, so it ends the chain */
			if (flags & VRING_DESC_F_NEXT) {
				LOG_ERR("%s: descriptor %u is indirect and has a "
					"next", w->name, k);
				return -PORT_EPROTO;
			}
			/* the caller walks it (chain_split): the walker
			 * calls nothing that calls it back */
			w->table = addr;
			w->table_len = (uint32_t)hi;
			w->table_from = k;
			return 1;
		}
		rc = chain_add(w, kind == TABLE_RING ? k : from, addr,
			       (uint32_t)hi, (flags & VRING_DESC_F_WRITE) != 0);
		if (rc < 0)
			return rc;
		if (kind == TABLE_PACKED) {
			/* 2.8.7: every entry, in order; only WRITE counts */
			if (++k == n)
				return 0;
			continue;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		next = (uint16_t)(hi >> 48);
		if (next >= n) {
			if (kind == TABLE_RING)
				LOG_ERR("%s: descriptor %u: next %u >= queue "
					"size %u", w->name, k, next, n);
			else
				LOG_ERR("%s: descriptor %u: indirect entry %u: "
					"next %u is past the table's %u "
					"descriptors", w->name, from, k, next,
					n);
			return -PORT_EPROTO;
		}
		k = next;
	}
}

int chain_indirect(struct chain_walk *w, unsigned i, uint64_t addr,
		   uint32_t len, enum chain_table kind)
{
	uint32_t n = len / 16;

	if (!w->indirect) {
		LOG_ERR("%s: descriptor %u is indirect, "
			"VIRTIO_RING_F_INDIRECT_DESC was not negotiated",
			w->name, i);
		return -PORT_EPROTO;
	}
	if (len == 0 || len % 16 != 0 || n > w->num) {
		LOG_ERR("%s: descriptor %u: indirect table of %u bytes (a "
			"table holds 1 to %u descriptors of 16 bytes)",
			w->name, i, len, w->num);
		return -PORT_EPROTO;
	}
	if (addr + (len - 1) < addr) {
		LOG_ERR("%s: descriptor %u: indirect table at 0x%llx + %u wraps",
			w->name, i, (unsigned long long)addr, len);
		return -PORT_EPROTO;
	}
	/* Usually the table lies in one region; else each entry is looked
	 * up on its own (a table may straddle two adjacent regions). */
	return chain_table(w, mem_gpa_range(w->mem, addr, len), addr, n, i,
			   kind);
}

int chain_packed(struct chain_walk *w, unsigned i, uint64_t addr,
		 uint32_t len, uint16_t flags)
{
	struct vq_chain *c = w->c;

	/* 2.8.18: no list longer than the queue size; one longer has gone
	 * round the ring onto itself. */
	if (++c->ndesc > w->num) {
		LOG_ERR("%s: chain through slot %u is longer than the ring "
			"(%u descriptors)", w->name, i, w->num);
		return -PORT_EPROTO;
	}
	if (flags & VRING_DESC_F_INDIRECT) {
		/* 2.8.7: an indirect descriptor is a list alone */
		if (c->ndesc > 1 || (flags & VRING_DESC_F_NEXT)) {
			LOG_ERR("%s: slot %u: indirect descriptor in a list of "
				"several", w->name, i);
			return -PORT_EPROTO;
		}
		return chain_indirect(w, i, addr, len, TABLE_PACKED);
	}
	return chain_add(w, i, addr, len, (flags & VRING_DESC_F_WRITE) != 0);
}
