/*
 * mem_table.c - hostile memory tables (SET_MEM_TABLE, vhost-user.rst
 * "Memory access"): the class behind several back-end CVEs, where region
 * sizes and offsets from the front-end were trusted.
 *
 * Each is a violation, named, the connection dropped, nothing left mapped:
 * more regions than a table holds; regions whose guest-physical, user or
 * file range wraps 2^64; an mmap_offset past the fd's size; a region
 * larger than its file (it would SIGBUS when touched); fds that cannot be
 * mapped; overlapping regions; a count that disagrees with the payload.
 * A table replaced while rings run is fine if the rings still fit, and a
 * violation if not.  And a file truncated under a live mapping: the
 * back-end's touch faults, it survives, names it and drops the connection.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/security/hostile.h"

struct table {
	struct vu_memhdr h;
	struct vu_region r[9];
};

static int memfd(uint64_t size)
{
	int fd = memfd_create("region", MFD_CLOEXEC);

	HF_CHECK(fd >= 0 && ftruncate(fd, (off_t)size) == 0, "memfd");
	return fd;
}

/* A table of n regions, fds as given (closed here). */
static void bad_table(const char *path, const struct vu_region *r,
		      unsigned n, int *fds, unsigned nfds, const char *expect)
{
	struct table t = {{n, 0}, {{0}}};
	struct hf h;

	memcpy(t.r, r, n * sizeof(*r));
	hf_open(&h, path);
	hf_send(&h, VU_SET_MEM_TABLE, 0, &t,
		(uint32_t)(sizeof(t.h) + n * sizeof(*r)), fds, (int)nfds);
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	struct vu_region r[9];
	int fds[9];
	unsigned maps0;
	struct hf h;

	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	maps0 = hf_be_maps();
	hf_close(&h);

	hf_scenario("nine regions: more than a table holds");
	for (unsigned i = 0; i < 8; i++) {
		r[i] = (struct vu_region){0x100000ull * (i + 1), 0x1000,
					  0x7f0000000000ull + 0x100000ull * i,
					  0};
		fds[i] = memfd(0x1000);
	}
	r[8] = (struct vu_region){0x2000000, 0x1000, 0x7f1000000000ull, 0};
	bad_table(path, r, 9, fds, 8, "SET_MEM_TABLE with 9 regions, at most 8");

	hf_scenario("regions that wrap 2^64");
	r[0] = (struct vu_region){0xfffffffffffff000ull, 0x2000, 0x7f0000000000ull,
				  0};
	fds[0] = memfd(0x2000);
	bad_table(path, r, 1, fds, 1, "region 0 wraps 2^64");
	r[0] = (struct vu_region){0x100000, 0x2000, 0xfffffffffffff800ull, 0};
	fds[0] = memfd(0x2000);
	bad_table(path, r, 1, fds, 1, "region 0 wraps 2^64");
	r[0] = (struct vu_region){0x100000, 0x2000, 0x7f0000000000ull,
				  0xffffffffffffff00ull};
	fds[0] = memfd(0x2000);
	bad_table(path, r, 1, fds, 1, "region 0 wraps 2^64");

	hf_scenario("an mmap_offset past the fd's size");
	r[0] = (struct vu_region){0x100000, 0x1000, 0x7f0000000000ull, 0x10000};
	fds[0] = memfd(0x2000);
	bad_table(path, r, 1, fds, 1,
		  "needs 0x11000 bytes of its fd, the file has 0x2000");
	hf_scenario("a region larger than its file");
	r[0] = (struct vu_region){0x100000, 0x100000, 0x7f0000000000ull, 0};
	fds[0] = memfd(0x1000);
	bad_table(path, r, 1, fds, 1,
		  "needs 0x100000 bytes of its fd, the file has 0x1000");

	hf_scenario("fds that cannot be mapped");
	r[0] = (struct vu_region){0x100000, 0x1000, 0x7f0000000000ull, 0};
	fds[0] = eventfd(0, EFD_CLOEXEC);
	bad_table(path, r, 1, fds, 1, "the file has 0x0");
	fds[0] = open(argv[0], O_RDONLY | O_CLOEXEC); /* read-only file */
	HF_CHECK(fds[0] >= 0, "open our own binary");
	bad_table(path, r, 1, fds, 1, "mmap of 0x1000 bytes failed");

	hf_scenario("overlapping regions, a count that disagrees");
	r[0] = (struct vu_region){0x100000, 0x2000, 0x7f0000000000ull, 0};
	r[1] = (struct vu_region){0x101000, 0x2000, 0x7f0000100000ull, 0};
	fds[0] = memfd(0x2000);
	fds[1] = memfd(0x2000);
	bad_table(path, r, 2, fds, 2,
		  "region 1 overlaps region 0 in guest-physical space");
	{
		struct table t = {{2, 0}, {{0}}};

		t.r[0] = r[0];
		fds[0] = memfd(0x2000);
		hf_open(&h, path);
		hf_send(&h, VU_SET_MEM_TABLE, 0, &t,
			sizeof(t.h) + sizeof(t.r[0]), fds, 1);
		close(fds[0]);
		HF_CHECK(hf_gone(&h, 5000), "count and payload disagree");
		hf_expect("SET_MEM_TABLE of 2 regions has 40 bytes, expected 72");
		hf_close(&h);
	}
	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	HF_CHECK(hf_be_maps() == maps0, "no mapping left behind");
	hf_close(&h);

	hf_scenario("a table replaced while the rings run: the same memory");
	hf_setup(&h, path, 0, 0, 64);
	hf_rx_fill(&h, 8, 2048);
	{
		uint8_t f[64];
		uint32_t id, len;
		struct table t = {{1, 0}, {{0}}};
		int fd = dup(h.memfd);

		hf_frame(f, sizeof(f), 1);
		hf_tx(&h, 0, f, sizeof(f), NULL);
		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1, "echoed");
		t.r[0] = (struct vu_region){HF_GPA, HF_MEM,
					    (uint64_t)(uintptr_t)h.mem, 0};
		hf_send(&h, VU_SET_MEM_TABLE, 0, &t, sizeof(t.h) + sizeof(t.r[0]),
			&fd, 1);
		close(fd);
		hf_tx(&h, 1, f, sizeof(f), NULL);
		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1 &&
				 len == HF_HDR + sizeof(f),
			 "echoed after the new table");
		HF_CHECK(hf_alive(&h), "served");
		HF_CHECK(hf_be_maps() <= maps0 + 2, "the old table unmapped");

		hf_scenario("... and one the rings do not fit in");
		t.r[0] = (struct vu_region){HF_GPA + 0x100000, 0x100000,
					    (uint64_t)(uintptr_t)h.mem + 0x100000,
					    0x100000};
		fd = dup(h.memfd);
		hf_send(&h, VU_SET_MEM_TABLE, 0, &t, sizeof(t.h) + sizeof(t.r[0]),
			&fd, 1);
		close(fd);
		HF_CHECK(hf_gone(&h, 5000), "rings outside the new table");
		hf_expect("is not inside guest memory");
	}
	hf_close(&h);

	hf_scenario("the file truncated under the live mapping");
	hf_setup(&h, path, 0, 0, 64);
	hf_rx_fill(&h, 8, 2048);
	{
		uint8_t f[64];

		/* a TX frame in the upper half, then the file shrinks to
		 * 512 KiB: reading the frame faults in the back-end */
		hf_frame(f, sizeof(f), 2);
		memset(hf_ptr(&h, HF_TXBUF(0)), 0, HF_HDR);
		memcpy(hf_ptr(&h, HF_TXBUF(0) + HF_HDR), f, sizeof(f));
		HF_CHECK(ftruncate(h.memfd, 0x80000) == 0, "truncate");
		{
			struct hf_seg s = {HF_TXBUF(0), HF_HDR + sizeof(f), 0,
					   false};
			hf_offer(&h, 1, 0, &s, 1);
		}
		hf_kick(&h, 1);
		HF_CHECK(hf_gone(&h, 5000), "the fault ends the connection");
		hf_expect("guest memory faulted");
	}
	hf_close(&h);
	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "the back-end survived");
	HF_CHECK(hf_be_maps() == maps0, "nothing left mapped");
	hf_close(&h);
	return 0;
}
