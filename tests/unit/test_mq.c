/*
 * test_mq.c - multiqueue (virtio 1.2 5.1.6.5.5, vhost-user.rst
 * GET_QUEUE_NUM and "Ring states"): a back-end with several queue pairs,
 * configured through be_dispatch, with the test playing the guest driver
 * on every ring.
 *
 * What is checked: VIRTIO_NET_F_MQ is offered with more than one pair;
 * each pair's frames stay on that pair (echo, the responder); each ring is
 * enabled on its own; the pairs are served fairly, a batch each a round
 * and round-robin, so that a flooded pair starves none; frames from
 * elsewhere (the switch, an interface) are spread over the pairs the guest
 * receives on by flow, a flow on one pair, and a flow the guest sent goes
 * back on the pair it came from; a tap bridged to the device has a queue
 * per pair; and the flow hash itself.  The rings run split, then packed.
 */
#include <string.h>

#include "core/app/fwd.h"
#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/net/flow.h"
#include "core/net/net.h"
#include "core/net/pkt.h"
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
/* 2 KiB buffers: TX slot i (< 64) of any pair, RX slot i (< 16) of pair p */
#define TX_BUF(i) (RAM_GPA + 0x10000ull + 0x800ull * (i))
#define RX_BUF(p, i) (RAM_GPA + 0x30000ull + 0x8000ull * (p) + 0x800ull * (i))
#define HDR 12u
/* Pairs the tests drive (the board may have more). */
#define NP (CFG_MAX_QUEUE_PAIRS < 4 ? CFG_MAX_QUEUE_PAIRS : 4)

#define F_BASE (VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))

static bool packed;
static struct be_dev dev;
static struct fwd fw;
static struct vu_msg msg;
static struct vqd drv[2 * NP]; /* the driver's view of each ring */
static uint8_t *ram;
static uint8_t frame[256];

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

static void enable(uint32_t q, bool on)
{
	struct vu_state s = {q, on ? 1u : 0u};

	CHECK_EQ_I(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1), 0);
}

/* Ring q of num entries, started and enabled. */
static void ring(uint32_t q, uint32_t num)
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
	CHECK_EQ_I(req(VU_SET_VRING_CALL, &v, 8, fake_evt()), 0);
	enable(q, true);
	vqd_init(&drv[q], num, packed, host(Q_GPA(q)),
		 host(Q_GPA(q) + AVAIL_OFF), host(Q_GPA(q) + USED_OFF));
}

/* A back-end with NP pairs of num-entry rings, its frames going where
 * the plane's device 0 sends them (fw set up by the caller: links, the
 * switch). */
static void setup_num(enum fwd_action act, uint32_t num)
{
	struct dev_opts o = {.path = "/fake", .listen = true};
	struct fwd_opts fo = {.action = act};
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	uint8_t mp[8 + sizeof(r)];
	struct vu_memhdr mh = {1, 0};
	uint64_t features = F_BASE, proto = 0;
	int memfd;

	CHECK_EQ_I(be_open(&dev, 0, &o), 0);
	if (fw.ndev == 0)
		fw.ndev = 1;
	if (act == ACT_RESPOND) {
		static const uint8_t ip[4] = {192, 0, 2, 1};

		memcpy(fo.resp.ip4, ip, 4);
		respond_mac_from_ip4(ip, fo.resp.mac);
	}
	fwd_attach(&fw, 0, &dev, &fo);
	dev.dev.fd = fake_sock();
	if (packed)
		features |= VU_BIT(VIRTIO_F_RING_PACKED);
	if (CFG_MAX_QUEUE_PAIRS > 1)
		features |= VU_BIT(VIRTIO_NET_F_MQ);
	CHECK_EQ_I(req(VU_SET_FEATURES, &features, 8, -1), 0);
	CHECK_EQ_I(req(VU_SET_PROTOCOL_FEATURES, &proto, 8, -1), 0);
	memfd = fake_memfd(RAM_OFF + RAM_SIZE);
	ram = fake_memfd_base(memfd) + RAM_OFF;
	memcpy(mp, &mh, 8);
	memcpy(mp + 8, &r, sizeof(r));
	CHECK_EQ_I(req(VU_SET_MEM_TABLE, mp, sizeof(mp), memfd), 0);
	for (unsigned q = 0; q < 2 * NP; q++)
		ring(q, num);
	fake_log_clear();
}

