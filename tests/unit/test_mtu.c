/*
 * test_mtu.c - the MTU (vhost-user.rst NET_SET_MTU with
 * VHOST_USER_PROTOCOL_F_MTU; virtio 1.2 5.1.4, VIRTIO_NET_F_MTU) on a
 * device configured through be_dispatch, the test playing the guest on
 * pair 0.
 *
 * What is checked: NET_SET_MTU needs its protocol feature; an MTU below
 * 68 or above what CFG_FRAME_MAX carries is refused with one line, and a
 * NACK under REPLY_ACK, the connection kept; with VIRTIO_NET_F_MTU and an
 * MTU set, no frame longer than the MTU allows passes either way
 * (counted oversize), jumbo frames up to it do; without the feature the
 * MTU limits nothing.  Split, then packed.
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
#define RAM_SIZE 0x100000ull
#define RAM_OFF 0x1000ull
#define Q_GPA(q) (RAM_GPA + 0x1000ull * (q))
#define AVAIL_OFF 0x800ull
#define USED_OFF 0xa00ull
#define UVA(gpa) ((gpa) - RAM_GPA + RAM_UVA)
/* 10 KiB buffers: a jumbo frame in one */
#define TX_BUF(i) (RAM_GPA + 0x10000ull + 0x2800ull * (i))
#define RX_BUF(i) (RAM_GPA + 0x80000ull + 0x2800ull * (i))
#define BUF 0x2800u
#define HDR 12u
#define NUM 8u

#define F_BASE (VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
#define F_MTU VU_BIT(VIRTIO_NET_F_MTU)

static bool packed;
static struct be_dev dev;
static struct fwd fw;
static struct vu_msg msg;
static struct vqd rxq, txq;
static uint8_t *ram;

static uint8_t *host(uint64_t gpa)
{
	return ram + (gpa - RAM_GPA);
}

static int req_flags(uint32_t request, uint32_t flags, const void *p,
		     uint32_t size, int fd)
{
	memset(&msg, 0, sizeof(msg));
	msg.hdr.request = request;
	msg.hdr.flags = VU_VERSION | flags;
	msg.hdr.size = size;
	if (size > 0)
		memcpy(msg.p.bytes, p, size);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		msg.fds[i] = -1;
	msg.fds[0] = fd;
	msg.nfds = fd >= 0 ? 1 : 0;
	return be_dispatch(&dev, &msg);
}

static int req(uint32_t request, const void *p, uint32_t size, int fd)
{
	return req_flags(request, 0, p, size, fd);
}

/* NET_SET_MTU mtu; its result. */
static int set_mtu(uint64_t mtu)
{
	return req(VU_NET_SET_MTU, &mtu, 8, -1);
}

/* An echo back-end with `features` and protocol features `proto`, one
 * pair of NUM-entry rings, RX buffers of BUF bytes posted. */
