/*
 * test_frontend.c - the front-end's verdict (core/dev/frontend.c,
 * fe_io.c, fe_echo.c, fe_ping.c): "received N intact, 0 wrong: PASS"
 * decides most end-to-end tests, the security tests' bystander and the
 * DPDK io test, so here it is checked against a back-end that lies.
 *
 * The back-end is this test: it answers the handshake on the fake
 * socket, maps the front-end's memory, and moves frames with the core's
 * own device-side rings (vq.h), on split and on packed rings.  Then it
 * misbehaves, one way per case:
 *   - a frame corrupted, cut short or made longer, its virtio-net header
 *     changed, two frames swapped, one renumbered, duplicated or lost;
 *   - a used element for a TX slot we never offered, or offered once and
 *     returned twice, or an RX buffer id past the ring;
 *   - a GET_VRING_BASE reply that is not where the ring can have stopped
 *     (too far, too short, the wrong queue);
 *   - for --expect-none, a back-end that echoes; for --ping, echo replies
 *     with a byte changed or in the wrong order.
 * Each must end the run with exit status 1, one line naming the reason,
 * and the counters line saying FAIL; the honest back-end must get PASS.
 */
#include <string.h>

#include "core/dev/fe_priv.h"
#include "core/net/pkt.h"
#include "core/net/respond.h"
#include "core/virtq/vq.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define FRAMES 40u
#define SIZE 60u

/* How the test back-end misbehaves (at frame number AT, or all along). */
enum lie {
	HONEST,
	CORRUPT,    /* a byte of frame AT flipped */
	SHORT,      /* frame AT's used length one short */
	LONG,       /* ... one long (and a byte more written) */
	HDR_FLAGS,  /* frame AT's header with NEEDS_CSUM */
	HDR_NBUFS,  /* frame AT's header saying 2 buffers */
	SWAP,       /* frames AT and AT+1 back in the other order */
	RENUMBER,   /* frame AT returned as test frame AT+1 */
	DUPLICATE,  /* frame AT returned twice, AT+1 never */
	LOSE,       /* frame AT never returned (its TX completed) */
	TX_ODD,     /* TX used id of frame AT odd (no chain starts there) */
	TX_TWICE,   /* TX used id of frame AT given for AT+1 as well */
	RX_PAST,    /* RX used id past the ring */
	BASE_TX,    /* GET_VRING_BASE of TX: one short of what we offered */
	BASE_RX_HI, /* ... of RX: one past what we offered */
	BASE_RX_LO, /* ... of RX: one before what it returned */
	BASE_INDEX, /* ... of RX answered as queue 1 */
};
#define AT 7u

static struct fe_dev fe;
static struct fe_opts fo;
static bool packed;

/* The test back-end. */
static struct {
	enum lie lie;
	uint64_t features, proto;
	struct mem_table mem;
	struct vq q[2];
	uint32_t num[2], base[2];
	struct vu_addr addr[2];
	int call[2];
	bool up[2];
	uint32_t frames;      /* TX frames taken */
	struct respond_cfg resp; /* --ping cases: it answers as this host */
	uint8_t held[CFG_FRAME_MAX]; /* SWAP: the frame held back */
	uint32_t held_len;
	bool holding;
	uint16_t twice_id; /* TX_TWICE: the id given again */
} tb;

static struct fake_sent inbox[FAKE_SENT_MAX];
static struct vq_chain txc, rxc;
static uint8_t buf[CFG_FRAME_MAX + 16];

/* ---- the handshake --------------------------------------------------------- */

static void tb_reply(uint32_t req, const void *p, uint32_t size)
{
	uint8_t w[VU_HDR_SIZE + 16];
	struct vu_hdr h = {req, VU_VERSION | VU_FLAG_REPLY, size};

	memcpy(w, &h, VU_HDR_SIZE);
	memcpy(w + VU_HDR_SIZE, p, size);
	fake_sock_push(fe.dev.fd, w, VU_HDR_SIZE + size, NULL, 0);
}

