/*
 * test_vring_packed.c - packed virtqueues (core/virtq/vq_packed.c, virtio 1.2
 * section 2.8), both sides.
 *
 * The driver side (vqd_*, packed) plays the guest; the test then writes
 * hostile descriptors into the ring by hand.  The device side must take
 * every good chain exactly (buffer id from the last descriptor, the slots
 * it took, the wrap counter flipping at the ring's end, ring sizes that
 * are not powers of two) and refuse every bad one with -PORT_EPROTO and an
 * error line naming it: a list longer than the ring, indirect descriptors
 * not negotiated, in a list, nested, or in a table that does not fit;
 * addresses outside memory (CVE-2018-1059); zero-length descriptors and
 * failed translations (CVE-2020-10725) refused or handled, never used.
 * Used elements wait for the publish, which writes them with both flag
 * bits at the device's wrap counter; the driver's and device's event
 * areas decide calls and kicks (2.8.10).
 */
#include <string.h>

#include "core/virtq/vq.h"
#include "core/virtq/vqd.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define A_GPA 0x10000ull
#define REG_SIZE 0x20000ull
#define RING_GPA 0x10000ull /* descriptors; event areas after them */
#define BUF_GPA 0x14000ull
#define TABLE_GPA 0x18000ull

static struct mem_table mem;
static uint8_t *base_a;
static struct vq vq;
static struct vqd drv;
static struct vq_chain c;
static uint32_t ring_num;
static bool event_idx; /* attach with VIRTIO_RING_F_EVENT_IDX */

static uint8_t *host(uint64_t gpa)
{
	return base_a + (gpa - A_GPA);
}

static uint64_t drv_evt(void)
{
	return RING_GPA + 16ull * ring_num;
}

static void attach(uint32_t base, bool indirect)
{
	struct vq_config cfg = {ring_num, true, indirect, host(RING_GPA),
				host(drv_evt()), host(drv_evt() + 4), base,
				event_idx};

	vq_attach(&vq, &cfg);
}

static void setup_ind(uint32_t num, bool indirect)
{
	struct vu_region r = {A_GPA, REG_SIZE, 0x7f0000010000ull, 0};
	int fd;

	fake_reset();
	memset(&mem, 0, sizeof(mem));
	fd = fake_memfd(REG_SIZE);
	base_a = fake_memfd_base(fd);
	CHECK_EQ_I(mem_table_map(&mem, &r, 1, &fd, "t"), 0);
	port_fd_close(fd);
	ring_num = num;
	vqd_init(&drv, num, true, host(RING_GPA), host(drv_evt()),
		 host(drv_evt() + 4));
	memset(&vq, 0, sizeof(vq));
	attach(VQ_BASE_PACKED_INIT, indirect);
	vq.name = "pq";
	memset(&c, 0xee, sizeof(c));
	fake_log_clear();
}

static void setup(uint32_t num)
{
	setup_ind(num, false);
}

static void teardown(void)
{
	mem_table_unmap(&mem);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_misuse, 0);
}

/* Chain template i for the driver (the split-table layout vqd_add
 * copies into the ring). */
static void tmpl(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	drv.desc[i] = (struct vring_desc){addr, len, flags, next};
}

static void offer(uint16_t head)
{
	vqd_add(&drv, head);
	vqd_publish(&drv);
}

static void expect_bad(const char *what)
{
	uint16_t before = vq.p.last_avail;

	fake_log_clear();
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), -PORT_EPROTO);
	CHECK_STR_HAS(fake_last_error(), what);
	CHECK_STR_HAS(fake_last_error(), "pq");
	CHECK_EQ_U(vq.p.last_avail, before);
}

/* A descriptor written straight into ring slot i, as available for the
 * driver's wrap counter w. */
