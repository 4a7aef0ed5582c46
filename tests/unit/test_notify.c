/*
 * test_notify.c - calls and kicks through the back-end with
 * VIRTIO_RING_F_EVENT_IDX (virtio 1.2 2.7.10 split, 2.8.10 packed), on a
 * device configured through be_dispatch, the test playing a driver that
 * uses EVENT_IDX too (vqd with event_idx, as Linux's virtio_ring does).
 *
 * What is checked: the TX ring asks for a kick at the next chain only, so
 * a driver that posts frame after frame before the device looks kicks
 * once; the RX ring asks for a kick only when it ran out of buffers, and
 * that kick brings a frame waiting for one through; calls come only when
 * the used entries pass the driver's event; a ring that starts again (a
 * restart, SET_VRING_ENABLE) writes its event at where it stands, so that
 * a stale one left from before the stop cannot silence the driver; and
 * the counts of kicks and calls for a burst, with and without EVENT_IDX.
 * Split, then packed.
 */
#include <string.h>

#include "core/app/fwd.h"
#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/net/net.h"
#include "core/virtq/vqd.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define RAM_GPA 0x40000000ull
#define RAM_UVA 0x7f1200000000ull
#define RAM_SIZE 0x80000ull
#define RAM_OFF 0x1000ull
/* Ring q at Q_GPA(q) (num <= 128): desc, avail at +0x800, used at +0xa00 */
#define Q_GPA(q) (RAM_GPA + 0x1000ull * (q))
#define AVAIL_OFF 0x800ull
#define USED_OFF 0xa00ull
#define UVA(gpa) ((gpa) - RAM_GPA + RAM_UVA)
#define TX_BUF(i) (RAM_GPA + 0x10000ull + 0x800ull * (i))
#define RX_BUF(i) (RAM_GPA + 0x50000ull + 0x800ull * (i))
#define HDR 12u
#define NUM 16u

#define F_BASE (VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
#define F_EVENT VU_BIT(VIRTIO_RING_F_EVENT_IDX)

static bool packed;
static struct be_dev dev;
static struct fwd fw;
static struct vu_msg msg;
static struct vqd rxq, txq;
static uint8_t *ram;
static int call_fd[2];

static uint8_t *host(uint64_t gpa)
{
	return ram + (gpa - RAM_GPA);
}

static int req(uint32_t request, const void *p, uint32_t size, int fd)
{
	memset(&msg, 0, sizeof(msg));
	msg.hdr.request = request;
	msg.hdr.flags = VU_VERSION;
	msg.hdr.size = size;
	if (size > 0)
		memcpy(msg.p.bytes, p, size);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		msg.fds[i] = -1;
	msg.fds[0] = fd;
	msg.nfds = fd >= 0 ? 1 : 0;
	return be_dispatch(&dev, &msg);
}

/* Ring q (SET_VRING_BASE at base), started and enabled. */
static void ring_at(uint32_t q, uint32_t base)
{
	struct vu_state s = {q, NUM};
	struct vu_addr a = {q, 0, UVA(Q_GPA(q)), UVA(Q_GPA(q) + USED_OFF),
			    UVA(Q_GPA(q) + AVAIL_OFF), 0};
	uint64_t v = q;

	CHECK_EQ_I(req(VU_SET_VRING_NUM, &s, sizeof(s), -1), 0);
	s.num = base;
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	s = (struct vu_state){q, 1};
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
}

/* An echo back-end with `features` and one pair of NUM-entry rings; the
 * driver's view in rxq and txq, with EVENT_IDX as negotiated. */
static void setup(uint64_t features)
{
	struct dev_opts o = {.path = "/fake", .listen = true};
	struct fwd_opts fo = {.action = ACT_ECHO};
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	uint8_t mp[8 + sizeof(r)];
	struct vu_memhdr mh = {1, 0};
	uint64_t proto = 0;
	int memfd;

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	CHECK_EQ_I(be_open(&dev, 0, &o), 0);
	fw.ndev = 1;
	fwd_attach(&fw, 0, &dev, &fo);
	dev.dev.fd = fake_sock();
	features |= F_BASE | (packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0);
	CHECK_EQ_I(req(VU_SET_FEATURES, &features, 8, -1), 0);
	CHECK_EQ_I(req(VU_SET_PROTOCOL_FEATURES, &proto, 8, -1), 0);
	memfd = fake_memfd(RAM_OFF + RAM_SIZE);
	ram = fake_memfd_base(memfd) + RAM_OFF;
	memcpy(mp, &mh, 8);
	memcpy(mp + 8, &r, sizeof(r));
	CHECK_EQ_I(req(VU_SET_MEM_TABLE, mp, sizeof(mp), memfd), 0);
	for (uint64_t q = 0; q < 2; q++) {
		ring_at((uint32_t)q, packed ? VQ_BASE_PACKED_INIT : 0);
		call_fd[q] = fake_evt();
		CHECK_EQ_I(req(VU_SET_VRING_CALL, &q, 8, call_fd[q]), 0);
	}
	vqd_init(&rxq, NUM, packed, host(Q_GPA(0)), host(Q_GPA(0) + AVAIL_OFF),
		 host(Q_GPA(0) + USED_OFF));
	vqd_init(&txq, NUM, packed, host(Q_GPA(1)), host(Q_GPA(1) + AVAIL_OFF),
		 host(Q_GPA(1) + USED_OFF));
	rxq.event_idx = txq.event_idx = (features & F_EVENT) != 0;
	fake_log_clear();
}

