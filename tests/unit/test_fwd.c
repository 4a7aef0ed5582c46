/*
 * test_fwd.c - the forwarding plane (core/app/fwd.c): where the frames a
 * guest transmits, and those read from a tap or AF_PACKET interface, go.
 *
 * What is checked, on real back-ends (tests/unit/rig.h) and the fake
 * port's tap and packet fds:
 *   - the learning switch: broadcast and unknown unicast flooded to every
 *     other switch port, known unicast to its one port, never back out
 *     of the port it came in on, addresses forgotten with their device;
 *     frames to other devices published at the end of the round;
 *   - a destination with no free RX buffer: the frame is dropped and
 *     counted (no-rx), and the sender's TX completes -- one guest cannot
 *     make another wait (README "Where frames go", docs/security.md);
 *   - the responder answers on the guest's own RX ring, and counts no-rx
 *     when it has no buffer;
 *   - links: a guest's frames written to its tap, the tap's frames into
 *     the guest, each drop counted by reason (no-rx, a link that would not
 *     take a frame, oversize), a packet link as a switch port, a link that
 *     cannot be opened;
 *   - the dump and the --generate source.
 * Part of the switch, responder and link parts (Makefile PART_TEST_*): a
 * board without them skips it.
 */
#include <string.h>

#include "core/net/pkt.h"
#include "tests/unit/rig.h"

#define NDEV 3

static struct rig rig[NDEV];
static struct fwd fw;

static const uint8_t mac[NDEV][6] = {
	{0x52, 0x54, 0x00, 0x00, 0x00, 0x0a},
	{0x52, 0x54, 0x00, 0x00, 0x00, 0x0b},
	{0x52, 0x54, 0x00, 0x00, 0x00, 0x0c},
};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t nobody[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x99};

static uint8_t frame[128];
static uint8_t vnet_frame[PORT_TAP_VNET_HDR_LEN + CFG_FRAME_MAX + 100];

/* A tap bridged to a device carries a virtio-net header before each
 * frame (IFF_VNET_HDR): push f behind one that asks for nothing. */
static void tap_push(int fd, const uint8_t *f, uint32_t len)
{
	memset(vnet_frame, 0, PORT_TAP_VNET_HDR_LEN);
	memcpy(vnet_frame + PORT_TAP_VNET_HDR_LEN, f, len);
	fake_net_push(fd, vnet_frame, PORT_TAP_VNET_HDR_LEN + len);
}

/* An Ethernet frame of len bytes dst <- src, its payload tagged. */
static const uint8_t *eth(const uint8_t *dst, const uint8_t *src, uint8_t tag,
			  uint32_t len)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5; /* local experimental ethertype */
	for (uint32_t i = 14; i < len; i++)
		frame[i] = (uint8_t)(tag + i);
	return frame;
}

/* n devices with action `act`, rings of 16, RX buffers 0..rx-1 offered. */
static void setup(unsigned n, enum fwd_action act, unsigned rx)
{
	struct fwd_opts fo = {.action = act};

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	fw.switching = act == ACT_SWITCH;
	for (unsigned i = 0; i < n; i++) {
		rig_open(&rig[i], &fw, i, &fo, false, RIG_F_BASE, 0);
		rig_rings(&rig[i], 16);
		for (uint16_t b = 0; b < rx; b++)
			rig_rx_add(&rig[i], b, 2048);
	}
}

static void teardown(unsigned n)
{
	fwd_close(&fw);
	for (unsigned i = 0; i < n; i++)
		rig_close(&rig[i]);
	rig_leak_check();
}

/* Device i's guest sends frame f (TX slot s); the round ends (every
 * device published, as the loop does). */
static void send_from(unsigned i, uint16_t s, const uint8_t *f, uint32_t len)
{
	rig_tx(&rig[i], s, f, len);
	CHECK_EQ_I(net_pair_work(&rig[i].dev.net, 0), 0);
	/* the sender's TX is done in its own pass, whatever became of it */
	rig_expect_used(&rig[i].txq, s, 0);
	fwd_flush(&fw);
}

