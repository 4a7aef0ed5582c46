/*
 * test_inflight.c - recovery from an inflight region the front-end hands
 * over (vhost-user.rst "Inflight I/O tracking"), for split and packed
 * rings: what a back-end that died had taken is taken again, oldest
 * first, at most VQ_SHADOW chains, and every value read back from the
 * shared region is checked before it is used (docs/security.md).
 *
 * The test writes the region itself, in the layouts vhost-user.rst gives
 * (split: a 16-byte header, 16 bytes a descriptor; packed: 32 and 32),
 * as a front-end that kept it across a back-end crash hands it over:
 * SET_INFLIGHT_FD first, then the ring, whose attach runs the recovery.
 * Queue 0 (RX) has a fresh part; queue 1 (TX) the part under test.  The
 * back-end echoes, so the order in which TX chains are taken again is
 * the order in which their frames reach RX.
 */
#include <stddef.h>
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/rig.h"

/* The layouts, from vhost-user.rst (not from core/virtq). */
struct split_desc {
	uint8_t inflight;
	uint8_t padding[5];
	uint16_t next;
	uint64_t counter;
};

struct split_part {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t last_batch_head;
	uint16_t used_idx;
	struct split_desc desc[];
};

struct packed_desc {
	uint8_t inflight;
	uint8_t padding;
	uint16_t next;
	uint16_t last;
	uint16_t num;
	uint64_t counter;
	uint16_t id;
	uint16_t flags;
	uint32_t len;
	uint64_t addr;
};

struct packed_part {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t free_head;
	uint16_t old_free_head;
	uint16_t used_idx;
	uint16_t old_used_idx;
	uint8_t used_wrap;
	uint8_t old_used_wrap;
	uint8_t padding[7];
	struct packed_desc desc[];
};

_Static_assert(sizeof(struct split_desc) == 16 &&
		       offsetof(struct split_part, desc) == 16 &&
		       sizeof(struct packed_desc) == 32 &&
		       offsetof(struct packed_part, desc) == 32,
	       "vhost-user.rst inflight layouts");

#define QS 256u    /* the region's queue_size */
#define FRAME 60u
#define VQ_SHADOW_MAX 128u /* CFG_BATCH + CFG_RX_BUFS, the board default */
/* A TX ring of 256 entries, where the default places are too small. */
#define BIG_DESC RIG_FREE
#define BIG_AVAIL (RIG_FREE + 0x1000ull)
#define BIG_USED (RIG_FREE + 0x2000ull)
#define BIG_EVT (RIG_FREE + 0x1000ull) /* packed: driver and device areas */
#define BIG_DEVEVT (RIG_FREE + 0x2000ull)

_Static_assert(VQ_SHADOW == VQ_SHADOW_MAX, "the bound the cases below use");

static bool packed;
static struct rig rig;
static struct fwd fw;
static int region_fd;
static uint8_t *region;
static uint64_t part; /* bytes of one queue's part */
static uint8_t frame[FRAME];

static struct split_part *sp(void)
{
	return (struct split_part *)(void *)(region + part);
}

static struct packed_part *pp(void)
{
	return (struct packed_part *)(void *)(region + part);
}

/* Frame number `tag`: a recognisable pattern. */
static const uint8_t *make_frame(uint16_t tag)
{
	for (unsigned i = 0; i < FRAME; i++)
		frame[i] = (uint8_t)(tag * 3 + i * 7);
	frame[0] = (uint8_t)tag;
	frame[1] = (uint8_t)(tag >> 8);
	return frame;
}

/* A back-end that echoes, with INFLIGHT_SHMFD, and an inflight region for
 * 2 queues of QS entries, zeroed (each part fresh), not yet sent. */
static void setup(void)
{
	struct fwd_opts fo = {.action = ACT_ECHO};

	fake_reset();
	check_note(packed ? "packed" : "split");
	memset(&fw, 0, sizeof(fw));
	rig_open(&rig, &fw, 0, &fo, packed, RIG_F_BASE,
		 VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD));
	part = ((packed ? 32ull + 32ull * QS : 16ull + 16ull * QS) + 63) / 64 *
	       64;
	region_fd = fake_memfd(2 * part);
	region = fake_memfd_base(region_fd);
}

static void teardown(void)
{
	rig_close(&rig);
	port_fd_close(region_fd);
	rig_leak_check();
}