static void slot(uint16_t i, uint64_t addr, uint32_t len, uint16_t id,
		 uint16_t flags, bool w)
{
	struct vring_packed_desc *d =
		(struct vring_packed_desc *)(void *)host(RING_GPA) + i;

	d->addr = addr;
	d->len = len;
	d->id = id;
	d->flags = (uint16_t)(flags | (w ? VRING_PACKED_F_AVAIL
					 : VRING_PACKED_F_USED));
}

static void test_chains(void)
{
	uint32_t id, len;

	setup(8);
	/* nothing available yet: the ring is zero-initialized */
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 0);
	tmpl(0, BUF_GPA, 12, VRING_DESC_F_NEXT, 1);
	tmpl(1, BUF_GPA + 100, 60, 0, 0);
	tmpl(2, BUF_GPA + 200, 1500, VRING_DESC_F_WRITE, 0);
	offer(0);
	offer(2);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.head, 0);
		CHECK_EQ_U(c.ndesc, 2);
		CHECK_EQ_U(c.nout, 2);
		CHECK_EQ_U(c.nin, 0);
		CHECK_EQ_U(c.out_bytes, 72);
		CHECK(c.iov[0].base == host(BUF_GPA));
		CHECK(c.iov[1].base == host(BUF_GPA + 100));
	}
	CHECK_EQ_U(vq.p.last_avail, 2);
	vq_push(&vq, &c, 0);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.head, 2);
		CHECK_EQ_U(c.ndesc, 1);
		CHECK_EQ_U(c.nin, 1);
		CHECK_EQ_U(c.in_bytes, 1500);
	}
	vq_push(&vq, &c, 99);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 0);
	/* nothing visible before the publish */
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 0);
	vq_publish(&vq);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK_EQ_U(id, 0);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK_EQ_U(id, 2);
	CHECK_EQ_U(len, 99);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 0);
	/* the used descriptors: slot 0 (chain 0, two slots), slot 2 */
	{
		const struct vring_packed_desc *d =
			(const void *)host(RING_GPA);
		uint16_t both = VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED;

		CHECK_EQ_U(d[0].flags & both, both);
		CHECK_EQ_U(d[0].flags & VRING_DESC_F_WRITE, 0); /* len 0 */
		CHECK_EQ_U(d[2].flags & both, both);
		CHECK_EQ_U(d[2].flags & VRING_DESC_F_WRITE, VRING_DESC_F_WRITE);
		CHECK_EQ_U(d[2].len, 99);
	}
	CHECK_EQ_U(vq.p.used_idx, 3);
	teardown();
}

/* Around the ring, with a size that is no power of two: the wrap counters
 * flip, a chain may cross the end, and the base says both halves. */
static void test_wrap(void)
{
	uint32_t id, len;

	setup(6);
	tmpl(0, BUF_GPA, 20, VRING_DESC_F_NEXT, 1);
	tmpl(1, BUF_GPA + 20, 20, 0, 0);
	for (unsigned round = 0; round < 10; round++) {
		offer(0); /* two slots each: crosses the end every 3rd */
		if (!CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1))
			break;
		CHECK_EQ_U(c.out_bytes, 40);
		CHECK_EQ_U(c.ndesc, 2);
		vq_push(&vq, &c, 0);
		vq_publish(&vq);
		CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
		CHECK_EQ_U(id, 0);
	}
	/* 20 slots taken: 3 laps and 2 */
	CHECK_EQ_U(vq.p.last_avail, 2);
	CHECK_EQ_U(vq.p.avail_wrap, 0); /* 1 flipped three times */
	CHECK_EQ_U(vq.p.used_idx, 2);
	CHECK_EQ_U(vq_base(&vq), VQ_BASE_PACKED(2, 0, 2, 0));
	/* a chain that starts on the last slot and goes on at slot 0 */
	teardown();
	setup(4);
	for (uint16_t i = 0; i < 3; i++) {
		tmpl(i, BUF_GPA, 4, 0, 0);
		offer(i);
	}
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
		vq_push(&vq, &c, 0);
	}
	vq_publish(&vq);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	tmpl(3, BUF_GPA, 5, VRING_DESC_F_NEXT, 0);
	tmpl(0, BUF_GPA, 6, 0, 0);
	offer(3); /* slots 3 and 0 */
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.out_bytes, 11);
		CHECK_EQ_U(c.head, 3);
	}
	CHECK_EQ_U(vq.p.last_avail, 1);
	CHECK(!vq.p.avail_wrap);
	teardown();
}

