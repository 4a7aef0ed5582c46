/*
 * dirty.h - the dirty page log of live migration (vhost-user.rst
 * "Migration").
 *
 * While VHOST_F_LOG_ALL is negotiated, every byte the back-end writes into
 * guest memory (RX buffers, the used ring, event areas) has its 4 KiB page
 * marked in a bitmap the front-end shares with SET_LOG_BASE: bit
 * (gpa / 4096) of the log.  The log is mapped like a memory region, and
 * its size and offset are checked against the file first (CVE-2020-10722:
 * size + offset must not wrap, nor run past the file).  The log must
 * cover all guest memory (the back-end refuses a log, or a memory table,
 * that breaks this: dirty_log_bytes); a mark outside the log would still
 * be dropped, never written, and said in the log.
 */
#ifndef CORE_DIRTY_H
#define CORE_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem/mem.h"

#define DIRTY_PAGE_SHIFT 12 /* VHOST_LOG_PAGE 0x1000 */

struct dirty_log {
	uint8_t *bits;   /* byte 0 of the log (pages 0..7), NULL: no log */
	uint64_t size;   /* bytes of log */
	void *map_base;  /* what port_mem_map returned */
	uint64_t map_len;
	uint64_t marks_dropped; /* pages past the end of the log */
	const char *who;        /* the device, for the line a drop gives */
	bool marked; /* since the front-end's log fd was last signalled */
};

/* SET_LOG_BASE: map `size` bytes of log at `offset` into fd, replacing
 * any log mapped before only once the new one is mapped.  <0 after
 * logging the reason with prefix `who`. */
int dirty_map(struct dirty_log *l, int fd, uint64_t size, uint64_t offset,
	      const char *who);

void dirty_unmap(struct dirty_log *l);

/* The bytes of log that cover guest addresses up to `last`. */
static inline uint64_t dirty_log_bytes(uint64_t last)
{
	return (last >> DIRTY_PAGE_SHIFT) / 8 + 1;
}

/* Does the log cover every page of [gpa, gpa + len)? */
bool dirty_covers(const struct dirty_log *l, uint64_t gpa, uint64_t len);

/* Mark the pages of [gpa, gpa + len) dirty (atomic: the front-end reads
 * and clears the log while we run). */
void dirty_mark(struct dirty_log *l, uint64_t gpa, uint64_t len);

#endif /* CORE_DIRTY_H */
