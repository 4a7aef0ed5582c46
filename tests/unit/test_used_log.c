/*
 * test_used_log.c - the dirty log marks of a ring's own writes, page by
 * page (vhost-user.rst "Migration": with VHOST_F_LOG_ALL and a ring
 * logged with VHOST_VRING_F_LOG, every page the device writes is
 * marked, the used ring's at log_guest_addr).
 *
 * test_net's dirty-log case keeps each ring inside one page, where one
 * mark covers every write; leaving out the mark of used->idx, or of the
 * used elements that wrap past the end of the ring, went unseen.  Here
 * the ring is large (1024 entries) and placed across page boundaries:
 *
 *   split  used ring at P1 - 4: flags and idx on page P0, elements
 *          0..511 on P1, 512..1023 on P2.  A publish of elements 1023
 *          and 0 (a batch that wraps) must mark P0, P1 and P2, and
 *          nothing else of the ring.
 *   packed descriptor ring of 4 pages: used elements written at slots
 *          1023 (its last page) and 0 (its first) must mark both, and
 *          no page in between.
 *
 * The rings start at 1023 (SET_VRING_BASE, and for a split ring its used
 * index in guest memory), and the frames come from elsewhere (delivered,
 * then published at the end of the round), so nothing but the publish
 * writes the ring while the log is watched.
 */
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/rig.h"

#define NUM 1024u
#define DESC_GPA RIG_FREE                /* 16 KiB: 4 pages */
#define AVAIL_GPA (RIG_FREE + 0x4000ull) /* split: 2054 bytes */
#define EVT_GPA (RIG_FREE + 0x4000ull)   /* packed: driver area */
#define DEVEVT_GPA (RIG_FREE + 0x5000ull) /* packed: device area */
#define USED_GPA (RIG_FREE + 0x7000ull - 4) /* split: across 3 pages */
#define P(gpa) ((gpa) >> 12)

static bool packed;
static struct rig rig;
static struct fwd fw;
static const uint8_t *lg;
static uint64_t log_size;

static bool logged(uint64_t gpa)
{
	uint64_t page = P(gpa);

	return (lg[page / 8] >> (page % 8)) & 1;
}

/* The pages of [from, to] marked, as a count (for "nothing else"). */
static unsigned marked_in(uint64_t from, uint64_t to)
{
	unsigned n = 0;

	for (uint64_t p = P(from); p <= P(to); p++)
		n += logged(p << 12);
	return n;
}

static void clear_log(void)
{
	memset((void *)lg, 0, log_size);
}

/*
 * A back-end logging everything, its RX ring 0 of NUM entries at the
 * places above, started at position 1023 with 2 buffers offered there
 * (slots 1023 and 0 of the ring), and ring 1 at its default place.
 */