static void test_base(void)
{
	CHECK(vq_base_check(true, 8, VQ_BASE_PACKED_INIT) == NULL);
	CHECK(vq_base_check(true, 8, VQ_BASE_PACKED(3, 1, 1, 1)) == NULL);
	/* DPDK's virtio-user: the avail half only */
	CHECK(vq_base_check(true, 256, 0x8000) == NULL);
	CHECK_EQ_U(vq_base_used(0x8000), 0x8000);
	CHECK_EQ_U(vq_base_used(VQ_BASE_PACKED(3, 1, 1, 0)), 1);
	CHECK_STR_HAS(vq_base_check(true, 8, VQ_BASE_PACKED(8, 1, 0, 1)),
		      "index past the ring");
	CHECK_STR_HAS(vq_base_check(true, 8, VQ_BASE_PACKED(0, 1, 9, 1)),
		      "index past the ring");
	/* used a lap and more behind avail */
	CHECK_STR_HAS(vq_base_check(true, 8, VQ_BASE_PACKED(2, 0, 1, 1)),
		      "more than a ring");
	/* used ahead of avail */
	CHECK_STR_HAS(vq_base_check(true, 8, VQ_BASE_PACKED(1, 1, 2, 1)),
		      "more than a ring");
	/* split: 16 bits */
	CHECK(vq_base_check(false, 8, 0xffff) == NULL);
	CHECK(vq_base_check(false, 8, 0x10000) != NULL);
	/* a ring attached at a base resumes there: here, in its second lap,
	 * chains used up to slot 3, slots 3 and 4 taken, 5 to 7 left from
	 * the first lap (used) */
	setup(8);
	for (uint16_t i = 0; i < 8; i++)
		slot(i, BUF_GPA, 64, i, 0, i >= 5);
	for (uint16_t i = 0; i < 3; i++)
		((struct vring_packed_desc *)(void *)host(RING_GPA))[i].flags = 0;
	for (uint16_t i = 5; i < 8; i++)
		((struct vring_packed_desc *)(void *)host(RING_GPA))[i].flags =
			VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED;
	attach(VQ_BASE_PACKED(5, 0, 3, 0), false);
	CHECK_EQ_U(vq.p.last_avail, 5);
	CHECK(!vq.p.avail_wrap);
	CHECK_EQ_U(vq.p.used_idx, 3);
	CHECK(!vq.p.used_wrap);
	CHECK_EQ_U(vq_base(&vq), VQ_BASE_PACKED(5, 0, 3, 0));
	teardown();
}

/* The driver posts n chains of `len` descriptors each (ids from id). */
static void post(unsigned n, unsigned len, uint16_t id)
{
	for (unsigned k = 0; k < n; k++, id++) {
		for (unsigned j = 0; j < len; j++)
			tmpl((uint16_t)(id * len + j), BUF_GPA + 0x100 * j, 64,
			     j + 1 < len ? VRING_DESC_F_NEXT : 0,
			     (uint16_t)(id * len + j + 1));
		vqd_add(&drv, (uint16_t)(id * len));
	}
	vqd_publish(&drv);
}

/* The device takes n chains and uses the first `use` of them; the driver
 * takes back what was used. */
static struct vq_chain got[8];

static void take(unsigned n, unsigned use)
{
	uint32_t id, len;

	for (unsigned k = 0; k < n; k++)
		CHECK_EQ_I(vq_pop(&vq, &mem, &got[k]), 1);
	for (unsigned k = 0; k < use; k++)
		vq_push(&vq, &got[k], 0);
	vq_publish(&vq);
	for (unsigned k = 0; k < use; k++)
		CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
}