static void teardown(void)
{
	check_note("teardown");
	dev_close(&dev.dev);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_misuse, 0);
	check_note(NULL);
}

/* ---- the driver ------------------------------------------------------------ */

/* Post a 60-byte frame in TX slot s; true if the driver kicks for it. */
static bool tx_post(uint16_t s)
{
	memset(host(TX_BUF(s)), 0, HDR + 60);
	txq.desc[s] = (struct vring_desc){TX_BUF(s), HDR + 60, 0, 0};
	vqd_add(&txq, s);
	return vqd_publish(&txq);
}

/* Post RX slot s; true if the driver kicks for it. */
static bool rx_post(uint16_t s)
{
	rxq.desc[s] = (struct vring_desc){RX_BUF(s), 2048, VRING_DESC_F_WRITE,
					  0};
	vqd_add(&rxq, s);
	return vqd_publish(&rxq);
}

/* Take what the device used on r. */
static unsigned reap(struct vqd *r)
{
	uint32_t id, len;
	unsigned n = 0;

	while (vqd_get_used(r, &id, &len) == 1)
		n++;
	return n;
}

/* A round of the loop: a kick on ring q (if q >= 0) seen, then the
 * ticks. */
static void round_with(int q)
{
	if (q >= 0) {
		struct watch w = {&dev.dev, dev.dev.gen, W_RING, (uint8_t)q, 0};

		port_evt_signal(dev.q[q].kick_fd);
		dev_event(&w, PORT_POLLIN, 0);
	}
	dev_tick(&dev.dev, 0);
}

/* Does the device ask for a kick at the driver's next post on r (its
 * event at the driver's avail position, or flags that say "always")? */
static bool kick_armed(const struct vqd *r)
{
	if (packed) {
		uint16_t ow = (uint16_t)(r->avail_idx |
					 (r->avail_wrap ? VRING_EVENT_WRAP : 0));

		return r->device_evt->flags == VRING_EVENT_F_DESC &&
		       r->device_evt->off_wrap == ow;
	}
	return *vring_avail_event(r->used, NUM) == r->avail_idx;
}

/* ---- cases ------------------------------------------------------------------ */

/* TX: after a pass that emptied the ring, a kick is asked for at the next
 * chain only: posting five frames one by one kicks once. */
static void test_tx_one_kick(void)
{
	unsigned kicks = 0;

	setup(F_EVENT);
	for (uint16_t i = 0; i < 8; i++)
		rx_post(i);
	round_with(0);
	CHECK(kick_armed(&txq));
	for (uint16_t s = 0; s < 5; s++)
		kicks += tx_post(s);
	CHECK_EQ_U(kicks, 1);
	round_with(1);
	CHECK_EQ_U(dev.q[1].st.frames, 5);
	CHECK_EQ_U(dev.q[0].st.frames, 5);
	CHECK(kick_armed(&txq)); /* and again at the next */
	CHECK_EQ_U(reap(&txq), 5);
	CHECK(tx_post(5));
	teardown();
}

/* RX: a refill while the device has buffers asks for no kick; once it
 * runs out (an echo waits for a buffer), the event is at the next one,
 * the driver's refill kicks once, and the frame goes through. */
static void test_rx_kick_when_out(void)
{
	unsigned kicks = 0;

	setup(F_EVENT);
	for (uint16_t i = 0; i < 2; i++)
		kicks += rx_post(i);
	CHECK_EQ_U(kicks, 1); /* the ring started with its event at 0 */
	round_with(0);
	kicks = rx_post(2) + rx_post(3);
	CHECK_EQ_U(kicks, 0); /* buffers to spare: no kick wanted */
	for (uint16_t s = 0; s < 5; s++)
		tx_post(s);
	round_with(1);
	/* four buffers, five frames: the fifth waits in its TX ring */
	CHECK_EQ_U(dev.q[0].st.frames, 4);
	CHECK_EQ_U(dev.q[1].st.frames, 4);
	CHECK(kick_armed(&rxq));
	CHECK_EQ_U(reap(&rxq), 4);
	kicks = rx_post(4);
	kicks += rx_post(5);
	CHECK_EQ_U(kicks, 1);
	round_with(0);
	CHECK_EQ_U(dev.q[0].st.frames, 5);
	CHECK_EQ_U(dev.q[1].st.frames, 5);
	CHECK_EQ_U(dev.q[0].st.drop_norx, 0);
	teardown();
}

/* Calls only when the used entries pass the driver's event: after the
 * first (which always calls), the driver wants one at its third next used
 * entry. */
