/*
 * test_mem.c - guest memory regions and address translation (core/mem.c).
 *
 * vhost-user.rst "Memory regions": a region maps guest-physical
 * [gpa, gpa+size), known to the front-end at user address uva, to the bytes
 * [mmap_offset, mmap_offset+size) of its fd.  Translation must cover the
 * whole range asked for, never only its start (CVE-2018-1059): mem_gpa
 * shortens the length to what the region holds, mem_gpa_range and
 * mem_uva_range refuse a range that one region does not cover entirely.
 */
#include <string.h>

#include "core/mem/mem.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define TOP (~0ull) /* last byte of the 64-bit space */

static struct mem_table t;

static void setup(void)
{
	fake_reset();
	memset(&t, 0, sizeof(t));
}

/* Unmap and check that every mapping went and nothing was misused. */
static void done(void)
{
	mem_table_unmap(&t);
	CHECK_EQ_U(t.n, 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_misuse, 0);
	CHECK_EQ_U(fake_double_close, 0);
}

/* Map n regions whose fds the test made; the fds are then closed, as the
 * back-end does (a mapping outlives its fd). */
static int map(const struct vu_region *r, const int *fds, unsigned n)
{
	int rc = mem_table_map(&t, r, n, fds, "t");

	for (unsigned i = 0; i < n; i++)
		port_fd_close(fds[i]);
	return rc;
}

/* One region; mmap_offset puts gpa a page into its fd. */
static void test_one_region(void)
{
	struct vu_region r = {0x1000, 0x2000, 0x7f0000001000ull, 0x1000};
	int fd;
	uint8_t *base, *p;
	uint64_t len;

	setup();
	fd = fake_memfd(0x3000);
	base = fake_memfd_base(fd);
	if (!CHECK_EQ_I(map(&r, &fd, 1), 0))
		return;
	CHECK_EQ_U(t.n, 1);
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK(t.r[0].host == base + 0x1000);
	CHECK_EQ_U(t.r[0].map_len, 0x3000); /* [0, offset+size) of the fd */

	/* inside: the whole length */
	len = 0x10;
	p = mem_gpa(&t, 0x1000, &len);
	CHECK(p == base + 0x1000);
	CHECK_EQ_U(len, 0x10);
	/* crossing the end: shortened to what the region covers */
	len = 0x200;
	p = mem_gpa(&t, 0x2f00, &len);
	CHECK(p == base + 0x1000 + 0x1f00);
	CHECK_EQ_U(len, 0x100);
	/* the last byte */
	len = 1;
	CHECK(mem_gpa(&t, 0x2fff, &len) == base + 0x1000 + 0x1fff);
	CHECK_EQ_U(len, 1);
	/* one past the end, one before the start, length 0 */
	len = 1;
	CHECK(mem_gpa(&t, 0x3000, &len) == NULL);
	len = 1;
	CHECK(mem_gpa(&t, 0xfff, &len) == NULL);
	len = 0;
	CHECK(mem_gpa(&t, 0x1000, &len) == NULL);
	/* a huge length is shortened, not wrapped */
	len = ~0ull;
	CHECK(mem_gpa(&t, 0x1800, &len) == base + 0x1000 + 0x800);
	CHECK_EQ_U(len, 0x1800);
	done();
}

/* The whole-range rule (CVE-2018-1059: a range that starts inside a region
 * but runs off its end must not be handed out). */