static void setup(enum fwd_action act)
{
	fake_reset();
	memset(&fw, 0, sizeof(fw));
	setup_num(act, 16);
}

static void teardown(void)
{
	check_note("teardown");
	fwd_close(&fw);
	dev_close(&dev.dev);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_misuse, 0);
	check_note(NULL);
}

/* ---- the guest driver ----------------------------------------------------- */

/* A UDP frame from (sip, sport) to (dip, dport), between two stations;
 * its last payload byte is `tag`.  Returns its length. */
static uint32_t udp_frame(uint8_t sip, uint16_t sport, uint8_t dip,
			  uint16_t dport, uint8_t tag)
{
	static const uint8_t a[6] = {0x52, 0x54, 0, 0, 0, 1};
	static const uint8_t b[6] = {0x52, 0x54, 0, 0, 0, 2};
	const uint8_t s[4] = {192, 0, 2, sip}, d[4] = {192, 0, 2, dip};
	uint8_t *ip = frame + PKT_ETH_HLEN, *udp = ip + PKT_IP4_HLEN;

	memset(frame, 0, sizeof(frame));
	pkt_eth_put(frame, sip < dip ? b : a, sip < dip ? a : b,
		    PKT_ETHERTYPE_IP4);
	pkt_ip4_put(ip, PKT_IP4_HLEN + 8 + 18, 0, 17, s, d);
	pkt_put16(udp, sport);
	pkt_put16(udp + 2, dport);
	pkt_put16(udp + 4, 8 + 18);
	udp[8 + 17] = tag;
	return PKT_ETH_HLEN + PKT_IP4_HLEN + 8 + 18;
}

/* ---- what is offered ------------------------------------------------------ */

/* VIRTIO_NET_F_MQ with more than one pair; GET_QUEUE_NUM in pairs. */
static void test_offer(void)
{
	setup(ACT_SINK);
	CHECK_EQ_I(req(VU_GET_FEATURES, NULL, 0, -1), 0);
	CHECK_EQ_U((fake_sent_last()->p.u64 >> VIRTIO_NET_F_MQ) & 1,
		   CFG_MAX_QUEUE_PAIRS > 1);
	CHECK_EQ_I(req(VU_GET_QUEUE_NUM, NULL, 0, -1), 0);
	CHECK_EQ_U(fake_sent_last()->p.u64, CFG_MAX_QUEUE_PAIRS);
	teardown();
}

#if CFG_MAX_QUEUE_PAIRS > 1
/* Transmit len bytes of `frame` on pair p, one descriptor in TX slot s. */
static void tx_put(unsigned p, uint16_t s, uint32_t len)
{
	struct vqd *q = &drv[2 * p + 1];
	uint8_t *b = host(TX_BUF(s));

	memset(b, 0, HDR);
	memcpy(b + HDR, frame, len);
	q->desc[s] = (struct vring_desc){TX_BUF(s), HDR + len, 0, 0};
	vqd_add(q, s);
	vqd_publish(q);
}

/* Offer RX slots 0..n-1 of 2 KiB on pair p. */
static void rx_fill(unsigned p, uint16_t n)
{
	struct vqd *q = &drv[2 * p];

	for (uint16_t i = 0; i < n; i++) {
		q->desc[i] = (struct vring_desc){RX_BUF(p, i), 2048,
						 VRING_DESC_F_WRITE, 0};
		vqd_add(q, i);
	}
	vqd_publish(q);
}

