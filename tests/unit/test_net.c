/*
 * test_net.c - the back-end's virtio-net data path (core/net.c, virtio 1.2
 * section 5.1.6) on a device configured through be_dispatch, with the
 * test playing the guest driver on both rings of pair 0 (queue 0 RX,
 * queue 1 TX).
 *
 * What is checked: frames arrive byte for byte behind a fresh 12-byte
 * virtio-net header (num_buffers, 5.1.6.4); with MRG_RXBUF a frame spans
 * buffers and num_buffers counts them; a full RX ring holds the TX frame
 * back instead of losing it; runts are dropped and counted (CVE-2022-2132);
 * disabled rings ("Ring states", vhost-user.rst) drop; calls follow a batch
 * unless the driver suppressed them (2.7.7); a hostile ring is an error.
 * Every case runs on split rings, then (but for the legacy header and the
 * split ring's own index checks) again on packed rings (2.8), at the same
 * addresses: descriptor ring, driver and device event areas.
 */
#include <string.h>

#include "core/app/fwd.h"
#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/net/net.h"
#include "core/virtq/vqd.h"
#include "core/net/pkt.h"
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
/* 2 KiB buffers: TX slot i, RX slot i */
#define TX_BUF(i) (RAM_GPA + 0x10000ull + 0x800ull * (i))
#define RX_BUF(i) (RAM_GPA + 0x50000ull + 0x800ull * (i))
#define HDR 12u

#define F_BASE (VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
#define F_MRG VU_BIT(VIRTIO_NET_F_MRG_RXBUF)

static bool packed; /* this pass runs on packed rings */

/* Where ring r stands, in either layout. */
#define LAST_AVAIL(r) ((r).packed ? (r).p.last_avail : (r).s.last_avail)
#define USED_IDX(r) ((r).packed ? (r).p.used_idx : (r).s.used_idx)
static uint64_t proto_extra; /* protocol features for setup_with */
static struct be_dev dev;
static struct fwd fw;
static struct vu_msg msg;
static struct vqd rxq, txq;
static uint8_t *ram;
static int call_fd[2];
static uint8_t frame[2048];

static uint8_t *host(uint64_t gpa)
{
	return ram + (gpa - RAM_GPA);
}

/* ---- configuration through be_dispatch ----------------------------------- */

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

static void ring(uint32_t q, uint32_t num, bool enable)
{
	struct vu_state s = {q, num};
	struct vu_addr a = {q, 0, UVA(Q_GPA(q)), UVA(Q_GPA(q) + USED_OFF),
			    UVA(Q_GPA(q) + AVAIL_OFF), 0};
	uint64_t v = q;

	CHECK_EQ_I(req(VU_SET_VRING_NUM, &s, sizeof(s), -1), 0);
	s.num = packed ? VQ_BASE_PACKED_INIT : 0;
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	call_fd[q] = fake_evt();
	CHECK_EQ_I(req(VU_SET_VRING_CALL, &v, 8, call_fd[q]), 0);
	if (enable) {
		s.num = 1;
		CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	}
	CHECK(net_queue_ready(&dev.q[q]));
}

/*
 * A back-end with `features` negotiated, one memory region, and rings 0
 * and 1 of num entries (enabled as asked); the driver's view of both rings
 * in rxq and txq.
 */
static void setup_with(uint64_t features, uint32_t num, bool en_rx, bool en_tx,
		       enum fwd_action act)
{
	struct dev_opts o = {.path = "/fake", .listen = true};
	struct fwd_opts fo = {.action = act};
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	uint8_t mp[8 + sizeof(r)];
	struct vu_memhdr mh = {1, 0};
	uint64_t zero = 0;
	int memfd;

	fake_reset();
	CHECK_EQ_I(be_open(&dev, 0, &o), 0);
	/* frames go where the program sends them (fwd.c) */
	fw.ndev = 1;
	fwd_attach(&fw, 0, &dev, &fo);
	dev.dev.fd = fake_sock();
	if (packed)
		features |= VU_BIT(VIRTIO_F_RING_PACKED);
	CHECK_EQ_I(req(VU_SET_FEATURES, &features, 8, -1), 0);
	zero = proto_extra;
	if (features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
		CHECK_EQ_I(req(VU_SET_PROTOCOL_FEATURES, &zero, 8, -1), 0);
	memfd = fake_memfd(RAM_OFF + RAM_SIZE);
	ram = fake_memfd_base(memfd) + RAM_OFF;
	memcpy(mp, &mh, 8);
	memcpy(mp + 8, &r, sizeof(r));
	CHECK_EQ_I(req(VU_SET_MEM_TABLE, mp, sizeof(mp), memfd), 0);
	ring(0, num, en_rx);
	ring(1, num, en_tx);
	vqd_init(&rxq, num, packed, host(Q_GPA(0)), host(Q_GPA(0) + AVAIL_OFF),
		 host(Q_GPA(0) + USED_OFF));
	vqd_init(&txq, num, packed, host(Q_GPA(1)), host(Q_GPA(1) + AVAIL_OFF),
		 host(Q_GPA(1) + USED_OFF));
	fake_log_clear();
}

static void setup(uint64_t extra)
{
	setup_with(F_BASE | extra, 16, true, true, ACT_ECHO);
}

static void teardown(void)
{
	check_note("teardown");
	dev_close(&dev.dev);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_double_close, 0);
	CHECK_EQ_U(fake_misuse, 0);
	check_note(NULL);
}

/* ---- the guest driver ----------------------------------------------------- */

/* Frame number `seed` of len bytes: a recognisable pattern. */
static const uint8_t *make_frame(uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 7u);
	return frame;
}

/* Transmit: header (garbage: the device must not forward it) then frame,
 * one descriptor in TX slot `slot`. */
static void tx_put(uint16_t slot, uint32_t len, uint8_t seed, uint32_t hdr)
{
	uint8_t *b = host(TX_BUF(slot));

	memset(b, 0x77, hdr);
	memcpy(b + hdr, make_frame(len, seed), len);
	txq.desc[slot] = (struct vring_desc){TX_BUF(slot), hdr + len, 0, 0};
	vqd_add(&txq, slot);
	vqd_publish(&txq);
}

/* Offer an RX buffer of size bytes in RX slot `slot`, filled with 0xaa. */
static void rx_add(uint16_t slot, uint32_t size)
{
	memset(host(RX_BUF(slot)), 0xaa, size + 1);
	rxq.desc[slot] = (struct vring_desc){RX_BUF(slot), size,
					     VRING_DESC_F_WRITE, 0};
	vqd_add(&rxq, slot);
	vqd_publish(&rxq);
}

/* The next used element of a ring is (id, len). */
static void expect_used(struct vqd *q, uint32_t id, uint32_t len)
{
	uint32_t gid = 0xffff, glen = 0xffff;

	if (CHECK_EQ_I(vqd_get_used(q, &gid, &glen), 1)) {
		CHECK_EQ_U(gid, id);
		CHECK_EQ_U(glen, len);
	}
}

static void expect_no_used(struct vqd *q)
{
	uint32_t id, len;

	CHECK_EQ_I(vqd_get_used(q, &id, &len), 0);
}

/* The device wants kicks on ring q again (2.7.10, 2.8.10). */
static bool kicks_wanted(const struct vqd *q)
{
	return packed ? q->device_evt->flags == VRING_EVENT_F_ENABLE
		      : q->used->flags == 0;
}

