/*
 * test_port_hugetlb.c - test_port_mem's truncation on hugetlbfs (memfd
 * MFD_HUGETLB), where the page lost and replaced is a huge one: QEMU's
 * usual guest memory.
 *
 * It needs huge pages.  As root it takes two for the test if the pool has
 * none free, and gives them back.  Where there are none to be had (no
 * hugetlbfs, an empty pool and no root, qemu-user) nothing can be checked:
 * the program says why and exits 77, which tests/run.sh reports as a
 * skip, never as a pass.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "port/port.h"
#include "tests/unit/check.h"

#define HUGE (2ul * 1024 * 1024)

static const char pool[] = "/proc/sys/vm/nr_hugepages";
static long pool_before = -1;
static int fd = -1;
static void *base;

/* Two more pages in the pool for us, if we may. */
static void pool_grow(void)
{
	FILE *f = fopen(pool, "r+");

	if (f == NULL)
		return;
	if (fscanf(f, "%ld", &pool_before) == 1) {
		rewind(f);
		fprintf(f, "%ld\n", pool_before + 2);
	}
	fclose(f);
}

static void pool_restore(void)
{
	FILE *f;

	if (pool_before >= 0 && (f = fopen(pool, "w")) != NULL) {
		fprintf(f, "%ld\n", pool_before);
		fclose(f);
	}
}

static void test_truncated_hugetlb(void)
{
	volatile uint8_t *p = base;
	uint64_t f0;

	CHECK_EQ_I(port_sig_init(), 0);
	p[HUGE + 5] = 7; /* the second huge page is the file's */
	CHECK_EQ_U(p[HUGE + 5], 7);
	f0 = port_mem_faults();
	CHECK(ftruncate(fd, HUGE) == 0);
	CHECK_EQ_U(p[HUGE + 5], 0); /* survived: a zeroed huge page */
	CHECK_EQ_U(port_mem_faults(), f0 + 1);
	CHECK_EQ_I(port_mem_faulted(base), 1);
	/* the rest of the huge page that replaced it is usable, unfaulted */
	p[HUGE + 4096] = 1;
	CHECK_EQ_U(port_mem_faults(), f0 + 1);
	p[0] = 3;
	CHECK_EQ_U(p[0], 3);
	CHECK_EQ_I(port_mem_unmap(base, 2 * (uint64_t)HUGE), 0);
}

int main(void)
{
	const char *why = NULL;

	fd = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (fd < 0) {
		why = "no hugetlbfs memfd here (MFD_HUGETLB)";
	} else {
		pool_grow();
		if (ftruncate(fd, 2 * HUGE) != 0 ||
		    port_mem_map(fd, 2 * (uint64_t)HUGE, &base) != 0)
			why = "no free huge pages (and none could be added)";
	}
	if (why != NULL) {
		if (fd >= 0)
			close(fd);
		pool_restore();
		return check_skipped("test_port_hugetlb", why);
	}
	RUN(test_truncated_hugetlb);
	close(fd);
	pool_restore();
	return check_summary("test_port_hugetlb");
}