static void setup(uint64_t features, uint64_t proto)
{
	struct dev_opts o = {.path = "/fake", .listen = true};
	struct fwd_opts fo = {.action = ACT_ECHO};
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	uint8_t mp[8 + sizeof(r)];
	struct vu_memhdr mh = {1, 0};
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
	for (uint32_t q = 0; q < 2; q++) {
		struct vu_state s = {q, NUM};
		struct vu_addr a = {q, 0, UVA(Q_GPA(q)), UVA(Q_GPA(q) + USED_OFF),
				    UVA(Q_GPA(q) + AVAIL_OFF), 0};
		uint64_t v = q;

		CHECK_EQ_I(req(VU_SET_VRING_NUM, &s, sizeof(s), -1), 0);
		s.num = packed ? VQ_BASE_PACKED_INIT : 0;
		CHECK_EQ_I(req(VU_SET_VRING_BASE, &s, sizeof(s), -1), 0);
		CHECK_EQ_I(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
		CHECK_EQ_I(req(VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
		s.num = 1;
		CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
	}
	vqd_init(&rxq, NUM, packed, host(Q_GPA(0)), host(Q_GPA(0) + AVAIL_OFF),
		 host(Q_GPA(0) + USED_OFF));
	vqd_init(&txq, NUM, packed, host(Q_GPA(1)), host(Q_GPA(1) + AVAIL_OFF),
		 host(Q_GPA(1) + USED_OFF));
	for (uint16_t i = 0; i < NUM; i++) {
		rxq.desc[i] = (struct vring_desc){RX_BUF(i), BUF,
						  VRING_DESC_F_WRITE, 0};
		vqd_add(&rxq, i);
	}
	vqd_publish(&rxq);
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

/* The guest sends a frame of len bytes in TX slot s; the device echoes
 * it.  Returns whether it came back. */
static bool echo(uint16_t s, uint32_t len)
{
	uint32_t id, l;
	bool back;

	memset(host(TX_BUF(s)), 0, HDR);
	memset(host(TX_BUF(s)) + HDR, 0x5a, len);
	txq.desc[s] = (struct vring_desc){TX_BUF(s), HDR + len, 0, 0};
	vqd_add(&txq, s);
	vqd_publish(&txq);
	CHECK_EQ_I(net_pair_work(&dev.net, 0), 0);
	CHECK_EQ_I(vqd_get_used(&txq, &id, &l), 1);
	back = vqd_get_used(&rxq, &id, &l) == 1;
	if (back) {
		CHECK_EQ_U(l, HDR + len);
		rxq.desc[id] = (struct vring_desc){RX_BUF(id), BUF,
						   VRING_DESC_F_WRITE, 0};
		vqd_add(&rxq, (uint16_t)id);
		vqd_publish(&rxq);
	}
	return back;
}

/* ---- cases ------------------------------------------------------------------ */

/* NET_SET_MTU needs VHOST_USER_PROTOCOL_F_MTU; 68 to NET_MTU_MAX are
 * taken, the rest refused with a line naming the limits and, under
 * REPLY_ACK, a NACK; the connection stays either way. */
static void test_set_mtu(void)
{
	uint64_t mtu = 9000;

	setup(F_MTU, 0);
	CHECK_EQ_I(set_mtu(9000), 0); /* refused, not a violation */
	CHECK_STR_HAS(fake_last_error(), "needs protocol feature MTU");
	CHECK_EQ_U(dev.mtu, 0);
	teardown();

	setup(F_MTU, VU_BIT(VU_PROTO_F_MTU) | VU_BIT(VU_PROTO_F_REPLY_ACK));
	CHECK_EQ_I(req_flags(VU_NET_SET_MTU, VU_FLAG_NEED_REPLY, &mtu, 8, -1),
		   0);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0); /* ACK */
	CHECK_EQ_U(dev.mtu, 9000);
	CHECK_EQ_U(dev.net.frame_max, 9018);
	mtu = NET_MTU_MAX + 1;
	fake_log_clear();
	CHECK_EQ_I(req_flags(VU_NET_SET_MTU, VU_FLAG_NEED_REPLY, &mtu, 8, -1),
		   0);
	CHECK_EQ_U(fake_sent_last()->p.u64, 1); /* NACK */
	CHECK_STR_HAS(fake_last_error(), "NET_SET_MTU 9199 refused");
	CHECK_STR_HAS(fake_last_error(), "68 to 9198");
	CHECK_EQ_U(dev.mtu, 9000); /* the MTU in force stays */
	CHECK_EQ_I(set_mtu(67), 0);
	CHECK_EQ_I(set_mtu(1ull << 32), 0);
	CHECK_EQ_U(dev.mtu, 9000);
	CHECK_EQ_I(set_mtu(NET_MTU_MAX), 0);
	CHECK_EQ_U(dev.mtu, NET_MTU_MAX);
	CHECK_EQ_I(set_mtu(68), 0);
	CHECK_EQ_U(dev.mtu, 68);
	CHECK(dev.dev.fd >= 0);
	/* a payload of other than 8 bytes is a violation */
	CHECK(req(VU_NET_SET_MTU, &mtu, 4, -1) < 0);
	teardown();
}

/* With VIRTIO_NET_F_MTU and MTU 1500: frames up to 1518 bytes go both
 * ways, a longer one the guest sends is dropped as oversize; with MTU
 * 9000, jumbo frames up to 9018 bytes go. */
static void test_frame_limit(void)
{
	setup(F_MTU, VU_BIT(VU_PROTO_F_MTU));
	CHECK_EQ_I(set_mtu(1500), 0);
	CHECK(echo(0, 1518));
	CHECK(!echo(1, 1519));
	CHECK_EQ_U(dev.q[1].st.drop_oversize, 1);
	CHECK_EQ_U(dev.q[1].st.frames, 1);
	CHECK_EQ_I(set_mtu(9000), 0);
	CHECK(echo(2, 9018));
	CHECK(!echo(3, 9019));
	CHECK_EQ_U(dev.q[1].st.drop_oversize, 2);
	CHECK_EQ_U(dev.q[0].st.frames, 2);
	teardown();
}

/* Frames from elsewhere (delivered straight, as the switch and the links
 * do) are held to the MTU too: the device passes the guest no longer
 * frame (5.1.4.1). */
static void test_rx_limit(void)
{
	static uint8_t big[1600];
	struct vq_iov one;
	struct net_frame fr;

	setup(F_MTU, VU_BIT(VU_PROTO_F_MTU));
	CHECK_EQ_I(set_mtu(1500), 0);
	net_frame_flat(&fr, &one, big, sizeof(big));
	CHECK_EQ_I(net_rx_deliver(&dev.net, 0, &fr), NET_DROPPED);
	CHECK_EQ_U(dev.q[0].st.drop_oversize, 1);
	net_frame_flat(&fr, &one, big, 1518);
	CHECK_EQ_I(net_rx_deliver(&dev.net, 0, &fr), NET_DELIVERED);
	teardown();
}

/* Without VIRTIO_NET_F_MTU, an MTU given limits nothing: frames up to
 * CFG_FRAME_MAX go; and a SET_FEATURES that drops the feature lifts the
 * limit. */
static void test_without_feature(void)
{
	uint64_t f = F_BASE | (packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0);

	setup(0, VU_BIT(VU_PROTO_F_MTU));
	CHECK_EQ_I(set_mtu(1500), 0);
	CHECK_EQ_U(dev.net.frame_max, CFG_FRAME_MAX);
	CHECK(echo(0, 4000));
	teardown();
	setup(F_MTU, VU_BIT(VU_PROTO_F_MTU));
	CHECK_EQ_I(set_mtu(1500), 0);
	CHECK_EQ_U(dev.net.frame_max, 1518);
	CHECK_EQ_I(req(VU_SET_FEATURES, &f, 8, -1), 0);
	CHECK_EQ_U(dev.net.frame_max, CFG_FRAME_MAX);
	teardown();
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_set_mtu);
		RUN(test_frame_limit);
		RUN(test_rx_limit);
		RUN(test_without_feature);
	}
	return check_summary("test_mtu");
}