/* SET_INFLIGHT_FD with the region, for rings of queue_size entries (a
 * new fd over the same memory each time, as a front-end sends it). */
static int send_region_for(uint16_t queue_size)
{
	struct vu_inflight in = {2 * part, 0, 2, queue_size, 0};

	return rig_req(&rig, VU_SET_INFLIGHT_FD, &in, sizeof(in),
		       fake_memfd_alias(region_fd));
}

static int send_region(void)
{
	return send_region_for(QS);
}

/* Ring q of num entries (the default place, or the big one), as QEMU
 * configures it after a restart: the base it knew (0, or the initial
 * packed base), addresses, kick, call, enable.  Returns the first
 * failure (the attach runs the recovery), 0 if none. */
static int ring_try(uint32_t q, uint32_t num)
{
	bool big = num > 128;
	uint64_t desc = big ? BIG_DESC : RIG_Q_GPA(q);
	uint64_t drv = big ? (packed ? BIG_EVT : BIG_AVAIL)
			   : RIG_Q_GPA(q) + RIG_AVAIL_OFF;
	uint64_t dev = big ? (packed ? BIG_DEVEVT : BIG_USED)
			   : RIG_Q_GPA(q) + RIG_USED_OFF;
	struct vu_addr a = {q, 0, RIG_UVA_OF(desc), RIG_UVA_OF(dev),
			    RIG_UVA_OF(drv), 0};
	uint64_t v = q;
	int rc;

	rc = rig_req_state(&rig, VU_SET_VRING_NUM, q, num);
	if (rc == 0)
		rc = rig_req_state(&rig, VU_SET_VRING_BASE, q,
				   packed ? VQ_BASE_PACKED_INIT : 0);
	if (rc == 0)
		rc = rig_req(&rig, VU_SET_VRING_ADDR, &a, sizeof(a), -1);
	if (rc == 0)
		rc = rig_req(&rig, VU_SET_VRING_KICK, &v, 8, fake_evt());
	if (rc == 0)
		rc = rig_req(&rig, VU_SET_VRING_CALL, &v, 8, fake_evt());
	if (rc == 0)
		rc = rig_req_state(&rig, VU_SET_VRING_ENABLE, q, 1);
	if (q == 0)
		vqd_init(&rig.rxq, num, packed, rig_host(&rig, desc),
			 rig_host(&rig, drv), rig_host(&rig, dev));
	return rc;
}

/* The guest's TX ring 1 of num entries, before the back-end attaches it
 * (the driver's view only). */
static void guest_tx(uint32_t num)
{
	bool big = num > 128;

	vqd_init(&rig.txq, num, packed,
		 rig_host(&rig, big ? BIG_DESC : RIG_Q_GPA(1)),
		 rig_host(&rig, big ? (packed ? BIG_EVT : BIG_AVAIL)
				    : RIG_Q_GPA(1) + RIG_AVAIL_OFF),
		 rig_host(&rig, big ? (packed ? BIG_DEVEVT : BIG_USED)
				    : RIG_Q_GPA(1) + RIG_USED_OFF));
}

/* The guest offers TX chain `id` (one descriptor, frame number id) in
 * buffer slot id % 64. */
static void guest_offer(uint16_t id)
{
	uint16_t slot = (uint16_t)(id % 64);
	uint8_t *b = rig_host(&rig, RIG_TX_BUF(slot));

	memset(b, 0, RIG_HDR);
	memcpy(b + RIG_HDR, make_frame(id), FRAME);
	rig.txq.desc[id] = (struct vring_desc){RIG_TX_BUF(slot),
					       RIG_HDR + FRAME, 0, 0};
	vqd_add(&rig.txq, id);
	vqd_publish(&rig.txq);
}

/* ---- the parts, as a front-end leaves them --------------------------------- */

/* A split part for a ring of num: version 1, used index `used`, nothing
 * in flight yet. */
static void split_part(uint16_t num, uint16_t used)
{
	struct split_part *r = sp();

	memset(r, 0, part);
	r->version = 1;
	r->desc_num = num;
	r->used_idx = used;
}

static void split_inflight(uint16_t head, uint64_t age)
{
	sp()->desc[head].inflight = 1;
	sp()->desc[head].counter = age;
}

