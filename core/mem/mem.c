/*
 * mem.c - guest memory regions: validation, mapping, translation.
 */
#include "core/mem/mem.h"

#include <stddef.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "port/port.h"

/* a + b would wrap 64 bits */
static bool add_overflows(uint64_t a, uint64_t b)
{
	return a + b < a;
}

/* Inclusive ends, so a range that ends exactly at 2^64 does not wrap. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Everything about region i that can be checked without its fd. */
static int region_check(const struct vu_region *r, unsigned i,
			const struct vu_region *all, const char *who)
{
	if (r->size == 0) {
		LOG_ERR("%s: SET_MEM_TABLE: region %u has size 0", who, i);
		return -PORT_EINVAL;
	}
	if (add_overflows(r->gpa, r->size - 1) ||
	    add_overflows(r->uva, r->size - 1) ||
	    add_overflows(r->mmap_offset, r->size)) {
		LOG_ERR("%s: SET_MEM_TABLE: region %u wraps 2^64 (gpa 0x%llx "
			"uva 0x%llx offset 0x%llx size 0x%llx)",
			who, i, (unsigned long long)r->gpa,
			(unsigned long long)r->uva,
			(unsigned long long)r->mmap_offset,
			(unsigned long long)r->size);
		return -PORT_ERANGE;
	}
	if (r->mmap_offset + r->size > (uint64_t)SIZE_MAX) {
		LOG_ERR("%s: SET_MEM_TABLE: region %u larger than the address "
			"space", who, i);
		return -PORT_ERANGE;
	}
	/* Overlapping regions would make translation ambiguous. */
	for (unsigned j = 0; j < i; j++) {
		if (ranges_overlap(r->gpa, r->size, all[j].gpa, all[j].size)) {
			LOG_ERR("%s: SET_MEM_TABLE: region %u overlaps region "
				"%u in guest-physical space", who, i, j);
			return -PORT_EINVAL;
		}
		if (ranges_overlap(r->uva, r->size, all[j].uva, all[j].size)) {
			LOG_ERR("%s: SET_MEM_TABLE: region %u overlaps region "
				"%u in user address space", who, i, j);
			return -PORT_EINVAL;
		}
	}
	return 0;
}

int mem_table_map(struct mem_table *t, const struct vu_region *regs,
		  unsigned n, const int *fds, const char *who)
{
	CORE_ASSERT(t->n == 0);
	if (n > CFG_MAX_REGIONS) {
		LOG_ERR("%s: SET_MEM_TABLE: %u regions, this build holds %u",
			who, n, (unsigned)CFG_MAX_REGIONS);
		return -PORT_ENOSPC;
	}
	for (unsigned i = 0; i < n; i++) {
		int rc = region_check(&regs[i], i, regs, who);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct vu_region *r = &regs[i];
		uint64_t map_len = r->mmap_offset + r->size;
		uint64_t fsize = 0;
		void *base = NULL;
		int rc = port_fd_size(fds[i], &fsize);

		/* Touching a mapping past the end of its file is SIGBUS:
		 * refuse it here instead. */
		if (rc == 0 && fsize < map_len) {
			LOG_ERR("%s: SET_MEM_TABLE: region %u needs 0x%llx bytes "
				"of its fd, the file has 0x%llx",
				who, i, (unsigned long long)map_len,
				(unsigned long long)fsize);
			rc = -PORT_ERANGE;
		} else if (rc < 0) {
			LOG_ERR("%s: SET_MEM_TABLE: region %u: fd unusable "
				"(%s)", who, i, err_text(rc));
		} else {
			rc = port_mem_map(fds[i], map_len, &base);
			if (rc < 0)
				LOG_ERR("%s: SET_MEM_TABLE: region %u: mmap of "
					"0x%llx bytes failed: %s",
					who, i, (unsigned long long)map_len,
					err_text(rc));
		}
		if (rc < 0) {
			mem_table_unmap(t);
			return rc;
		}
		struct mem_region *m = &t->r[t->n++];
		m->gpa = r->gpa;
		m->size = r->size;
		m->uva = r->uva;
		m->mmap_offset = r->mmap_offset;
		m->map_base = base;
		m->map_len = map_len;
		m->host = (uint8_t *)base + r->mmap_offset;
	}
	return 0;
}

bool mem_table_last(const struct mem_table *t, uint64_t *last)
{
	uint64_t top = 0;

	/* regions are non-empty and do not wrap (mem_table_map) */
	for (unsigned i = 0; i < t->n; i++)
		if (t->r[i].gpa + (t->r[i].size - 1) > top)
			top = t->r[i].gpa + (t->r[i].size - 1);
	*last = top;
	return t->n > 0;
}

void mem_table_unmap(struct mem_table *t)
{
	for (unsigned i = 0; i < t->n; i++)
		port_mem_unmap(t->r[i].map_base, t->r[i].map_len);
	memset(t, 0, sizeof(*t));
}

uint8_t *mem_gpa(const struct mem_table *t, uint64_t gpa, uint64_t *len)
{
	if (*len == 0)
		return NULL;
	for (unsigned i = 0; i < t->n; i++) {
		const struct mem_region *m = &t->r[i];
		if (gpa - m->gpa < m->size) { /* unsigned: also gpa >= m->gpa */
			uint64_t off = gpa - m->gpa;
			if (*len > m->size - off)
				*len = m->size - off;
			return m->host + off;
		}
	}
	return NULL;
}

void *mem_gpa_range(const struct mem_table *t, uint64_t gpa, uint64_t len)
{
	uint64_t got = len;
	uint8_t *p = mem_gpa(t, gpa, &got);
	return p != NULL && got == len ? p : NULL;
}

bool mem_local_to_gpa(const struct mem_table *t, const void *p,
		      uint64_t *gpa)
{
	uintptr_t a = (uintptr_t)p;

	for (unsigned i = 0; i < t->n; i++) {
		const struct mem_region *m = &t->r[i];
		uintptr_t off = a - (uintptr_t)m->host;

		if (a >= (uintptr_t)m->host && off < m->size) {
			*gpa = m->gpa + off;
			return true;
		}
	}
	return false;
}

void *mem_uva_range(const struct mem_table *t, uint64_t uva, uint64_t len)
{
	if (len == 0)
		return NULL;
	for (unsigned i = 0; i < t->n; i++) {
		const struct mem_region *m = &t->r[i];
		uint64_t off = uva - m->uva;
		if (off < m->size && len <= m->size - off)
			return m->host + off;
	}
	return NULL;
}