/* A new back-end attaches the ring at `base`, as after a restart. */
static void restart_at(uint32_t base)
{
	fake_log_clear();
	attach(base, false);
}

/*
 * Issue "packed rings survive a back-end restart": the front-end hands a
 * new back-end the initial base, the ring says otherwise, and the ring is
 * believed where it can be told exactly (vq_packed.c packed_recover).
 */
static void test_recover(void)
{
	unsigned warns;

	/* five single-descriptor chains used, two more posted */
	setup(8);
	post(5, 1, 0);
	take(5, 5);
	post(2, 1, 5);
	warns = fake_warn_count();
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK_EQ_U(fake_warn_count(), warns + 1);
	CHECK_EQ_U(vq.p.last_avail, 5);
	CHECK(vq.p.avail_wrap);
	CHECK_EQ_U(vq.p.used_idx, 5);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 5);
	/* across the wrap: slots 5, 6, 7 and 0 used, 1 and 2 posted */
	vq_push(&vq, &c, 0);
	vq_publish(&vq);
	CHECK_EQ_I(vqd_get_used(&drv, &(uint32_t){0}, &(uint32_t){0}), 1);
	take(1, 1);
	post(3, 1, 0);
	take(2, 2);
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK_EQ_U(vq.p.last_avail, 1);
	CHECK(!vq.p.avail_wrap);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 2); /* the third of post(3): ids 0, 1, 2 */
	/* a truthful base stands, and nothing is said */
	warns = fake_warn_count();
	restart_at(VQ_BASE_PACKED(1, 0, 1, 0));
	CHECK_EQ_U(fake_warn_count(), warns);
	CHECK_EQ_U(vq.p.last_avail, 1);
	teardown();

	/* chains taken and not used when the old back-end died are taken
	 * again */
	setup(8);
	post(3, 1, 0);
	take(3, 1);
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK_EQ_U(vq.p.last_avail, 1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 2);
	teardown();

	/* every slot posted, those used posted again for the next lap (an
	 * RX ring): no used head is left, the lap of the posts tells */
	setup(8);
	post(8, 1, 0);
	take(3, 3);
	post(3, 1, 0);
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK_EQ_U(vq.p.last_avail, 3);
	CHECK(vq.p.avail_wrap);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 3);
	restart_at(VQ_BASE_PACKED(3, 1, 3, 1));
	CHECK_EQ_U(vq.p.last_avail, 3);
	teardown();

	/* a fresh ring, and one with chains posted: the initial base
	 * stands */
	setup(8);
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK_EQ_U(vq.p.last_avail, 0);
	post(3, 1, 0);
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK_EQ_U(vq.p.last_avail, 0);
	CHECK(vq.p.avail_wrap);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK_EQ_U(c.head, 0);
	teardown();

	/* chains of two descriptors: where the last one's tail ends and new
	 * chains begin cannot be told; the true base stands, a stale one
	 * fails the ring */
	setup(8);
	post(2, 2, 0);
	take(2, 2);
	post(1, 2, 2);
	restart_at(VQ_BASE_PACKED(4, 1, 4, 1));
	CHECK_EQ_U(vq.p.last_avail, 4);
	CHECK(!vq.p.lost);
	restart_at(VQ_BASE_PACKED_INIT);
	CHECK(vq.p.lost);
	CHECK_STR_HAS(fake_last_error(), "contradicts the ring");
	expect_bad("packed ring position unknown");
	teardown();
}