/* A packed part for a ring of num: version 1, used position 0 with wrap
 * 1, no batch half done; every entry on the free list but those marked
 * with packed_inflight afterwards (packed_free_list links the rest). */
static void packed_part(uint16_t num)
{
	struct packed_part *r = pp();

	memset(r, 0, part);
	r->version = 1;
	r->desc_num = num;
	r->used_wrap = r->old_used_wrap = 1;
}

/* Entry e records a one-descriptor chain of buffer `id` (TX slot id %
 * 64), taken at age `age`. */
static void packed_inflight(uint16_t e, uint16_t id, uint64_t age)
{
	struct packed_desc *d = &pp()->desc[e];

	d->inflight = 1;
	d->num = 1;
	d->last = e;
	d->counter = age;
	d->id = id;
	d->flags = VRING_PACKED_F_AVAIL; /* as taken: available, wrap 1 */
	d->len = RIG_HDR + FRAME;
	d->addr = RIG_TX_BUF(id % 64);
}

/* Link every entry not in flight into the free list, from entry 0 up. */
static void packed_free_list(uint16_t num)
{
	struct packed_part *r = pp();
	uint16_t *link = &r->old_free_head;

	for (uint16_t i = 0; i < num; i++) {
		if (r->desc[i].inflight)
			continue;
		*link = i;
		link = &r->desc[i].next;
	}
	*link = num;
	r->free_head = r->old_free_head;
}

/* Offer RX buffers 0..n-1, run the pair, and expect TX ids `order` (n of
 * them) returned, and their frames in RX buffers 0..n-1, in that order. */
static void expect_taken_in_order(const uint16_t *order, unsigned n)
{
	for (uint16_t i = 0; i < n; i++)
		rig_rx_add(&rig, i, 2048);
	CHECK_EQ_I(net_pair_work(&rig.dev.net, 0), 0);
	for (unsigned i = 0; i < n; i++) {
		rig_expect_used(&rig.txq, order[i], 0);
		if (rig_expect_used(&rig.rxq, i, RIG_HDR + FRAME))
			CHECK(memcmp(rig_rx_frame(&rig, (uint16_t)i),
				     make_frame(order[i]), FRAME) == 0);
	}
	rig_expect_no_used(&rig.txq);
}

/* Nothing of ring q is marked in flight any more. */
static unsigned still_in_flight(uint16_t num)
{
	unsigned n = 0;

	for (uint16_t i = 0; i < num; i++)
		n += packed ? pp()->desc[i].inflight : sp()->desc[i].inflight;
	return n;
}

/* The recovery of TX ring 1 of num entries, which the region does not
 * fit, is refused at attach, naming the problem (RX ring 0, of rx_num,
 * has a fresh part and starts). */
static void expect_refused_rx(uint32_t rx_num, uint32_t num, const char *what)
{
	CHECK_EQ_I(ring_try(0, rx_num), 0);
	fake_log_clear();
	CHECK(ring_try(1, num) < 0);
	CHECK_STR_HAS(fake_last_error(), what);
	CHECK(!rig.dev.q[1].attached);
}

static void expect_refused(uint32_t num, const char *what)
{
	expect_refused_rx(16, num, what);
}

/* ---- cases ----------------------------------------------------------------- */

/* Chains taken again oldest first, whatever their place in the ring or
 * the region (M9: resubmission in index order went unseen). */
static void test_oldest_first(void)
{
	static const uint16_t want[3] = {5, 9, 2};

	setup();
	guest_tx(16);
	guest_offer(2);
	guest_offer(5);
	guest_offer(9);
	if (packed) {
		/* entries unlike the ids: the record is what counts */
		packed_part(16);
		packed_inflight(3, 2, 30);
		packed_inflight(7, 5, 10);
		packed_inflight(11, 9, 20);
		packed_free_list(16);
	} else {
		split_part(16, 0);
		split_inflight(2, 30);
		split_inflight(5, 10);
		split_inflight(9, 20);
	}
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(ring_try(0, 16), 0);
	CHECK_EQ_I(ring_try(1, 16), 0);
	CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, 3);
	expect_taken_in_order(want, 3);
	CHECK_EQ_U(still_in_flight(16), 0);
	/* new chains after them, from where the driver is */
	guest_offer(12);
	rig_rx_add(&rig, 3, 2048);
	CHECK_EQ_I(net_pair_work(&rig.dev.net, 0), 0);
	rig_expect_used(&rig.txq, 12, 0);
	if (rig_expect_used(&rig.rxq, 3, RIG_HDR + FRAME))
		CHECK(memcmp(rig_rx_frame(&rig, 3), make_frame(12), FRAME) == 0);
	teardown();
}