/* Used elements waiting on ring q; the last one's id and len. */
static unsigned used_count(unsigned q, uint32_t *id, uint32_t *len)
{
	unsigned n = 0;
	uint32_t i, l;

	while (vqd_get_used(&drv[q], &i, &l) == 1) {
		n++;
		if (id != NULL)
			*id = i;
		if (len != NULL)
			*len = l;
	}
	return n;
}

/* The last byte of the frame in RX buffer `id` of pair p (len: the used
 * length, header included). */
static uint8_t rx_tag(unsigned p, uint32_t id, uint32_t len)
{
	return host(RX_BUF(p, id))[len - 1];
}

/* A tap bridged to a device carries a virtio-net header before each frame
 * (IFF_VNET_HDR): push the len bytes of `frame` behind one that asks for
 * nothing. */
static void tap_push(int fd, uint32_t len)
{
	static uint8_t b[PORT_TAP_VNET_HDR_LEN + sizeof(frame)];

	memset(b, 0, PORT_TAP_VNET_HDR_LEN);
	memcpy(b + PORT_TAP_VNET_HDR_LEN, frame, len);
	fake_net_push(fd, b, PORT_TAP_VNET_HDR_LEN + len);
}

/* A round of the loop for the device: a kick on ring q (if q >= 0) seen,
 * then the ticks that serve the pairs. */
static void round_with(int q)
{
	if (q >= 0) {
		struct watch w = {&dev.dev, dev.dev.gen, W_RING, (uint8_t)q, 0};

		port_evt_signal(dev.q[q].kick_fd);
		dev_event(&w, PORT_POLLIN, 0);
	}
	dev_tick(&dev.dev, 0);
}

/* ---- pairs kept apart ----------------------------------------------------- */

/* --echo: a frame comes back on the RX ring of the pair it came from,
 * and on no other. */
static void test_echo_pairs(void)
{
	uint32_t id = 0, len = HDR + 1;

	setup(ACT_ECHO);
	for (unsigned p = 0; p < NP; p++)
		rx_fill(p, 4);
	for (unsigned p = 0; p < NP; p++) {
		udp_frame(10, 1000, 20, (uint16_t)(2000 + p), (uint8_t)(0x40 + p));
		tx_put(p, 0, PKT_ETH_HLEN + PKT_IP4_HLEN + 26);
		round_with((int)(2 * p + 1));
		for (unsigned o = 0; o < NP; o++) {
			check_note(o == p ? "its pair" : "another pair");
			CHECK_EQ_U(used_count(2 * o, &id, &len), o == p);
		}
		check_note(NULL);
		CHECK_EQ_U(rx_tag(p, id, len), 0x40 + p);
		CHECK_EQ_U(used_count(2 * p + 1, NULL, NULL), 1);
		CHECK_EQ_U(dev.q[2 * p].st.frames, 1);
		CHECK_EQ_U(dev.q[2 * p + 1].st.frames, 1);
	}
	teardown();
}

/* The responder answers on the pair the request came in on. */
static void test_respond_pairs(void)
{
	static const uint8_t me[4] = {192, 0, 2, 1}, peer[4] = {192, 0, 2, 9};
	static const uint8_t peer_mac[6] = {0x52, 0x54, 0, 0, 0, 9};
	uint32_t id = 0, len = HDR + 1, n;

	if (!CFG_WITH_RESPOND) {
		CHECK(true); /* no responder in this build: nothing answers */
		return;
	}
	setup(ACT_RESPOND);
	for (unsigned p = 0; p < NP; p++)
		rx_fill(p, 4);
	n = pkt_arp_request(frame, sizeof(frame), peer_mac, peer, me);
	tx_put(NP - 1, 0, n);
	round_with((int)(2 * (NP - 1) + 1));
	for (unsigned o = 0; o < NP; o++)
		CHECK_EQ_U(used_count(2 * o, &id, &len), o == NP - 1);
	CHECK_EQ_U(dev.q[2 * (NP - 1)].st.frames, 1);
	teardown();
}

/* vhost-user.rst "Ring states": each ring is enabled on its own.  A pair
 * whose RX ring is disabled takes no frames from elsewhere; its TX ring
 * still sends. */