/* The driver asks for no calls on ring q (2.7.7, 2.8.10). */
static void no_calls(struct vqd *q)
{
	if (packed)
		q->driver_evt->flags = VRING_EVENT_F_DISABLE;
	else
		q->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

/* The virtio-net header the device wrote: all zero but num_buffers. */
static void expect_hdr(const uint8_t *b, uint16_t num_buffers)
{
	static const uint8_t zero[10];

	CHECK(memcmp(b, zero, 10) == 0);
	CHECK_EQ_U(b[10] | b[11] << 8, num_buffers);
}

/* ---- cases --------------------------------------------------------------- */

/* Echo: the frame comes back behind a fresh header with num_buffers 1. */
static void test_echo(void)
{
	const uint8_t *b;

	setup(0);
	rx_add(0, 2048);
	rx_add(1, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 0, 0);
	expect_used(&rxq, 0, HDR + 60);
	b = host(RX_BUF(0));
	expect_hdr(b, 1);
	CHECK(memcmp(b + HDR, make_frame(60, 1), 60) == 0);
	CHECK_EQ_U(b[HDR + 60], 0xaa); /* nothing past the frame */
	CHECK_EQ_U(dev.q[1].st.frames, 1);
	CHECK_EQ_U(dev.q[1].st.bytes, 60);
	CHECK_EQ_U(dev.q[0].st.frames, 1);
	CHECK_EQ_U(dev.q[0].st.bytes, 60);
	/* kicks back on once the ring is empty (2.7.10) */
	CHECK(kicks_wanted(&txq));

	/* a second, larger frame into the second buffer, via the kick path */
	tx_put(1, 1514, 9, HDR);
	CHECK_EQ_I(be_queue_work(&dev, 1), 0);
	expect_used(&txq, 1, 0);
	expect_used(&rxq, 1, HDR + 1514);
	b = host(RX_BUF(1));
	expect_hdr(b, 1);
	CHECK(memcmp(b + HDR, make_frame(1514, 9), 1514) == 0);
	CHECK_EQ_U(dev.q[1].st.frames, 2);
	/* nothing to do: nothing changes */
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_no_used(&txq);
	expect_no_used(&rxq);
	CHECK_EQ_U(fake_error_count(), 0);
	teardown();
}

/* virtio 1.2 5.1.6.4: with MRG_RXBUF a frame may span buffers; the first
 * header's num_buffers says how many, each used length says how much. */
static void test_mergeable(void)
{
	uint8_t *b0, *b1, *b2;
	const uint8_t *f;

	setup(F_MRG);
	for (uint16_t i = 0; i < 4; i++)
		rx_add(i, 32);
	tx_put(0, 60, 3, HDR); /* 72 bytes: 32 + 32 + 8 */
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 0, 0);
	expect_used(&rxq, 0, 32);
	expect_used(&rxq, 1, 32);
	expect_used(&rxq, 2, 8);
	expect_no_used(&rxq);
	b0 = host(RX_BUF(0));
	b1 = host(RX_BUF(1));
	b2 = host(RX_BUF(2));
	f = make_frame(60, 3);
	expect_hdr(b0, 3);
	CHECK(memcmp(b0 + HDR, f, 20) == 0);
	CHECK(memcmp(b1, f + 20, 32) == 0);
	CHECK(memcmp(b2, f + 52, 8) == 0);
	CHECK_EQ_U(b2[8], 0xaa);
	CHECK_EQ_U(dev.q[0].st.frames, 1);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 3);

	/* a frame that fits one buffer: num_buffers 1 */
	tx_put(1, 14, 4, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 3, HDR + 14);
	expect_hdr(host(RX_BUF(3)), 1);
	teardown();
}

/* RX full: the TX frame waits in the ring (not taken, not lost) until the
 * driver adds RX buffers. */
static void test_rx_full(void)
{
	setup(0);
	tx_put(0, 60, 5, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_no_used(&txq);
	expect_no_used(&rxq);
	CHECK_EQ_U(LAST_AVAIL(dev.q[1].ring), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 0);
	CHECK_EQ_U(dev.q[0].st.drop_norx, 0);
	CHECK(!dev.q[1].busy);
	/* the RX kick brings the pair back */
	rx_add(0, 2048);
	CHECK_EQ_I(be_queue_work(&dev, 0), 0);
	expect_used(&txq, 0, 0);
	expect_used(&rxq, 0, HDR + 60);
	CHECK(memcmp(host(RX_BUF(0)) + HDR, make_frame(60, 5), 60) == 0);
	CHECK_EQ_U(dev.q[1].st.frames, 1);
	teardown();

	/* mergeable: two buffers for a frame that needs three is "full" too,
	 * and both go back to the ring untouched (in the used ring terms) */
	setup(F_MRG);
	rx_add(0, 32);
	rx_add(1, 32);
	tx_put(0, 60, 6, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_no_used(&txq);
	expect_no_used(&rxq);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 0);
	CHECK_EQ_U(USED_IDX(dev.q[0].ring), 0);
	CHECK_EQ_U(LAST_AVAIL(dev.q[1].ring), 0);
	rx_add(2, 32);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 0, 0);
	expect_used(&rxq, 0, 32);
	expect_used(&rxq, 1, 32);
	expect_used(&rxq, 2, 8);
	expect_hdr(host(RX_BUF(0)), 3);
	CHECK(memcmp(host(RX_BUF(2)), make_frame(60, 6) + 52, 8) == 0);
	teardown();
}

/* Without MRG_RXBUF a buffer too small for the frame drops the frame; the
 * buffer stays for the next one. */
static void test_rx_too_small(void)
{
	setup(0);
	rx_add(0, 40);
	tx_put(0, 60, 7, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);
	CHECK_EQ_U(dev.q[0].st.drop_oversize, 1);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 0);
	tx_put(1, 20, 8, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 0, HDR + 20);
	teardown();
}

/* Chains larger than we handle: TX with more pieces than CFG_CHAIN_SEGS,
 * or a frame over CFG_FRAME_MAX (dropped as oversize, consumed); RX with
 * too many pieces (the frame dropped, the RX chain left alone). */
static void test_oversize(void)
{
	const uint16_t n = CFG_CHAIN_SEGS + 1;

	setup_with(F_BASE, 128, true, true, ACT_ECHO);
	rx_add(0, 2048);
	memset(host(TX_BUF(0)), 0, n);
	for (uint16_t i = 0; i < n; i++)
		txq.desc[i] = (struct vring_desc){
			TX_BUF(0) + i, 1, i + 1 < n ? VRING_DESC_F_NEXT : 0,
			(uint16_t)(i + 1)};
	vqd_add(&txq, 0);
	vqd_publish(&txq);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.drop_oversize, 1);
	CHECK_EQ_U(dev.q[1].st.frames, 0);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);

	/* one descriptor, a frame one byte over CFG_FRAME_MAX */
	txq.desc[0] = (struct vring_desc){TX_BUF(0), HDR + CFG_FRAME_MAX + 1,
					  0, 0};
	vqd_add(&txq, 0);
	vqd_publish(&txq);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.drop_oversize, 2);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);
	teardown();

	/* an RX chain of more pieces than CFG_CHAIN_SEGS cannot take the
	 * frame (its pieces past the limit were not gathered): the frame is
	 * dropped, the chain left in the ring */
	setup_with(F_BASE, 128, true, true, ACT_ECHO);
	for (uint16_t i = 0; i < 100; i++)
		rxq.desc[i] = (struct vring_desc){
			RX_BUF(0) + i, 1,
			VRING_DESC_F_WRITE | (i + 1 < 100 ? VRING_DESC_F_NEXT : 0),
			(uint16_t)(i + 1)};
	vqd_add(&rxq, 0);
	vqd_publish(&rxq);
	tx_put(0, 80, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[0].st.drop_oversize, 1);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 0);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);
	teardown();
}

