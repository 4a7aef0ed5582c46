/*
 * chain.h - descriptor chains, as the device side takes them from a ring:
 * every descriptor translated into pieces of our memory, in place (no
 * copy), and checked on the way (virtio 1.2 2.7.5, 2.8.6 - 2.8.7).
 *
 * One walker serves every table of descriptors: the split ring's own
 * table, split and packed indirect tables; a packed ring's list, which
 * lies in ring slots (or, taken again after a restart, in the inflight
 * region), is added one descriptor at a time.  Whoever walks says what it
 * walks; nothing here knows `struct vq`.
 */
#ifndef CORE_VIRTQ_CHAIN_H
#define CORE_VIRTQ_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/mem/mem.h"
#include "core/virtq/layout.h"

/* One piece of a buffer, already translated to a local address. */
struct vq_iov {
	uint8_t *base;
	uint32_t len;
};

/* One descriptor chain: the device-readable pieces come first (nout of
 * them, out_bytes in all), then the device-writable ones (nin, in_bytes). */
struct vq_chain {
	uint16_t head;  /* split: head index; packed: buffer id */
	uint16_t ndesc; /* ring slots the chain took (packed) */
	uint16_t track; /* inflight tracking: the entry that records it */
	uint16_t nout;
	uint16_t nin;
	bool too_long; /* more pieces than CFG_CHAIN_SEGS: not gathered */
	uint32_t out_bytes;
	uint32_t in_bytes;
	struct vq_iov iov[CFG_CHAIN_SEGS];
	/* where each piece is in guest memory: what the migration log marks
	 * once we wrote into it (vhost-user.rst "Migration") */
	uint64_t gpa[CFG_CHAIN_SEGS];
};

/* Chains a ring may hold between two publishes: a batch of TX chains, or
 * an RX frame's buffers on top of what is pending.  Inflight tracking
 * keeps as many. */
#define VQ_SHADOW (CFG_BATCH + CFG_RX_BUFS)

/* A chain done, waiting for the publish that hands it back (packed rings
 * keep these: their used elements overwrite descriptors, so none is
 * written before the publish). */
struct vq_used_elem {
	uint16_t id;    /* the chain's head (buffer id) */
	uint16_t ndesc; /* ring slots it took */
	uint32_t len;   /* bytes written into it */
	uint16_t track; /* its inflight entry */
};

/* One chain being built. */
struct chain_walk {
	const char *name; /* for error lines: "dev0 q1" */
	uint32_t num;     /* the ring's size: bounds chains and tables */
	bool indirect;    /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool seen_write;
	const struct mem_table *mem;
	struct vq_chain *c;
	/* a split chain that ends in an indirect table: the table's guest
	 * address and length, and the ring descriptor that names it */
	uint64_t table;
	uint32_t table_len;
	uint16_t table_from;
};

/* Start an empty chain c of a ring of num entries (inline: once per
 * chain on the data path). */
static inline void chain_begin(struct chain_walk *w, const char *name,
			       uint32_t num, bool indirect,
			       const struct mem_table *mem, struct vq_chain *c)
{
	w->name = name;
	w->num = num;
	w->indirect = indirect;
	w->seen_write = false;
	w->mem = mem;
	w->c = c;
	c->ndesc = 0;
	c->nout = 0;
	c->nin = 0;
	c->too_long = false;
	c->out_bytes = 0;
	c->in_bytes = 0;
}

/* The tables chain_table knows: a split ring's own descriptor table, and
 * the indirect tables of either layout (virtio 1.2 2.7.5.3, 2.8.7). */
enum chain_table {
	TABLE_RING,   /* linked by next; may end in an indirect descriptor */
	TABLE_SPLIT,  /* linked by next, inside the table */
	TABLE_PACKED, /* every entry, in order */
};

/*
 * The one table walker: the chain in a table of n descriptors, at tab in
 * our memory (NULL: looked up entry by entry at gpa, for a table that
 * straddles two regions).  In a ring's own table the chain starts at
 * entry `from`, its head; an indirect table, named by ring descriptor
 * `from`, is walked from its first entry.  A chain in a table of n
 * entries takes at most n of them: one more hop goes round (virtio 1.2
 * 2.7.5.1, 2.7.5.3.1: no loops).  0 at the chain's end; 1 when a ring's
 * chain goes on in an indirect table (w->table, table_len, table_from);
 * <0 (logged, naming the violation): a head or next out of range, a
 * loop, an address outside guest memory, a table inside a table, a
 * writable descriptor before a readable one.
 */
int chain_table(struct chain_walk *w, const uint8_t *tab, uint64_t gpa,
		uint32_t n, unsigned from, enum chain_table kind);

/*
 * An indirect table: `len` bytes at guest address `addr`, named by ring
 * descriptor i (virtio 1.2 2.7.5.3, 2.8.7): negotiated, a whole number of
 * descriptors, at most the queue size, not wrapping; then walked.  0 or
 * <0 (logged).
 */
int chain_indirect(struct chain_walk *w, unsigned i, uint64_t addr,
		   uint32_t len, enum chain_table kind);

/* The chain from `head` of a split ring's descriptor table, which lies
 * translated and aligned in our memory, and of the indirect table it may
 * end in (2.7.5.3.1: then the chain goes on there, alone). */
static inline int chain_split(struct chain_walk *w,
			      const struct vring_desc *table, uint16_t head)
{
	int rc;

	w->c->head = head;
	w->c->ndesc = 1;
	rc = chain_table(w, (const uint8_t *)table, 0, w->num, head,
			 TABLE_RING);
	if (rc > 0)
		rc = chain_indirect(w, w->table_from, w->table, w->table_len,
				    TABLE_SPLIT);
	return rc;
}

/*
 * One more descriptor of a packed ring's list (virtio 1.2 2.8.6), found at
 * slot or entry i, with the flags it carries.  Counts it in c->ndesc.
 * 0, or <0 (logged): the list is longer than the ring, an indirect
 * descriptor is not alone, or what it names breaks the rules.
 */
int chain_packed(struct chain_walk *w, unsigned i, uint64_t addr,
		 uint32_t len, uint16_t flags);

#endif /* CORE_VIRTQ_CHAIN_H */