/* At most VQ_SHADOW chains are taken again: a region that marks more is
 * refused (M8: without the bound, the recovery arrays overflowed). */
static void mark_many(unsigned n)
{
	guest_tx(QS);
	if (packed)
		packed_part(QS);
	else
		split_part(QS, 0);
	for (uint16_t i = 0; i < n; i++) {
		/* ages from newest to oldest: the order must be sorted */
		if (packed)
			packed_inflight(i, i, 1000 - i);
		else
			split_inflight(i, 1000 - i);
	}
	if (packed)
		packed_free_list(QS);
}

static void test_shadow_bound(void)
{
	setup();
	mark_many(VQ_SHADOW_MAX + 1);
	CHECK_EQ_I(send_region(), 0);
	expect_refused(QS, "marks more than 128 chains in flight");
	teardown();

	/* exactly the bound: taken, oldest (the last marked) first */
	setup();
	mark_many(VQ_SHADOW_MAX);
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(ring_try(0, 16), 0);
	CHECK_EQ_I(ring_try(1, QS), 0);
	CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, VQ_SHADOW_MAX);
	CHECK_EQ_I(inflight_resubmit_next(&rig.dev.q[1].iq),
		   (int)VQ_SHADOW_MAX - 1);
	CHECK_EQ_U(rig.dev.q[1].iq.resubmit[VQ_SHADOW_MAX - 1], 0);
	teardown();
}

/* The part's header must describe the ring: version 1, its size; the
 * region's layout and size must fit it. */
static void test_header_checked(void)
{
	setup();
	if (packed)
		packed_part(16);
	else
		split_part(16, 0);
	(packed ? &pp()->version : &sp()->version)[0] = 2;
	CHECK_EQ_I(send_region(), 0);
	expect_refused(16, "inflight region: version 2 for 16 entries, the "
			   "ring has 16");
	teardown();

	setup();
	if (packed)
		packed_part(8);
	else
		split_part(8, 0);
	CHECK_EQ_I(send_region(), 0);
	expect_refused(16, "inflight region: version 1 for 8 entries, the "
			   "ring has 16");
	teardown();

	/* a region for rings of 8, a ring of 16 */
	setup();
	CHECK_EQ_I(send_region_for(8), 0);
	expect_refused_rx(8, 16, packed ? "inflight region is for packed rings of 8 "
				    "entries, the ring is packed with 16"
				  : "inflight region is for split rings of 8 "
				    "entries, the ring is split with 16");
	teardown();
}

/* A region made for one layout, a ring of the other: the features changed
 * between SET_INFLIGHT_FD and the ring (no ring was live, so SET_FEATURES
 * may do that). */
static void test_layout_checked(void)
{
	uint64_t f = RIG_F_BASE | (packed ? 0 : VU_BIT(VIRTIO_F_RING_PACKED));

	setup();
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(rig_req_u64(&rig, VU_SET_FEATURES, f), 0);
	packed = !packed; /* the rings are now the other layout */
	fake_log_clear();
	CHECK(ring_try(0, 16) < 0);
	CHECK_STR_HAS(fake_last_error(),
		      packed ? "dev0 q0: inflight region is for split rings of "
			       "256 entries, the ring is packed with 16"
			     : "dev0 q0: inflight region is for packed rings of "
			       "256 entries, the ring is split with 16");
	CHECK(!rig.dev.q[0].attached);
	packed = !packed;
	teardown();
}

/* Split: a batch published but not yet unmarked when the back-end died
 * (the region's used index behind the ring's) is finished, not taken
 * again; a last_batch_head past the ring stops that walk at once. */