static void tb_reply_u64(uint32_t req, uint64_t v)
{
	tb_reply(req, &v, 8);
}

/* Queue q is configured: attach our side of it to the front-end's
 * memory, at the addresses and base it gave. */
static void tb_attach(unsigned q)
{
	struct vq_areas ar;
	struct vq_config cfg;

	CHECK(vq_areas(packed, tb.num[q], &ar) == NULL);
	cfg.num = tb.num[q];
	cfg.packed = packed;
	cfg.indirect = (fe.features & VU_BIT(VIRTIO_RING_F_INDIRECT_DESC)) != 0;
	cfg.desc = mem_uva_range(&tb.mem, tb.addr[q].desc, ar.bytes[0]);
	cfg.driver = mem_uva_range(&tb.mem, tb.addr[q].avail, ar.bytes[1]);
	cfg.device = mem_uva_range(&tb.mem, tb.addr[q].used, ar.bytes[2]);
	cfg.base = tb.base[q];
	cfg.event_idx = (fe.features & VU_BIT(VIRTIO_RING_F_EVENT_IDX)) != 0;
	if (!CHECK(cfg.desc && cfg.driver && cfg.device))
		return;
	memset(&tb.q[q], 0, sizeof(tb.q[q]));
	tb.q[q].name = q ? "tb q1" : "tb q0";
	tb.q[q].log.ring_gpa = tb.q[q].log.event_gpa = UINT64_MAX;
	vq_attach(&tb.q[q], &cfg);
	tb.up[q] = true;
}

/* A GET_VRING_BASE reply moved off the truth: the avail position one
 * before where the device stands (TX: one short of what was offered;
 * RX: one before what it returned), or (past) one after what the driver
 * offered. */
static uint32_t base_moved(uint32_t base, unsigned q, bool past)
{
	const struct vqd *r = q ? &fe.fe.pair[0].txq : &fe.fe.pair[0].rxq;
	uint16_t i;
	bool w;

	if (!packed)
		return past ? (uint16_t)(r->avail_idx + 1u)
			    : (uint16_t)(q ? base - 1 : tb.frames - 1);
	if (past) {
		i = r->avail_idx;
		w = r->avail_wrap;
		vq_wrap_add(&i, &w, 1, r->num);
	} else {
		/* a step back: num - 1 forward on a circle of 2 num */
		i = (uint16_t)(base & 0x7fffu);
		w = (base & VQ_BASE_WRAP) != 0;
		vq_wrap_add(&i, &w, r->num - 1, r->num);
		w = !w;
	}
	return (base & 0xffff0000u) | i | (w ? VQ_BASE_WRAP : 0);
}

static void tb_message(const struct fake_sent *m)
{
	uint32_t req = m->hdr.request;
	struct vu_state st;
	unsigned q;

	switch (req) {
	case VU_GET_FEATURES:
		tb_reply_u64(req, tb.features);
		return;
	case VU_GET_PROTOCOL_FEATURES:
		tb_reply_u64(req, tb.proto);
		return;
	case VU_GET_QUEUE_NUM:
		tb_reply_u64(req, 1);
		return;
	case VU_SET_MEM_TABLE: {
		struct vu_region r;
		int alias;

		memcpy(&r, m->p.bytes + sizeof(struct vu_memhdr), sizeof(r));
		if (!CHECK_EQ_U(m->nfds, 1))
			return;
		alias = fake_memfd_alias(m->fds[0]);
		CHECK_EQ_I(mem_table_map(&tb.mem, &r, 1, &alias, "tb"), 0);
		port_fd_close(alias);
		break;
	}
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
		memcpy(&st, m->p.bytes, sizeof(st));
		if (!CHECK(st.index < 2))
			return;
		if (req == VU_SET_VRING_NUM)
			tb.num[st.index] = st.num;
		else
			tb.base[st.index] = st.num;
		break;
	case VU_SET_VRING_ADDR: {
		struct vu_addr a;

		memcpy(&a, m->p.bytes, sizeof(a));
		if (CHECK(a.index < 2))
			tb.addr[a.index] = a;
		break;
	}
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_KICK:
		q = (unsigned)(m->p.u64 & VU_VRING_IDX_MASK);
		if (!CHECK(q < 2))
			return;
		if (req == VU_SET_VRING_CALL)
			tb.call[q] = m->nfds ? m->fds[0] : -1;
		else
			tb_attach(q); /* the order QEMU uses: kick last */
		break;
	case VU_GET_VRING_BASE:
		memcpy(&st, m->p.bytes, sizeof(st));
		q = st.index;
		if (!CHECK(q < 2 && tb.up[q]))
			return;
		st.num = vq_base(&tb.q[q]);
		tb.up[q] = false;
		if ((tb.lie == BASE_TX && q == 1) ||
		    (tb.lie == BASE_RX_LO && q == 0))
			st.num = base_moved(st.num, q, false);
		if (tb.lie == BASE_RX_HI && q == 0)
			st.num = base_moved(st.num, q, true);
		if (tb.lie == BASE_INDEX && q == 0)
			st.index = 1;
		tb_reply(req, &st, sizeof(st));
		return;
	default:
		break;
	}
	if (m->hdr.flags & VU_FLAG_NEED_REPLY)
		tb_reply_u64(req, 0);
}