/* Device i's guest got frame f (len bytes) in RX buffer b. */
static void got(unsigned i, uint16_t b, const uint8_t *f, uint32_t len)
{
	if (rig_expect_used(&rig[i].rxq, b, RIG_HDR + len))
		CHECK(memcmp(rig_rx_frame(&rig[i], b), f, len) == 0);
}

static void got_nothing(unsigned i)
{
	rig_expect_no_used(&rig[i].rxq);
}

/* ---- the switch ------------------------------------------------------------ */

static void test_switch(void)
{
	const uint8_t *f;

	setup(NDEV, ACT_SWITCH, 8);
	CHECK_EQ_I(fwd_open(&fw), 0);
	/* a broadcast from 0: to 1 and 2, not back to 0; published (and
	 * the guests called) only at the round's end */
	f = eth(bcast, mac[0], 1, 60);
	rig_tx(&rig[0], 0, f, 60);
	CHECK_EQ_I(net_pair_work(&rig[0].dev.net, 0), 0);
	rig_expect_used(&rig[0].txq, 0, 0);
	got_nothing(1);
	CHECK_EQ_U(fake_evt_count(rig[1].call_fd[0]), 0);
	fwd_flush(&fw);
	got(1, 0, f, 60);
	got(2, 0, f, 60);
	got_nothing(0);
	CHECK_EQ_U(fake_evt_count(rig[1].call_fd[0]), 1);
	CHECK_EQ_U(fake_evt_count(rig[2].call_fd[0]), 1);

	/* 1 answers 0, whose address the switch learned: to 0 only */
	f = eth(mac[0], mac[1], 2, 70);
	send_from(1, 0, f, 70);
	got(0, 0, f, 70);
	got_nothing(2);
	/* and 0 to 1, learned now too */
	f = eth(mac[1], mac[0], 3, 80);
	send_from(0, 1, f, 80);
	got(1, 1, f, 80);
	got_nothing(2);
	/* unknown unicast from 2: flooded to 0 and 1 */
	f = eth(nobody, mac[2], 4, 90);
	send_from(2, 0, f, 90);
	got(0, 1, f, 90);
	got(1, 2, f, 90);
	/* to the sender's own address: not sent back where it came from */
	f = eth(mac[0], mac[0], 5, 60);
	send_from(0, 2, f, 60);
	got_nothing(0);
	got_nothing(1);
	got_nothing(2);
	/* device 0 gone: the switch forgets it, a frame to it floods */
	fwd_dev_gone(&fw, 0);
	f = eth(mac[0], mac[1], 6, 60);
	send_from(1, 1, f, 60);
	got(0, 2, f, 60);
	got(2, 1, f, 60);
	CHECK_EQ_U(fw.sw.learned, 3);
	for (unsigned i = 0; i < NDEV; i++)
		CHECK_EQ_U(rig[i].dev.q[0].st.drop_norx, 0);
	teardown(NDEV);
}

/* A destination with no RX buffer: dropped there and counted; the sender
 * is not held back, and the other destination gets it. */
static void test_switch_no_rx(void)
{
	const uint8_t *f;

	setup(NDEV, ACT_SWITCH, 0);
	CHECK_EQ_I(fwd_open(&fw), 0);
	rig_rx_add(&rig[2], 0, 2048);
	f = eth(bcast, mac[0], 7, 60);
	send_from(0, 0, f, 60); /* TX completed (checked there) */
	CHECK_EQ_U(rig[1].dev.q[0].st.drop_norx, 1);
	got_nothing(1);
	got(2, 0, f, 60);
	CHECK_EQ_U(rig[2].dev.q[0].st.drop_norx, 0);
	CHECK_EQ_U(rig[0].dev.q[1].st.frames, 1);
	/* a known destination without buffers: counted again, the sender
	 * still done */
	f = eth(mac[1], mac[2], 8, 60);
	send_from(2, 0, f, 60);
	f = eth(mac[2], mac[1], 9, 60);
	send_from(1, 0, f, 60);
	got_nothing(2); /* its one buffer was used */
	CHECK_EQ_U(rig[2].dev.q[0].st.drop_norx, 1);
	f = eth(mac[1], mac[0], 10, 60);
	send_from(0, 1, f, 60);
	CHECK_EQ_U(rig[1].dev.q[0].st.drop_norx, 3);
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_norx, 1); /* 2's flood */
	/* a device whose front-end is gone is no destination at all */
	dev_disconnect(&rig[1].dev.dev, "test");
	f = eth(bcast, mac[0], 11, 60);
	rig_rx_add(&rig[2], 1, 2048);
	send_from(0, 2, f, 60);
	got(2, 1, f, 60);
	teardown(NDEV);
}

