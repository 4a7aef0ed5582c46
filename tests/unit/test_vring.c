/*
 * test_vring.c - split virtqueues (core/virtq/vq_split.c, chain.c,
 * virtio 1.2 section 2.7).
 *
 * The driver side (vqd_*) plays the guest and lays out rings in the fake
 * guest RAM; the test then writes hostile descriptors over them by hand.
 * The device side (vq_*) must take every good chain exactly and refuse every
 * bad one with -PORT_EPROTO and an error line naming the violation, like
 * Linux's vringh: head and next below num, a chain of more than num hops is
 * a loop, every buffer translated whole (CVE-2018-1059), no address wrap,
 * no indirect descriptors unless negotiated, writable after readable.
 *
 * Guest memory: region A [0x10000, 0x20000) and region B [0x20000, 0x30000)
 * touch in guest-physical space but come from two memfds (not contiguous in
 * our memory); region T is the last page of the 64-bit space.
 */
#include <string.h>

#include "core/virtq/vq.h"
#include "core/virtq/vqd.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define A_GPA 0x10000ull
#define B_GPA 0x20000ull
#define REG_SIZE 0x10000ull
#define T_GPA (0ull - 0x1000)
#define T_SIZE 0x1000ull

/* Rings at the start of A (room for num <= 128), buffers after them. */
#define DESC_GPA 0x10000ull
#define AVAIL_GPA 0x10800ull
#define USED_GPA 0x10a00ull
#define BUF_GPA 0x11000ull

static struct mem_table mem;
static uint8_t *base_a, *base_b, *base_t;
static struct vq vq;
static struct vqd drv;
static struct vq_chain c; /* ~1 KiB: static, not on the stack */
static bool event_idx; /* attach with VIRTIO_RING_F_EVENT_IDX */

/* Our address of a guest-physical address, computed without mem.c. */
static uint8_t *host(uint64_t gpa)
{
	if (gpa - A_GPA < REG_SIZE)
		return base_a + (gpa - A_GPA);
	if (gpa - B_GPA < REG_SIZE)
		return base_b + (gpa - B_GPA);
	if (gpa - T_GPA < T_SIZE)
		return base_t + (gpa - T_GPA);
	return NULL;
}

/* The device side over the driver's ring, at base. */
static void attach(uint32_t num, uint32_t base, bool indirect)
{
	struct vq_config cfg = {num, false, indirect, host(DESC_GPA),
				host(AVAIL_GPA), host(USED_GPA), base, event_idx};

	vq_attach(&vq, &cfg);
}

/* Push a used element for head (as if chain head had been taken). */
static void push(uint16_t head, uint32_t len)
{
	static struct vq_chain one; /* ~1.5 KiB: not on the stack */

	one.head = head;
	one.ndesc = 1;
	vq_push(&vq, &one, len);
}

/* Fresh memory, a fresh ring of num entries on both sides. */
static void setup(uint32_t num)
{
	struct vu_region r[3] = {
		{A_GPA, REG_SIZE, 0x7f0000010000ull, 0},
		{B_GPA, REG_SIZE, 0x7f0000020000ull, 0},
		{T_GPA, T_SIZE, 0x7f0010000000ull, 0},
	};
	int fds[3];

	fake_reset();
	memset(&mem, 0, sizeof(mem));
	fds[0] = fake_memfd(REG_SIZE);
	fds[1] = fake_memfd(REG_SIZE);
	fds[2] = fake_memfd(T_SIZE);
	base_a = fake_memfd_base(fds[0]);
	base_b = fake_memfd_base(fds[1]);
	base_t = fake_memfd_base(fds[2]);
	CHECK_EQ_I(mem_table_map(&mem, r, 3, fds, "t"), 0);
	for (unsigned i = 0; i < 3; i++)
		port_fd_close(fds[i]);

	vqd_init(&drv, num, false, host(DESC_GPA), host(AVAIL_GPA),
		 host(USED_GPA));
	memset(&vq, 0, sizeof(vq));
	attach(num, 0, false);
	vq.name = "tq";
	memset(&c, 0xee, sizeof(c)); /* nothing stale passes for a result */
	fake_log_clear();
}