/* Sink: counted and dropped, RX untouched. */
static void test_sink(void)
{
	setup_with(F_BASE, 16, true, true, ACT_SINK);
	rx_add(0, 2048);
	tx_put(0, 60, 1, HDR);
	tx_put(1, 100, 2, HDR);
	tx_put(2, 1500, 3, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 3);
	CHECK_EQ_U(dev.q[1].st.bytes, 60 + 100 + 1500);
	expect_used(&txq, 0, 0);
	expect_used(&txq, 1, 0);
	expect_used(&txq, 2, 0);
	expect_no_used(&rxq);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 0);
	CHECK_EQ_U(dev.q[0].st.frames, 0);
	teardown();
}

/* CVE-2022-2132: a TX chain shorter than the virtio-net header plus an
 * Ethernet header is dropped as bad, never parsed.  A header split over
 * two descriptors is fine (virtio 1.2 2.7.4: no framing assumptions). */
static void test_runts(void)
{
	setup(0);
	rx_add(0, 2048);
	rx_add(1, 2048);
	tx_put(0, PKT_ETH_HLEN - 1, 1, HDR); /* 12 + 13 */
	tx_put(1, 0, 1, HDR);                /* header only */
	/* a device-writable descriptor on TX (5.1.6.2) */
	txq.desc[2] = (struct vring_desc){TX_BUF(2), HDR + 60,
					  VRING_DESC_F_WRITE, 0};
	vqd_add(&txq, 2);
	vqd_publish(&txq);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.drop_bad, 3);
	CHECK_EQ_U(dev.q[1].st.frames, 0);
	expect_used(&txq, 0, 0); /* consumed all the same */
	expect_used(&txq, 1, 0);
	expect_used(&txq, 2, 0);
	expect_no_used(&rxq);

	/* long enough, but with a writable piece after the frame */
	memset(host(TX_BUF(6)), 0, HDR + 60);
	txq.desc[6] = (struct vring_desc){TX_BUF(6), HDR + 60,
					  VRING_DESC_F_NEXT, 7};
	txq.desc[7] = (struct vring_desc){TX_BUF(7), 64, VRING_DESC_F_WRITE, 0};
	vqd_add(&txq, 6);
	vqd_publish(&txq);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.drop_bad, 4);
	CHECK_EQ_U(dev.q[1].st.frames, 0);
	expect_used(&txq, 6, 0);
	expect_no_used(&rxq);
	txq.desc[6].flags = 0;

	/* exactly header + Ethernet header: a frame */
	tx_put(3, PKT_ETH_HLEN, 2, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 1);
	expect_used(&txq, 3, 0);
	expect_used(&rxq, 0, HDR + PKT_ETH_HLEN);

	/* header split 6 + (6 + frame) over two descriptors */
	{
		uint8_t *b = host(TX_BUF(4));

		memset(b, 0x77, HDR);
		memcpy(b + HDR, make_frame(PKT_ETH_HLEN, 3), PKT_ETH_HLEN);
		txq.desc[4] = (struct vring_desc){TX_BUF(4), 6,
						  VRING_DESC_F_NEXT, 5};
		txq.desc[5] = (struct vring_desc){TX_BUF(4) + 6,
						  6 + PKT_ETH_HLEN, 0, 0};
		vqd_add(&txq, 4);
		vqd_publish(&txq);
	}
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 2);
	CHECK_EQ_U(dev.q[1].st.drop_bad, 4);
	expect_used(&rxq, 1, HDR + PKT_ETH_HLEN);
	CHECK(memcmp(host(RX_BUF(1)) + HDR, make_frame(PKT_ETH_HLEN, 3),
		     PKT_ETH_HLEN) == 0);
	teardown();
}

/* Legacy (neither VERSION_1 nor MRG_RXBUF): the 10-byte header; without
 * PROTOCOL_FEATURES the rings are enabled from the start. */
static void test_legacy_header(void)
{
	const uint8_t *b;

	setup_with(0, 16, false, false, ACT_ECHO);
	CHECK_EQ_U(net_hdr_len(dev.features), 10);
	rx_add(0, 2048);
	tx_put(0, 60, 4, 10);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 0, 10 + 60);
	b = host(RX_BUF(0));
	CHECK(memcmp(b + 10, make_frame(60, 4), 60) == 0);
	CHECK_EQ_U(b[0] | b[9], 0);
	teardown();
}

/* vhost-user.rst "Ring states": with PROTOCOL_FEATURES a ring starts
 * disabled; a disabled TX ring is drained without sending, a disabled RX
 * ring gets nothing. */
static void test_disabled(void)
{
	setup_with(F_BASE, 16, true, false, ACT_ECHO);
	rx_add(0, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.drop_disabled, 1);
	CHECK_EQ_U(dev.q[1].st.frames, 0);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 0);
	teardown();

	setup_with(F_BASE, 16, false, true, ACT_ECHO);
	rx_add(0, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[0].st.drop_disabled, 1);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);
	CHECK_EQ_U(host(RX_BUF(0))[0], 0xaa);
	teardown();

	/* enabled, then disabled again by SET_VRING_ENABLE 0 */
	setup_with(F_BASE, 16, true, true, ACT_ECHO);
	{
		struct vu_state s = {1, 0};
		CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	}
	rx_add(0, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.drop_disabled, 1);
	expect_no_used(&rxq);
	teardown();
}

/* virtio 1.2 2.7.7: one call per ring per batch, none when the driver set
 * VRING_AVAIL_F_NO_INTERRUPT. */
static void test_calls(void)
{
	setup(0);
	for (uint16_t i = 0; i < 3; i++) {
		rx_add(i, 2048);
		tx_put(i, 60, (uint8_t)i, HDR);
	}
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 3);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), 1);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), 1);
	CHECK_EQ_U(dev.q[1].st.calls, 1);
	CHECK_EQ_U(dev.q[0].st.calls, 1);
	/* nothing new: no call */
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), 1);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), 1);

	/* the driver polls TX completions: no TX call, RX still called */
	no_calls(&txq);
	rx_add(3, 2048);
	tx_put(3, 60, 3, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 4);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), 1);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), 2);
	no_calls(&rxq);
	rx_add(4, 2048);
	tx_put(4, 60, 4, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), 2);
	teardown();
}

/* Post n all-zero frames of 60 bytes on TX, in descriptors first..,
 * sharing one buffer. */
static void tx_zeros(unsigned first, unsigned n)
{
	memset(host(TX_BUF(0)), 0, HDR + 60);
	for (unsigned i = first; i < first + n; i++) {
		txq.desc[i] = (struct vring_desc){TX_BUF(0), HDR + 60, 0, 0};
		vqd_add(&txq, (uint16_t)i);
	}
	vqd_publish(&txq);
}

/* A batch is CFG_BATCH chains; more left marks the TX queue busy so the
 * loop comes back without waiting for a kick. */