static void test_enable_each(void)
{
	uint8_t head[NET_FLOW_BYTES];
	uint32_t n;

	setup(ACT_SINK);
	enable(2, false);
	CHECK(dev.q[2].started && !dev.q[2].enabled && dev.q[3].enabled);
	CHECK(!net_rx_usable(&dev.net, 1));
	for (unsigned k = 0; k < 64; k++) {
		n = udp_frame(10, (uint16_t)(1000 + k), 20, 53, 0);
		memcpy(head, frame, n);
		CHECK(net_rx_pair(&dev.net, head, n) != 1);
	}
	udp_frame(10, 1000, 20, 53, 0);
	tx_put(1, 0, 60);
	round_with(3);
	CHECK_EQ_U(dev.q[3].st.frames, 1);
	CHECK_EQ_U(used_count(3, NULL, NULL), 1);
	/* enabled again, it is chosen again */
	enable(2, true);
	CHECK(net_rx_usable(&dev.net, 1));
	n = 0;
	for (unsigned k = 0; k < 64; k++) {
		uint32_t len = udp_frame(10, (uint16_t)(1000 + k), 20, 53, 0);
		n += net_rx_pair(&dev.net, frame, len) == 1;
	}
	CHECK(n > 0);
	/* every pair's RX disabled: pair 0, where it will be dropped */
	for (unsigned p = 0; p < NP; p++)
		enable(2 * p, false);
	CHECK_EQ_U(net_rx_pair(&dev.net, frame, 60), 0);
	teardown();
}

/* ---- fairness ----------------------------------------------------------- */

/* Pairs with work are served once a round each, CFG_BATCH chains at most:
 * a pair the guest floods cannot hold up another, whose kick comes
 * later; and the pair served first moves round. */
_Static_assert(CFG_BATCH <= 64, "test_fair lays 2.5 batches in a ring of 128");
static void test_fair(void)
{
	const unsigned many = CFG_BATCH + CFG_BATCH / 2;
	unsigned first, last = 2 * (NP - 1);
	struct vu_state st = {last + 1, 0};

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	setup_num(ACT_SINK, 128);
	udp_frame(10, 1000, 20, 53, 0);
	for (unsigned i = 0; i < many; i++)
		tx_put(0, (uint16_t)i, 60);
	first = dev.next_pair;
	round_with(1);
	CHECK_EQ_U(dev.next_pair, (first + 1) % CFG_MAX_QUEUE_PAIRS);
	/* one batch, and the pair comes back next round unkicked */
	CHECK_EQ_U(dev.q[1].st.frames, CFG_BATCH);
	CHECK_EQ_U(used_count(1, NULL, NULL), CFG_BATCH);
	CHECK(dev.q[1].busy);
	/* the guest floods pair 0 with another batch; pair 1 is kicked */
	for (unsigned i = 0; i < CFG_BATCH; i++)
		tx_put(0, (uint16_t)((many + i) % 128), 60);
	for (unsigned i = 0; i < 3; i++)
		tx_put(1, (uint16_t)i, 60);
	round_with(3);
	CHECK_EQ_U(dev.q[1].st.frames, 2 * CFG_BATCH);
	CHECK_EQ_U(dev.q[3].st.frames, 3);
	CHECK(!dev.q[3].busy);
	CHECK(dev.q[1].busy);
	round_with(-1);
	CHECK_EQ_U(dev.q[1].st.frames, many + CFG_BATCH);
	CHECK(!dev.q[1].busy);
	CHECK_EQ_U(used_count(1, NULL, NULL), many);
	CHECK_EQ_U(used_count(3, NULL, NULL), 3);
	/* an RX kick for a pair whose TX ring is stopped sets nothing
	 * spinning */
	CHECK_EQ_I(req(VU_GET_VRING_BASE, &st, sizeof(st), -1), 0);
	round_with((int)last);
	CHECK(!dev.q[last + 1].busy);
	teardown();
}

/* ---- frames from elsewhere ---------------------------------------------- */