/* ---- the responder ----------------------------------------------------------- */

static void test_respond(void)
{
	static const uint8_t ip_us[4] = {192, 0, 2, 1}, ip_guest[4] = {192, 0,
									 2, 2};
	struct fwd_opts fo = {.action = ACT_RESPOND};
	uint8_t req[PKT_ETH_MIN_LEN];
	uint8_t peer_mac[6] = {0};
	uint32_t n;

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	memcpy(fo.resp.ip4, ip_us, 4);
	memcpy(fo.resp.mac, mac[2], 6);
	rig_open(&rig[0], &fw, 0, &fo, false, RIG_F_BASE, 0);
	rig_rings(&rig[0], 16);
	rig_rx_add(&rig[0], 0, 2048);
	n = pkt_arp_request(req, sizeof(req), mac[0], ip_guest, ip_us);
	CHECK(n > 0);
	/* the request in, the reply out on the same guest's RX */
	rig_tx(&rig[0], 0, req, n);
	CHECK_EQ_I(net_pair_work(&rig[0].dev.net, 0), 0);
	rig_expect_used(&rig[0].txq, 0, 0);
	if (CHECK_EQ_I(vqd_get_used(&rig[0].rxq, &(uint32_t){0},
				    &(uint32_t){0}),
		       1)) {
		const uint8_t *r = rig_rx_frame(&rig[0], 0);

		CHECK(memcmp(r, mac[0], 6) == 0);     /* to the asker */
		CHECK(memcmp(r + 6, mac[2], 6) == 0); /* from us */
		CHECK_EQ_U(r[12] << 8 | r[13], 0x0806);
		CHECK_EQ_U(r[20] << 8 | r[21], 2); /* ARP reply */
		CHECK(memcmp(r + 28, ip_us, 4) == 0);
		CHECK(memcmp(r + 22, mac[2], 6) == 0);
		CHECK(pkt_check_arp_reply(r, 60, mac[0], ip_guest, ip_us,
					  peer_mac, NULL));
	}
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_norx, 0);
	/* no RX buffer: the reply is dropped and counted, the request done */
	rig_tx(&rig[0], 1, req, n);
	CHECK_EQ_I(net_pair_work(&rig[0].dev.net, 0), 0);
	rig_expect_used(&rig[0].txq, 1, 0);
	rig_expect_no_used(&rig[0].rxq);
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_norx, 1);
	/* a frame it does not answer: nothing, nothing counted as no-rx */
	rig_rx_add(&rig[0], 1, 2048);
	rig_tx(&rig[0], 2, eth(bcast, mac[0], 1, 60), 60);
	CHECK_EQ_I(net_pair_work(&rig[0].dev.net, 0), 0);
	rig_expect_used(&rig[0].txq, 2, 0);
	rig_expect_no_used(&rig[0].rxq);
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_norx, 1);
	teardown(1);
}

/* ---- links ------------------------------------------------------------------ */

/* Link 0: tap vht0 bridged to device 0; link 1: packet eth9, a switch
 * port, with device 1 on the switch. */
static void setup_links(void)
{
	struct fwd_opts link = {.action = ACT_LINK, .link = 0};
	struct fwd_opts sw = {.action = ACT_SWITCH};

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	fw.switching = true;
	fw.nlinks = 2;
	fw.link[0] = (struct link){.kind = LINK_TAP, .name = "vht0", .dev = 0, .pcap_if = -1};
	fw.link[1] = (struct link){.kind = LINK_PACKET, .name = "eth9", .dev = -1, .pcap_if = -1};
	rig_open(&rig[0], &fw, 0, &link, false, RIG_F_BASE, 0);
	rig_open(&rig[1], &fw, 1, &sw, false, RIG_F_BASE, 0);
	for (unsigned i = 0; i < 2; i++)
		rig_rings(&rig[i], 16);
	CHECK_EQ_I(fwd_open(&fw), 0);
	CHECK(!fake_net_is_packet(fw.link[0].fd[0]));
	CHECK_STR_EQ(fake_net_name(fw.link[0].fd[0]), "vht0");
	CHECK(fake_net_is_packet(fw.link[1].fd[0]));
	CHECK_STR_EQ(fake_net_name(fw.link[1].fd[0]), "eth9");
}