static void test_split_last_batch(void)
{
	static const uint16_t want[1] = {9};
	struct vring_used *u;

	if (packed)
		return;
	setup();
	guest_tx(16);
	guest_offer(4);
	guest_offer(7);
	guest_offer(9);
	/* chains 4 and 7 were published (used->idx 2), the region not
	 * updated: its batch list is 7 -> 4 */
	u = rig.txq.used;
	u->ring[0] = (struct vring_used_elem){4, 0};
	u->ring[1] = (struct vring_used_elem){7, 0};
	u->idx = 2;
	rig.txq.last_used = 2;
	split_part(16, 0);
	split_inflight(4, 1);
	split_inflight(7, 2);
	split_inflight(9, 3);
	sp()->last_batch_head = 7;
	sp()->desc[7].next = 4;
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(ring_try(0, 16), 0);
	CHECK_EQ_I(ring_try(1, 16), 0);
	CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, 1);
	CHECK_EQ_U(sp()->desc[4].inflight, 0);
	CHECK_EQ_U(sp()->desc[7].inflight, 0);
	CHECK_EQ_U(sp()->used_idx, 2);
	expect_taken_in_order(want, 1);
	CHECK_EQ_U(sp()->used_idx, 3);
	CHECK_EQ_U(still_in_flight(16), 0);
	teardown();

	/* the same with the batch list's head past the ring: nothing is
	 * unmarked by it, and what the region marks is taken again */
	setup();
	guest_tx(16);
	guest_offer(4);
	guest_offer(9);
	rig.txq.used->idx = 1;
	rig.txq.last_used = 1;
	split_part(16, 0);
	split_inflight(9, 3);
	sp()->last_batch_head = 0xffff;
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(ring_try(0, 16), 0);
	CHECK_EQ_I(ring_try(1, 16), 0);
	CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, 1);
	expect_taken_in_order(want, 1);
	teardown();
}

/* Split (W3): what the front-end changes in the region after the
 * recovery is never used as it stands: the chains to take again were
 * read once, each head below the ring size; the region's header and
 * marks are only written from then on. */
static void test_split_changed_after(void)
{
	static const uint16_t want[2] = {9, 3};
	struct split_part *r;

	if (packed)
		return;
	setup();
	guest_tx(16);
	guest_offer(3);
	guest_offer(9);
	split_part(16, 0);
	split_inflight(3, 20);
	split_inflight(9, 10);
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(ring_try(0, 16), 0);
	CHECK_EQ_I(ring_try(1, 16), 0);
	CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, 2);
	/* now everything the header and the entries say is wrong */
	r = sp();
	r->version = 7;
	r->desc_num = 0xffff;
	r->last_batch_head = 0xfff0;
	r->used_idx = 0x1234;
	for (uint16_t i = 0; i < 16; i++) {
		r->desc[i].inflight = (uint8_t)(i & 1);
		r->desc[i].next = 0xffff;
		r->desc[i].counter = ~0ull;
	}
	expect_taken_in_order(want, 2);
	/* written from our own record: the used index, and the two chains
	 * no longer in flight */
	CHECK_EQ_U(r->used_idx, 2);
	CHECK_EQ_U(r->desc[3].inflight, 0);
	CHECK_EQ_U(r->desc[9].inflight, 0);
	teardown();
}

/* Packed: the used position read back must lie in the ring. */
static void test_packed_used_checked(void)
{
	if (!packed)
		return;
	setup();
	packed_part(16);
	packed_free_list(16);
	pp()->used_idx = 16;
	CHECK_EQ_I(send_region(), 0);
	expect_refused(16, "inflight region: used index 16 or 0 past the ring");
	teardown();

	setup();
	packed_part(16);
	packed_free_list(16);
	pp()->old_used_idx = 200;
	CHECK_EQ_I(send_region(), 0);
	expect_refused(16, "inflight region: used index 0 or 200 past the ring");
	teardown();
}

/* Packed: an entry in flight must be a chain of 1 to num descriptors, and
 * its descriptors must lie in the table. */
static void test_packed_chain_checked(void)
{
	static const uint16_t lens[2] = {0, 17};

	if (!packed)
		return;
	for (unsigned k = 0; k < 2; k++) {
		setup();
		guest_tx(16);
		guest_offer(2);
		packed_part(16);
		packed_inflight(3, 2, 1);
		pp()->desc[3].num = lens[k];
		packed_free_list(16);
		CHECK_EQ_I(send_region(), 0);
		expect_refused(16, "inflight region: entry 3 is not a chain");
		teardown();
	}

	/* a chain of two whose second descriptor is past the table: found
	 * when it is taken again */
	setup();
	guest_tx(16);
	guest_offer(2);
	packed_part(16);
	packed_inflight(3, 2, 1);
	pp()->desc[3].num = 2;
	pp()->desc[3].flags |= VRING_DESC_F_NEXT;
	pp()->desc[3].next = 99;
	packed_free_list(16);
	CHECK_EQ_I(send_region(), 0);
	CHECK_EQ_I(ring_try(0, 16), 0);
	CHECK_EQ_I(ring_try(1, 16), 0);
	rig_rx_add(&rig, 0, 2048);
	fake_log_clear();
	CHECK(net_pair_work(&rig.dev.net, 0) < 0);
	CHECK_STR_HAS(fake_last_error(), "inflight region: entry 3 is a chain "
					 "of 2 descriptors through entry 99, in "
					 "a table of 16");
	teardown();
}