static void teardown(void)
{
	mem_table_unmap(&mem);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_misuse, 0);
}

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	drv.desc[i].addr = addr;
	drv.desc[i].len = len;
	drv.desc[i].flags = flags;
	drv.desc[i].next = next;
}

/* The driver offers chain `head` and moves avail->idx. */
static void offer(uint16_t head)
{
	vqd_add(&drv, head);
	vqd_publish(&drv);
}

/* vq_pop refused the ring, naming the violation. */
static void expect_bad(const char *what)
{
	uint16_t before = vq.s.last_avail;

	check_note(what);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), -PORT_EPROTO);
	CHECK_STR_HAS(fake_last_error(), what);
	CHECK_STR_HAS(fake_last_error(), "tq");
	CHECK_EQ_U(vq.s.last_avail, before); /* nothing taken */
	check_note(NULL);
}

/* virtio 1.2 2.7.5, 2.7.13: readable descriptors then writable ones. */
static void test_good_chains(void)
{
	setup(8);
	memset(host(BUF_GPA), 0x5a, 100);
	desc(0, BUF_GPA, 100, 0, 0);
	offer(0);
	CHECK_EQ_I(vq_split_avail(&vq), 1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 0);
	CHECK_EQ_U(c.nout, 1);
	CHECK_EQ_U(c.nin, 0);
	CHECK_EQ_U(c.out_bytes, 100);
	CHECK_EQ_U(c.in_bytes, 0);
	CHECK(!c.too_long);
	CHECK(c.iov[0].base == host(BUF_GPA));
	CHECK_EQ_U(c.iov[0].len, 100);
	CHECK_EQ_U(c.iov[0].base[99], 0x5a);

	/* head 3 -> 1: one readable, one writable, next pointing back */
	desc(3, BUF_GPA + 0x100, 10, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 0x200, 200, VRING_DESC_F_WRITE, 0);
	offer(3);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 3);
	CHECK_EQ_U(c.nout, 1);
	CHECK_EQ_U(c.nin, 1);
	CHECK_EQ_U(c.out_bytes, 10);
	CHECK_EQ_U(c.in_bytes, 200);
	CHECK(c.iov[0].base == host(BUF_GPA + 0x100));
	CHECK_EQ_U(c.iov[0].len, 10);
	CHECK(c.iov[1].base == host(BUF_GPA + 0x200));
	CHECK_EQ_U(c.iov[1].len, 200);
	CHECK_EQ_U(vq.s.last_avail, 2);

	/* nothing more */
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 0);
	CHECK_EQ_U(fake_error_count(), 0);
	teardown();
}

/* One buffer over two regions that touch in guest-physical space: two
 * pieces, each with its own local address. */
static void test_cross_region(void)
{
	setup(8);
	desc(0, B_GPA - 0x10, 0x30, VRING_DESC_F_WRITE, 0);
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.nout, 0);
	CHECK_EQ_U(c.nin, 2);
	CHECK_EQ_U(c.in_bytes, 0x30);
	CHECK(c.iov[0].base == host(B_GPA - 0x10));
	CHECK_EQ_U(c.iov[0].len, 0x10);
	CHECK(c.iov[1].base == base_b);
	CHECK_EQ_U(c.iov[1].len, 0x20);
	CHECK(c.iov[0].base + 0x10 != c.iov[1].base); /* really split */
	teardown();
}

static void test_bad_head_next(void)
{
	setup(8);
	offer(8); /* head == num */
	expect_bad("head 8 >= queue size 8");

	setup(8);
	offer(0xffff);
	expect_bad("head 65535");

	setup(8);
	desc(0, BUF_GPA, 1, VRING_DESC_F_NEXT, 8);
	offer(0);
	expect_bad("next 8 >= queue size 8");
	teardown();
}

/* virtio 1.2 2.7.5.1: no loops.  A chain of num hops is the longest
 * there can be; one more means it went round. */