static void test_link_bridged(void)
{
	static uint8_t big[CFG_FRAME_MAX + 100];
	const struct link_stats *st = &fw.link[0].st;
	int tap;
	uint32_t len = 0;
	const uint8_t *f, *out;

	setup_links();
	tap = fw.link[0].fd[0];
	/* the guest's frame goes out on its tap, whole */
	f = eth(nobody, mac[0], 1, 100);
	send_from(0, 0, f, 100);
	CHECK_EQ_U(fake_net_sent_count(tap), 1);
	out = fake_net_sent(tap, 0, &len);
	CHECK(fake_net_is_vnet(tap));
	CHECK_EQ_U(len, PORT_TAP_VNET_HDR_LEN + 100);
	CHECK(out != NULL && memcmp(out + PORT_TAP_VNET_HDR_LEN, f, 100) == 0);
	CHECK_EQ_U(st->tx_frames, 1);
	CHECK_EQ_U(st->tx_bytes, 100);
	/* the switch port saw none of it: the tap is device 0's alone */
	CHECK_EQ_U(fake_net_sent_count(fw.link[1].fd[0]), 0);

	/* the tap's frame into the guest */
	rig_rx_add(&rig[0], 0, 2048);
	f = eth(mac[0], nobody, 2, 64);
	tap_push(tap, f, 64);
	fwd_link_readable(&fw, 0, 0);
	fwd_flush(&fw);
	got(0, 0, f, 64);
	CHECK_EQ_U(st->rx_frames, 1);
	CHECK_EQ_U(st->rx_bytes, 64);

	/* no RX buffer: dropped, counted no-rx (at the link) */
	tap_push(tap, f, 64);
	fwd_link_readable(&fw, 0, 0);
	fwd_flush(&fw);
	got_nothing(0);
	CHECK_EQ_U(st->drop_norx, 1);
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_norx, 0);
	/* larger than the guest takes (a tap's frame may be a 64 KiB GSO
	 * frame, read whole): dropped at the device, counted oversize; a
	 * runt (no whole Ethernet header) is no frame at all */
	tap_push(tap, big, sizeof(big));
	tap_push(tap, f, 10);
	fwd_link_readable(&fw, 0, 0);
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_oversize, 1);
	CHECK_EQ_U(st->rx_frames, 3);
	CHECK_EQ_U(fake_net_pending(tap), 0);
	/* a tap that will not take a frame: dropped, counted, the guest's TX
	 * done all the same */
	fake_net_block(tap, true);
	send_from(0, 1, eth(nobody, mac[0], 3, 60), 60);
	CHECK_EQ_U(st->drop_tx, 1);
	CHECK_EQ_U(st->tx_frames, 1);
	fake_net_block(tap, false);
	/* the device's front-end gone: what the tap reads is dropped no-rx */
	dev_disconnect(&rig[0].dev.dev, "test");
	tap_push(tap, f, 64);
	fwd_link_readable(&fw, 0, 0);
	CHECK_EQ_U(st->drop_norx, 2);
	teardown(2);
}