/* Answer what the front-end sent, and hand it our replies, until it
 * waits for something else. */
static void tb_serve(void)
{
	struct watch w = {&fe.dev, fe.dev.gen, W_CONN, 0, 0};

	for (unsigned round = 0; round < 64; round++) {
		unsigned n = fake_sent_count();

		if (n == 0 || !CHECK(n <= FAKE_SENT_MAX))
			return;
		for (unsigned i = 0; i < n; i++)
			inbox[i] = *fake_sent(i);
		fake_sent_clear();
		for (unsigned i = 0; i < n; i++)
			tb_message(&inbox[i]);
		w.gen = fe.dev.gen;
		if (fe.dev.fd >= 0 && fake_sock_pending(fe.dev.fd) > 0)
			dev_event(&w, PORT_POLLIN, fake_now);
	}
}

/* ---- frames ---------------------------------------------------------------- */

/* Copy the readable part of c (after skip bytes) into out: its length. */
static uint32_t gather(const struct vq_chain *c, uint32_t skip, uint8_t *out,
		       uint32_t cap)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nout; i++) {
		const struct vq_iov *v = &c->iov[i];
		uint32_t k = v->len;
		const uint8_t *p = v->base;

		if (skip >= k) {
			skip -= k;
			continue;
		}
		p += skip;
		k -= skip;
		skip = 0;
		if (k > cap - n)
			k = cap - n;
		memcpy(out + n, p, k);
		n += k;
	}
	return n;
}

/* Write header + frame into the writable part of c: the bytes written. */
static uint32_t scatter(const struct vq_chain *c, const uint8_t *hdr,
			uint32_t hlen, const uint8_t *f, uint32_t flen)
{
	uint32_t done = 0, total = hlen + flen;

	for (unsigned i = c->nout; i < (unsigned)c->nout + c->nin; i++) {
		const struct vq_iov *v = &c->iov[i];

		for (uint32_t k = 0; k < v->len && done < total; k++, done++)
			v->base[k] = done < hlen ? hdr[done] : f[done - hlen];
	}
	return done;
}

/* One frame onto RX, as the lie says. */
static void tb_rx(const uint8_t *f, uint32_t flen, uint32_t seq)
{
	uint32_t hlen = (uint32_t)net_hdr_len(fe.features), len;
	uint8_t hdr[12] = {0};

	if (!CHECK_EQ_I(vq_pop(&tb.q[0], &tb.mem, &rxc), 1))
		return;
	if (hlen == 12)
		hdr[10] = 1; /* num_buffers */
	if (seq == AT && tb.lie == HDR_FLAGS)
		hdr[0] = NET_HDR_F_NEEDS_CSUM;
	if (seq == AT && tb.lie == HDR_NBUFS)
		hdr[10] = 2;
	len = scatter(&rxc, hdr, hlen, f, flen + (seq == AT && tb.lie == LONG));
	if (seq == AT && tb.lie == SHORT)
		len--;
	if (tb.lie == RX_PAST && seq == AT)
		rxc.head = (uint16_t)(packed ? FE_NUM + 1 : FE_NUM + 5);
	vq_push(&tb.q[0], &rxc, len);
}