static void test_batch(void)
{
	const unsigned n = CFG_BATCH + 6;

	setup_with(F_BASE, 128, true, true, ACT_SINK);
	tx_zeros(0, n);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, CFG_BATCH);
	CHECK(dev.q[1].busy);
	CHECK_EQ_U(USED_IDX(dev.q[1].ring), CFG_BATCH);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, n);
	CHECK(!dev.q[1].busy);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), 2);
	teardown();
}

/*
 * A ring stopped (GET_VRING_BASE) after a pass that ended at its batch
 * limit, so with kicks still off in guest memory; a frame posted while it
 * is stopped; a restart (BASE, ADDR, KICK, ENABLE).  The restart asks for
 * kicks again and looks at the ring: every frame is taken with no new
 * kick (spec-deviations D6).
 */
static void test_restart_looks(void)
{
	const unsigned n = CFG_BATCH + 6;
	struct vu_state s = {1, 0};
	struct vu_addr a = {1, 0, UVA(Q_GPA(1)), UVA(Q_GPA(1) + USED_OFF),
			    UVA(Q_GPA(1) + AVAIL_OFF), 0};
	uint64_t v = 1;

	setup_with(F_BASE, 128, true, true, ACT_SINK);
	tx_zeros(0, n);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, CFG_BATCH);
	CHECK(!kicks_wanted(&txq)); /* the pass ended at its limit */

	/* stopped where it stood */
	CHECK(req(VU_GET_VRING_BASE, &s, sizeof(s), -1) >= 0);
	memcpy(&s, fake_sent_last()->p.bytes, sizeof(s));
	CHECK(!net_queue_ready(&dev.q[1]));
	/* the driver posts one more while the ring is stopped */
	tx_zeros(n, 1);

	/* started again: no kick is ever signalled */
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	s = (struct vu_state){1, 1};
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	CHECK(net_queue_ready(&dev.q[1]));
	CHECK(kicks_wanted(&txq));
	dev_tick(&dev.dev, 0);
	dev_tick(&dev.dev, 0);
	CHECK_EQ_U(dev.q[1].st.frames, n + 1);
	CHECK(!dev.q[1].busy);
	CHECK(kicks_wanted(&txq));
	teardown();
}

/* Kick ring q as the guest would, and let the device see it: a round of
 * the loop, the kick's event and then the ticks that serve the pairs. */
static void kick(unsigned q)
{
	struct watch w = {&dev.dev, dev.dev.gen, W_RING, (uint8_t)q, 0};

	port_evt_signal(dev.q[q].kick_fd);
	dev_event(&w, PORT_POLLIN, 0);
	dev_tick(&dev.dev, 0);
}

/* Give ring q an error fd (SET_VRING_ERR). */
static int err_fd(uint64_t q)
{
	int fd = fake_evt();

	CHECK_EQ_I(req(VU_SET_VRING_ERR, &q, 8, fd), 0);
	return fd;
}

/* The guest resets its rings (say, after a TX timeout) and the front-end
 * starts ring q again from the start, as QEMU does after a virtio reset:
 * GET_VRING_BASE, then BASE, ADDR, KICK, ENABLE. */
static void restart(uint32_t q)
{
	struct vu_state s = {q, 0};
	struct vu_addr a = {q, 0, UVA(Q_GPA(q)), UVA(Q_GPA(q) + USED_OFF),
			    UVA(Q_GPA(q) + AVAIL_OFF), 0};
	uint64_t v = q;

	CHECK(req(VU_GET_VRING_BASE, &s, sizeof(s), -1) >= 0);
	CHECK(!dev.q[q].failed);
	memset(host(Q_GPA(q)), 0, 0x1000);
	vqd_init(q ? &txq : &rxq, 16, packed, host(Q_GPA(q)),
		 host(Q_GPA(q) + AVAIL_OFF), host(Q_GPA(q) + USED_OFF));
	s.num = packed ? VQ_BASE_PACKED_INIT : 0;
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	s.num = 1;
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	CHECK(net_queue_ready(&dev.q[q]));
}

/*
 * A back-end killed between publishing used entries and calling took the
 * call with it, and a driver whose RX ring it had filled waits for that
 * call forever: nothing else can call, as no buffer is left for a frame.
 * So a ring that starts calls its driver once, whatever the ring holds and
 * whatever the driver asked, and only once.
 */
static void test_restart_calls(void)
{
	uint64_t c0, c1;

	setup(0);
	rx_add(0, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	/* no frame since: no call */
	dev_tick(&dev.dev, 0);
	c0 = fake_evt_count(call_fd[0]);
	c1 = fake_evt_count(call_fd[1]);
	CHECK_EQ_U(c0, 1);
	CHECK_EQ_U(c1, 1);
	/* RX starts again, with its driver asking for no calls */
	restart(0);
	no_calls(&rxq);
	dev_tick(&dev.dev, 0);
	dev_tick(&dev.dev, 0);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), c0 + 1);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), c1);
	/* TX starts again: its call, and no second one for RX */
	restart(1);
	dev_tick(&dev.dev, 0);
	dev_tick(&dev.dev, 0);
	CHECK_EQ_U(fake_evt_count(call_fd[0]), c0 + 1);
	CHECK_EQ_U(fake_evt_count(call_fd[1]), c1 + 1);
	CHECK_EQ_U(dev.q[0].st.calls + dev.q[1].st.calls, c0 + c1 + 2);
	teardown();
}

/*
 * D3 (vhost-user.rst SET_VRING_ERR): a guest's bad descriptor costs that
 * ring.  It stops where it stood (the bad chain not taken), its error fd
 * is signalled once, and the connection, the other ring and the device
 * go on; once the front-end starts the ring again, it works.
 */