static void test_loops(void)
{
	setup(8);
	desc(0, BUF_GPA, 1, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 1, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_bad("loops");

	setup(8);
	desc(5, BUF_GPA, 1, VRING_DESC_F_NEXT, 5); /* itself */
	offer(5);
	expect_bad("loops");

	/* exactly num descriptors: fine */
	setup(4);
	for (uint16_t i = 0; i < 4; i++)
		desc(i, BUF_GPA + i, 1, i < 3 ? VRING_DESC_F_NEXT : 0,
		     (uint16_t)(i + 1));
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.nout, 4);
	CHECK_EQ_U(c.out_bytes, 4);
	/* the same chain going round once more: a loop */
	desc(3, BUF_GPA + 3, 1, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_bad("more than 4 descriptors");
	teardown();
}

/* Buffers outside guest memory, or only partly inside it. */
static void test_bad_addresses(void)
{
	setup(8);
	desc(0, 0x100000, 16, 0, 0); /* in no region */
	offer(0);
	expect_bad("outside guest memory");

	setup(8);
	desc(0, 0x0, 16, VRING_DESC_F_WRITE, 0); /* below every region */
	offer(0);
	expect_bad("outside guest memory");

	/* CVE-2018-1059: starts in B, runs past its end into nothing */
	setup(8);
	desc(0, B_GPA + REG_SIZE - 0x10, 0x20, 0, 0);
	offer(0);
	expect_bad("outside guest memory");

	/* the same as the second descriptor of a chain */
	setup(8);
	desc(0, BUF_GPA, 0x10, VRING_DESC_F_NEXT, 1);
	desc(1, B_GPA + REG_SIZE - 1, 2, 0, 0);
	offer(0);
	expect_bad("descriptor 1");

	/* addr + len wraps 2^64 */
	setup(8);
	desc(0, 0ull - 0x1000, 0x2000, 0, 0);
	offer(0);
	expect_bad("wraps");
	teardown();
}

/*
 * A buffer in the last bytes of the 64-bit space, inside region T.  mem.c
 * takes a region with gpa + size == 2^64 as valid (inclusive ends), so a
 * descriptor ending exactly at 2^64 is a valid buffer and must be taken.
 */
static void test_top_of_space(void)
{
	setup(8);
	/* ending one byte short of 2^64: taken */
	desc(1, T_GPA + 0xf00, 0xff, 0, 0);
	offer(1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.out_bytes, 0xff);
	CHECK(c.iov[0].base == base_t + 0xf00);

	/* ending exactly at 2^64: must be taken too */
	desc(0, T_GPA + 0xf00, 0x100, 0, 0);
	offer(0);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.nout, 1);
		CHECK(c.iov[0].base == base_t + 0xf00);
		CHECK_EQ_U(c.iov[0].len, 0x100);
	} else {
		CHECK_STR_HAS(fake_last_error(), "wraps"); /* what it said */
	}
	teardown();
}