/* Take what the front-end transmitted and send it back, lying as asked;
 * publish and call.  False if there was nothing to take. */
static bool tb_move(void)
{
	uint32_t hlen = (uint32_t)net_hdr_len(fe.features);
	bool moved = false;

	if (!tb.up[0] || !tb.up[1])
		return false;
	for (unsigned k = 0; k < 16; k++) {
		uint32_t seq = tb.frames, flen;
		int rc = vq_pop(&tb.q[1], &tb.mem, &txc);

		if (rc <= 0) {
			CHECK_EQ_I(rc, 0);
			break;
		}
		moved = true;
		tb.frames++;
		flen = gather(&txc, hlen, buf, sizeof(buf) - 1);
		if (seq == AT && tb.lie == TX_ODD)
			txc.head |= 1;
		if (seq == AT + 1 && tb.lie == TX_TWICE)
			txc.head = tb.twice_id;
		if (seq == AT && tb.lie == TX_TWICE)
			tb.twice_id = txc.head; /* given again for the next */
		vq_push(&tb.q[1], &txc, 0);
		if (fo.host) {
			/* --ping: answer as a small host would, then lie */
			static uint8_t out[CFG_FRAME_MAX];
			uint32_t n = respond_frame(&tb.resp, buf, flen, out,
						   sizeof(out));

			if (n == 0)
				continue;
			if (tb.lie == CORRUPT && pkt_icmp4_echo_id(
						      out, n, PKT_ICMP_ECHO_REPLY) >= 0 &&
			    tb.frames == AT + 2)
				out[n - 1] ^= 0x40; /* the last payload byte */
			if (tb.lie == SWAP && pkt_icmp4_echo_id(
						   out, n, PKT_ICMP_ECHO_REPLY) >= 0 &&
			    tb.frames == AT + 2 && !tb.holding) {
				memcpy(tb.held, out, n);
				tb.held_len = n;
				tb.holding = true;
				continue;
			}
			tb_rx(out, n, UINT32_MAX);
			if (tb.holding && tb.frames == AT + 3) {
				tb_rx(tb.held, tb.held_len, UINT32_MAX);
				tb.holding = false;
			}
			continue;
		}
		if (tb.lie == CORRUPT && seq == AT)
			buf[30] ^= 0x01;
		if (tb.lie == RENUMBER && seq == AT)
			pkt_test_frame(buf, flen, AT + 1);
		if (tb.lie == LOSE && seq == AT)
			continue;
		if (tb.lie == DUPLICATE && seq == AT + 1)
			continue;
		if (tb.lie == SWAP && seq == AT) {
			memcpy(tb.held, buf, flen);
			tb.held_len = flen;
			continue;
		}
		tb_rx(buf, flen, seq);
		if (tb.lie == DUPLICATE && seq == AT)
			tb_rx(buf, flen, seq);
		if (tb.lie == SWAP && seq == AT + 1)
			tb_rx(tb.held, tb.held_len, AT);
	}
	if (!moved)
		return false;
	for (unsigned q = 0; q < 2; q++) {
		struct watch w = {&fe.dev, fe.dev.gen, W_RING, (uint8_t)q, 0};

		vq_publish(&tb.q[q]);
		if (vq_need_call(&tb.q[q]) && tb.call[q] >= 0 &&
		    fe.dev.fd >= 0) {
			port_evt_signal(tb.call[q]);
			if (fe.dev.fd >= 0)
				dev_event(&w, PORT_POLLIN, fake_now);
		}
	}
	return true;
}