static void test_ring_error(void)
{
	struct net_frame fr;
	struct vq_iov one;
	int e0, e1;

	/* TX: a buffer past the end of guest memory */
	setup(0);
	e0 = err_fd(0);
	e1 = err_fd(1);
	txq.desc[0] = (struct vring_desc){RAM_GPA + RAM_SIZE - 8, 64, 0, 0};
	vqd_add(&txq, 0);
	vqd_publish(&txq);
	kick(1);
	CHECK(dev.dev.fd >= 0);
	CHECK_EQ_U(dev.dev.violations, 0);
	CHECK(dev.q[1].failed && !net_queue_ready(&dev.q[1]));
	CHECK(!dev.q[0].failed);
	CHECK_EQ_U(fake_evt_count(e1), 1);
	CHECK_EQ_U(fake_evt_count(e0), 0);
	CHECK_EQ_U(dev.q[1].st.errors, 1);
	CHECK_STR_HAS(fake_last_error(), "outside guest memory");
	CHECK_EQ_U(LAST_AVAIL(dev.q[1].ring), 0); /* not taken */
	expect_no_used(&txq);
	/* kicked again, the failed ring stays quiet: no second signal */
	kick(1);
	dev_tick(&dev.dev, 0);
	CHECK_EQ_U(fake_evt_count(e1), 1);
	CHECK_EQ_U(dev.q[1].st.errors, 1);
	/* the RX ring still takes frames from elsewhere */
	rx_add(0, 2048);
	net_frame_flat(&fr, &one, (uint8_t *)make_frame(60, 3), 60);
	CHECK_EQ_I(net_rx_deliver(&dev.net, 0, &fr), NET_DELIVERED);
	net_rx_flush(&dev.net);
	expect_used(&rxq, 0, HDR + 60);
	/* started again, the ring works */
	restart(1);
	rx_add(1, 2048);
	tx_put(0, 60, 4, HDR);
	kick(1);
	expect_used(&txq, 0, 0);
	expect_used(&rxq, 1, HDR + 60);
	CHECK(memcmp(host(RX_BUF(1)) + HDR, make_frame(60, 4), 60) == 0);
	CHECK_EQ_U(fake_evt_count(e1), 1);
	teardown();

	/* RX: the echo's buffer past memory; the TX frame is consumed */
	setup(0);
	e0 = err_fd(0);
	e1 = err_fd(1);
	rxq.desc[0] = (struct vring_desc){RAM_GPA + RAM_SIZE - 16, 2048,
					  VRING_DESC_F_WRITE, 0};
	vqd_add(&rxq, 0);
	vqd_publish(&rxq);
	tx_put(0, 60, 1, HDR);
	kick(1);
	CHECK(dev.dev.fd >= 0);
	CHECK(dev.q[0].failed && !dev.q[1].failed);
	CHECK_EQ_U(fake_evt_count(e0), 1);
	CHECK_EQ_U(fake_evt_count(e1), 0);
	CHECK_EQ_U(dev.q[0].st.errors, 1);
	CHECK_EQ_U(dev.q[0].st.drop_norx, 1);
	CHECK_EQ_U(LAST_AVAIL(dev.q[0].ring), 0);
	expect_used(&txq, 0, 0);
	expect_no_used(&rxq);
	/* TX goes on: more frames are taken (and dropped: no RX) */
	tx_put(1, 60, 2, HDR);
	kick(1);
	expect_used(&txq, 1, 0);
	CHECK_EQ_U(dev.q[0].st.drop_norx, 2);
	CHECK_EQ_U(fake_evt_count(e0), 1);
	restart(0);
	rx_add(0, 2048);
	tx_put(2, 60, 5, HDR);
	kick(1);
	expect_used(&txq, 2, 0);
	expect_used(&rxq, 0, HDR + 60);
	teardown();
}

/* A hostile ring fails, named in the log (test_ring_error: what follows). */
static void test_hostile(void)
{
	if (packed) {
		/* a list longer than the ring, on TX; then on the echo's RX */
		setup(0);
		for (uint16_t i = 0; i < 16; i++)
			txq.desc[i] = (struct vring_desc){
				TX_BUF(0), 8, VRING_DESC_F_NEXT,
				(uint16_t)((i + 1) % 16)};
		txq.desc[15].flags = 0;
		vqd_add(&txq, 0);
		/* the last one's NEXT back on, in the ring itself */
		txq.pdesc[15].flags |= VRING_DESC_F_NEXT;
		CHECK(net_pair_work(&dev.net, 0) < 0);
		CHECK_STR_HAS(fake_last_error(), "longer than the ring");
		teardown();
		setup(0);
		rxq.desc[0] = (struct vring_desc){0x1000, 2048,
						  VRING_DESC_F_WRITE, 0};
		vqd_add(&rxq, 0);
		tx_put(0, 60, 1, HDR);
		CHECK(net_pair_work(&dev.net, 0) < 0);
		CHECK_STR_HAS(fake_last_error(), "dev0 q0");
		teardown();
		return;
	}
	setup(0);
	txq.avail->ring[0] = 99; /* head >= num */
	txq.avail->idx = 1;
	CHECK(net_pair_work(&dev.net, 0) < 0);
	CHECK_STR_HAS(fake_last_error(), "head 99");
	teardown();

	setup(0);
	txq.desc[0] = (struct vring_desc){RAM_GPA + RAM_SIZE - 8, 64, 0, 0};
	vqd_add(&txq, 0);
	vqd_publish(&txq);
	CHECK(net_pair_work(&dev.net, 0) < 0);
	CHECK_STR_HAS(fake_last_error(), "outside guest memory");
	teardown();

	setup(0);
	txq.avail->idx = 17; /* more than num ahead */
	CHECK(net_pair_work(&dev.net, 0) < 0);
	CHECK_STR_HAS(fake_last_error(), "jumped");
	teardown();

	/* the RX ring of an echo is read too */
	setup(0);
	rxq.desc[0] = (struct vring_desc){0x1000, 2048, VRING_DESC_F_WRITE, 0};
	vqd_add(&rxq, 0);
	vqd_publish(&rxq);
	tx_put(0, 60, 1, HDR);
	CHECK(net_pair_work(&dev.net, 0) < 0);
	CHECK_STR_HAS(fake_last_error(), "dev0 q0");
	teardown();
}


/* ---- offloads, migration log, inflight tracking ----------------------------- */

/* An Ethernet + IPv4 + UDP frame of len bytes whose UDP checksum field
 * holds `seed` (a guest puts the pseudo-header sum there). */
static uint8_t *udp_frame(uint32_t len, uint16_t field)
{
	make_frame(len, 11);
	frame[12] = 0x08;
	frame[13] = 0x00;
	frame[34 + 6] = (uint8_t)(field >> 8);
	frame[34 + 7] = (uint8_t)field;
	return frame;
}

/* One's complement sum over [start, len) of f, computed here bit by bit
 * of RFC 1071 (not with pkt.c). */