static void test_range_whole(void)
{
	struct vu_region r = {0x1000, 0x2000, 0x7f0000001000ull, 0};
	int fd;
	uint8_t *base;

	setup();
	fd = fake_memfd(0x2000);
	base = fake_memfd_base(fd);
	if (!CHECK_EQ_I(map(&r, &fd, 1), 0))
		return;
	CHECK(mem_gpa_range(&t, 0x1000, 0x2000) == base);
	CHECK(mem_gpa_range(&t, 0x2f00, 0x100) == base + 0x1f00);
	CHECK(mem_gpa_range(&t, 0x2f00, 0x101) == NULL);
	CHECK(mem_gpa_range(&t, 0x1000, 0x2001) == NULL);
	CHECK(mem_gpa_range(&t, 0x0fff, 2) == NULL);
	CHECK(mem_gpa_range(&t, 0x1000, 0) == NULL);
	CHECK(mem_gpa_range(&t, 0x2000, ~0ull) == NULL);

	CHECK(mem_uva_range(&t, 0x7f0000001000ull, 0x2000) == base);
	CHECK(mem_uva_range(&t, 0x7f0000002f00ull, 0x100) == base + 0x1f00);
	CHECK(mem_uva_range(&t, 0x7f0000002f00ull, 0x101) == NULL);
	CHECK(mem_uva_range(&t, 0x7f0000000fffull, 1) == NULL);
	CHECK(mem_uva_range(&t, 0x7f0000003000ull, 1) == NULL);
	CHECK(mem_uva_range(&t, 0x7f0000001000ull, 0) == NULL);
	CHECK(mem_uva_range(&t, 0x7f0000001800ull, ~0ull) == NULL);
	/* a gpa is not a uva */
	CHECK(mem_uva_range(&t, 0x1000, 0x10) == NULL);
	done();
}

/* Two regions with a gap, and two that touch: a range is never glued
 * across regions by the range functions (their host memory is not
 * contiguous), while mem_gpa gives the first piece. */
static void test_gaps(void)
{
	struct vu_region r[3] = {
		{0x10000, 0x1000, 0x100000, 0},
		{0x20000, 0x1000, 0x200000, 0}, /* gap 0x11000..0x20000 */
		{0x21000, 0x1000, 0x201000, 0}, /* touches region 1 */
	};
	int fds[3];
	uint64_t len;

	setup();
	for (unsigned i = 0; i < 3; i++)
		fds[i] = fake_memfd(0x1000);
	uint8_t *b0 = fake_memfd_base(fds[0]), *b1 = fake_memfd_base(fds[1]),
		*b2 = fake_memfd_base(fds[2]);
	if (!CHECK_EQ_I(map(r, fds, 3), 0))
		return;
	CHECK_EQ_U(fake_maps_live(), 3);
	len = 1;
	CHECK(mem_gpa(&t, 0x11000, &len) == NULL);
	len = 1;
	CHECK(mem_gpa(&t, 0x1ffff, &len) == NULL);
	CHECK(mem_gpa_range(&t, 0x10ff0, 0x20) == NULL);
	/* touching regions: first piece only */
	len = 0x20;
	CHECK(mem_gpa(&t, 0x20ff0, &len) == b1 + 0xff0);
	CHECK_EQ_U(len, 0x10);
	len = 0x10;
	CHECK(mem_gpa(&t, 0x21000, &len) == b2);
	CHECK_EQ_U(len, 0x10);
	CHECK(mem_gpa_range(&t, 0x20ff0, 0x20) == NULL);
	CHECK(mem_uva_range(&t, 0x200ff0, 0x20) == NULL);
	CHECK(mem_gpa_range(&t, 0x10000, 0x1000) == b0);
	CHECK(mem_uva_range(&t, 0x201000, 0x1000) == b2);
	done();
}

/* A region that ends exactly at 2^64 is valid (inclusive ends); one byte
 * more wraps and is refused. */
