/*
 * test_offload.c - the virtio-net header's offloads (virtio 1.2 5.1.6;
 * core/net/vhdr.c) and their way through a tap bridged to a device
 * (IFF_VNET_HDR: core/net/net.c, core/app/fwd.c), on a back-end set up
 * through be_dispatch (tests/unit/rig.h) and the fake port's tap.
 *
 * What is checked: every field of a header is validated against what
 * was negotiated for its direction (flags, GSO types, the ECN bit, the
 * checksum place, gso_size, hdr_len), and a bad one drops the frame,
 * counted, the ring going on; only a device bridged to a tap offers the
 * offloads; the guest's partial checksums and GSO frames reach the tap
 * as they are, behind the header that describes them, and the tap's
 * reach the guest the same way, DATA_VALID kept only for a guest that
 * took GUEST_CSUM; a GSO frame is not held to the MTU; the tap's
 * offloads (TUNSETOFFLOAD) follow what the guest negotiated.  Split,
 * then packed.
 */
#include <string.h>

#include "core/net/pkt.h"
#include "core/net/vhdr.h"
#include "tests/unit/rig.h"

#define F_OFF                                                               \
	(VU_BIT(VIRTIO_NET_F_CSUM) | VU_BIT(VIRTIO_NET_F_GUEST_CSUM) |      \
	 VU_BIT(VIRTIO_NET_F_GUEST_TSO4) | VU_BIT(VIRTIO_NET_F_GUEST_TSO6) | \
	 VU_BIT(VIRTIO_NET_F_GUEST_ECN) | VU_BIT(VIRTIO_NET_F_HOST_TSO4) |  \
	 VU_BIT(VIRTIO_NET_F_HOST_TSO6) | VU_BIT(VIRTIO_NET_F_HOST_ECN))
#define F_MRG VU_BIT(VIRTIO_NET_F_MRG_RXBUF)
#define VNET PORT_TAP_VNET_HDR_LEN
#define BIG 8000u /* a GSO frame the fake's tap can carry */
#define BIG_GPA RIG_FREE

static const struct net_hdr plain = {0};
/* A TCP/IPv4 GSO frame as Linux sends it: checksum from the IP payload
 * (14 + 20), at offset 16 (TCP's), segments of 1448 after 66 bytes of
 * headers. */
static const struct net_hdr tso4 = {NET_HDR_F_NEEDS_CSUM, NET_HDR_GSO_TCPV4,
				    66, 1448, 34, 16};

/* ---- the header's checks ------------------------------------------------- */

static enum net_hdr_bad chk(struct net_hdr h, uint32_t len, unsigned off,
			     bool rx)
{
	return net_hdr_check(&h, len, off, rx);
}