/* ---- runs ------------------------------------------------------------------- */

/* A front-end on a fresh fake port, its options fo, the back-end lying
 * as asked. */
static void start(enum lie lie)
{
	struct dev_opts o = {.path = "/fake-backend", .listen = false};

	fake_reset();
	check_note(packed ? "packed" : "split");
	memset(&tb, 0, sizeof(tb));
	tb.lie = lie;
	tb.call[0] = tb.call[1] = -1;
	/* what the README says we offer (test_backend pins it), but for
	 * VIRTIO_NET_F_MQ: one pair here */
	tb.features = VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VIRTIO_NET_F_MRG_RXBUF) |
		      VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES) |
		      VU_BIT(VIRTIO_F_RING_PACKED) |
		      VU_BIT(VIRTIO_RING_F_INDIRECT_DESC) |
		      VU_BIT(VIRTIO_RING_F_EVENT_IDX);
	tb.proto = VU_BIT(VU_PROTO_F_MQ) | VU_BIT(VU_PROTO_F_REPLY_ACK);
	fo.packed = packed;
	fo.pairs = 1;
	fo.timeout_secs = 10; /* the command line's default */
	fake_now = PORT_NS_PER_S; /* a retry time of 0 means none */
	CHECK_EQ_I(fe_open(&fe, 0, &o, &fo), 0);
	fake_log_clear();
}

/* Rounds of the loop until the run ends: the front-end's timed work, the
 * back-end's answers and frames.  A round where nothing moved lets a
 * second pass, so the front-end's time-outs come. */
static void run(void)
{
	for (unsigned i = 0; i < 4000 && !fe.dev.finished; i++) {
		dev_tick(&fe.dev, fake_now);
		tb_serve();
		fake_now += tb_move() ? PORT_NS_PER_MS : PORT_NS_PER_S;
	}
	CHECK(fe.dev.finished);
}

static void finish(void)
{
	dev_close(&fe.dev);
	mem_table_unmap(&tb.mem);
	check_note("leaks");
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_double_close, 0);
	CHECK_EQ_U(fake_misuse, 0);
	check_note(NULL);
}

/* The counters line the program prints at the end. */
static const char *verdict(void)
{
	fake_log_clear();
	dev_print_stats(&fe.dev);
	return fake_last_info();
}

/* The run failed for `why`, its counters saying `counts` and FAIL. */
static void expect_fail(const char *why, const char *counts)
{
	CHECK_EQ_I(fe.dev.exit_code, 1);
	CHECK_STR_HAS(fake_last_error(), why);
	CHECK_STR_HAS(verdict(), counts);
	CHECK_STR_HAS(fake_last_info(), ": FAIL");
}

static void echo_opts(void)
{
	memset(&fo, 0, sizeof(fo));
	fo.frames = FRAMES;
	fo.size = SIZE;
}

/* An honest back-end: every frame back intact, the bases right. */
static void test_honest(void)
{
	echo_opts();
	start(HONEST);
	run();
	CHECK_EQ_I(fe.dev.exit_code, 0);
	CHECK_STR_EQ(fake_last_error(), "");
	CHECK_STR_HAS(verdict(), "dev0: front-end: sent 40, completed 40, "
				 "received 40 intact, 0 wrong: PASS");
	CHECK_EQ_U(tb.frames, FRAMES);
	finish();
}

/* Frames that come back wrong, each way. */
static void test_frames_wrong(void)
{
	static const struct {
		enum lie lie;
		const char *counts;
	} cases[] = {
		{CORRUPT, "received 39 intact, 1 wrong: FAIL"},
		{SHORT, "received 39 intact, 1 wrong: FAIL"},
		{LONG, "received 39 intact, 1 wrong: FAIL"},
		{HDR_FLAGS, "received 39 intact, 1 wrong: FAIL"},
		{HDR_NBUFS, "received 39 intact, 1 wrong: FAIL"},
		{SWAP, "received 38 intact, 2 wrong: FAIL"},
		{RENUMBER, "received 39 intact, 1 wrong: FAIL"},
		/* AT twice: the second is in AT+1's place, and wrong */
		{DUPLICATE, "received 39 intact, 1 wrong: FAIL"},
	};

	echo_opts();
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		start(cases[k].lie);
		run();
		expect_fail("front-end failed: frames came back wrong",
			    cases[k].counts);
		finish();
	}
}