/* The switch spreads the frames it delivers over the guest's pairs, a
 * flow on one pair; a flow the guest sent on a pair comes back there. */
static void test_switch_spread(void)
{
	unsigned seen[8] = {0}, used = 0;
	uint32_t id = 0, len = HDR + 1;
	int tap;

	if (!CFG_WITH_SWITCH || !CFG_WITH_LINKS) {
		CHECK(true); /* no switch in this build */
		return;
	}
	fake_reset();
	memset(&fw, 0, sizeof(fw));
	fw.switching = true;
	fw.nlinks = 1;
	fw.link[0] = (struct link){.kind = LINK_TAP, .name = "sw0", .dev = -1};
	CHECK_EQ_I(fwd_open(&fw), 0);
	CHECK_EQ_U(fw.link[0].nq, 1);
	tap = fw.link[0].fd[0];
	CHECK(!fake_net_is_multi(tap));
	setup_num(ACT_SWITCH, 16);
	for (unsigned p = 0; p < NP; p++)
		rx_fill(p, 16);
	/* 8 flows, each twice: both frames of a flow on one pair */
	for (unsigned k = 0; k < 16; k++) {
		unsigned p, got = NP;

		fake_net_push(tap, frame,
			      udp_frame(20, (uint16_t)(3000 + k % 8), 10, 53,
					(uint8_t)k));
		fwd_link_readable(&fw, 0, 0);
		fwd_flush(&fw);
		for (p = 0; p < NP; p++) {
			if (used_count(2 * p, &id, &len) == 1) {
				got = p;
				CHECK_EQ_U(rx_tag(p, id, len), k);
			}
		}
		if (!CHECK(got < NP))
			break;
		if (k < 8)
			seen[k] = got;
		else
			CHECK_EQ_U(got, seen[k - 8]);
	}
	for (unsigned p = 0; p < NP; p++)
		for (unsigned k = 0; k < 8; k++)
			if (seen[k] == p) {
				used++;
				break;
			}
	CHECK(used > 1);
	/* the guest sends flow 0's reverse on the last pair: its frames
	 * from the switch follow it there (5.1.6.5.5) */
	udp_frame(10, 53, 20, 3000, 0);
	tx_put(NP - 1, 0, 60);
	round_with((int)(2 * (NP - 1) + 1));
	CHECK_EQ_U(fake_net_sent_count(tap), 1);
	fake_net_push(tap, frame, udp_frame(20, 3000, 10, 53, 0x77));
	fwd_link_readable(&fw, 0, 0);
	fwd_flush(&fw);
	CHECK_EQ_U(used_count(2 * (NP - 1), &id, &len), 1);
	CHECK_EQ_U(rx_tag(NP - 1, id, len), 0x77);
	teardown();
}

/* A tap bridged to the device has a queue per pair (IFF_MULTI_QUEUE): a
 * pair's frames leave on its queue, and a queue's frames arrive on its
 * pair.  Only queue 0 and the queues of the pairs the guest receives on
 * stay attached (TUNSETQUEUE), so that the kernel spreads no flow over
 * queues that lead to one RX ring; a frame read from a queue whose pair
 * stopped receiving goes to one that receives. */