/* VIRTIO_RING_F_INDIRECT_DESC is not offered (virtio 1.2 2.7.5.3.1). */
static void test_indirect(void)
{
	struct vring_desc *t = (struct vring_desc *)(void *)host(BUF_GPA + 0x800);

	/* not negotiated: refused */
	setup(8);
	desc(0, BUF_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("VIRTIO_RING_F_INDIRECT_DESC was not negotiated");
	teardown();

	/* negotiated: a table of three, chained 0 -> 2 -> 1 */
	setup(8);
	attach(8, 0, true);
	t[0] = (struct vring_desc){BUF_GPA, 10, VRING_DESC_F_NEXT, 2};
	t[2] = (struct vring_desc){BUF_GPA + 100, 20, VRING_DESC_F_NEXT, 1};
	t[1] = (struct vring_desc){BUF_GPA + 200, 30, VRING_DESC_F_WRITE, 0};
	desc(3, BUF_GPA + 0x800, 48, VRING_DESC_F_INDIRECT, 0);
	offer(3);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.head, 3);
		CHECK_EQ_U(c.nout, 2);
		CHECK_EQ_U(c.nin, 1);
		CHECK_EQ_U(c.out_bytes, 30);
		CHECK_EQ_U(c.in_bytes, 30);
		CHECK(c.iov[0].base == host(BUF_GPA));
		CHECK(c.iov[1].base == host(BUF_GPA + 100));
		CHECK(c.iov[2].base == host(BUF_GPA + 200));
	}
	/* direct descriptors, then a table at the end of the chain */
	desc(4, BUF_GPA, 8, VRING_DESC_F_NEXT, 5);
	desc(5, BUF_GPA + 0x800, 16, VRING_DESC_F_INDIRECT, 0);
	t[0] = (struct vring_desc){BUF_GPA + 300, 40, 0, 0};
	offer(4);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1))
		CHECK_EQ_U(c.out_bytes, 48);
	teardown();

	struct {
		const char *what;
		uint32_t len;
		uint16_t flags;
		struct vring_desc e0, e1;
	} bad[] = {
		{"tables do not nest", 32, 0,
		 {BUF_GPA, 8, VRING_DESC_F_NEXT, 1},
		 {BUF_GPA + 0x800, 16, VRING_DESC_F_INDIRECT, 0}},
		{"indirect table loops", 32, 0,
		 {BUF_GPA, 8, VRING_DESC_F_NEXT, 1},
		 {BUF_GPA, 8, VRING_DESC_F_NEXT, 0}},
		{"past the table's 2 descriptors", 32, 0,
		 {BUF_GPA, 8, VRING_DESC_F_NEXT, 2},
		 {0, 0, 0, 0}},
		{"indirect table of 24 bytes", 24, 0,
		 {BUF_GPA, 8, 0, 0}, {0, 0, 0, 0}},
		{"indirect table of 0 bytes", 0, 0,
		 {BUF_GPA, 8, 0, 0}, {0, 0, 0, 0}},
		{"indirect table of 144 bytes", 144, 0, /* 9 > num 8 */
		 {BUF_GPA, 8, 0, 0}, {0, 0, 0, 0}},
		{"is indirect and has a next", 16, VRING_DESC_F_NEXT,
		 {BUF_GPA, 8, 0, 0}, {0, 0, 0, 0}},
		{"outside guest memory", 32, 0, /* entry 1 beyond memory */
		 {BUF_GPA, 8, VRING_DESC_F_NEXT, 1},
		 {0x900000, 8, 0, 0}},
		{"device-readable after device-writable", 32, 0,
		 {BUF_GPA, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1},
		 {BUF_GPA, 8, 0, 0}},
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		check_note(bad[k].what);
		setup(8);
		attach(8, 0, true);
		t[0] = bad[k].e0;
		t[1] = bad[k].e1;
		desc(0, BUF_GPA + 0x800, bad[k].len,
		     VRING_DESC_F_INDIRECT | bad[k].flags, 1);
		desc(1, BUF_GPA, 8, 0, 0);
		offer(0);
		expect_bad(bad[k].what);
		teardown();
	}
	check_note(NULL);

	/* a table outside memory, or wrapping the address space */
	setup(8);
	attach(8, 0, true);
	desc(0, 0x900000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("outside guest memory");
	teardown();
	setup(8);
	attach(8, 0, true);
	desc(0, 0xfffffffffffffff0ull, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_bad("wraps");
	teardown();

	/* a table across two regions that touch (A then B), read entry by
	 * entry; and a table at an odd address */
	setup(8);
	attach(8, 0, true);
	t = (struct vring_desc *)(void *)host(B_GPA - 16);
	t[0] = (struct vring_desc){BUF_GPA, 5, VRING_DESC_F_NEXT, 1};
	t = (struct vring_desc *)(void *)host(B_GPA);
	t[0] = (struct vring_desc){BUF_GPA, 6, 0, 0};
	desc(0, B_GPA - 16, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1))
		CHECK_EQ_U(c.out_bytes, 11);
	{
		struct vring_desc odd[2] = {{BUF_GPA, 7, VRING_DESC_F_NEXT, 1},
					    {BUF_GPA, 8, 0, 0}};
		memcpy(host(BUF_GPA + 0x901), odd, sizeof(odd));
	}
	desc(1, BUF_GPA + 0x901, 32, VRING_DESC_F_INDIRECT, 0);
	offer(1);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1))
		CHECK_EQ_U(c.out_bytes, 15);
	teardown();
}