static uint16_t sum_over(const uint8_t *f, uint32_t start, uint32_t len)
{
	uint32_t sum = 0;

	for (uint32_t i = start; i < len; i += 2) {
		sum += (uint32_t)f[i] << 8;
		if (i + 1 < len)
			sum += f[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

/* TX with a virtio-net header the test writes: flags, gso_type,
 * csum_start, csum_offset; split over two descriptors if split_at. */
static void tx_put_hdr(uint16_t slot, const uint8_t *f, uint32_t len,
		       uint8_t flags, uint8_t gso, uint16_t start, uint16_t off,
		       uint32_t split_at)
{
	uint8_t *b = host(TX_BUF(slot));
	uint8_t h[HDR] = {flags, gso, 0, 0, 0, 0, (uint8_t)start,
			  (uint8_t)(start >> 8), (uint8_t)off,
			  (uint8_t)(off >> 8), 0, 0};

	memcpy(b, h, HDR);
	memcpy(b + HDR, f, len);
	if (split_at == 0) {
		txq.desc[slot] = (struct vring_desc){TX_BUF(slot), HDR + len,
						     0, 0};
	} else {
		txq.desc[slot] = (struct vring_desc){
			TX_BUF(slot), split_at, VRING_DESC_F_NEXT,
			(uint16_t)(slot + 1)};
		txq.desc[slot + 1] = (struct vring_desc){
			TX_BUF(slot) + split_at, HDR + len - split_at, 0, 0};
	}
	vqd_add(&txq, slot);
	vqd_publish(&txq);
}

/* VIRTIO_NET_F_CSUM (virtio 1.2 5.1.6.2): a frame with NEEDS_CSUM leaves
 * with its checksum completed over [csum_start, end); csum_start and
 * csum_offset outside the frame are refused (CVE-2024-11614), as is GSO,
 * which is not offered. */
static void test_csum(void)
{
	uint8_t want[200];
	const uint8_t *b;
	uint16_t sum;

	setup(VU_BIT(VIRTIO_NET_F_CSUM));
	for (uint16_t i = 0; i < 8; i++)
		rx_add(i, 2048);
	/* UDP at 34, checksum field at 34 + 6, the frame 120 bytes */
	udp_frame(120, 0x1234);
	memcpy(want, frame, 120);
	sum = (uint16_t)~sum_over(want, 34, 120);
	want[40] = (uint8_t)(sum >> 8);
	want[41] = (uint8_t)sum;
	tx_put_hdr(0, frame, 120, NET_HDR_F_NEEDS_CSUM, 0, 34, 6, 0);
	/* the same with the header split 3 + rest */
	tx_put_hdr(2, udp_frame(120, 0x1234), 120, NET_HDR_F_NEEDS_CSUM, 0,
		   34, 6, 3);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 2);
	CHECK_EQ_U(dev.q[1].st.drop_bad, 0);
	expect_used(&rxq, 0, HDR + 120);
	expect_used(&rxq, 1, HDR + 120);
	b = host(RX_BUF(0));
	expect_hdr(b, 1); /* no offload flags towards the guest */
	CHECK(memcmp(b + HDR, want, 120) == 0);
	CHECK(memcmp(host(RX_BUF(1)) + HDR, want, 120) == 0);
	expect_used(&txq, 0, 0);
	expect_used(&txq, 2, 0);
	/* the guest's own buffer is not written (it is read-only to us) */
	CHECK_EQ_U(host(TX_BUF(0))[HDR + 40], 0x12);

	/* a sum of 0 goes out as 0xffff */
	udp_frame(60, 0);
	memset(frame + 34, 0, 26);
	tx_put_hdr(4, frame, 60, NET_HDR_F_NEEDS_CSUM, 0, 34, 6, 0);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 2, HDR + 60);
	expect_used(&txq, 4, 0);
	CHECK_EQ_U(host(RX_BUF(2))[HDR + 40], 0xff);
	CHECK_EQ_U(host(RX_BUF(2))[HDR + 41], 0xff);

	/* hostile offsets and GSO: dropped as bad, consumed */
	struct {
		uint16_t start, off;
		uint8_t gso;
	} bad[] = {
		{120, 0, 0},     /* csum_start at the end */
		{500, 6, 0},     /* csum_start past the end */
		{0xffff, 0xffff, 0},
		{110, 9, 0},     /* the field past the end */
		{118, 1, 0},     /* one byte of it past the end */
		{34, 6, 1},      /* GSO (TCPv4) not negotiated */
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		tx_put_hdr(6, udp_frame(120, 1), 120, NET_HDR_F_NEEDS_CSUM,
			   bad[k].gso, bad[k].start, bad[k].off, 0);
		CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
		CHECK_EQ_U(dev.q[1].st.drop_bad, k + 1);
		expect_used(&txq, 6, 0);
	}
	expect_no_used(&rxq);
	CHECK_EQ_U(dev.q[1].st.frames, 3);
	/* the last byte of the frame holds the field's second byte: fine */
	tx_put_hdr(6, udp_frame(120, 1), 120, NET_HDR_F_NEEDS_CSUM, 0, 100, 18,
		   0);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 4);
	teardown();

	/* CSUM not negotiated: the header is not read at all */
	setup(0);
	rx_add(0, 2048);
	tx_put_hdr(0, udp_frame(60, 0x4321), 60, NET_HDR_F_NEEDS_CSUM, 0, 500,
		   6, 0);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 0, HDR + 60);
	CHECK(memcmp(host(RX_BUF(0)) + HDR, udp_frame(60, 0x4321), 60) == 0);
	teardown();
}

/* Is the page of gpa marked in the log at lg? */
static bool logged(const uint8_t *lg, uint64_t gpa)
{
	uint64_t page = gpa >> 12;
	return (lg[page / 8] >> (page % 8)) & 1;
}

/* vhost-user.rst "Migration": with VHOST_F_LOG_ALL and SET_LOG_BASE, what
 * we write into guest memory is marked: the RX buffers, and the used rings
 * (split: at log_guest_addr; packed: the descriptor ring and device area)
 * of rings with VHOST_VRING_F_LOG.  The SET_LOG_FD eventfd is signalled. */
static void test_dirty_log(void)
{
	/* a log covering guest memory (RAM_GPA + RAM_SIZE, one bit a page) */
	const uint64_t log_size = ((RAM_GPA + RAM_SIZE) >> 12) / 8 + 1;
	struct vu_log lb = {log_size, 0x100};
	const uint8_t *lg;
	int lfd, efd;

	proto_extra = VU_BIT(VU_PROTO_F_LOG_SHMFD);
	setup(VU_BIT(VHOST_F_LOG_ALL) | F_MRG);
	proto_extra = 0;
	lfd = fake_memfd(0x100 + log_size);
	efd = fake_evt();
	lg = fake_memfd_base(lfd) + 0x100;
	CHECK_EQ_I(req(VU_SET_LOG_BASE, &lb, sizeof(lb), lfd), 0);
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SET_LOG_BASE);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0);
	CHECK(!fake_fd_is_open(lfd));
	CHECK_EQ_I(req(VU_SET_LOG_FD, NULL, 0, efd), 0);
	for (uint32_t q = 0; q < 2; q++) {
		struct vu_addr a = {q, VU_VRING_F_LOG, UVA(Q_GPA(q)),
				    UVA(Q_GPA(q) + USED_OFF),
				    UVA(Q_GPA(q) + AVAIL_OFF),
				    Q_GPA(q) + USED_OFF};
		CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	}
	/* a frame over two RX buffers 5 pages apart */
	rx_add(0, 32);
	rx_add(10, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	be_flush(&dev); /* the round's end: the front-end hears of the marks */
	expect_used(&rxq, 0, 32);
	expect_used(&rxq, 10, 40);
	CHECK(logged(lg, RX_BUF(0)));
	CHECK(logged(lg, RX_BUF(10)));
	CHECK(!logged(lg, RX_BUF(20)));
	CHECK(!logged(lg, TX_BUF(0))); /* read, never written */
	if (packed) {
		CHECK(logged(lg, Q_GPA(0)));
		CHECK(logged(lg, Q_GPA(1)));
	}
	CHECK(logged(lg, Q_GPA(0) + USED_OFF));
	CHECK(logged(lg, Q_GPA(1) + USED_OFF));
	CHECK_EQ_U(fake_evt_count(efd), 1); /* once for the round */
	CHECK_EQ_U(dev.dlog.marks_dropped, 0);

	/* logging off (SET_FEATURES without LOG_ALL): nothing marked */
	memset(fake_memfd_base(lfd) + 0x100, 0, log_size);
	{
		uint64_t f = F_BASE | F_MRG |
			     (packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0);
		CHECK_EQ_I(req(VU_SET_FEATURES, &f, 8, -1), 0);
	}
	rx_add(1, 2048);
	tx_put(1, 60, 2, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 1, HDR + 60);
	CHECK(!logged(lg, RX_BUF(1)));
	CHECK(!logged(lg, Q_GPA(0) + USED_OFF));
	teardown();

	/* D8: a log too small for the memory is refused (a non-zero reply),
	 * so nothing is logged into it; a used ring logged past the end of a
	 * log is refused */
	proto_extra = VU_BIT(VU_PROTO_F_LOG_SHMFD);
	setup(VU_BIT(VHOST_F_LOG_ALL));
	proto_extra = 0;
	lfd = fake_memfd(0x1000);
	lb = (struct vu_log){0x10, 0};
	CHECK_EQ_I(req(VU_SET_LOG_BASE, &lb, sizeof(lb), lfd), 0);
	CHECK_EQ_U(fake_sent_last()->p.u64, 1);
	CHECK_STR_HAS(fake_last_error(), "does not cover guest memory");
	CHECK(dev.dlog.bits == NULL);
	CHECK(!fake_fd_is_open(lfd));
	rx_add(0, 2048);
	tx_put(0, 60, 1, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 0, HDR + 60);
	CHECK_EQ_U(dev.dlog.marks_dropped, 0);
	lfd = fake_memfd(log_size);
	lb = (struct vu_log){log_size, 0};
	CHECK_EQ_I(req(VU_SET_LOG_BASE, &lb, sizeof(lb), lfd), 0);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0);
	if (!packed) {
		/* (a packed ring logs its own areas, inside memory, which
		 * the log now covers) */
		struct vu_addr a = {0, VU_VRING_F_LOG, UVA(Q_GPA(0)),
				    UVA(Q_GPA(0) + USED_OFF),
				    UVA(Q_GPA(0) + AVAIL_OFF),
				    (log_size * 8 + 1) << 12};
		CHECK(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1) < 0);
		CHECK_STR_HAS(fake_last_error(), "past the end of the log");
	}
	teardown();
}