/* A frame that never comes back: the run times out, it does not pass. */
static void test_frame_lost(void)
{
	echo_opts();
	start(LOSE);
	run();
	/* in order: every frame after the lost one is in the wrong place */
	expect_fail("front-end failed: timed out",
		    "completed 40, received 7 intact, 32 wrong: FAIL");
	finish();
}

/* Used elements the front-end never offered. */
static void test_used_ids(void)
{
	echo_opts();
	start(TX_ODD);
	run();
	expect_fail("front-end failed: bad used element on TX", ": FAIL");
	finish();

	start(TX_TWICE);
	run();
	expect_fail("front-end failed: bad used element on TX", ": FAIL");
	finish();

	start(RX_PAST);
	run();
	expect_fail("front-end failed: bad used element on RX", ": FAIL");
	finish();
}

/* GET_VRING_BASE replies that cannot be where the rings stopped. */
static void test_base_wrong(void)
{
	static const enum lie lies[] = {BASE_TX, BASE_RX_HI, BASE_RX_LO,
					BASE_INDEX};

	echo_opts();
	for (unsigned k = 0; k < sizeof(lies) / sizeof(lies[0]); k++) {
		start(lies[k]);
		run();
		expect_fail("front-end failed: wrong ring base after stop",
			    "received 40 intact, 0 wrong: FAIL");
		CHECK_EQ_U(tb.frames, FRAMES); /* every frame came back */
		finish();
	}
}

/* --expect-none: a sink passes after a quiet time; a back-end that
 * echoes fails, every frame counted wrong. */
static void test_expect_none(void)
{
	echo_opts();
	fo.expect_none = true;
	fo.frames = 10;
	start(HONEST);
	run();
	expect_fail("front-end failed: frames came back (--expect-none)",
		    "sent 10, completed 10, received 0 intact, 10 wrong: FAIL");
	finish();
}

/* --ping against an honest host, then one that changes a byte of a reply,
 * then one that answers two pings in the wrong order. */
static void test_ping(void)
{
	static const uint8_t us[4] = {192, 0, 2, 2}, peer[4] = {192, 0, 2, 1};

	memset(&fo, 0, sizeof(fo));
	fo.host = true;
	fo.ping = true;
	fo.frames = 20;
	fo.size = 56;
	memcpy(fo.resp.ip4, us, 4);
	respond_mac_from_ip4(us, fo.resp.mac);
	memcpy(fo.ping_ip, peer, 4);

	for (int lie = 0; lie < 3; lie++) {
		start(lie == 0 ? HONEST : lie == 1 ? CORRUPT : SWAP);
		memcpy(tb.resp.ip4, peer, 4);
		respond_mac_from_ip4(peer, tb.resp.mac);
		run();
		if (lie == 0) {
			CHECK_EQ_I(fe.dev.exit_code, 0);
			CHECK_STR_HAS(verdict(), "pings sent 20, replies intact "
						 "20, wrong 0; requests to us "
						 "answered 0, other frames 0: "
						 "PASS");
		} else {
			expect_fail("front-end failed: echo replies came back "
				    "wrong",
				    lie == 1 ? "replies intact 19, wrong 1"
					     : "replies intact 18, wrong 2");
			CHECK(fake_error_count() >= 2);
		}
		finish();
	}
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		packed = pass == 1;
		RUN(test_honest);
		RUN(test_frames_wrong);
		RUN(test_frame_lost);
		RUN(test_used_ids);
		RUN(test_base_wrong);
		RUN(test_expect_none);
		RUN(test_ping);
	}
	return check_summary("test_frontend");
}