/* virtio 1.2 2.7.4.2: device-writable descriptors come after readable
 * ones. */
static void test_readable_after_writable(void)
{
	setup(8);
	desc(0, BUF_GPA, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 16, 16, 0, 0);
	offer(0);
	expect_bad("device-readable after device-writable");
	teardown();
}

/* avail->idx may be at most num ahead of what we took. */
static void test_avail_jump(void)
{
	setup(8);
	for (uint16_t i = 0; i < 8; i++) {
		desc(i, BUF_GPA, 1, 0, 0);
		vqd_add(&drv, i);
	}
	vqd_publish(&drv);
	CHECK_EQ_I(vq_split_avail(&vq), 8); /* a full ring is fine */

	setup(8);
	drv.avail_idx = 9;
	vqd_publish(&drv);
	CHECK_EQ_I(vq_split_avail(&vq), -PORT_EPROTO);
	expect_bad("jumped from 0 to 9");

	/* backwards is a jump too (65535 ahead) */
	setup(8);
	drv.avail_idx = 0xffff;
	vqd_publish(&drv);
	expect_bad("jumped");
	teardown();
}

/* Zero-length descriptors are allowed and make no piece. */
static void test_zero_length(void)
{
	setup(8);
	desc(0, BUF_GPA, 0, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 0x40, 10, VRING_DESC_F_NEXT, 2);
	desc(2, BUF_GPA + 0x80, 0, VRING_DESC_F_WRITE, 0);
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.nout, 1);
	CHECK_EQ_U(c.nin, 0);
	CHECK_EQ_U(c.out_bytes, 10);
	CHECK_EQ_U(c.in_bytes, 0);
	CHECK(c.iov[0].base == host(BUF_GPA + 0x40));
	teardown();
}

/* More pieces than CFG_CHAIN_SEGS: flagged too_long, the pieces beyond the
 * limit not kept but still checked. */
static void test_too_long(void)
{
	const uint16_t n = CFG_CHAIN_SEGS + 1;

	setup(128);
	for (uint16_t i = 0; i < n; i++)
		desc(i, BUF_GPA + i, 1, i + 1 < n ? VRING_DESC_F_NEXT : 0,
		     (uint16_t)(i + 1));
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK(c.too_long);
	CHECK_EQ_U(c.nout, CFG_CHAIN_SEGS);
	CHECK_EQ_U(c.out_bytes, n);
	CHECK(c.iov[CFG_CHAIN_SEGS - 1].base ==
	      host(BUF_GPA + CFG_CHAIN_SEGS - 1));

	/* one descriptor more, outside memory: still refused */
	setup(128);
	for (uint16_t i = 0; i <= n; i++)
		desc(i, i < n ? BUF_GPA + i : 0x100000, 1,
		     i < n ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	offer(0);
	expect_bad("outside guest memory");

	/* a short chain after a long one starts clean */
	setup(128);
	desc(0, BUF_GPA, 1, 0, 0);
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK(!c.too_long);
	teardown();
}

/* virtio 1.2 2.7.8: used elements, then used->idx (after publish only). */
static void test_used_ring(void)
{
	uint32_t id = 0, len = 0;

	setup(8);
	desc(2, BUF_GPA, 1, 0, 0);
	desc(6, BUF_GPA, 1, 0, 0);
	offer(2);
	offer(6);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 2);
	vq_push(&vq, &c, 77);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 6);
	vq_push(&vq, &c, 0);
	/* not visible before the publish */
	CHECK_EQ_U(drv.used->idx, 0);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 0);
	vq_publish(&vq);
	CHECK_EQ_U(drv.used->idx, 2);
	CHECK_EQ_U(drv.used->ring[0].id, 2);
	CHECK_EQ_U(drv.used->ring[0].len, 77);
	CHECK_EQ_U(drv.used->ring[1].id, 6);
	CHECK_EQ_U(drv.used->ring[1].len, 0);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK_EQ_U(id, 2);
	CHECK_EQ_U(len, 77);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK_EQ_U(id, 6);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 0);
	teardown();
}

