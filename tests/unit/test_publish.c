/*
 * test_publish.c - what a ring has pushed and not yet published is handed
 * to the driver before the ring stops or its memory changes.
 *
 * Frames delivered to a guest from elsewhere (another device, a tap, the
 * switch) are pushed onto its RX ring at once and published at the end of
 * the loop's round (net_rx_flush).  A request between the two must not
 * lose them:
 *   - GET_VRING_BASE ("Ring states": it stops the ring) publishes them
 *     first, and the base it replies with counts them (for a packed ring,
 *     its used index and wrap counter are past them);
 *   - SET_MEM_TABLE (vhost-user.rst lets a new table come at any time)
 *     publishes them while the old table still maps the ring: after the
 *     old mapping is gone, a store through it is a fault.  The fake port
 *     tells us when the old mapping goes (fake_unmap_hook), and the used
 *     elements must be in guest memory by then.
 * Each case runs on split and on packed rings.
 */
#include <string.h>

#include "core/net/net.h"
#include "tests/unit/rig.h"

static bool packed;
static struct rig rig;
static struct fwd fw;
static uint8_t frame[60];

/* What the guest sees of RX ring 0 at the moment the old table's mapping
 * of its memory goes. */
static const uint8_t *watched; /* the old mapping */
static bool seen_unmap;
static bool used_then; /* one used element visible then */

/* Is the first RX element visible to the driver?  Split: used->idx moved;
 * packed: descriptor 0 marked used with the first wrap counter. */
static bool rx_used_visible(void)
{
	if (packed) {
		const volatile struct vring_packed_desc *d =
			(const void *)rig_host(&rig, RIG_Q_GPA(0));
		uint16_t f = d[0].flags & (VRING_PACKED_F_AVAIL |
					   VRING_PACKED_F_USED);

		return f == (VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED);
	}
	return ((const volatile struct vring_used *)(const void *)rig_host(
			&rig, RIG_Q_GPA(0) + RIG_USED_OFF))
		       ->idx == 1;
}

static void on_unmap(const void *addr, uint64_t len)
{
	(void)len;
	if (addr != watched)
		return;
	seen_unmap = true;
	used_then = rx_used_visible();
}

/* A back-end with its two rings, a guest RX buffer, and one frame pushed
 * onto RX from elsewhere and not yet published. */
static void setup_pending(void)
{
	struct fwd_opts fo = {.action = ACT_SINK};
	struct vq_iov one;
	struct net_frame fr;

	fake_reset();
	check_note(packed ? "packed" : "split");
	memset(&fw, 0, sizeof(fw));
	rig_open(&rig, &fw, 0, &fo, packed, RIG_F_BASE, 0);
	rig_rings(&rig, 16);
	rig_rx_add(&rig, 0, 2048);
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(0x30 + i);
	net_frame_flat(&fr, &one, frame, sizeof(frame));
	CHECK_EQ_I(net_rx_deliver(&rig.dev.net, 0, &fr), NET_DELIVERED);
	/* pushed, not published: the guest sees nothing yet */
	CHECK(!rx_used_visible());
	CHECK(rig.dev.q[0].dirty);
}

/* The RX element is (buffer 0, the frame behind its header). */
static void expect_rx_frame(void)
{
	if (rig_expect_used(&rig.rxq, 0, RIG_HDR + sizeof(frame)))
		CHECK(memcmp(rig_rx_frame(&rig, 0), frame, sizeof(frame)) ==
		      0);
	rig_expect_no_used(&rig.rxq);
}

/* GET_VRING_BASE publishes, calls, and counts the element in its base. */
static void test_stop_publishes(void)
{
	const struct fake_sent *s;
	struct vu_state st;
	uint64_t calls;

	setup_pending();
	calls = fake_evt_count(rig.call_fd[0]);
	CHECK_EQ_I(rig_req_state(&rig, VU_GET_VRING_BASE, 0, 0), 0);
	s = fake_sent_last();
	CHECK_EQ_U(s->hdr.request, VU_GET_VRING_BASE);
	memcpy(&st, s->p.bytes, sizeof(st));
	CHECK_EQ_U(st.index, 0);
	/* one chain taken, and (packed) one used element written */
	CHECK_EQ_U(st.num, packed ? VQ_BASE_PACKED(1, 1, 1, 1) : 1u);
	CHECK(rx_used_visible());
	expect_rx_frame();
	CHECK_EQ_U(fake_evt_count(rig.call_fd[0]), calls + 1);
	CHECK(!rig.dev.q[0].started);
	/* and the end of the round has nothing left to publish */
	be_flush(&rig.dev);
	rig_expect_no_used(&rig.rxq);
	CHECK_EQ_U(fake_evt_count(rig.call_fd[0]), calls + 1);
	rig_close(&rig);
	rig_leak_check();
}

/* A stopped ring restarted where GET_VRING_BASE said goes on from there:
 * the next frame takes the next buffer and the next used slot. */
static void test_stop_then_restart(void)
{
	struct vq_iov one;
	struct net_frame fr;
	struct vu_state st;
	uint64_t v = 0;

	setup_pending();
	CHECK_EQ_I(rig_req_state(&rig, VU_GET_VRING_BASE, 0, 0), 0);
	memcpy(&st, fake_sent_last()->p.bytes, sizeof(st));
	expect_rx_frame();
	CHECK_EQ_I(rig_req_state(&rig, VU_SET_VRING_BASE, 0, st.num), 0);
	CHECK_EQ_I(rig_req(&rig, VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	CHECK(net_queue_ready(&rig.dev.q[0]));
	rig_rx_add(&rig, 1, 2048);
	frame[0] ^= 0xff;
	net_frame_flat(&fr, &one, frame, sizeof(frame));
	CHECK_EQ_I(net_rx_deliver(&rig.dev.net, 0, &fr), NET_DELIVERED);
	be_flush(&rig.dev);
	if (rig_expect_used(&rig.rxq, 1, RIG_HDR + sizeof(frame)))
		CHECK(memcmp(rig_rx_frame(&rig, 1), frame, sizeof(frame)) ==
		      0);
	rig_close(&rig);
	rig_leak_check();
}

/* SET_MEM_TABLE (the same RAM through a new fd, as on memory hotplug)
 * publishes while the old table still maps the ring. */
static void test_table_swap_publishes(void)
{
	int fd2;

	setup_pending();
	watched = rig.dev.mem.r[0].map_base;
	seen_unmap = used_then = false;
	fake_unmap_hook = on_unmap;
	fd2 = fake_memfd_alias(rig.memfd);
	CHECK_EQ_I(rig_mem_table(&rig, fd2), 0);
	fake_unmap_hook = NULL;
	CHECK(seen_unmap);
	CHECK(used_then); /* published before the old mapping went */
	CHECK(net_queue_ready(&rig.dev.q[0]));
	expect_rx_frame();
	/* nothing is published twice at the end of the round */
	be_flush(&rig.dev);
	rig_expect_no_used(&rig.rxq);
	rig_close(&rig);
	rig_leak_check();
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_stop_publishes);
		RUN(test_stop_then_restart);
		RUN(test_table_swap_publishes);
	}
	return check_summary("test_publish");
}
