/*
 * iov.c - copying across lists of buffer pieces.
 */
#include "core/net/iov.h"

#include <string.h>

void iov_cur_init(struct iov_cur *c, const struct vq_iov *iov, unsigned n)
{
	c->iov = iov;
	c->n = n;
	c->i = 0;
	c->off = 0;
}

/* Bytes left in the current piece, stepping over finished ones. */
static uint32_t room(struct iov_cur *c)
{
	while (c->i < c->n && c->off >= c->iov[c->i].len) {
		c->i++;
		c->off = 0;
	}
	return c->i < c->n ? c->iov[c->i].len - c->off : 0;
}

uint32_t iov_skip(struct iov_cur *c, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		uint32_t r = room(c), k = len - done;
		if (r == 0)
			break;
		if (k > r)
			k = r;
		c->off += k;
		done += k;
	}
	return done;
}

uint32_t iov_copy(struct iov_cur *dst, struct iov_cur *src, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		uint32_t rd = room(dst), rs = room(src), k = len - done;
		if (rd == 0 || rs == 0)
			break;
		if (k > rd)
			k = rd;
		if (k > rs)
			k = rs;
		/* memmove: both sides may be guest memory, and a guest can
		 * make an RX buffer overlap a TX buffer */
		memmove(dst->iov[dst->i].base + dst->off,
			src->iov[src->i].base + src->off, k);
		dst->off += k;
		src->off += k;
		done += k;
	}
	return done;
}

uint32_t iov_from_buf(struct iov_cur *dst, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t done = 0;

	while (done < len) {
		uint32_t r = room(dst), k = len - done;
		if (r == 0)
			break;
		if (k > r)
			k = r;
		memcpy(dst->iov[dst->i].base + dst->off, p + done, k);
		dst->off += k;
		done += k;
	}
	return done;
}