/* vhost-user.rst "Inflight I/O tracking": chains taken are marked in the
 * region until their used element is published; a ring attached to a
 * region that still marks chains takes them again first, oldest first,
 * and carries on after them. */
/* The inflight entries of ring q marked in flight, in the region. */
static unsigned in_flight(const uint8_t *region, uint64_t part, unsigned q)
{
	const uint8_t *r = region + q * part;
	unsigned n = 0;

	for (unsigned i = 0; i < 16; i++)
		n += r[packed ? 32 + 32 * i : 16 + 16 * i] != 0;
	return n;
}

static void test_inflight(void)
{
	/* regions for rings of 64 entries; the rings have 16 */
	struct vu_inflight in = {0, 0, 2, 64, 0};
	const uint64_t part = packed ? 2112 : 1088;
	const struct fake_sent *s;
	uint32_t base_before;
	uint8_t *region;
	int rfd;
	struct vq_chain *c = &dev.net.tx_chain;

	proto_extra = VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD);
	setup_with(F_BASE, 16, true, true, ACT_ECHO);
	proto_extra = 0;
	/* the rings move first: a region comes when they are not at 0 */
	for (uint16_t i = 0; i < 3; i++) {
		rx_add(i, 2048);
		tx_put(i, 60, (uint8_t)i, HDR);
	}
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	for (uint16_t i = 0; i < 3; i++) {
		expect_used(&txq, i, 0);
		expect_used(&rxq, i, HDR + 60);
	}
	base_before = vq_base(&dev.q[1].ring);
	CHECK_EQ_I(req(VU_GET_INFLIGHT_FD, &in, sizeof(in), -1), 0);
	s = fake_sent_last();
	if (!CHECK_EQ_U(s->nfds, 1)) {
		teardown();
		return;
	}
	rfd = s->fds[0];
	region = fake_memfd_base(rfd);
	CHECK(!fake_fd_is_open(rfd)); /* ours is closed, the mapping stays */
	CHECK_EQ_U(s->p.u64, 2 * part);
	/* a new region takes the rings where they are */
	CHECK(dev.q[1].ring.inflight != NULL);
	CHECK_EQ_U(vq_base(&dev.q[1].ring), base_before);
	for (unsigned q = 0; q < 2; q++) {
		const uint8_t *r = region + q * part;
		CHECK_EQ_U(r[8] | r[9] << 8, 1);   /* version */
		CHECK_EQ_U(r[10] | r[11] << 8, 16); /* desc_num: the ring's */
		CHECK_EQ_U(in_flight(region, part, q), 0);
	}

	/* an echo that waits for RX buffers takes the TX chain and gives
	 * it back: not left marked in flight */
	tx_put(3, 60, 3, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_no_used(&txq);
	CHECK_EQ_U(in_flight(region, part, 1), 0);
	rx_add(3, 2048);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 3, 0);
	expect_used(&rxq, 3, HDR + 60);
	CHECK_EQ_U(in_flight(region, part, 0) + in_flight(region, part, 1), 0);

	/* two chains taken, then the back-end "dies" before it returns
	 * them: the ring is attached again to the region (as after a
	 * reconnect), which names them */
	tx_put(4, 61, 4, HDR);
	tx_put(5, 62, 5, HDR);
	CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, c), 1);
	CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, c), 1);
	CHECK_EQ_U(in_flight(region, part, 1), 2);
	{
		struct vu_inflight set = {2 * part, 0, 2, 64, 0};

		rfd = fake_memfd_alias(rfd);
		CHECK_EQ_I(req(VU_SET_INFLIGHT_FD, &set, sizeof(set), rfd), 0);
	}
	CHECK_EQ_U(dev.q[1].iq.nresubmit, 2);
	rx_add(4, 2048);
	rx_add(5, 2048);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(dev.q[1].st.frames, 6);
	CHECK_EQ_U(dev.q[1].st.bytes, 60 * 4 + 61 + 62);
	expect_used(&txq, 4, 0);
	expect_used(&txq, 5, 0);
	expect_no_used(&txq);
	expect_used(&rxq, 4, HDR + 61);
	expect_used(&rxq, 5, HDR + 62);
	CHECK(memcmp(host(RX_BUF(5)) + HDR, make_frame(62, 5), 62) == 0);
	CHECK_EQ_U(dev.q[1].iq.pos, 2);
	CHECK_EQ_U(in_flight(region, part, 1), 0);
	/* and then on as usual */
	rx_add(6, 2048);
	tx_put(6, 63, 6, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 6, 0);
	CHECK_EQ_U(dev.q[1].st.frames, 7);

	/* the front-end changes what the region says between the recovery
	 * and the resubmission: checked again, never used as it stands */
	tx_put(7, 60, 7, HDR);
	CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, c), 1);
	{
		struct vu_inflight set = {2 * part, 0, 2, 64, 0};

		rfd = fake_memfd_alias(rfd);
		CHECK_EQ_I(req(VU_SET_INFLIGHT_FD, &set, sizeof(set), rfd), 0);
	}
	CHECK_EQ_U(dev.q[1].iq.nresubmit, 1);
	if (packed) {
		/* the chain's length (slots to skip) becomes 60000 */
		uint8_t *e = region + part + 32 + 32 * dev.q[1].iq.resubmit[0];
		e[6] = (uint8_t)60000;
		e[7] = (uint8_t)(60000 >> 8);
		fake_log_clear();
		CHECK(net_pair_work(&dev.net, 0) < 0);
		CHECK_STR_HAS(fake_last_error(), "is a chain of 60000");
	} else {
		/* a split part is read once, at the recovery: its header and
		 * every entry made garbage now (in flight, next and age) change
		 * nothing, and chain 7 is taken again, once */
		uint8_t *r = region + part;

		CHECK_EQ_U(dev.q[1].iq.resubmit[0], 7);
		r[8] = 7;                    /* version */
		r[10] = r[11] = 0xff;        /* desc_num */
		r[12] = r[13] = 0xff;        /* last_batch_head */
		memset(r + 16, 0xff, 16 * 16); /* the 16 entries */
		rx_add(7, 2048);
		CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
		expect_used(&txq, 7, 0);
		expect_no_used(&txq);
		expect_used(&rxq, 6, HDR + 63); /* from before */
		expect_used(&rxq, 7, HDR + 60);
		CHECK(memcmp(host(RX_BUF(7)) + HDR, make_frame(60, 7), 60) == 0);
		CHECK_EQ_U(r[16 + 16 * 7], 0); /* no longer in flight */
		CHECK_EQ_U(dev.q[1].st.frames, 8);
	}
	teardown();
}