static void test_hdr_check(void)
{
	const unsigned all = NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6 |
			     NET_OFF_ECN;
	struct net_hdr h = tso4;

	CHECK_EQ_I(chk(plain, 60, 0, false), NET_HDR_OK);
	CHECK_EQ_I(chk(tso4, BIG, all, false), NET_HDR_OK);
	h.gso_type = NET_HDR_GSO_TCPV6 | NET_HDR_GSO_ECN;
	CHECK_EQ_I(chk(h, BIG, all, false), NET_HDR_OK);
	/* flags */
	h = plain;
	h.flags = 4;
	CHECK_EQ_I(chk(h, 60, all, false), NET_HDR_BAD_FLAGS);
	h.flags = NET_HDR_F_DATA_VALID;
	CHECK_EQ_I(chk(h, 60, all, false), NET_HDR_BAD_FLAGS); /* TX */
	CHECK_EQ_I(chk(h, 60, all, true), NET_HDR_OK); /* RX */
	CHECK_EQ_I(chk(h, 60, 0, true), NET_HDR_BAD_CSUM_OFF);
	/* the checksum's place: its two bytes inside the frame */
	h = (struct net_hdr){NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16};
	CHECK_EQ_I(chk(h, 52, NET_OFF_CSUM, false), NET_HDR_OK);
	CHECK_EQ_I(chk(h, 51, NET_OFF_CSUM, false), NET_HDR_BAD_CSUM_AT);
	h.csum_start = 0xffff; /* CVE-2024-11614's shape */
	CHECK_EQ_I(chk(h, 60, NET_OFF_CSUM, false), NET_HDR_BAD_CSUM_AT);
	h.csum_start = 34;
	CHECK_EQ_I(chk(h, 60, 0, false), NET_HDR_BAD_CSUM_OFF);
	/* GSO types: as negotiated, UDP and USO never */
	h = tso4;
	CHECK_EQ_I(chk(h, BIG, NET_OFF_CSUM | NET_OFF_TSO6, false),
		   NET_HDR_BAD_GSO_TYPE);
	h.gso_type = NET_HDR_GSO_TCPV6;
	CHECK_EQ_I(chk(h, BIG, NET_OFF_CSUM | NET_OFF_TSO4, false),
		   NET_HDR_BAD_GSO_TYPE);
	h.gso_type = NET_HDR_GSO_UDP;
	CHECK_EQ_I(chk(h, BIG, all, false), NET_HDR_BAD_GSO_TYPE);
	h.gso_type = 5; /* UDP_L4 */
	CHECK_EQ_I(chk(h, BIG, all, false), NET_HDR_BAD_GSO_TYPE);
	h.gso_type = NET_HDR_GSO_TCPV4 | NET_HDR_GSO_ECN;
	CHECK_EQ_I(chk(h, BIG, all & ~NET_OFF_ECN, false), NET_HDR_BAD_ECN);
	h = plain;
	h.gso_type = NET_HDR_GSO_ECN;
	CHECK_EQ_I(chk(h, 60, all, false), NET_HDR_BAD_ECN);
	/* a GSO frame: NEEDS_CSUM, a segment size, hdr_len inside */
	h = tso4;
	h.flags = 0;
	CHECK_EQ_I(chk(h, BIG, all, false), NET_HDR_BAD_GSO_CSUM);
	h = tso4;
	h.gso_size = 0;
	CHECK_EQ_I(chk(h, BIG, all, false), NET_HDR_BAD_GSO_SIZE);
	h = tso4;
	h.hdr_len = BIG + 1;
	CHECK_EQ_I(chk(h, BIG, all, false), NET_HDR_BAD_HDR_LEN);
	/* bytes in, bytes out: little-endian fields */
	{
		uint8_t b[NET_HDR_BYTES];
		struct net_hdr g;

		net_hdr_put(&tso4, b);
		CHECK_EQ_U(b[0], 1);
		CHECK_EQ_U(b[1], 1);
		CHECK_EQ_U(b[2] | b[3] << 8, 66);
		CHECK_EQ_U(b[4] | b[5] << 8, 1448);
		CHECK_EQ_U(b[6] | b[7] << 8, 34);
		CHECK_EQ_U(b[8] | b[9] << 8, 16);
		net_hdr_get(&g, b);
		CHECK(memcmp(&g, &tso4, sizeof(g)) == 0);
	}
}

#if CFG_WITH_LINKS
static bool packed;
static struct rig r, other;
static struct fwd fw;
static uint8_t frame[BIG];
static uint8_t wire[VNET + BIG];
static int tap;