static void test_calls_at_event(void)
{
	uint64_t before;

	setup(F_EVENT);
	for (uint16_t i = 0; i < 8; i++)
		rx_post(i);
	tx_post(0);
	round_with(1);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), 1);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), 1);
	CHECK_EQ_U(reap(&txq), 1);
	/* the third used entry from here */
	if (packed) {
		txq.driver_evt->off_wrap = (uint16_t)((txq.last_used + 2) |
						      VRING_EVENT_WRAP);
		txq.driver_evt->flags = VRING_EVENT_F_DESC;
	} else {
		*vring_used_event(txq.avail, NUM) = (uint16_t)(txq.last_used + 2);
	}
	before = fake_evt_count(call_fd[1]);
	for (uint16_t s = 1; s <= 3; s++) {
		tx_post(s);
		round_with(1);
		CHECK_EQ_U(fake_evt_count(call_fd[1]) - before, s == 3);
	}
	CHECK_EQ_U(dev.q[1].st.calls, 2);
	teardown();
}

/* A ring that starts again writes its event at where it stands: stopped
 * with an event long passed (a pass that ended at its batch limit asks
 * for nothing), restarted, it asks for a kick at its next chain, and
 * what the driver posted meanwhile is taken unkicked. */
static void test_restart_event(void)
{
	struct vu_state st = {1, 0};
	struct vu_addr a = {1, 0, UVA(Q_GPA(1)), UVA(Q_GPA(1) + USED_OFF),
			    UVA(Q_GPA(1) + AVAIL_OFF), 0};
	uint64_t v = 1;

	setup(F_EVENT);
	for (uint16_t i = 0; i < 8; i++)
		rx_post(i);
	tx_post(0);
	round_with(1);
	CHECK_EQ_U(reap(&txq), 1);
	/* a stale event: as if a pass had ended at its limit */
	if (packed)
		txq.device_evt->flags = VRING_EVENT_F_DISABLE;
	else
		*vring_avail_event(txq.used, NUM) = 0x8000;
	CHECK(!kick_armed(&txq));
	CHECK(req(VU_GET_VRING_BASE, &st, sizeof(st), -1) >= 0);
	memcpy(&st, fake_sent_last()->p.bytes, sizeof(st));
	CHECK(!tx_post(1)); /* posted while stopped: no kick wanted */
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &st, sizeof(st), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	/* the event written at the device's position (slot 1): the frame
	 * posted there is taken on the next round with no kick */
	if (packed)
		CHECK_EQ_U(txq.device_evt->off_wrap, 1 | VRING_EVENT_WRAP);
	else
		CHECK_EQ_U(*vring_avail_event(txq.used, NUM), 1);
	round_with(-1);
	CHECK_EQ_U(dev.q[1].st.frames, 2);
	CHECK(kick_armed(&txq));
	/* disabled and enabled again: the same */
	st = (struct vu_state){1, 0};
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &st, sizeof(st), -1), 0);
	if (!packed)
		*vring_avail_event(txq.used, NUM) = 0x8000;
	st.num = 1;
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &st, sizeof(st), -1), 0);
	CHECK(kick_armed(&txq));
	teardown();
}

/*
 * Kicks and calls for a burst, the same driver behaviour with and without
 * EVENT_IDX: the driver posts 12 frames one at a time while the device is
 * busy elsewhere, then the device runs; the driver reaps and asks for a
 * call at the next entry.  With EVENT_IDX: one TX kick for the burst.
 * Without: a kick for every post (the device turns kicks off only while
 * it runs).
 */
static void burst(uint64_t features, unsigned *kicks, uint64_t *calls)
{
	setup(features);
	for (uint16_t i = 0; i < NUM; i++)
		rx_post(i);
	round_with(0);
	/* the rings' start made its own call each (be_queue.c queue_wake) */
	*calls = fake_evt_count(call_fd[0]) + fake_evt_count(call_fd[1]);
	CHECK_EQ_U(*calls, 2);
	*kicks = 0;
	for (uint16_t s = 0; s < 12; s++)
		*kicks += tx_post(s);
	round_with(1);
	CHECK_EQ_U(dev.q[1].st.frames, 12);
	*calls = fake_evt_count(call_fd[0]) + fake_evt_count(call_fd[1]) -
		 *calls;
	teardown();
}

static void test_burst_counts(void)
{
	unsigned k_on, k_off;
	uint64_t c_on, c_off;

	burst(F_EVENT, &k_on, &c_on);
	burst(0, &k_off, &c_off);
	CHECK_EQ_U(k_on, 1);
	CHECK_EQ_U(k_off, 12);
	/* one call per ring for the pass, either way */
	CHECK_EQ_U(c_on, 2);
	CHECK_EQ_U(c_off, 2);
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_tx_one_kick);
		RUN(test_rx_kick_when_out);
		RUN(test_calls_at_event);
		RUN(test_restart_event);
		RUN(test_burst_counts);
	}
	return check_summary("test_notify");
}