static void test_tap_queues(void)
{
	uint32_t id = 0, len = HDR + 1;
	unsigned last = NP - 1;
	const int *fd;

	if (!CFG_WITH_LINKS) {
		CHECK(true); /* no links in this build */
		return;
	}
	fake_reset();
	memset(&fw, 0, sizeof(fw));
	fw.nlinks = 1;
	fw.link[0] = (struct link){.kind = LINK_TAP, .name = "tap0", .dev = 0};
	CHECK_EQ_I(fwd_open(&fw), 0);
	CHECK_EQ_U(fw.link[0].nq, FWD_LINK_QUEUES);
	fd = fw.link[0].fd;
	for (unsigned k = 0; k < fw.link[0].nq; k++)
		CHECK(fake_net_is_multi(fd[k]));
	/* no guest yet: the round's end detaches all queues but the first */
	fwd_flush(&fw);
	for (unsigned k = 0; k < FWD_LINK_QUEUES; k++)
		CHECK_EQ_U(fake_net_is_detached(fd[k]), k > 0);
	setup_num(ACT_LINK, 16); /* bridged to link 0 */
	fwd_flush(&fw);
	for (unsigned k = 0; k < FWD_LINK_QUEUES; k++)
		CHECK_EQ_U(fake_net_is_detached(fd[k]), k >= NP);
	for (unsigned p = 0; p < NP; p++)
		rx_fill(p, 4);
	for (unsigned p = 0; p < NP; p++) {
		udp_frame(10, 1000, 20, 53, (uint8_t)p);
		tx_put(p, (uint16_t)p, 60);
		round_with((int)(2 * p + 1));
		for (unsigned k = 0; k < NP; k++)
			CHECK_EQ_U(fake_net_sent_count(fd[k]), k <= p);
	}
	for (unsigned p = 0; p < NP; p++) {
		tap_push(fd[p], udp_frame(20, 53, 10, 1000, (uint8_t)(0x50 + p)));
		fwd_link_readable(&fw, 0, p);
		fwd_flush(&fw);
		for (unsigned o = 0; o < NP; o++)
			CHECK_EQ_U(used_count(2 * o, &id, &len), o == p);
		CHECK_EQ_U(rx_tag(p, id, len), 0x50 + p);
	}
	/* the last pair stops receiving: a frame already in its queue goes
	 * to another pair; at the round's end its queue is detached, and the
	 * pair's own frames leave on queue 0 */
	enable(2 * last, false);
	tap_push(fd[last], udp_frame(20, 53, 10, 1000, 0x66));
	fwd_link_readable(&fw, 0, last);
	fwd_flush(&fw);
	CHECK_EQ_U(used_count(2 * last, NULL, NULL), 0);
	for (unsigned o = 0, got = 0; o <= last; o++) {
		got += used_count(2 * o, NULL, NULL);
		if (o == last)
			CHECK_EQ_U(got, 1);
	}
	CHECK(fake_net_is_detached(fd[last]));
	udp_frame(10, 1000, 20, 53, 0x67);
	tx_put(last, 10, 60);
	round_with((int)(2 * last + 1));
	CHECK_EQ_U(fake_net_sent_count(fd[0]), 2);
	CHECK_EQ_U(fake_net_sent_count(fd[last]), 1);
	/* receiving again: attached again */
	enable(2 * last, true);
	fwd_flush(&fw);
	CHECK(!fake_net_is_detached(fd[last]));
	/* the guest goes: all but queue 0 detached */
	dev_disconnect(&dev.dev, "test");
	fwd_flush(&fw);
	for (unsigned k = 0; k < FWD_LINK_QUEUES; k++)
		CHECK_EQ_U(fake_net_is_detached(fd[k]), k > 0);
	teardown();
}
#endif /* CFG_MAX_QUEUE_PAIRS > 1 */

/* ---- the flow hash -------------------------------------------------------- */

static uint32_t hash_of(uint32_t len)
{
	return net_flow_hash(frame, len);
}

/* Both directions of a flow give one number; its ports, addresses and
 * protocol count; fragments and frames cut short of the ports count
 * neither port; a VLAN tag is looked through; non-IP frames count their
 * stations; nothing past the length is read. */
