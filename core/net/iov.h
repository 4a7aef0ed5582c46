/*
 * iov.h - copying across lists of buffer pieces (a chain's struct vq_iov).
 */
#ifndef CORE_IOV_H
#define CORE_IOV_H

#include <stdint.h>

#include "core/virtq/chain.h"

/* A position inside a list of pieces. */
struct iov_cur {
	const struct vq_iov *iov;
	unsigned n;   /* pieces */
	unsigned i;   /* current piece */
	uint32_t off; /* offset in it */
};

void iov_cur_init(struct iov_cur *c, const struct vq_iov *iov, unsigned n);

/* Move forward by up to len bytes; returns how far it moved. */
uint32_t iov_skip(struct iov_cur *c, uint32_t len);

/* Copy up to len bytes from src to dst, both moving; returns bytes copied
 * (less than len when either list ends). */
uint32_t iov_copy(struct iov_cur *dst, struct iov_cur *src, uint32_t len);

/* Copy up to len bytes of a flat buffer into dst. */
uint32_t iov_from_buf(struct iov_cur *dst, const void *buf, uint32_t len);

#endif /* CORE_IOV_H */