/* Undo: chains given back come out again; entries taken back are
 * overwritten before they were ever published. */
static void test_mark_rewind(void)
{
	struct vq_mark m;

	setup(8);
	desc(0, BUF_GPA, 1, 0, 0);
	desc(1, BUF_GPA, 2, 0, 0);
	offer(0);
	offer(1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	push(0, 11);
	vq_mark(&vq, &m);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 1);
	push(1, 22);
	vq_rewind(&vq, &m);
	CHECK_EQ_U(vq.s.last_avail, 1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 1);
	CHECK_EQ_U(c.out_bytes, 2);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 0);
	push(1, 33);
	vq_publish(&vq);
	CHECK_EQ_U(drv.used->idx, 2);
	CHECK_EQ_U(drv.used->ring[0].len, 11);
	CHECK_EQ_U(drv.used->ring[1].id, 1);
	CHECK_EQ_U(drv.used->ring[1].len, 33);
	/* room: at most VQ_SHADOW pending between publishes */
	CHECK(vq_push_room(&vq, VQ_SHADOW));
	push(2, 0);
	CHECK(!vq_push_room(&vq, VQ_SHADOW));
	CHECK(vq_push_room(&vq, VQ_SHADOW - 1));
	vq_publish(&vq);
	CHECK(vq_push_room(&vq, VQ_SHADOW));
	teardown();
}

/* virtio 1.2 2.7.7: a call per publish, unless the driver said
 * VRING_AVAIL_F_NO_INTERRUPT. */
static void test_need_call(void)
{
	setup(8);
	CHECK(!vq_need_call(&vq)); /* nothing published */
	push(0, 0);
	vq_publish(&vq);
	CHECK(vq_need_call(&vq));
	CHECK(!vq_need_call(&vq)); /* once per publish */
	vq_publish(&vq);           /* nothing new */
	CHECK(!vq_need_call(&vq));

	drv.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	push(1, 0);
	vq_publish(&vq);
	CHECK(!vq_need_call(&vq));
	drv.avail->flags = 0;
	CHECK(!vq_need_call(&vq)); /* that publish was answered already */
	push(2, 0);
	vq_publish(&vq);
	CHECK(vq_need_call(&vq));
	teardown();
}

/* virtio 1.2 2.7.10: VRING_USED_F_NO_NOTIFY while busy; turning kicks
 * back on says whether chains came in the window. */
