/*
 * access.h - how the ring files read and write memory they share with the
 * other side: byte order and single, untorn accesses with named ordering;
 * and which of their code is set-up code.  For core/virtq/ only.
 *
 * Ring fields are little-endian (virtio 1.2 2.7.1 for VERSION_1; legacy
 * devices here are little-endian hosts too).
 */
#ifndef CORE_VIRTQ_ACCESS_H
#define CORE_VIRTQ_ACCESS_H

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

/* Set-up code (a ring attached, an inflight region mapped or recovered,
 * once per vhost-user message at most): compiled for size and kept out
 * of the data path's way.  GCC and clang both read `cold` so. */
#define VQ_SETUP __attribute__((cold))
/* The one place a ring hands used buffers over (vq_*_publish): never
 * inlined, even by link-time optimisation, so that its ordering can be
 * read in the machine code (tests/release.sh). */
#define VQ_PUBLISH __attribute__((noinline))

#endif /* CORE_VIRTQ_ACCESS_H */