static void test_top_of_space(void)
{
	struct vu_region r = {0ull - 0x1000, 0x1000, 0ull - 0x1000, 0};
	int fd;
	uint8_t *base;
	uint64_t len;

	setup();
	fd = fake_memfd(0x1000);
	base = fake_memfd_base(fd);
	if (!CHECK_EQ_I(map(&r, &fd, 1), 0))
		return;
	len = 1;
	CHECK(mem_gpa(&t, TOP, &len) == base + 0xfff);
	CHECK_EQ_U(len, 1);
	len = 0x100;
	CHECK(mem_gpa(&t, TOP - 0xf, &len) == base + 0xff0);
	CHECK_EQ_U(len, 0x10);
	CHECK(mem_gpa_range(&t, 0ull - 0x1000, 0x1000) == base);
	CHECK(mem_gpa_range(&t, TOP - 0xf, 0x10) == base + 0xff0);
	CHECK(mem_gpa_range(&t, TOP - 0xf, 0x11) == NULL);
	CHECK(mem_uva_range(&t, TOP - 0xf, 0x10) == base + 0xff0);
	CHECK(mem_uva_range(&t, TOP - 0xf, 0x11) == NULL);
	CHECK(mem_uva_range(&t, TOP, 1) == base + 0xfff);
	len = 1;
	CHECK(mem_gpa(&t, 0, &len) == NULL); /* no wrap to address 0 */
	done();

	/* one byte further wraps */
	setup();
	r.gpa = 0ull - 0xfff;
	fd = fake_memfd(0x1000);
	fake_log_clear();
	CHECK_EQ_I(map(&r, &fd, 1), -PORT_ERANGE);
	CHECK_STR_HAS(fake_last_error(), "wraps 2^64");
	CHECK_EQ_U(t.n, 0);
	done();
}

/* What mem_table_map refuses, and that a failure leaves nothing mapped. */
static void test_map_errors(void)
{
	static struct vu_region r[CFG_MAX_REGIONS + 1];
	int fds[CFG_MAX_REGIONS + 1];

	/* more regions than the build holds */
	setup();
	for (unsigned i = 0; i <= CFG_MAX_REGIONS; i++) {
		r[i] = (struct vu_region){0x1000ull * i, 0x1000,
					   0x100000ull + 0x1000ull * i, 0};
		fds[i] = fake_memfd(0x1000);
	}
	fake_log_clear();
	CHECK_EQ_I(map(r, fds, CFG_MAX_REGIONS + 1), -PORT_ENOSPC);
	CHECK_STR_HAS(fake_last_error(), "regions, this build holds");
	CHECK_EQ_U(fake_maps_made, 0);
	done();

	/* uva overlap (gpa fine) */
	setup();
	r[0] = (struct vu_region){0x0, 0x2000, 0x100000, 0};
	r[1] = (struct vu_region){0x10000, 0x1000, 0x101fff, 0};
	fds[0] = fake_memfd(0x2000);
	fds[1] = fake_memfd(0x1000);
	fake_log_clear();
	CHECK_EQ_I(map(r, fds, 2), -PORT_EINVAL);
	CHECK_STR_HAS(fake_last_error(), "overlaps region 0 in user address");
	done();

	/* the last region fails: the ones before are unmapped again */
	setup();
	r[0] = (struct vu_region){0x0, 0x1000, 0x100000, 0};
	r[1] = (struct vu_region){0x1000, 0x1000, 0x101000, 0};
	r[2] = (struct vu_region){0x2000, 0x1000, 0x102000, 0x1000};
	fds[0] = fake_memfd(0x1000);
	fds[1] = fake_memfd(0x1000);
	fds[2] = fake_memfd(0x1000); /* needs 0x2000 bytes of its fd */
	fake_log_clear();
	CHECK_EQ_I(map(r, fds, 3), -PORT_ERANGE);
	CHECK_STR_HAS(fake_last_error(), "region 2 needs 0x2000 bytes");
	CHECK_EQ_U(fake_maps_made, 2);
	CHECK_EQ_U(t.n, 0);
	done();

	/* an fd that is not shared memory (an eventfd is 0 bytes long) */
	setup();
	r[0] = (struct vu_region){0x0, 0x1000, 0x100000, 0};
	fds[0] = fake_evt();
	fake_log_clear();
	CHECK(map(r, fds, 1) < 0);
	CHECK_STR_HAS(fake_last_error(), "the file has 0x0");
	done();

	/* zero regions is an empty table */
	setup();
	CHECK_EQ_I(mem_table_map(&t, r, 0, fds, "t"), 0);
	CHECK_EQ_U(t.n, 0);
	done();
}

int main(void)
{
	RUN(test_one_region);
	RUN(test_range_whole);
	RUN(test_gaps);
	RUN(test_top_of_space);
	RUN(test_map_errors);
	return check_summary("test_mem");
}
