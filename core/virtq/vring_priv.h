/*
 * vring_priv.h - what the ring files share (vring.c, vring_packed.c,
 * vring_drv.c, inflight.c): byte order, shared-memory accesses, and the
 * chain builder.  Not for use outside them.
 */
#ifndef CORE_VRING_PRIV_H
#define CORE_VRING_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/virtq/vring.h"

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
#define RELEASE_FENCE() __atomic_thread_fence(__ATOMIC_RELEASE)

/* One chain being built. */
struct chain_walk {
	struct vq *vq;
	const struct mem_table *mem;
	struct vq_chain *c;
	bool seen_write;
};

void chain_begin(struct chain_walk *w, struct vq *vq,
		 const struct mem_table *mem, struct vq_chain *c);

/* Add one buffer [addr, addr+len), device-writable or not, named by
 * descriptor i in error lines.  <0 (logged) if it breaks the rules. */
int chain_add(struct chain_walk *w, unsigned i, uint64_t addr, uint32_t len,
	      bool write);

/* Add the buffers of the indirect table [addr, addr+len) that descriptor
 * i names.  <0 (logged) if the table is bad. */
int chain_indirect(struct chain_walk *w, unsigned i, uint64_t addr,
		   uint32_t len);

/* Split rings (vring.c). */
int vq_split_pop(struct vq *vq, const struct mem_table *mem,
		 struct vq_chain *c);
/* The chain from head (resubmission too); last_avail is not moved. */
int vq_split_chain(struct vq *vq, const struct mem_table *mem,
		   struct vq_chain *c, uint16_t head);
void log_used_split(struct vq *vq);

/* Packed rings (vring_packed.c). */
void vq_packed_attach(struct vq *vq, const struct vq_config *cfg);
int vq_packed_pop(struct vq *vq, const struct mem_table *mem,
		  struct vq_chain *c);
void vq_packed_publish(struct vq *vq);
bool vq_packed_need_call(struct vq *vq);
/* on: kicks wanted again, true if a chain came in meanwhile */
bool vq_packed_kicks(struct vq *vq, bool on);

#endif /* CORE_VRING_PRIV_H */