static void test_mark_rewind(void)
{
	struct vq_mark m;
	uint32_t id, len;

	setup(8);
	tmpl(0, BUF_GPA, 10, 0, 0);
	tmpl(1, BUF_GPA, 20, VRING_DESC_F_NEXT, 2);
	tmpl(2, BUF_GPA, 30, 0, 0);
	offer(0);
	offer(1);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 1);
	vq_mark(&vq, &m);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 2);
	CHECK_EQ_U(vq.p.nshadow, 2);
	vq_rewind(&vq, &m);
	CHECK_EQ_U(vq.p.nshadow, 1);
	CHECK_EQ_U(vq.p.last_avail, 1);
	/* the same chain again, untouched by the push that was undone */
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.head, 1);
		CHECK_EQ_U(c.out_bytes, 50);
	}
	vq_push(&vq, &c, 3);
	vq_publish(&vq);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK_EQ_U(len, 1);
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	CHECK_EQ_U(id, 1);
	CHECK_EQ_U(len, 3);
	/* room for at most VQ_SHADOW elements between publishes */
	CHECK(vq_push_room(&vq, VQ_SHADOW));
	vq_push(&vq, &c, 0);
	CHECK(!vq_push_room(&vq, VQ_SHADOW));
	teardown();
}

/* A list that never ends goes round the ring onto itself. */
static void test_loop(void)
{
	setup(4);
	for (uint16_t i = 0; i < 4; i++)
		slot(i, BUF_GPA, 8, 0, VRING_DESC_F_NEXT, true);
	expect_bad("longer than the ring");
	teardown();
}

/* Descriptors the driver has not made available (both bits equal, or the
 * wrong wrap) are not taken. */
static void test_not_available(void)
{
	struct vring_packed_desc *d;

	setup(4);
	slot(0, BUF_GPA, 8, 0, 0, false); /* avail for wrap 0: not ours */
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 0);
	d = (struct vring_packed_desc *)(void *)host(RING_GPA);
	d->flags = VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED; /* used */
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 0);
	d->flags = VRING_PACKED_F_AVAIL;
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	teardown();
}

static void test_addresses(void)
{
	setup(8);
	slot(0, A_GPA + REG_SIZE - 4, 8, 0, 0, true); /* last 4 bytes out */
	expect_bad("outside guest memory");
	teardown();
	setup(8);
	slot(0, 0xfffffffffffffff8ull, 16, 0, 0, true);
	expect_bad("wraps");
	teardown();
	setup(8);
	slot(0, BUF_GPA, 8, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, true);
	slot(1, BUF_GPA, 8, 0, 0, true);
	expect_bad("device-readable after device-writable");
	teardown();
}

/* CVE-2020-10725: zero-length descriptors, and translations that fail, on
 * the packed ring.  A zero-length descriptor adds nothing and is never
 * dereferenced; a zero-length indirect table is refused. */
static void test_zero_length(void)
{
	setup_ind(8, true);
	slot(0, BUF_GPA, 0, 0, VRING_DESC_F_NEXT, true);
	slot(1, 0, 0, 0, VRING_DESC_F_NEXT, true); /* address 0: not RAM */
	slot(2, BUF_GPA, 14, 7, 0, true);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.nout, 1);
		CHECK_EQ_U(c.out_bytes, 14);
		CHECK_EQ_U(c.ndesc, 3);
		CHECK_EQ_U(c.head, 7);
	}
	/* all zero-length: an empty chain, for the caller to drop */
	slot(3, 0xdead0000ull, 0, 1, 0, true);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.nout + c.nin, 0);
		CHECK_EQ_U(c.out_bytes + c.in_bytes, 0);
	}
	slot(4, TABLE_GPA, 0, 2, VRING_DESC_F_INDIRECT, true);
	expect_bad("indirect table of 0 bytes");
	teardown();
}