static void test_link_switch_port(void)
{
	int pkt;
	uint32_t len = 0;
	const uint8_t *f, *out;

	setup_links();
	pkt = fw.link[1].fd[0];
	/* device 1's broadcast: out on the packet port, not on the tap
	 * (device 0's alone), not back to device 1 */
	f = eth(bcast, mac[1], 1, 60);
	send_from(1, 0, f, 60);
	CHECK_EQ_U(fake_net_sent_count(pkt), 1);
	out = fake_net_sent(pkt, 0, &len);
	CHECK(out != NULL && len == 60 && memcmp(out, f, 60) == 0);
	CHECK_EQ_U(fake_net_sent_count(fw.link[0].fd[0]), 0);
	got_nothing(1);
	/* the interface answers device 1, learned: into its RX */
	rig_rx_add(&rig[1], 0, 2048);
	f = eth(mac[1], nobody, 2, 60);
	fake_net_push(pkt, f, 60);
	fwd_link_readable(&fw, 1, 0);
	fwd_flush(&fw);
	got(1, 0, f, 60);
	/* and its broadcast reaches device 1 but is not sent back out */
	rig_rx_add(&rig[1], 1, 2048);
	f = eth(bcast, nobody, 3, 60);
	fake_net_push(pkt, f, 60);
	fwd_link_readable(&fw, 1, 0);
	fwd_flush(&fw);
	got(1, 1, f, 60);
	CHECK_EQ_U(fake_net_sent_count(pkt), 1);
	/* device 1 sends to the interface's address, learned: to it only */
	f = eth(nobody, mac[1], 4, 60);
	send_from(1, 1, f, 60);
	CHECK_EQ_U(fake_net_sent_count(pkt), 2);
	/* a switch port's frame for a device with no buffer: counted at
	 * the device (no-rx) */
	f = eth(mac[1], nobody, 5, 60);
	fake_net_push(pkt, f, 60);
	fwd_link_readable(&fw, 1, 0);
	CHECK_EQ_U(rig[1].dev.q[0].st.drop_norx, 1);
	teardown(2);
}

/* A link that cannot be opened: one line naming it, nothing left open. */
static void test_link_open_fails(void)
{
	fake_reset();
	memset(&fw, 0, sizeof(fw));
	fw.nlinks = 2;
	fw.link[0] = (struct link){.kind = LINK_PACKET, .name = "eth9", .dev = -1, .pcap_if = -1};
	fw.link[1] = (struct link){.kind = LINK_TAP, .name = "vht0", .dev = 0, .pcap_if = -1};
	fake_net_open_error = -PORT_ENODEV;
	fake_log_clear();
	CHECK(fwd_open(&fw) < 0);
	CHECK_STR_HAS(fake_last_error(), "cannot open interface eth9");
	CHECK_STR_HAS(fake_last_error(), "no such interface");
	fake_net_open_error = 0;
	fwd_close(&fw);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_misuse, 0);
}

/* ---- dump, generate ---------------------------------------------------------- */

static void test_dump(void)
{
	struct fwd_opts fo = {.action = ACT_DUMP};

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	rig_open(&rig[0], &fw, 0, &fo, false, RIG_F_BASE, 0);
	rig_rings(&rig[0], 16);
	rig_rx_add(&rig[0], 0, 2048);
	fake_log_clear();
	send_from(0, 0, eth(bcast, mac[0], 0, 20), 20);
	/* the last line: bytes 16..19 (the payload is i at offset i) */
	CHECK_STR_EQ(fake_last_info(), "dev0:   0010: 10 11 12 13\n");
	CHECK_EQ_U(fw.port[0].dumped, 1);
	rig_expect_no_used(&rig[0].rxq); /* dumped, not echoed */
	teardown(1);
}

static void test_generate(void)
{
	struct fwd_opts fo = {.action = ACT_GENERATE, .size = 80};
	uint8_t want[80];

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	rig_open(&rig[0], &fw, 0, &fo, false, RIG_F_BASE, 0);
	rig_rings(&rig[0], 16);
	for (uint16_t b = 0; b < 4; b++)
		rig_rx_add(&rig[0], b, 2048);
	/* room for 4 of a batch: filled, and not to run again at once */
	CHECK(!fwd_generate(&fw));
	fwd_flush(&fw);
	pkt_test_frame(want, 80, 0);
	for (uint16_t b = 0; b < 4; b++)
		got(0, b, want, 80);
	CHECK_EQ_U(rig[0].dev.q[0].st.frames, 4);
	CHECK_EQ_U(rig[0].dev.q[0].st.drop_norx, 0);
	/* nothing to fill: nothing happens */
	CHECK(!fwd_generate(&fw));
	got_nothing(0);
	teardown(1);
}

int main(void)
{
	RUN(test_switch);
	RUN(test_switch_no_rx);
	RUN(test_respond);
	RUN(test_link_bridged);
	RUN(test_link_switch_port);
	RUN(test_link_open_fails);
	RUN(test_dump);
	RUN(test_generate);
	return check_summary("test_fwd");
}
