/*
 * mem.h - the guest memory a front-end shares, and address translation.
 *
 * vhost-user.rst "Memory regions": each region maps [gpa, gpa+size) of guest
 * physical memory, is known to the front-end at user address uva, and is the
 * bytes [mmap_offset, mmap_offset+size) of the fd that came with it.
 * Descriptors carry guest-physical addresses; SET_VRING_ADDR carries user
 * addresses.  Every translation checks the whole range, not just its start
 * (CVE-2018-1059).
 */
#ifndef CORE_MEM_H
#define CORE_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/proto/vu_proto.h"

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
	uint8_t *host;  /* local address of gpa */
	void *map_base; /* what port_mem_map returned */
	uint64_t map_len;
};

struct mem_table {
	unsigned n;
	struct mem_region r[CFG_MAX_REGIONS];
};

/*
 * Validate n region descriptions and map them, one fd each, into *t (which
 * must be empty).  The fds are not consumed: the caller closes them, since a
 * mapping outlives its fd.  On failure nothing stays mapped, an error naming
 * the region and the reason is logged with prefix `who`, and a negative
 * errno is returned.
 */
int mem_table_map(struct mem_table *t, const struct vu_region *regs,
		  unsigned n, const int *fds, const char *who);

/* Unmap every region and empty the table. */
void mem_table_unmap(struct mem_table *t);

/*
 * Translate guest-physical [gpa, gpa + *len): the local address of gpa, with
 * *len shortened to what the region holding gpa really covers.  NULL if gpa
 * is in no region or *len is 0.
 */
uint8_t *mem_gpa(const struct mem_table *t, uint64_t gpa, uint64_t *len);

/* The local address of [gpa, gpa+len) only if one region covers all of it. */
void *mem_gpa_range(const struct mem_table *t, uint64_t gpa, uint64_t len);

/* The guest-physical address of local address p, if p is inside one of
 * the table's regions. */
bool mem_local_to_gpa(const struct mem_table *t, const void *p,
		      uint64_t *gpa);

/* The same for a front-end user address range (ring addresses). */
void *mem_uva_range(const struct mem_table *t, uint64_t uva, uint64_t len);

/* The highest guest-physical address of the table's memory in *last;
 * false if the table is empty. */
bool mem_table_last(const struct mem_table *t, uint64_t *last);

#endif /* CORE_MEM_H */