static void test_indirect(void)
{
	struct vring_packed_desc *t =
		(struct vring_packed_desc *)(void *)host(TABLE_GPA);

	/* not negotiated */
	setup(8);
	slot(0, TABLE_GPA, 32, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("VIRTIO_RING_F_INDIRECT_DESC was not negotiated");
	teardown();

	/* a table is used in order, every entry; only WRITE counts */
	setup_ind(8, true);
	t[0] = (struct vring_packed_desc){BUF_GPA, 10, 0, VRING_DESC_F_NEXT};
	t[1] = (struct vring_packed_desc){BUF_GPA + 10, 20, 0, 0};
	t[2] = (struct vring_packed_desc){BUF_GPA + 40, 30, 0,
					  VRING_DESC_F_WRITE};
	slot(0, TABLE_GPA, 48, 5, VRING_DESC_F_INDIRECT, true);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.head, 5);
		CHECK_EQ_U(c.ndesc, 1);
		CHECK_EQ_U(c.out_bytes, 30);
		CHECK_EQ_U(c.in_bytes, 30);
		CHECK_EQ_U(c.nout, 2);
	}
	/* our driver side offers it the same way */
	tmpl(3, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	vq.p.last_avail = 0; /* the driver starts at slot 0 again */
	offer(3);
	if (CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1)) {
		CHECK_EQ_U(c.head, 3);
		CHECK_EQ_U(c.out_bytes, 30);
	}
	teardown();

	/* in a list of several, with NEXT, nested, too big, misfit */
	setup_ind(8, true);
	slot(0, BUF_GPA, 8, 0, VRING_DESC_F_NEXT, true);
	slot(1, TABLE_GPA, 16, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("indirect descriptor in a list of several");
	teardown();
	setup_ind(8, true);
	slot(0, TABLE_GPA, 16, 0, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT,
	     true);
	slot(1, BUF_GPA, 8, 0, 0, true);
	expect_bad("indirect descriptor in a list of several");
	teardown();
	setup_ind(8, true);
	t[0] = (struct vring_packed_desc){TABLE_GPA, 16, 0,
					  VRING_DESC_F_INDIRECT};
	slot(0, TABLE_GPA, 16, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("tables do not nest");
	teardown();
	setup_ind(8, true);
	slot(0, TABLE_GPA, 16 * 9, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("indirect table of 144 bytes");
	teardown();
	setup_ind(8, true);
	slot(0, TABLE_GPA, 20, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("indirect table of 20 bytes");
	teardown();
	setup_ind(8, true);
	slot(0, A_GPA + REG_SIZE - 16, 32, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("outside guest memory");
	teardown();
	setup_ind(8, true);
	t[0] = (struct vring_packed_desc){0x900000, 8, 0, 0};
	slot(0, TABLE_GPA, 16, 0, VRING_DESC_F_INDIRECT, true);
	expect_bad("outside guest memory");
	teardown();
}

/* 2.8.10: calls unless the driver's event flags say DISABLE; kicks are
 * asked for by our device event flags. */
static void test_events(void)
{
	struct vring_packed_event *de =
		(struct vring_packed_event *)(void *)host(drv_evt());
	struct vring_packed_event *ve =
		(struct vring_packed_event *)(void *)host(drv_evt() + 4);

	setup(8);
	tmpl(0, BUF_GPA, 8, 0, 0);
	CHECK(!vq_need_call(&vq)); /* nothing published */
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 0);
	vq_publish(&vq);
	CHECK(vq_need_call(&vq));
	CHECK(!vq_need_call(&vq)); /* once per publish */
	de->flags = VRING_EVENT_F_DISABLE;
	offer(0);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 0);
	vq_publish(&vq);
	CHECK(!vq_need_call(&vq));

	vq_kicks_off(&vq);
	CHECK_EQ_U(ve->flags, VRING_EVENT_F_DISABLE);
	CHECK(!vqd_publish(&drv)); /* the driver sees: no kick wanted */
	offer(0);
	CHECK(vq_kicks_on(&vq)); /* a chain came meanwhile */
	CHECK_EQ_U(ve->flags, VRING_EVENT_F_ENABLE);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	CHECK(!vq_kicks_on(&vq));
	CHECK(vqd_publish(&drv));
	teardown();
}

/* ---- VIRTIO_RING_F_EVENT_IDX (2.8.10) ------------------------------------ */

/* An oracle for vq_wrap_need_event that counts nothing modulo anything:
 * step from old, d slots, one at a time with vq_wrap_add's own rule
 * written out, and see whether (off, wrap) comes up. */
static bool passes(uint16_t off_wrap, uint16_t idx, bool wrap, uint32_t d,
		   uint32_t num)
{
	for (uint32_t k = 0; k < d; k++) {
		if (idx == (off_wrap & 0x7fffu) &&
		    wrap == ((off_wrap & 0x8000u) != 0))
			return true;
		if (++idx == num) {
			idx = 0;
			wrap = !wrap;
		}
	}
	return false;
}

/* The rule of both sides for DESC events, against the oracle, for ring
 * sizes of 1 to 32768, over the end of a lap and the wrap counter's
 * flip; an offset past the ring is never passed. */
static void test_event_rule(void)
{
	static const uint32_t nums[] = {1, 2, 3, 8, 255, 256, 32768};
	uint32_t x = 777;
	unsigned bad = 0;

	for (unsigned n = 0; n < 7; n++) {
		uint32_t num = nums[n];

		for (unsigned i = 0; i < 3000; i++) {
			uint16_t idx, nidx, off;
			bool w, nw, ow;
			uint32_t d;

			x = x * 1103515245u + 12345u;
			idx = (uint16_t)((x >> 8) % num);
			w = (x >> 4) & 1;
			x = x * 1103515245u + 12345u;
			d = (x >> 8) % (num + 1); /* up to a whole ring */
			if (d > 600)
				d = d % 600;
			x = x * 1103515245u + 12345u;
			/* near idx most of the time, anywhere else too */
			off = (uint16_t)(i & 1 ? (idx + (x >> 8) % 8) % num
					       : (x >> 8) % num);
			ow = (x >> 3) & 1;
			nidx = idx;
			nw = w;
			for (uint32_t k = 0; k < d; k++)
				if (++nidx == num) {
					nidx = 0;
					nw = !nw;
				}
			off |= ow ? 0x8000u : 0;
			bad += vq_wrap_need_event(off, idx, w, nidx, nw, num) !=
			       passes(off, idx, w, d, num);
		}
	}
	CHECK_EQ_U(bad, 0);
	/* by hand, a ring of 4: from slot 3 (wrap 1) to slot 1 (wrap 0)
	 * passes 3/1 and 0/0, not 1/0 nor 0/1 */
	CHECK(vq_wrap_need_event(3 | 0x8000, 3, true, 1, false, 4));
	CHECK(vq_wrap_need_event(0, 3, true, 1, false, 4));
	CHECK(!vq_wrap_need_event(1, 3, true, 1, false, 4));
	CHECK(!vq_wrap_need_event(0 | 0x8000, 3, true, 1, false, 4));
	CHECK(!vq_wrap_need_event(9 | 0x8000, 3, true, 1, false, 4));
}

/* Calls and kicks with EVENT_IDX on a packed ring (2.8.10): a call only
 * when the used descriptors written pass the driver's DESC event, the
 * first after the attach whatever it says; kicks asked for with DESC at
 * the next slot the device takes, so the driver (vqd, EVENT_IDX) kicks
 * once; all over the end of a lap. */
static void test_event_idx(void)
{
	struct vring_packed_event *de, *ve;
	uint32_t id, len;

	setup(4);
	de = (struct vring_packed_event *)(void *)host(drv_evt());
	ve = (struct vring_packed_event *)(void *)host(drv_evt() + 4);
	event_idx = true;
	attach(VQ_BASE_PACKED_INIT, false);
	event_idx = false;
	drv.event_idx = true;
	for (uint16_t i = 0; i < 4; i++)
		tmpl(i, BUF_GPA, 4, 0, 0);
	/* kicks: DESC at slot 0, wrap 1 */
	CHECK(!vq_kicks_on(&vq));
	CHECK_EQ_U(ve->flags, VRING_EVENT_F_DESC);
	CHECK_EQ_U(ve->off_wrap, 0x8000);
	vqd_add(&drv, 0);
	CHECK(vqd_publish(&drv)); /* slot 0: asked for */
	vqd_add(&drv, 1);
	vqd_add(&drv, 2);
	CHECK(!vqd_publish(&drv)); /* 1 and 2: not */
	/* calls: the driver wants one at slot 0 of the next lap (wrap 0) */
	de->off_wrap = 0;
	de->flags = VRING_EVENT_F_DESC;
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
		vq_push(&vq, &c, 0);
	}
	vq_publish(&vq);
	CHECK(vq_need_call(&vq)); /* the first since the attach */
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	vqd_add(&drv, 3); /* slot 3, wrap 1 */
	vqd_add(&drv, 0); /* slot 0, wrap 0 */
	vqd_add(&drv, 1); /* slot 1, wrap 0 */
	vqd_publish(&drv);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 0);
	vq_publish(&vq);
	CHECK(!vq_need_call(&vq)); /* slot 3 of lap 1: not the event */
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
		vq_push(&vq, &c, 0);
	}
	vq_publish(&vq);
	CHECK(vq_need_call(&vq)); /* slots 0 and 1 of lap 0: 0 is it */
	CHECK_EQ_U(vq.p.used_idx, 2);
	CHECK(!vq.p.used_wrap);
	/* kicks over the end of the lap: DESC at slot 2, wrap 0 */
	CHECK(!vq_kicks_on(&vq));
	CHECK_EQ_U(ve->off_wrap, 2);
	vq_kicks_off(&vq);
	CHECK_EQ_U(ve->flags, VRING_EVENT_F_DISABLE);
	CHECK(!vqd_publish(&drv));
	vq_kicks_on(&vq);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	vqd_add(&drv, 2);
	CHECK(vqd_publish(&drv)); /* slot 2 of lap 0 */
	/* the driver's calls on: DESC at its next used slot */
	CHECK(!vqd_calls_on(&drv));
	CHECK_EQ_U(de->flags, VRING_EVENT_F_DESC);
	CHECK_EQ_U(de->off_wrap, 2);
	/* DESC without EVENT_IDX is read as enabled */
	attach(vq_base(&vq), false);
	CHECK_EQ_I(vq_pop(&vq, &mem, &c), 1);
	vq_push(&vq, &c, 0);
	vq_publish(&vq);
	de->off_wrap = 3; /* not passed */
	CHECK(vq_need_call(&vq));
	teardown();
}