/* Post frame k on TX as a driver without indirect tables does: the
 * header in descriptor 2k, the frame in 2k + 1. */
static void tx_two(uint16_t k)
{
	uint8_t *b = host(TX_BUF(k));
	uint16_t d = (uint16_t)(2 * k);

	memset(b, 0, HDR);
	memcpy(b + 64, make_frame(60, (uint8_t)k), 60);
	txq.desc[d] = (struct vring_desc){TX_BUF(k), HDR, VRING_DESC_F_NEXT,
					  (uint16_t)(d + 1)};
	txq.desc[d + 1] = (struct vring_desc){TX_BUF(k) + 64, 60, 0, 0};
	vqd_add(&txq, d);
	vqd_publish(&txq);
}

/*
 * The back-end dies with chains of two descriptors in flight, and the
 * ring is started again as QEMU starts it on a new back-end: a split
 * ring's base read from the used index, a packed ring's the initial one
 * (QEMU has no index to read), and the region handed back.  The region
 * says where the ring stands: each chain in flight is taken again, once,
 * and the ring goes on.  (A packed ring's own flags cannot say it here:
 * the tails of the chains used look like chains posted.  The ring was
 * failed as "position unknown", region or not.)
 */
static void test_inflight_restart(void)
{
	struct vu_inflight in = {0, 0, 2, 16, 0};
	struct vu_state s = {1, 0};
	struct vu_addr a = {1, 0, UVA(Q_GPA(1)), UVA(Q_GPA(1) + USED_OFF),
			    UVA(Q_GPA(1) + AVAIL_OFF), 0};
	struct vq_chain *c = &dev.net.tx_chain;
	uint64_t v = 1;

	proto_extra = VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD);
	setup_with(F_BASE, 16, true, true, ACT_SINK);
	proto_extra = 0;
	CHECK_EQ_I(req(VU_GET_INFLIGHT_FD, &in, sizeof(in), -1), 0);
	tx_two(0);
	tx_two(1);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 0, 0);
	expect_used(&txq, 2, 0);
	/* two more taken; then the back-end is gone */
	tx_two(2);
	tx_two(3);
	CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, c), 1);
	CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, c), 1);
	CHECK(req(VU_GET_VRING_BASE, &s, sizeof(s), -1) >= 0);

	/* BASE last: a new back-end attaches the ring once, at the base
	 * (this one still has the addresses, and would attach again) */
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	s.num = packed ? VQ_BASE_PACKED_INIT : (uint32_t)txq.used->idx;
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	s.num = 1;
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	CHECK_EQ_U(dev.q[1].iq.nresubmit, 2);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK(!dev.q[1].failed);
	CHECK_EQ_U(dev.q[1].st.frames, 4);
	expect_used(&txq, 4, 0);
	expect_used(&txq, 6, 0);
	expect_no_used(&txq);
	/* and on from there */
	tx_two(4);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&txq, 8, 0);
	expect_no_used(&txq);
	CHECK_EQ_U(dev.q[1].st.frames, 5);
	teardown();
}

/*
 * Packed: a back-end dies in the middle of a publish, after it wrote the
 * batch's used elements and the flags of all but the first, whose flags
 * hand the batch over (vq_packed_publish; the region's used position
 * moved, the chains still marked in flight).  The new one rolls the batch
 * back and takes its chains again -- and must not leave the flags of the
 * rest showing "used": the first element it publishes again would expose
 * them, and the driver would take chains the device has not finished
 * with (an RX buffer it then writes again).  Found by killing the
 * back-end there (tests/crash): the driver saw the stale element, then the
 * real one written over the slot it had taken back.
 *
 * The dead back-end's state is made here from a whole publish of three RX
 * buffers, in the region's layout (vhost-user.rst, the packed one): the
 * three marked in flight again, the old used position and free head as
 * before the batch, and the first element's flags back to "available".
 */
static void test_inflight_half_batch(void)
{
	struct vu_inflight in = {0, 0, 2, 16, 0};
	struct vu_state s = {0, 0};
	struct vu_addr a = {0, 0, UVA(Q_GPA(0)), UVA(Q_GPA(0) + USED_OFF),
			    UVA(Q_GPA(0) + AVAIL_OFF), 0};
	const struct fake_sent *sent;
	uint8_t *r;
	uint64_t v = 0;
	uint32_t id, len;

	proto_extra = VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD);
	setup_with(F_BASE, 16, true, true, ACT_ECHO);
	proto_extra = 0;
	CHECK_EQ_I(req(VU_GET_INFLIGHT_FD, &in, sizeof(in), -1), 0);
	sent = fake_sent_last();
	if (!CHECK_EQ_U(sent->nfds, 1)) {
		teardown();
		return;
	}
	r = fake_memfd_base(sent->fds[0]); /* queue 0's part */
	for (uint16_t i = 0; i < 3; i++) {
		rx_add(i, 2048);
		tx_put(i, 60, (uint8_t)i, HDR);
	}
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_U(r[16] | r[17] << 8, 3); /* used_idx: after the batch */

	/* the publish, half undone: entries 0-2 took the three chains */
	for (unsigned e = 0; e < 3; e++)
		r[32 + 32 * e] = 1;       /* inflight */
	r[14] = 3, r[15] = 0;             /* old_free_head: as before */
	r[18] = 0, r[19] = 0;             /* old_used_idx */
	r[21] = 1;                        /* old_used_wrap */
	rxq.pdesc[0].flags = VRING_PACKED_F_AVAIL | VRING_DESC_F_WRITE;

	/* a new back-end: the ring attached once, at QEMU's base */
	CHECK(req(VU_GET_VRING_BASE, &s, sizeof(s), -1) >= 0);
	CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	s.num = VQ_BASE_PACKED_INIT;
	CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
	CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	s.num = 1;
	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	CHECK_EQ_U(dev.q[0].iq.nresubmit, 3);

	/* one frame: one RX buffer (the first taken again) is used, and
	 * the driver sees that one and no other */
	tx_put(3, 61, 3, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 0, HDR + 61);
	CHECK_EQ_I(vqd_get_used(&rxq, &id, &len), 0);
	/* the next two frames take the other two */
	tx_put(4, 62, 4, HDR);
	tx_put(5, 63, 5, HDR);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	expect_used(&rxq, 1, HDR + 62);
	expect_used(&rxq, 2, HDR + 63);
	CHECK(memcmp(host(RX_BUF(2)) + HDR, make_frame(63, 5), 63) == 0);
	expect_no_used(&rxq);
	teardown();
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_echo);
		RUN(test_mergeable);
		RUN(test_rx_full);
		RUN(test_rx_too_small);
		RUN(test_oversize);
		RUN(test_sink);
		RUN(test_runts);
		if (!packed) /* a packed ring needs VERSION_1 */
			RUN(test_legacy_header);
		RUN(test_disabled);
		RUN(test_calls);
		RUN(test_batch);
		RUN(test_restart_looks);
		RUN(test_restart_calls);
		RUN(test_hostile);
		RUN(test_ring_error);
		RUN(test_csum);
		RUN(test_dirty_log);
		RUN(test_inflight);
		RUN(test_inflight_restart);
		if (packed)
			RUN(test_inflight_half_batch);
	}
	return check_summary("test_net");
}