static void test_flow_hash(void)
{
	uint32_t n = udp_frame(10, 1000, 20, 53, 0), h, h2, no_ports;

	h = hash_of(n);
	udp_frame(20, 53, 10, 1000, 1);
	CHECK_EQ_U(hash_of(n), h); /* symmetric, payload not counted */
	udp_frame(10, 1001, 20, 53, 0);
	CHECK(hash_of(n) != h);
	udp_frame(11, 1000, 20, 53, 0);
	CHECK(hash_of(n) != h);
	udp_frame(10, 1000, 20, 53, 0);
	frame[PKT_ETH_HLEN + PKT_IP4_PROTO] = 6; /* TCP */
	h2 = hash_of(n);
	CHECK(h2 != h);
	/* cut before the ports: addresses and protocol only */
	no_ports = hash_of(PKT_ETH_HLEN + PKT_IP4_HLEN + 3);
	CHECK(no_ports != h2);
	/* a fragment: the same, whatever its ports */
	pkt_put16(frame + PKT_ETH_HLEN + PKT_IP4_FRAG, PKT_IP4_MF);
	CHECK_EQ_U(hash_of(n), no_ports);
	pkt_put16(frame + PKT_ETH_HLEN + PKT_IP4_FRAG, 0);
	CHECK_EQ_U(hash_of(n), h2);
	/* an IHL below 5 is no IPv4 header: the stations */
	frame[PKT_ETH_HLEN] = 0x44;
	CHECK(hash_of(n) != h2);
	frame[PKT_ETH_HLEN] = 0x45;
	/* behind an 802.1Q tag: the same flow */
	memmove(frame + 16, frame + 12, n - 12);
	pkt_put16(frame + 12, 0x8100);
	pkt_put16(frame + 14, 5);
	CHECK_EQ_U(hash_of(n + 4), h2);
	/* IPv6: addresses and ports, both ways */
	memset(frame, 0, sizeof(frame));
	pkt_put16(frame + PKT_ETH_TYPE, PKT_ETHERTYPE_IP6);
	frame[PKT_ETH_HLEN + PKT_IP6_NH] = 17;
	frame[PKT_ETH_HLEN + PKT_IP6_SRC + 15] = 1;
	frame[PKT_ETH_HLEN + PKT_IP6_DST + 15] = 2;
	pkt_put16(frame + PKT_ETH_HLEN + PKT_IP6_HLEN, 1000);
	pkt_put16(frame + PKT_ETH_HLEN + PKT_IP6_HLEN + 2, 53);
	h = hash_of(PKT_ETH_HLEN + PKT_IP6_HLEN + 8);
	frame[PKT_ETH_HLEN + PKT_IP6_SRC + 15] = 2;
	frame[PKT_ETH_HLEN + PKT_IP6_DST + 15] = 1;
	pkt_put16(frame + PKT_ETH_HLEN + PKT_IP6_HLEN, 53);
	pkt_put16(frame + PKT_ETH_HLEN + PKT_IP6_HLEN + 2, 1000);
	CHECK_EQ_U(hash_of(PKT_ETH_HLEN + PKT_IP6_HLEN + 8), h);
	/* cut in the IPv6 header: the stations, as for non-IP */
	h = hash_of(PKT_ETH_HLEN + 10);
	frame[PKT_ETH_HLEN + PKT_IP6_HLEN] = 0x99;
	CHECK_EQ_U(hash_of(PKT_ETH_HLEN + 10), h);
	/* non-IP: the two stations in either order, and the EtherType */
	memset(frame, 0, sizeof(frame));
	frame[5] = 1;
	frame[11] = 2;
	pkt_put16(frame + PKT_ETH_TYPE, PKT_ETHERTYPE_ARP);
	h = hash_of(60);
	frame[5] = 2;
	frame[11] = 1;
	CHECK_EQ_U(hash_of(60), h);
	pkt_put16(frame + PKT_ETH_TYPE, PKT_ETHERTYPE_RARP);
	CHECK(hash_of(60) != h);
	/* shorter than an Ethernet header: 0, and nothing read */
	CHECK_EQ_U(net_flow_hash(NULL, 0), 0);
	CHECK_EQ_U(net_flow_hash(frame, 13), 0);
}

int main(void)
{
	RUN(test_flow_hash);
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_offer);
#if CFG_MAX_QUEUE_PAIRS > 1
		RUN(test_echo_pairs);
		RUN(test_respond_pairs);
		RUN(test_enable_each);
		RUN(test_fair);
		RUN(test_switch_spread);
		RUN(test_tap_queues);
#endif
	}
	return check_summary("test_mq");
}