/* A frame of len bytes: an Ethernet header, then a pattern. */
static void fill(uint32_t len, uint8_t seed)
{
	memset(frame, 0xff, 6);
	memcpy(frame + 6, "\x52\x54\x00\x00\x00\x0a", 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	for (uint32_t i = 14; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 13u);
}

/* A device bridged to tap "vht0" (action ACT_LINK), `features` with
 * MRG_RXBUF, rings of 16, RX buffers of 2 KiB posted. */
static void setup(uint64_t features, uint64_t proto)
{
	struct fwd_opts link = {.action = ACT_LINK, .link = 0};

	fake_reset();
	memset(&fw, 0, sizeof(fw));
	fw.nlinks = 1;
	fw.link[0] = (struct link){.kind = LINK_TAP, .name = "vht0", .dev = 0,
				   .pcap_if = -1};
	CHECK_EQ_I(fwd_open(&fw), 0);
	tap = fw.link[0].fd[0];
	CHECK(fake_net_is_vnet(tap));
	rig_open(&r, &fw, 0, &link, packed,
		 RIG_F_BASE | F_MRG | features, proto);
	rig_rings(&r, 16);
	for (uint16_t b = 0; b < 8; b++)
		rig_rx_add(&r, b, 2048);
}

static void teardown(void)
{
	fwd_close(&fw);
	rig_close(&r);
	rig_leak_check();
}

/* The guest transmits `frame` (len bytes) behind header h, in one
 * descriptor at BIG_GPA (TX slot 0's descriptor), and the pair runs. */
static void tx(const struct net_hdr *h, uint32_t len)
{
	uint8_t *b = rig_host(&r, BIG_GPA);
	uint32_t id, l;

	memset(b, 0, RIG_HDR);
	net_hdr_put(h, b);
	memcpy(b + RIG_HDR, frame, len);
	r.txq.desc[0] = (struct vring_desc){BIG_GPA, RIG_HDR + len, 0, 0};
	vqd_add(&r.txq, 0);
	vqd_publish(&r.txq);
	CHECK_EQ_I(net_pair_work(&r.dev.net, 0), 0);
	CHECK_EQ_I(vqd_get_used(&r.txq, &id, &l), 1); /* taken, whatever */
}

/* The tap hands us `frame` (len bytes) behind header h. */
static void tap_rx(const struct net_hdr *h, uint32_t len)
{
	memset(wire, 0, VNET);
	net_hdr_put(h, wire);
	memcpy(wire + VNET, frame, len);
	fake_net_push(tap, wire, VNET + len);
	fwd_link_readable(&fw, 0, 0);
	fwd_flush(&fw);
}

/* ---- through a tap (where links are built) -------------------------------- */

/* Only a device bridged to a tap offers the offloads; another refuses
 * them. */
static void test_offered(void)
{
	struct fwd_opts echo = {.action = ACT_ECHO};

	setup(F_OFF, 0);
	CHECK_EQ_U(r.dev.offered & F_OFF, F_OFF);
	CHECK(r.dev.net.pass_offloads);
	rig_open(&other, &fw, 1, &echo, packed, RIG_F_BASE, 0);
	CHECK_EQ_U(other.dev.offered & BE_OFFLOAD_FEATURES, 0);
	CHECK(!other.dev.net.pass_offloads);
	CHECK(rig_req_u64(&other, VU_SET_FEATURES,
			  RIG_F_BASE | VU_BIT(VIRTIO_NET_F_HOST_TSO4)) < 0);
	CHECK_STR_HAS(fake_last_error(), "bits we did not offer");
	rig_close(&other);
	teardown();
}

/* The guest's GSO frame and partial checksum reach the tap as they are,
 * behind the header that says so; a bad header drops the frame. */
static void test_tx(void)
{
	const uint8_t *out;
	struct net_hdr got, h;
	uint32_t len = 0;

	setup(F_OFF, 0);
	fill(BIG, 1);
	tx(&tso4, BIG);
	CHECK_EQ_U(fake_net_sent_count(tap), 1);
	out = fake_net_sent(tap, 0, &len);
	if (CHECK_EQ_U(len, VNET + BIG)) {
		net_hdr_get(&got, out);
		CHECK(memcmp(&got, &tso4, sizeof(got)) == 0);
		CHECK_EQ_U(out[10] | out[11] << 8, 0); /* num_buffers: RX's */
		CHECK(memcmp(out + VNET, frame, BIG) == 0);
	}
	CHECK_EQ_U(r.dev.q[1].st.frames, 1);
	CHECK_EQ_U(r.dev.q[1].st.bytes, BIG);
	/* a partial checksum: not completed here, the kernel does it */
	fill(100, 2);
	h = (struct net_hdr){NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16};
	tx(&h, 100);
	out = fake_net_sent(tap, 1, &len);
	if (CHECK_EQ_U(len, VNET + 100)) {
		CHECK_EQ_U(out[0], NET_HDR_F_NEEDS_CSUM);
		CHECK(memcmp(out + VNET, frame, 100) == 0);
	}
	/* bad headers: dropped, counted, nothing written, the ring going on */
	h = tso4;
	h.gso_size = 0;
	tx(&h, BIG);
	h = tso4;
	h.csum_start = BIG;
	tx(&h, BIG);
	h = tso4;
	h.gso_type = NET_HDR_GSO_UDP;
	tx(&h, BIG);
	CHECK_EQ_U(r.dev.q[1].st.drop_bad, 3);
	CHECK_EQ_U(fake_net_sent_count(tap), 2);
	tx(&plain, 100);
	CHECK_EQ_U(fake_net_sent_count(tap), 3);
	teardown();
}

/* A guest that did not take HOST_TSO4 sends no GSO frame: one is bad. */
static void test_tx_not_negotiated(void)
{
	setup(VU_BIT(VIRTIO_NET_F_CSUM), 0);
	fill(BIG, 3);
	tx(&tso4, BIG);
	CHECK_EQ_U(r.dev.q[1].st.drop_bad, 1);
	CHECK_EQ_U(fake_net_sent_count(tap), 0);
	teardown();
}

/* The tap's GSO frame reaches the guest as it is, in mergeable buffers,
 * behind the header that says so. */
static void test_rx(void)
{
	const uint8_t *b;
	struct net_hdr got, h;
	uint32_t off = 0, id, len, nb;

	setup(F_OFF, 0);
	fill(BIG, 4);
	tap_rx(&tso4, BIG);
	CHECK_EQ_U(r.dev.q[0].st.frames, 1);
	CHECK_EQ_U(r.dev.q[0].st.bytes, BIG);
	/* buffers of 2048: the header and 2036 bytes, then 2048 each */
	nb = (RIG_HDR + BIG + 2047) / 2048;
	for (uint32_t k = 0; k < nb; k++) {
		if (!CHECK_EQ_I(vqd_get_used(&r.rxq, &id, &len), 1))
			break;
		b = rig_host(&r, RIG_RX_BUF(id));
		if (k == 0) {
			net_hdr_get(&got, b);
			CHECK(memcmp(&got, &tso4, sizeof(got)) == 0);
			CHECK_EQ_U(b[10] | b[11] << 8, nb);
			b += RIG_HDR;
			len -= RIG_HDR;
		}
		CHECK(memcmp(b, frame + off, len) == 0);
		off += len;
	}
	CHECK_EQ_U(off, BIG);
	/* DATA_VALID, for a guest that took GUEST_CSUM */
	for (uint16_t s = 0; s < 8; s++)
		rig_rx_add(&r, s, 2048);
	h = plain;
	h.flags = NET_HDR_F_DATA_VALID;
	fill(100, 5);
	tap_rx(&h, 100);
	if (CHECK_EQ_I(vqd_get_used(&r.rxq, &id, &len), 1))
		CHECK_EQ_U(rig_host(&r, RIG_RX_BUF(id))[0],
			   NET_HDR_F_DATA_VALID);
	teardown();
}

/* A guest without GUEST_TSO4 gets no GSO frame (dropped, counted), and
 * no DATA_VALID (cleared: the guest checks the sum itself). */
static void test_rx_not_negotiated(void)
{
	struct net_hdr h = plain;
	uint32_t id, len;

	setup(VU_BIT(VIRTIO_NET_F_CSUM), 0);
	fill(BIG, 6);
	tap_rx(&tso4, BIG);
	CHECK_EQ_U(r.dev.q[0].st.drop_bad, 1);
	CHECK_EQ_U(r.dev.q[0].st.frames, 0);
	h.flags = NET_HDR_F_DATA_VALID;
	fill(100, 7);
	tap_rx(&h, 100);
	if (CHECK_EQ_I(vqd_get_used(&r.rxq, &id, &len), 1)) {
		CHECK_EQ_U(rig_host(&r, RIG_RX_BUF(id))[0], 0);
		CHECK(memcmp(rig_host(&r, RIG_RX_BUF(id)) + RIG_HDR, frame,
			     100) == 0);
	}
	teardown();
}

/* A GSO frame is not held to the MTU (5.1.4: that is for frames of
 * gso_type NONE); a plain one is. */
static void test_mtu(void)
{
	setup(F_OFF | VU_BIT(VIRTIO_NET_F_MTU), VU_BIT(VU_PROTO_F_MTU));
	CHECK_EQ_I(rig_req_u64(&r, VU_NET_SET_MTU, 1500), 0);
	fill(BIG, 8);
	tx(&tso4, BIG);
	CHECK_EQ_U(fake_net_sent_count(tap), 1);
	tx(&plain, 1600);
	CHECK_EQ_U(r.dev.q[1].st.drop_oversize, 1);
	tap_rx(&tso4, BIG);
	CHECK_EQ_U(r.dev.q[0].st.frames, 1);
	tap_rx(&plain, 1600);
	CHECK_EQ_U(r.dev.q[0].st.drop_oversize, 1);
	teardown();
}

/* The tap's offloads (TUNSETOFFLOAD) are those the guest took, none
 * while no guest is there. */
static void test_tap_follows(void)
{
	uint64_t f = RIG_F_BASE | F_MRG | VU_BIT(VIRTIO_NET_F_CSUM) |
		     VU_BIT(VIRTIO_NET_F_GUEST_CSUM) |
		     (packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0);

	setup(F_OFF, 0);
	CHECK_EQ_U(fake_net_offloads(tap), 0); /* until the round's end */
	fwd_flush(&fw);
	CHECK_EQ_U(fake_net_offloads(tap), PORT_TAP_OFF_CSUM | PORT_TAP_OFF_TSO4 |
						   PORT_TAP_OFF_TSO6 |
						   PORT_TAP_OFF_ECN);
	CHECK_EQ_I(rig_req_u64(&r, VU_SET_FEATURES, f), 0);
	fwd_flush(&fw);
	CHECK_EQ_U(fake_net_offloads(tap), PORT_TAP_OFF_CSUM);
	dev_disconnect(&r.dev.dev, "test");
	fwd_flush(&fw);
	CHECK_EQ_U(fake_net_offloads(tap), 0);
	teardown();
}

#endif /* CFG_WITH_LINKS */

int main(void)
{
	RUN(test_hdr_check);
#if CFG_WITH_LINKS
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_offered);
		RUN(test_tx);
		RUN(test_tx_not_negotiated);
		RUN(test_rx);
		RUN(test_rx_not_negotiated);
		RUN(test_mtu);
		RUN(test_tap_follows);
	}
#endif
	return check_summary("test_offload");
}