static void setup(void)
{
	struct fwd_opts fo = {.action = ACT_SINK};
	struct vu_log lb;
	struct vu_addr a;
	uint64_t v = 0;
	int lfd;

	fake_reset();
	check_note(packed ? "packed" : "split");
	memset(&fw, 0, sizeof(fw));
	rig_open(&rig, &fw, 0, &fo, packed,
		 RIG_F_BASE | VU_BIT(VHOST_F_LOG_ALL),
		 VU_BIT(VU_PROTO_F_LOG_SHMFD));
	/* the log covers all guest memory, one bit a page */
	log_size = ((RIG_GPA + RIG_SIZE) >> 12) / 8 + 1;
	lfd = fake_memfd(log_size);
	lg = fake_memfd_base(lfd);
	lb = (struct vu_log){log_size, 0};
	CHECK_EQ_I(rig_req(&rig, VU_SET_LOG_BASE, &lb, sizeof(lb), lfd), 0);

	/* ring 0 at 1023: for a split ring the used index in guest memory
	 * says where the device resumes, the base where it takes from */
	if (!packed) {
		struct vring_avail *av = (void *)rig_host(&rig, AVAIL_GPA);
		struct vring_used *u = (void *)rig_host(&rig, USED_GPA);

		av->idx = NUM - 1;
		u->idx = NUM - 1;
	}
	CHECK_EQ_I(rig_req_state(&rig, VU_SET_VRING_NUM, 0, NUM), 0);
	CHECK_EQ_I(rig_req_state(&rig, VU_SET_VRING_BASE, 0,
				 packed ? VQ_BASE_PACKED(NUM - 1, 1, NUM - 1, 1)
					: NUM - 1),
		   0);
	if (packed) {
		/* what a ring at slot 1023 of its first lap looks like: the
		 * slots before it used (else the back-end would read the ring
		 * as standing elsewhere, vq_packed.c packed_recover) */
		struct vring_packed_desc *d = (struct vring_packed_desc *)(void *)
			rig_host(&rig, DESC_GPA);

		for (unsigned i = 0; i + 1 < NUM; i++)
			d[i].flags = VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED;
	}
	a = (struct vu_addr){0, VU_VRING_F_LOG, RIG_UVA_OF(DESC_GPA),
			     RIG_UVA_OF(packed ? DEVEVT_GPA : USED_GPA),
			     RIG_UVA_OF(packed ? EVT_GPA : AVAIL_GPA),
			     packed ? DESC_GPA : USED_GPA};
	CHECK_EQ_I(rig_req(&rig, VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(rig_req(&rig, VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	CHECK_EQ_I(rig_req_state(&rig, VU_SET_VRING_ENABLE, 0, 1), 0);
	CHECK(net_queue_ready(&rig.dev.q[0]));
	vqd_init(&rig.rxq, NUM, packed, rig_host(&rig, DESC_GPA),
		 rig_host(&rig, packed ? EVT_GPA : AVAIL_GPA),
		 rig_host(&rig, packed ? DEVEVT_GPA : USED_GPA));
	/* the driver where the device is */
	rig.rxq.avail_idx = NUM - 1;
	rig.rxq.last_used = NUM - 1;
	/* buffers 5 and 6 at ring positions 1023 and 0: the second wraps
	 * (split: avail entries 1023 and 0; packed: slots 1023 and 0) */
	rig_rx_add(&rig, 5, 2048);
	rig_rx_add(&rig, 6, 2048);
	CHECK_EQ_U(rig.dev.dlog.marks_dropped, 0);
}

/* Two frames from elsewhere, published together at the round's end, on a
 * clean log. */
static void deliver_two(void)
{
	static uint8_t f[60];
	struct vq_iov one;
	struct net_frame fr;

	memset(f, 0x42, sizeof(f));
	net_frame_flat(&fr, &one, f, sizeof(f));
	clear_log();
	CHECK_EQ_I(net_rx_deliver(&rig.dev.net, 0, &fr), NET_DELIVERED);
	CHECK_EQ_I(net_rx_deliver(&rig.dev.net, 0, &fr), NET_DELIVERED);
	be_flush(&rig.dev);
	rig_expect_used(&rig.rxq, 5, RIG_HDR + 60);
	rig_expect_used(&rig.rxq, 6, RIG_HDR + 60);
	CHECK_EQ_U(rig.dev.dlog.marks_dropped, 0);
}

/* Split: elements 1023 and 0, and used->idx, each on its own page. */
static void test_split_wrap_marks(void)
{
	const uint64_t elem0 = USED_GPA + 4, elem1023 = USED_GPA + 4 + 8 * 1023;

	setup();
	/* the layout is what the test means it to be */
	CHECK(P(USED_GPA + 2) != P(elem0));
	CHECK(P(elem0) != P(elem1023));
	deliver_two();
	CHECK(logged(USED_GPA + 2)); /* used->idx */
	CHECK(logged(elem1023));     /* the first element, before the wrap */
	CHECK(logged(elem0));        /* the second, after it */
	CHECK(logged(RIG_RX_BUF(5)) && logged(RIG_RX_BUF(6)));
	/* and nothing else of the ring, nor the parts only read */
	CHECK_EQ_U(marked_in(DESC_GPA, USED_GPA + 4 + 8 * NUM + 1), 3);
	CHECK(!logged(AVAIL_GPA));
	rig_close(&rig);
	rig_leak_check();
}

/* Packed: the used elements at slots 1023 and 0, four pages apart. */
static void test_packed_wrap_marks(void)
{
	const uint64_t s1023 = DESC_GPA + 16ull * 1023, s0 = DESC_GPA;

	setup();
	CHECK(P(s1023) == P(s0) + 3);
	deliver_two();
	CHECK(logged(s1023));
	CHECK(logged(s0));
	CHECK(!logged(s0 + 0x1000) && !logged(s0 + 0x2000));
	CHECK(logged(RIG_RX_BUF(5)) && logged(RIG_RX_BUF(6)));
	CHECK(!logged(EVT_GPA)); /* the driver's area is only read */
	rig_close(&rig);
	rig_leak_check();
}

int main(void)
{
	packed = false;
	RUN(test_split_wrap_marks);
	packed = true;
	RUN(test_packed_wrap_marks);
	return check_summary("test_used_log");
}