/* Packed: the free list is read from the region for every chain taken; a
 * head past the table is refused, never followed. */
static void test_packed_free_list_checked(void)
{
	static const uint16_t bad[2] = {99, 0xffff};

	if (!packed)
		return;
	for (unsigned k = 0; k < 2; k++) {
		setup();
		guest_tx(16);
		packed_part(16);
		packed_free_list(16);
		CHECK_EQ_I(send_region(), 0);
		CHECK_EQ_I(ring_try(0, 16), 0);
		CHECK_EQ_I(ring_try(1, 16), 0);
		/* the front-end breaks the list after the recovery */
		if (k == 0)
			pp()->free_head = bad[k];
		else
			pp()->old_free_head = bad[k];
		guest_offer(1);
		rig_rx_add(&rig, 0, 2048);
		fake_log_clear();
		CHECK(net_pair_work(&rig.dev.net, 0) < 0);
		CHECK_STR_HAS(fake_last_error(), k == 0
			      ? "inflight region: free list broken (entry 99)"
			      : "inflight region: free list broken (entry "
				"65535)");
		teardown();
	}
}

/*
 * Packed: a batch half marked used when the back-end died (its used index
 * moved, old_used_idx not yet).  If the first descriptor of the batch
 * still looks available, the driver never got it: rolled back, taken
 * again.  If it was already marked used, the batch stands: not taken
 * again, and the ring goes on after it.
 */
static void test_packed_half_batch(void)
{
	static const uint16_t want[1] = {2};
	struct packed_part *r;

	if (!packed)
		return;
	for (int forward = 0; forward < 2; forward++) {
		setup();
		guest_tx(16);
		guest_offer(2);
		packed_part(16);
		packed_inflight(3, 2, 1);
		packed_free_list(16); /* the list without entry 3: old */
		r = pp();
		/* freeing had begun: entry 3 on the new list, used at 1 */
		r->desc[3].next = r->old_free_head;
		r->free_head = 3;
		r->used_idx = 1;
		if (forward) {
			/* the used flags were written: slot 0, wrap 1 */
			rig.txq.pdesc[0].flags = VRING_PACKED_F_AVAIL |
						 VRING_PACKED_F_USED;
			rig.txq.pdesc[0].id = 2;
		}
		CHECK_EQ_I(send_region(), 0);
		CHECK_EQ_I(ring_try(0, 16), 0);
		CHECK_EQ_I(ring_try(1, 16), 0);
		if (!forward) {
			CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, 1);
			expect_taken_in_order(want, 1);
		} else {
			uint32_t id = 0, len = 0;

			CHECK_EQ_U(rig.dev.q[1].iq.nresubmit, 0);
			CHECK_EQ_U(rig.dev.q[1].ring.p.used_idx, 1);
			CHECK_EQ_U(rig.dev.q[1].ring.p.last_avail, 1);
			/* the guest sees the one it already had */
			CHECK_EQ_I(vqd_get_used(&rig.txq, &id, &len), 1);
			CHECK_EQ_U(id, 2);
		}
		CHECK_EQ_U(still_in_flight(16), 0);
		CHECK_EQ_U(r->old_used_idx, 1);
		teardown();
	}
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_oldest_first);
		RUN(test_shadow_bound);
		RUN(test_header_checked);
		RUN(test_layout_checked);
		if (!packed) {
			RUN(test_split_last_batch);
			RUN(test_split_changed_after);
		} else {
			RUN(test_packed_used_checked);
			RUN(test_packed_chain_checked);
			RUN(test_packed_free_list_checked);
			RUN(test_packed_half_batch);
		}
	}
	return check_summary("test_inflight");
}
