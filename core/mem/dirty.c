/*
 * dirty.c - the dirty page log (see dirty.h).
 */
#include "core/mem/dirty.h"

#include <stddef.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "port/port.h"

int dirty_map(struct dirty_log *l, int fd, uint64_t size, uint64_t offset,
	      const char *who)
{
	uint64_t fsize = 0, end = offset + size;
	void *base = NULL;
	int rc;

	if (size == 0) {
		LOG_ERR("%s: SET_LOG_BASE: log of size 0", who);
		return -PORT_EINVAL;
	}
	/* CVE-2020-10722: the sum wrapped, and a small mapping was then
	 * written as if it were large */
	if (end < offset || end > (uint64_t)SIZE_MAX) {
		LOG_ERR("%s: SET_LOG_BASE: offset 0x%llx + size 0x%llx wraps",
			who, (unsigned long long)offset,
			(unsigned long long)size);
		return -PORT_ERANGE;
	}
	rc = port_fd_size(fd, &fsize);
	if (rc < 0) {
		LOG_ERR("%s: SET_LOG_BASE: fd unusable (%s)", who,
			err_text(rc));
		return rc;
	}
	if (fsize < end) {
		LOG_ERR("%s: SET_LOG_BASE: log needs 0x%llx bytes of its fd, "
			"the file has 0x%llx", who, (unsigned long long)end,
			(unsigned long long)fsize);
		return -PORT_ERANGE;
	}
	rc = port_mem_map(fd, end, &base);
	if (rc < 0) {
		LOG_ERR("%s: SET_LOG_BASE: mmap of 0x%llx bytes failed: %s",
			who, (unsigned long long)end, err_text(rc));
		return rc;
	}
	dirty_unmap(l);
	l->map_base = base;
	l->map_len = end;
	l->bits = (uint8_t *)base + offset;
	l->size = size;
	l->who = who;
	return 0;
}

void dirty_unmap(struct dirty_log *l)
{
	if (l->map_base != NULL)
		port_mem_unmap(l->map_base, l->map_len);
	memset(l, 0, sizeof(*l));
}

bool dirty_covers(const struct dirty_log *l, uint64_t gpa, uint64_t len)
{
	uint64_t last;

	if (l->bits == NULL)
		return false;
	if (len == 0)
		return true;
	last = gpa + (len - 1);
	if (last < gpa)
		last = UINT64_MAX;
	return (last >> DIRTY_PAGE_SHIFT) / 8 < l->size;
}

void dirty_mark(struct dirty_log *l, uint64_t gpa, uint64_t len)
{
	uint64_t page, last;

	if (len == 0 || l == NULL || l->bits == NULL)
		return;
	last = gpa + (len - 1);
	if (last < gpa)
		last = UINT64_MAX;
	for (page = gpa >> DIRTY_PAGE_SHIFT;
	     page <= (last >> DIRTY_PAGE_SHIFT); page++) {
		uint64_t byte = page / 8;

		if (byte >= l->size) {
			/* Counted, not written: never our overflow.  The
			 * back-end refuses a log smaller than memory, so this
			 * is a bug somewhere; it is said, once per log, as
			 * the migration's copy of this page will be stale. */
			if (l->marks_dropped++ == 0)
				LOG_ERR("%s: dirty log: page at 0x%llx is past "
					"the log's %llu bytes: its mark is lost",
					l->who, (unsigned long long)(page
						<< DIRTY_PAGE_SHIFT),
					(unsigned long long)l->size);
			return;
		}
		__atomic_fetch_or(&l->bits[byte], (uint8_t)(1u << (page % 8)),
				  __ATOMIC_RELAXED);
	}
	l->marked = true;
}