/* The driver side refuses a used element with an id it has no chain
 * for: the back-end is not trusted either. */
static void test_driver_checks_used(void)
{
	uint32_t id, len;
	struct vring_packed_desc *d;

	setup(8);
	tmpl(0, BUF_GPA, 8, 0, 0);
	offer(0);
	d = (struct vring_packed_desc *)(void *)host(RING_GPA);
	d->id = 5; /* never offered */
	d->flags = VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED;
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), -1);
	d->id = 0;
	CHECK_EQ_I(vqd_get_used(&drv, &id, &len), 1);
	/* GET_VRING_BASE plausibility: where a device that took it all
	 * stands, and nowhere else */
	CHECK(vqd_base_plausible(&drv, VQ_BASE_PACKED(1, 1, 1, 1), true));
	CHECK(!vqd_base_plausible(&drv, VQ_BASE_PACKED(2, 1, 1, 1), true));
	CHECK(!vqd_base_plausible(&drv, VQ_BASE_PACKED(9, 1, 1, 1), false));
	teardown();
}

int main(void)
{
	RUN(test_chains);
	RUN(test_wrap);
	RUN(test_base);
	RUN(test_recover);
	RUN(test_mark_rewind);
	RUN(test_loop);
	RUN(test_not_available);
	RUN(test_addresses);
	RUN(test_zero_length);
	RUN(test_indirect);
	RUN(test_events);
	RUN(test_event_rule);
	RUN(test_event_idx);
	RUN(test_driver_checks_used);
	return check_summary("test_vring_packed");
}