static void test_kicks(void)
{
	setup(8);
	desc(0, BUF_GPA, 1, 0, 0);
	vq_kicks_off(&vq);
	CHECK_EQ_U(drv.used->flags, VRING_USED_F_NO_NOTIFY);
	vqd_add(&drv, 0);
	CHECK(!vqd_publish(&drv)); /* the driver sees: no kick wanted */
	CHECK(vq_kicks_on(&vq));   /* a chain came meanwhile */
	CHECK_EQ_U(drv.used->flags, 0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK(!vq_kicks_on(&vq));
	vqd_add(&drv, 0);
	CHECK(vqd_publish(&drv)); /* kicks are wanted again */
	teardown();
}

/* 16-bit ring indices wrap (virtio 1.2 2.7.6: idx wraps at 65536), and a
 * ring attached after a reconnect resumes at used->idx. */
static void test_index_wrap(void)
{
	setup(8);
	drv.used->idx = 0xfffe;
	attach(8, 0xfffe, false);
	CHECK_EQ_U(vq.s.used_idx, 0xfffe);
	drv.avail_idx = 0xfffe;
	drv.last_used = 0xfffe;
	desc(0, BUF_GPA, 1, 0, 0);
	for (unsigned i = 0; i < 3; i++)
		vqd_add(&drv, 0);
	vqd_publish(&drv);
	CHECK_EQ_U(drv.avail->idx, 1);
	CHECK_EQ_I(vq_split_avail(&vq), 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
		vq_push(&vq, &c, i);
	}
	CHECK_EQ_U(vq.s.last_avail, 1);
	vq_publish(&vq);
	CHECK_EQ_U(drv.used->idx, 1);
	CHECK_EQ_U(drv.used->ring[0xffff & 7].len, 1);
	teardown();
}

/* ---- VIRTIO_RING_F_EVENT_IDX (2.7.10) ------------------------------------ */

/* An oracle for vring_need_event that knows no modular arithmetic: walk
 * from old to new one index at a time and see whether event comes up. */
static bool passes(uint16_t event, uint16_t new_idx, uint16_t old)
{
	for (uint16_t i = old; i != new_idx; i++)
		if (i == event)
			return true;
	return false;
}

/* The rule both sides use, at and around the 16-bit wrap, against the
 * oracle; and a pseudo-random sweep. */
static void test_need_event_rule(void)
{
	static const uint16_t edge[] = {0, 1, 2, 7, 0x7fff, 0x8000, 0xfffd,
					0xfffe, 0xffff};
	uint32_t x = 12345;
	unsigned bad = 0;

	for (unsigned a = 0; a < 9; a++)
		for (unsigned b = 0; b < 9; b++)
			for (unsigned k = 0; k < 9; k++) {
				uint16_t old = edge[a];
				uint16_t n = (uint16_t)(old + edge[b] % 300);
				uint16_t ev = (uint16_t)(old + edge[k] - 3);

				bad += vring_need_event(ev, n, old) !=
				       passes(ev, n, old);
			}
	for (unsigned i = 0; i < 20000; i++) {
		uint16_t old, n, ev;

		x = x * 1103515245u + 12345u;
		old = (uint16_t)(x >> 8);
		x = x * 1103515245u + 12345u;
		n = (uint16_t)(old + (x >> 8) % 512);
		x = x * 1103515245u + 12345u;
		ev = (uint16_t)(old + (x >> 8) % 1024 - 256);
		bad += vring_need_event(ev, n, old) != passes(ev, n, old);
	}
	CHECK_EQ_U(bad, 0);
	/* the cases by hand: [old, new), across the wrap */
	CHECK(vring_need_event(0xffff, 1, 0xfffe));
	CHECK(vring_need_event(0, 1, 0xffff));
	CHECK(!vring_need_event(1, 1, 0xffff));
	CHECK(!vring_need_event(0xfffe, 1, 0xffff));
	CHECK(!vring_need_event(5, 5, 5)); /* nothing moved */
}

/* The device's calls with EVENT_IDX: the first after the attach always
 * (the driver may be waiting for one a back-end before us never made),
 * then only when the entries published pass used_event; the driver's
 * NO_INTERRUPT flag no longer counts.  At the 16-bit wrap. */
static void test_event_idx_calls(void)
{
	uint16_t *used_event;

	setup(8);
	used_event = vring_used_event(drv.avail, 8);
	drv.used->idx = 0xfffd;
	event_idx = true;
	attach(8, 0xfffd, false);
	event_idx = false;
	*used_event = 0xfff0; /* long passed */
	push(0, 0);
	vq_publish(&vq);
	CHECK(vq_need_call(&vq)); /* the first since the attach */
	*used_event = 0; /* call me once entry 0 is written (idx 0 -> 1) */
	drv.avail->flags = VRING_AVAIL_F_NO_INTERRUPT; /* not read */
	push(1, 0); /* 0xfffe -> 0xffff */
	vq_publish(&vq);
	CHECK(!vq_need_call(&vq));
	push(2, 0); /* 0xffff -> 0 */
	vq_publish(&vq);
	CHECK(!vq_need_call(&vq));
	push(3, 0); /* 0 -> 1: entry 0 written */
	push(4, 0); /* and 1, in the same publish */
	vq_publish(&vq);
	CHECK_EQ_U(drv.used->idx, 2);
	CHECK(vq_need_call(&vq));
	CHECK(!vq_need_call(&vq)); /* once */
	/* an event well ahead: none until it is reached */
	*used_event = 5;
	for (unsigned i = 0; i < 3; i++) {
		push(5, 0);
		vq_publish(&vq);
		CHECK(!vq_need_call(&vq)); /* entries 2, 3, 4 */
	}
	push(5, 0);
	vq_publish(&vq);
	CHECK(vq_need_call(&vq)); /* entry 5 */
	teardown();
}

/* The device's kicks with EVENT_IDX: on writes avail_event at the next
 * entry it will take, and the driver (vqd, EVENT_IDX) kicks once when it
 * makes that entry available, not for those after it; off writes
 * nothing (the event passed already asks for nothing).  At the wrap. */
static void test_event_idx_kicks(void)
{
	uint16_t *avail_event;

	setup(8);
	avail_event = vring_avail_event(drv.used, 8);
	drv.event_idx = true;
	drv.avail_idx = drv.kicked = 0xfffe;
	drv.avail->idx = 0xfffe;
	event_idx = true;
	attach(8, 0xfffe, false);
	event_idx = false;
	desc(0, BUF_GPA, 1, 0, 0);
	CHECK(!vq_kicks_on(&vq)); /* nothing posted */
	CHECK_EQ_U(*avail_event, 0xfffe);
	CHECK_EQ_U(drv.used->flags, 0);
	vqd_add(&drv, 0);
	CHECK(vqd_publish(&drv)); /* entry 0xfffe: the one asked for */
	vqd_add(&drv, 0);
	CHECK(!vqd_publish(&drv)); /* 0xffff: no */
	vq_kicks_off(&vq);
	CHECK_EQ_U(drv.used->flags, 0); /* no flag with EVENT_IDX */
	CHECK_EQ_U(*avail_event, 0xfffe);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(vq.s.last_avail, 0);
	/* a chain posted while the device is turning kicks back on: the
	 * re-check after the store sees it */
	vqd_add(&drv, 0);
	CHECK(!vqd_publish(&drv));
	CHECK(vq_kicks_on(&vq));
	CHECK_EQ_U(*avail_event, 0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK(!vq_kicks_on(&vq));
	CHECK_EQ_U(*avail_event, 1);
	vqd_add(&drv, 0);
	CHECK(vqd_publish(&drv)); /* entry 1 */
	teardown();
}

/* The driver side's calls on (vqd_calls_on): with EVENT_IDX, used_event
 * at the next used entry; and a used entry that came in meanwhile is
 * reported, so that it is taken rather than waited for. */
static void test_driver_calls_on(void)
{
	uint32_t id, len;

	setup(8);
	drv.event_idx = true;
	desc(0, BUF_GPA, 1, 0, 0);
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 0);
	vq_publish(&vq);
	CHECK(vqd_calls_on(&drv)); /* one waits: take it */
	CHECK_EQ_U(*vring_used_event(drv.avail, 8), 0);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK(!vqd_calls_on(&drv));
	CHECK_EQ_U(*vring_used_event(drv.avail, 8), 1);
	teardown();
}

int main(void)
{
	RUN(test_good_chains);
	RUN(test_cross_region);
	RUN(test_bad_head_next);
	RUN(test_loops);
	RUN(test_bad_addresses);
	RUN(test_top_of_space);
	RUN(test_indirect);
	RUN(test_readable_after_writable);
	RUN(test_avail_jump);
	RUN(test_zero_length);
	RUN(test_too_long);
	RUN(test_used_ring);
	RUN(test_mark_rewind);
	RUN(test_need_call);
	RUN(test_kicks);
	RUN(test_index_wrap);
	RUN(test_need_event_rule);
	RUN(test_event_idx_calls);
	RUN(test_event_idx_kicks);
	RUN(test_driver_calls_on);
	return check_summary("test_vring");
}
