/*
 * test_backend.c - the back-end's request handling (core/backend.c) driven
 * with hand-built vhost-user messages.
 *
 * backend.c's security model: the front-end is not trusted.  Every request
 * here is checked for the right outcome (the reply, the state it set) and,
 * for the bad ones, that be_dispatch returns < 0, that the error line names
 * the problem, and that every fd the message carried is closed
 * (CVE-2019-14818, CVE-2022-0669: fds leaked on error paths).  Each case
 * ends with dev_close() and a leak check over the whole fake fd table and
 * every mapping.
 *
 * The device is set up as be_open() does for a listening back-end (the
 * listen is faked); the connection is a fake socket put in d->dev.fd.
 */
#include <string.h>

#include "core/app/fwd.h"
#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/net/net.h"
#include "core/virtq/vqd.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

/* The guest memory the front-end describes: one region, a page into its
 * fd (mmap_offset), at user address RAM_UVA in the front-end. */
#define RAM_GPA 0x40000000ull
#define RAM_UVA 0x7f1200000000ull
#define RAM_SIZE 0x40000ull
#define RAM_OFF 0x1000ull
/* Ring q at Q_GPA(q): desc, then avail at +0x800, used at +0xa00. */
#define QNUM 16u
#define Q_GPA(q) (RAM_GPA + 0x1000ull * (q))
#define AVAIL_OFF 0x800ull
#define USED_OFF 0xa00ull
#define BUF_GPA (RAM_GPA + 0x10000ull)
#define UVA(gpa) ((gpa) - RAM_GPA + RAM_UVA)

static struct be_dev dev;
static struct fwd fw;
static struct vu_msg msg;
static struct vq_chain chain;
static int sock;
static int memfd;
static uint8_t *ram; /* our address of RAM_GPA */
static int kick[2], call[2];

static uint8_t *host(uint64_t gpa)
{
	return ram + (gpa - RAM_GPA);
}

/* ---- messages -------------------------------------------------------- */

/* Build the request in `msg` as vu_rx_read would leave it, dispatch it. */
static int req(uint32_t request, uint32_t flags, const void *p, uint32_t size,
	       const int *fds, unsigned nfds)
{
	memset(&msg, 0, sizeof(msg));
	msg.hdr.request = request;
	msg.hdr.flags = flags | VU_VERSION;
	msg.hdr.size = size;
	if (size > 0)
		memcpy(msg.p.bytes, p, size);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		msg.fds[i] = i < nfds ? fds[i] : -1;
	msg.nfds = nfds;
	return be_dispatch(&dev, &msg);
}

static int req_u64(uint32_t request, uint32_t flags, uint64_t v)
{
	return req(request, flags, &v, sizeof(v), NULL, 0);
}

static int req_state(uint32_t request, uint32_t index, uint32_t num)
{
	struct vu_state s = {index, num};
	return req(request, 0, &s, sizeof(s), NULL, 0);
}

/* SET_VRING_ADDR with the given front-end (user) addresses. */
static int req_addr_at(uint32_t index, uint64_t desc, uint64_t avail,
		       uint64_t used, uint32_t flags)
{
	struct vu_addr a = {index, flags, desc, used, avail, 0};
	return req(VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
}

static int req_addr(uint32_t q)
{
	return req_addr_at(q, UVA(Q_GPA(q)), UVA(Q_GPA(q) + AVAIL_OFF),
			   UVA(Q_GPA(q) + USED_OFF), 0);
}

/* SET_VRING_KICK / CALL / ERR: payload v, fd if >= 0. */
static int req_fd(uint32_t request, uint64_t v, int fd)
{
	return req(request, 0, &v, sizeof(v), &fd, fd >= 0 ? 1 : 0);
}

/* SET_MEM_TABLE payload: count n, then n regions; size computed from
 * `size_regions` so a mismatch can be built. */
static uint32_t mem_payload(uint8_t *out, uint32_t n, const struct vu_region *r,
			    unsigned size_regions)
{
	struct vu_memhdr h = {n, 0};

	memcpy(out, &h, sizeof(h));
	if (size_regions > 0)
		memcpy(out + sizeof(h), r, size_regions * sizeof(*r));
	return (uint32_t)(sizeof(h) + size_regions * sizeof(*r));
}

static int req_mem(const struct vu_region *r, unsigned n, const int *fds,
		   unsigned nfds)
{
	static uint8_t p[CFG_MSG_PAYLOAD_MAX];
	uint32_t size = mem_payload(p, n, r, n);
	return req(VU_SET_MEM_TABLE, 0, p, size, fds, nfds);
}

/* The region table of this test's guest, with the fd `fd`. */
static int req_mem_ram(int fd)
{
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	return req_mem(&r, 1, &fd, 1);
}

/* ---- setup and teardown ----------------------------------------------- */

static void setup(void)
{
	struct dev_opts o = {.path = "/fake", .listen = true};
	struct fwd_opts fo = {.action = ACT_ECHO};

	fake_reset();
	CHECK_EQ_I(be_open(&dev, 0, &o), 0);
	/* frames go where the program sends them: echo */
	fw.ndev = 1;
	fwd_attach(&fw, 0, &dev, &fo);
	CHECK(fake_fd_kind(dev.dev.lfd) == FAKE_LISTEN);
	sock = fake_sock();
	dev.dev.fd = sock;
	memfd = -1;
	ram = NULL;
	kick[0] = kick[1] = call[0] = call[1] = -1;
}

/* Close the device: afterwards no fd may be open, no mapping live, nothing
 * closed twice or misused. */
static void teardown(void)
{
	check_note("teardown");
	dev_close(&dev.dev);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_double_close, 0);
	CHECK_EQ_U(fake_misuse, 0);
	CHECK_EQ_U(fake_unlinks, 1);
	check_note(NULL);
}

/* Features (VERSION_1, PROTOCOL_FEATURES, + extra) and protocol features. */
static void negotiate(uint64_t extra, uint64_t proto)
{
	check_note("negotiate");
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0,
			   VU_BIT(VIRTIO_F_VERSION_1) |
				   VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES) | extra),
		   0);
	CHECK_EQ_I(req_u64(VU_SET_PROTOCOL_FEATURES, 0, proto), 0);
	CHECK_EQ_I(req(VU_SET_OWNER, 0, NULL, 0, NULL, 0), 0);
	check_note(NULL);
}

static void mem_table(void)
{
	check_note("mem_table");
	memfd = fake_memfd(RAM_OFF + RAM_SIZE);
	ram = fake_memfd_base(memfd) + RAM_OFF;
	CHECK_EQ_I(req_mem_ram(memfd), 0);
	check_note(NULL);
}

/* Ring q of QNUM entries: size, base, addresses, kick, call, enable. */
static void ring(uint32_t q)
{
	check_note("ring");
	CHECK_EQ_I(req_state(VU_SET_VRING_NUM, q, QNUM), 0);
	CHECK_EQ_I(req_state(VU_SET_VRING_BASE, q, 0), 0);
	CHECK_EQ_I(req_addr(q), 0);
	kick[q] = fake_evt();
	call[q] = fake_evt();
	CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, q, kick[q]), 0);
	CHECK_EQ_I(req_fd(VU_SET_VRING_CALL, q, call[q]), 0);
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, q, 1), 0);
	CHECK(net_queue_ready(&dev.q[q]));
	check_note(NULL);
}

/* Everything up to two running rings. */
static void configure(void)
{
	negotiate(0, VU_BIT(VU_PROTO_F_REPLY_ACK));
	mem_table();
	ring(0);
	ring(1);
}

/* A request refused: < 0, the error line names `what`, every fd it carried
 * closed, no mapping left behind. */
static void reject(const char *what, uint32_t request, uint32_t flags,
		   const void *p, uint32_t size, const int *fds, unsigned nfds)
{
	unsigned maps = fake_maps_live();

	check_note(what);
	fake_log_clear();
	CHECK(req(request, flags, p, size, fds, nfds) < 0);
	CHECK_STR_HAS(fake_last_error(), what);
	for (unsigned i = 0; i < nfds; i++)
		CHECK(!fake_fd_is_open(fds[i]));
	CHECK_EQ_U(msg.nfds, 0);
	CHECK_EQ_U(fake_maps_live(), maps);
	CHECK_EQ_U(fake_double_close, 0);
	check_note(NULL);
}

static void reject_state(const char *what, uint32_t request, uint32_t index,
			 uint32_t num)
{
	struct vu_state s = {index, num};
	reject(what, request, 0, &s, sizeof(s), NULL, 0);
}

static void reject_u64(const char *what, uint32_t request, uint64_t v,
		       const int *fds, unsigned nfds)
{
	reject(what, request, 0, &v, sizeof(v), fds, nfds);
}

/* ---- the handshake ----------------------------------------------------- */

/* What README.md "What it implements" says is offered, bit by bit from the
 * specs (virtio 1.2 6 and 5.1.3, vhost-user.rst), not from backend.h: a
 * bit added or dropped in the code without the README fails here.
 * GET_FEATURES: CSUM 0, MTU 3, MRG_RXBUF 15, GUEST_ANNOUNCE 21, MQ 22
 * (with more than one queue pair), LOG_ALL 26, INDIRECT_DESC 28, EVENT_IDX 29,
 * PROTOCOL_FEATURES 30, VERSION_1 32, RING_PACKED 34.
 * GET_PROTOCOL_FEATURES: MQ 0, LOG_SHMFD 1, RARP 2, REPLY_ACK 3, MTU 4,
 * INFLIGHT_SHMFD 12. */
#define README_FEATURES                                                     \
	((1ull << 0) | (1ull << 3) | (1ull << 15) | (1ull << 21) |          \
	 (1ull << 26) | (1ull << 28) | (1ull << 29) | (1ull << 30) |        \
	 (1ull << 32) | (1ull << 34) |                                      \
	 (CFG_MAX_QUEUE_PAIRS > 1 ? 1ull << 22 : 0))
#define README_PROTOCOL_FEATURES                                            \
	((1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 3) | (1ull << 4) | \
	 (1ull << 12))

/* The order QEMU uses; every reply and every piece of state checked. */
static void test_handshake(void)
{
	const struct fake_sent *s;
	struct vu_state st;

	setup();
	/* GET_FEATURES: a reply with the request number, REPLY flag, u64 */
	CHECK_EQ_I(req(VU_GET_FEATURES, 0, NULL, 0, NULL, 0), 0);
	CHECK_EQ_U(fake_sent_count(), 1);
	s = fake_sent_last();
	CHECK_EQ_I(s->sock, sock);
	CHECK_EQ_U(s->hdr.request, VU_GET_FEATURES);
	CHECK_EQ_U(s->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK_EQ_U(s->hdr.size, 8);
	CHECK_EQ_U(s->p.u64, README_FEATURES);
	CHECK(s->p.u64 & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	CHECK_EQ_U(s->nfds, 0);

	CHECK_EQ_I(req(VU_GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0), 0);
	s = fake_sent_last();
	CHECK_EQ_U(fake_sent_count(), 2);
	CHECK_EQ_U(s->hdr.request, VU_GET_PROTOCOL_FEATURES);
	CHECK_EQ_U(s->p.u64, README_PROTOCOL_FEATURES);

	CHECK_EQ_I(req_u64(VU_SET_PROTOCOL_FEATURES, 0,
			   VU_BIT(VU_PROTO_F_REPLY_ACK) | VU_BIT(VU_PROTO_F_MQ)),
		   0);
	CHECK_EQ_U(dev.proto, VU_BIT(VU_PROTO_F_REPLY_ACK) | VU_BIT(VU_PROTO_F_MQ));
	CHECK(dev.proto_set);
	CHECK_EQ_U(fake_sent_count(), 2); /* no NEED_REPLY: no ack */

	CHECK_EQ_I(req(VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0), 0);
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_GET_QUEUE_NUM);
	CHECK_EQ_U(fake_sent_last()->p.u64, CFG_MAX_QUEUE_PAIRS);

	/* vhost-user.rst REPLY_ACK: NEED_REPLY gets a u64 0 on success */
	CHECK_EQ_I(req(VU_SET_OWNER, VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0), 0);
	CHECK(dev.owner);
	CHECK_EQ_U(fake_sent_count(), 4);
	s = fake_sent_last();
	CHECK_EQ_U(s->hdr.request, VU_SET_OWNER);
	CHECK_EQ_U(s->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK_EQ_U(s->hdr.size, 8);
	CHECK_EQ_U(s->p.u64, 0);
	/* a request with a reply of its own gets only that one */
	CHECK_EQ_I(req(VU_GET_FEATURES, VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0), 0);
	CHECK_EQ_U(fake_sent_count(), 5);
	CHECK_EQ_U(fake_sent_last()->p.u64, README_FEATURES);

	/* everything offered but packed rings (test_packed has those) */
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, VU_FLAG_NEED_REPLY,
			   BE_FEATURES & ~VU_BIT(VIRTIO_F_RING_PACKED)), 0);
	CHECK_EQ_U(dev.features, BE_FEATURES & ~VU_BIT(VIRTIO_F_RING_PACKED));
	CHECK_EQ_U(fake_sent_count(), 6);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0);

	/* SET_MEM_TABLE: mapped, the fd closed (the mapping holds it) */
	memfd = fake_memfd(RAM_OFF + RAM_SIZE);
	ram = fake_memfd_base(memfd) + RAM_OFF;
	CHECK_EQ_I(req_mem_ram(memfd), 0);
	CHECK_EQ_U(dev.mem.n, 1);
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK(!fake_fd_is_open(memfd));
	CHECK(dev.mem.r[0].host == ram);
	CHECK_EQ_U(dev.mem.r[0].gpa, RAM_GPA);
	CHECK_EQ_U(dev.mem.r[0].uva, RAM_UVA);

	/* the rings */
	for (uint32_t q = 0; q < 2; q++) {
		struct vu_queue *vq = &dev.q[q];

		CHECK_EQ_I(req_state(VU_SET_VRING_NUM, q, QNUM), 0);
		CHECK_EQ_U(vq->num, QNUM);
		CHECK_EQ_I(req_state(VU_SET_VRING_BASE, q, 3), 0);
		CHECK_EQ_U(vq->base, 3);
		CHECK(!vq->attached);
		CHECK_EQ_I(req_addr(q), 0);
		CHECK(vq->attached); /* size, addresses and memory known */
		CHECK(vq->ring.s.desc == (void *)host(Q_GPA(q)));
		CHECK(vq->ring.s.avail == (void *)host(Q_GPA(q) + AVAIL_OFF));
		CHECK(vq->ring.s.used == (void *)host(Q_GPA(q) + USED_OFF));
		CHECK_EQ_U(vq->ring.num, QNUM);
		CHECK_EQ_U(vq->ring.s.last_avail, 3);
		CHECK(!vq->started);
		kick[q] = fake_evt();
		call[q] = fake_evt();
		CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, q, kick[q]), 0);
		CHECK_EQ_I(vq->kick_fd, kick[q]);
		CHECK(fake_fd_is_open(kick[q])); /* kept, not closed */
		CHECK(vq->started);
		CHECK(!vq->polled);
		CHECK_EQ_I(req_fd(VU_SET_VRING_CALL, q, call[q]), 0);
		CHECK_EQ_I(vq->call_fd, call[q]);
		CHECK(fake_fd_is_open(call[q]));
		/* "Ring states": disabled until SET_VRING_ENABLE, since
		 * PROTOCOL_FEATURES was negotiated */
		CHECK(!net_queue_enabled(vq));
		CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, q, 1), 0);
		CHECK(net_queue_enabled(vq));
		CHECK(net_queue_ready(vq));
	}
	CHECK_EQ_U(fake_sent_count(), 6); /* no NEED_REPLY, no acks */

	/* a second CALL replaces (and closes) the first */
	{
		int c2 = fake_evt();
		CHECK_EQ_I(req_fd(VU_SET_VRING_CALL, 1, c2), 0);
		CHECK(!fake_fd_is_open(call[1]));
		CHECK_EQ_I(dev.q[1].call_fd, c2);
	}
	/* ERR fd kept too */
	{
		int e = fake_evt();
		CHECK_EQ_I(req_fd(VU_SET_VRING_ERR, 0, e), 0);
		CHECK_EQ_I(dev.q[0].err_fd, e);
	}

	/* GET_VRING_BASE: the next avail index, and the ring stops */
	dev.q[1].ring.s.last_avail = 7; /* as if 4 chains were taken */
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 1, 0), 0);
	s = fake_sent_last();
	CHECK_EQ_U(s->hdr.request, VU_GET_VRING_BASE);
	CHECK_EQ_U(s->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK_EQ_U(s->hdr.size, sizeof(struct vu_state));
	memcpy(&st, s->p.bytes, sizeof(st));
	CHECK_EQ_U(st.index, 1);
	CHECK_EQ_U(st.num, 7);
	CHECK(!dev.q[1].started);
	CHECK(!net_queue_ready(&dev.q[1]));
	CHECK(!fake_fd_is_open(kick[1]));
	CHECK_EQ_I(dev.q[1].kick_fd, -1);
	CHECK(net_queue_ready(&dev.q[0])); /* the other ring runs on */

	/* restarted with a kick fd, it resumes where it stopped */
	kick[1] = fake_evt();
	CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, 1, kick[1]), 0);
	CHECK(net_queue_ready(&dev.q[1]));
	CHECK_EQ_U(dev.q[1].ring.s.last_avail, 7);

	/* a new kick fd on a running ring replaces (and closes) the old */
	{
		int k2 = fake_evt();
		CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, 1, k2), 0);
		CHECK(!fake_fd_is_open(kick[1]));
		CHECK_EQ_I(dev.q[1].kick_fd, k2);
		CHECK(net_queue_ready(&dev.q[1]));
		CHECK_EQ_U(dev.q[1].ring.s.last_avail, 7);
	}
	/* SET_VRING_ENABLE 0 disables again */
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, 1, 0), 0);
	CHECK(!net_queue_enabled(&dev.q[1]));
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, 1, 1), 0);

	/* NOFD: no kick fd, the ring is polled (vhost-user.rst) */
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 0, 0), 0);
	CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, VU_VRING_NOFD | 0, -1), 0);
	CHECK(dev.q[0].polled);
	CHECK(dev.q[0].started);
	CHECK_EQ_I(dev.q[0].kick_fd, -1);
	CHECK_EQ_U(fake_error_count(), 0);
	teardown();
}

/* The same handshake, arriving on the socket through the loop's path
 * (dev_event -> vu_rx_read -> be_dispatch -> vu_rx_reset). */
static void test_through_socket(void)
{
	static uint8_t wire[VU_HDR_SIZE + CFG_MSG_PAYLOAD_MAX];
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	struct vu_hdr h = {VU_SET_MEM_TABLE, VU_VERSION, 0};
	struct watch w;
	uint32_t size;

	setup();
	w = (struct watch){&dev.dev, dev.dev.gen, W_CONN, 0, 0};
	memfd = fake_memfd(RAM_OFF + RAM_SIZE);
	size = mem_payload(wire + VU_HDR_SIZE, 1, &r, 1);
	h.size = size;
	memcpy(wire, &h, VU_HDR_SIZE);
	fake_sock_push(sock, wire, 5, NULL, 0);
	fake_sock_push(sock, wire + 5, VU_HDR_SIZE + size - 5, &memfd, 1);
	h = (struct vu_hdr){VU_GET_QUEUE_NUM, VU_VERSION, 0};
	fake_sock_push(sock, &h, VU_HDR_SIZE, NULL, 0);
	dev_event(&w, PORT_POLLIN, 0);
	CHECK_EQ_U(dev.mem.n, 1);
	CHECK(!fake_fd_is_open(memfd));
	CHECK_EQ_U(fake_sent_count(), 1);
	CHECK_EQ_U(fake_sent_last()->p.u64, CFG_MAX_QUEUE_PAIRS);
	CHECK_EQ_U(dev.dev.rx.have, 0);
	CHECK_EQ_I(dev.dev.fd, sock);

	/* a violation drops the connection with everything it brought */
	{
		int e = fake_evt();
		uint64_t v = 0;

		h = (struct vu_hdr){VU_SET_FEATURES, VU_VERSION, 8};
		memcpy(wire, &h, VU_HDR_SIZE);
		memcpy(wire + VU_HDR_SIZE, &v, 8);
		fake_sock_push(sock, wire, VU_HDR_SIZE + 8, &e, 1);
		dev_event(&w, PORT_POLLIN, 0);
		CHECK(!fake_fd_is_open(e));
		CHECK(!fake_fd_is_open(sock));
		CHECK_EQ_I(dev.dev.fd, -1);
		CHECK_EQ_U(dev.dev.violations, 1);
		CHECK_EQ_U(dev.mem.n, 0);
		CHECK_EQ_U(fake_maps_live(), 0);
		CHECK_STR_HAS(fake_last_error(), "came with 1 fds, expected 0");
	}
	teardown();
}

/* A peer hangs up and connects again; poll, looking at one fd after the
 * other, reports the new connection on the listening socket while the
 * old one does not show its end yet.  The new one is served, not refused
 * as a second peer; a second peer while the first is there still is. */
static void test_reconnect_seen_first(void)
{
	struct watch lw;
	int s2, s3;

	setup();
	lw = (struct watch){&dev.dev, dev.dev.gen, W_LISTEN, 0, 0};
	fake_sock_eof(sock); /* the old connection: gone, not yet seen */
	s2 = fake_listen_pending(dev.dev.lfd);
	CHECK(s2 >= 0);
	dev_event(&lw, PORT_POLLIN, 0);
	CHECK(!fake_fd_is_open(sock));
	CHECK_EQ_I(dev.dev.fd, s2);
	CHECK(fake_fd_is_open(s2));
	CHECK_EQ_U(dev.dev.violations, 0);
	CHECK_EQ_U(fake_error_count(), 0);
	/* the new peer is there: a third connection is refused */
	s3 = fake_listen_pending(dev.dev.lfd);
	CHECK(s3 >= 0);
	dev_event(&lw, PORT_POLLIN, 0);
	CHECK(!fake_fd_is_open(s3));
	CHECK_EQ_I(dev.dev.fd, s2);
	CHECK_STR_HAS(fake_last_error(), "refusing a second connection");
	fake_log_clear();
	teardown();
}

/* ---- rejections: framing of the payload --------------------------------- */

static void test_reject_size(void)
{
	uint8_t z[64] = {0};
	int e;

	setup();
	reject("payload of 4 bytes, expected 8", VU_SET_FEATURES, 0, z, 4,
	       NULL, 0);
	reject("payload of 8 bytes, expected 0", VU_GET_FEATURES, 0, z, 8,
	       NULL, 0);
	reject("payload of 12 bytes, expected 8", VU_SET_VRING_NUM, 0, z, 12,
	       NULL, 0);
	reject("payload of 32 bytes, expected 40", VU_SET_VRING_ADDR, 0, z, 32,
	       NULL, 0);
	e = fake_evt();
	reject("payload of 4 bytes, expected 8", VU_SET_VRING_KICK, 0, z, 4, &e,
	       1);
	e = fake_memfd(4096);
	reject("has no region count", VU_SET_MEM_TABLE, 0, z, 4, &e, 1);
	CHECK_EQ_U(fake_sent_count(), 0);
	teardown();
}

static void test_reject_fd_count(void)
{
	uint8_t p[CFG_MSG_PAYLOAD_MAX];
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};
	int e[2];

	setup();
	e[0] = fake_evt();
	reject_u64("SET_FEATURES came with 1 fds, expected 0", VU_SET_FEATURES,
		   BE_FEATURES, e, 1);
	CHECK_EQ_U(dev.features, 0); /* not applied */
	reject_u64("SET_VRING_KICK came with 0 fds, expected 1",
		   VU_SET_VRING_KICK, 0, NULL, 0);
	CHECK(!dev.q[0].started);
	e[0] = fake_evt();
	reject_u64("SET_VRING_KICK came with 1 fds, expected 0",
		   VU_SET_VRING_KICK, VU_VRING_NOFD, e, 1);
	CHECK(!dev.q[0].started);
	e[0] = fake_evt();
	e[1] = fake_evt();
	reject_u64("SET_VRING_CALL came with 2 fds, expected 1",
		   VU_SET_VRING_CALL, 0, e, 2);
	CHECK_EQ_I(dev.q[0].call_fd, -1);
	e[0] = fake_evt();
	reject_u64("SET_VRING_ERR came with 1 fds, expected 0",
		   VU_SET_VRING_ERR, VU_VRING_NOFD | 1, e, 1);
	e[0] = fake_memfd(RAM_OFF + RAM_SIZE);
	e[1] = fake_memfd(RAM_OFF + RAM_SIZE);
	reject("SET_MEM_TABLE came with 2 fds, expected 1", VU_SET_MEM_TABLE, 0,
	       p, mem_payload(p, 1, &r, 1), e, 2);
	reject("SET_MEM_TABLE came with 0 fds, expected 1", VU_SET_MEM_TABLE, 0,
	       p, mem_payload(p, 1, &r, 1), NULL, 0);
	CHECK_EQ_U(dev.mem.n, 0);
	CHECK_EQ_U(fake_maps_made, 0);
	teardown();
}

/* CVE-2020-10723: the queue index is 32 bits on the wire; checking its
 * low 8 bits (or truncating before the check) lets 0x100 reach queue 0. */
static void test_reject_queue_index(void)
{
	struct vu_addr a = {0x100, 0, 0, 0, 0, 0};
	int e;

	setup();
	negotiate(0, 0);
	mem_table();
	reject_state("queue index 256", VU_SET_VRING_NUM, 0x100, QNUM);
	CHECK_EQ_U(dev.q[0].num, 0);
	reject_state("queue index 256", VU_SET_VRING_BASE, 0x100, 5);
	CHECK_EQ_U(dev.q[0].base, 0);
	reject("queue index 256", VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
	CHECK(!dev.q[0].addr_set);
	reject_state("queue index 256", VU_SET_VRING_ENABLE, 0x100, 1);
	CHECK(!dev.q[0].enabled);
	reject_state("queue index 256", VU_GET_VRING_BASE, 0x100, 0);
	reject_state("queue index 4294967295", VU_SET_VRING_NUM, 0xffffffffu,
		     QNUM);
	reject_state("queue index", VU_SET_VRING_NUM, CFG_MAX_QUEUES, QNUM);
	CHECK_EQ_U(fake_sent_count(), 0); /* GET_VRING_BASE sent nothing */

	/* kick/call/err: the index is the low 8 bits, CFG_MAX_QUEUES is
	 * already one too many */
	e = fake_evt();
	reject_u64("queue index", VU_SET_VRING_KICK, CFG_MAX_QUEUES, &e, 1);
	e = fake_evt();
	reject_u64("queue index 255", VU_SET_VRING_CALL, 0xff, &e, 1);
	e = fake_evt();
	reject_u64("queue index", VU_SET_VRING_ERR, CFG_MAX_QUEUES, &e, 1);
	reject_u64("queue index", VU_SET_VRING_KICK,
		   VU_VRING_NOFD | CFG_MAX_QUEUES, NULL, 0);
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		CHECK(!dev.q[q].started);
		CHECK_EQ_I(dev.q[q].call_fd, -1);
		CHECK_EQ_I(dev.q[q].err_fd, -1);
	}
	teardown();
}

/* The kick/call/err payload is an index in bits 0-7 and NOFD in bit 8;
 * anything else is unknown (vhost-user.rst "SET_VRING_KICK"). */
static void test_reject_vring_fd_bits(void)
{
	int e;

	setup();
	e = fake_evt();
	reject_u64("unknown bits", VU_SET_VRING_KICK, 0x200, &e, 1);
	e = fake_evt();
	reject_u64("unknown bits", VU_SET_VRING_KICK, 1ull << 32, &e, 1);
	e = fake_evt();
	reject_u64("unknown bits", VU_SET_VRING_CALL, (1ull << 63) | 1, &e, 1);
	reject_u64("unknown bits", VU_SET_VRING_CALL,
		   0x400 | VU_VRING_NOFD, NULL, 0);
	e = fake_evt();
	reject_u64("unknown bits", VU_SET_VRING_ERR, 0x8000, &e, 1);
	CHECK(!dev.q[0].started);
	CHECK_EQ_I(dev.q[0].call_fd, -1);
	CHECK_EQ_I(dev.q[0].err_fd, -1);
	teardown();
}

/* ---- rejections: the memory table ---------------------------------------- */

/* One SET_MEM_TABLE refused while an earlier table is live: that table
 * stays as it was. */
static void reject_mem(const char *what, uint32_t n, const struct vu_region *r,
		       unsigned size_regions, const int *fds, unsigned nfds)
{
	static uint8_t p[CFG_MSG_PAYLOAD_MAX];
	uint8_t *host0 = dev.mem.r[0].host;

	reject(what, VU_SET_MEM_TABLE, 0, p, mem_payload(p, n, r, size_regions),
	       fds, nfds);
	CHECK_EQ_U(dev.mem.n, 1);
	CHECK(dev.mem.r[0].host == host0);
	CHECK_EQ_U(dev.mem_next.n, 0);
}

static void test_reject_mem_table(void)
{
	static struct vu_region r[VU_MAX_TABLE_REGIONS + 1];
	int fds[CFG_MAX_MSG_FDS];

	setup();
	negotiate(0, 0);
	mem_table(); /* the live table the bad ones must leave alone */
	CHECK_EQ_U(fake_maps_live(), 1);

	/* 9 regions (the baseline table holds 8) */
	for (unsigned i = 0; i < VU_MAX_TABLE_REGIONS + 1; i++)
		r[i] = (struct vu_region){0x100000ull * i, 0x1000,
					   0x7f0000000000ull + 0x100000ull * i, 0};
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		fds[i] = fake_memfd(0x1000);
	reject_mem("9 regions", 9, r, 9, fds, CFG_MAX_MSG_FDS);

	/* nregions says 2, the payload holds 1, and the other way round */
	fds[0] = fake_memfd(0x1000);
	reject_mem("of 2 regions has 40 bytes, expected 72", 2, r, 1, fds, 1);
	fds[0] = fake_memfd(0x1000);
	fds[1] = fake_memfd(0x1000);
	reject_mem("of 1 regions has 72 bytes, expected 40", 1, r, 2, fds, 2);

	/* gpa + size wraps 2^64; the same for uva and mmap_offset */
	r[0] = (struct vu_region){0ull - 0x1000, 0x2000, 0x100000, 0};
	fds[0] = fake_memfd(0x2000);
	reject_mem("wraps 2^64", 1, r, 1, fds, 1);
	r[0] = (struct vu_region){0x100000, 0x2000, 0ull - 0x1000, 0};
	fds[0] = fake_memfd(0x2000);
	reject_mem("wraps 2^64", 1, r, 1, fds, 1);
	r[0] = (struct vu_region){0x100000, 0x2000, 0x100000, 0ull - 0x1000};
	fds[0] = fake_memfd(0x2000);
	reject_mem("wraps 2^64", 1, r, 1, fds, 1);

	/* mmap_offset + size beyond the fd (would SIGBUS on touch) */
	r[0] = (struct vu_region){0x100000, 0x2000, 0x100000, 0x1000};
	fds[0] = fake_memfd(0x2000);
	reject_mem("needs 0x3000 bytes of its fd, the file has 0x2000", 1, r, 1,
		   fds, 1);

	/* size 0 */
	r[0] = (struct vu_region){0x100000, 0, 0x100000, 0};
	fds[0] = fake_memfd(0x1000);
	reject_mem("region 0 has size 0", 1, r, 1, fds, 1);

	/* overlapping regions, in gpa and in uva */
	r[0] = (struct vu_region){0x100000, 0x2000, 0x7f0000000000ull, 0};
	r[1] = (struct vu_region){0x101fff, 0x1000, 0x7f0000100000ull, 0};
	fds[0] = fake_memfd(0x2000);
	fds[1] = fake_memfd(0x1000);
	reject_mem("overlaps region 0 in guest-physical", 2, r, 2, fds, 2);
	r[1] = (struct vu_region){0x200000, 0x1000, 0x7f0000001000ull, 0};
	fds[0] = fake_memfd(0x2000);
	fds[1] = fake_memfd(0x1000);
	reject_mem("overlaps region 0 in user address", 2, r, 2, fds, 2);

	/* the second fd cannot be mapped: the first mapping is undone */
	r[0] = (struct vu_region){0x100000, 0x1000, 0x7f0000000000ull, 0};
	r[1] = (struct vu_region){0x200000, 0x1000, 0x7f0000100000ull, 0};
	fds[0] = fake_memfd(0x1000);
	fds[1] = fake_memfd(0x1000);
	fake_memfd_set_mappable(fds[1], false);
	{
		unsigned made = fake_maps_made;
		reject_mem("region 1: mmap of 0x1000 bytes failed", 2, r, 2, fds,
			   2);
		CHECK_EQ_U(fake_maps_made, made + 1); /* region 0 was mapped */
		CHECK_EQ_U(fake_maps_live(), 1);      /* ...and unmapped */
	}

	/* an fd that is no file of memory (eventfd: 0 bytes) */
	fds[0] = fake_evt();
	reject_mem("the file has 0x0", 1, r, 1, fds, 1);
	teardown();
}

/* ---- rejections: ring set-up ---------------------------------------------- */

/* virtio 1.2 2.7: a power of two, at most 32768 (and our build's max);
 * 2.8: any size up to that for a packed ring.  The layout may not be
 * negotiated yet at SET_VRING_NUM: a split ring's power of two is checked
 * when it is attached. */
static void test_reject_vring_num(void)
{
	setup();
	reject_state("the size is 1 to", VU_SET_VRING_NUM, 0, 0);
	reject_state("the size is 1 to", VU_SET_VRING_NUM, 0,
		     CFG_QUEUE_SIZE_MAX * 2);
	reject_state("the size is 1 to", VU_SET_VRING_NUM, 0, 0x80000000u);
	CHECK_EQ_U(dev.q[0].num, 0);
	CHECK_EQ_I(req_state(VU_SET_VRING_NUM, 0, CFG_QUEUE_SIZE_MAX), 0);
	CHECK_EQ_I(req_state(VU_SET_VRING_NUM, 0, 1), 0);
	CHECK_EQ_U(dev.q[0].num, 1);
	teardown();

	/* split: 3 or QNUM + 1 entries cannot be attached */
	setup();
	configure();
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 1, 0), 0);
	reject_state("not a power of two", VU_SET_VRING_NUM, 1, 3);
	CHECK(!dev.q[1].attached);
	teardown();
	setup();
	configure();
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 0, 0), 0);
	reject_state("not a power of two", VU_SET_VRING_NUM, 0, QNUM + 1);
	teardown();

	/* size and base are fixed while the ring runs */
	setup();
	configure();
	reject_state("while the ring is started", VU_SET_VRING_NUM, 1, 8);
	reject_state("while the ring is started", VU_SET_VRING_BASE, 1, 8);
	CHECK_EQ_U(dev.q[1].num, QNUM);
	CHECK_EQ_U(dev.q[1].ring.num, QNUM);
	teardown();
}

/* Ring addresses must lie whole inside the memory table, aligned (virtio
 * 1.2 2.7: desc 16, avail 2, used 4). */
static void test_reject_vring_addr(void)
{
	const uint64_t d = UVA(Q_GPA(0)), a = UVA(Q_GPA(0) + AVAIL_OFF),
		       u = UVA(Q_GPA(0) + USED_OFF), end = RAM_UVA + RAM_SIZE;
	struct vu_addr ad;

	setup();
	negotiate(0, 0);
	mem_table();
	CHECK_EQ_I(req_state(VU_SET_VRING_NUM, 0, QNUM), 0);
#define BAD_ADDR(what, dd, aa, uu, fl)                                  \
	do {                                                            \
		ad = (struct vu_addr){0, fl, dd, uu, aa, 0};            \
		reject(what, VU_SET_VRING_ADDR, 0, &ad, sizeof(ad), NULL, 0); \
		CHECK(!dev.q[0].attached);                              \
	} while (0)
	BAD_ADDR("not inside guest memory", 0x1000, a, u, 0);
	BAD_ADDR("not inside guest memory", d, RAM_GPA + AVAIL_OFF, u, 0);
	BAD_ADDR("not inside guest memory", d, a, end, 0);
	/* starts inside, runs past the end (16 * 16 bytes of desc) */
	BAD_ADDR("not inside guest memory", end - 0x80, a, u, 0);
	BAD_ADDR("not inside guest memory", d, a, end - 0x80, 0);
	BAD_ADDR("not inside guest memory", d, a, 0ull - 0x40, 0);
	BAD_ADDR("misaligned", d + 8, a, u, 0);
	BAD_ADDR("misaligned", d, a + 1, u, 0);
	BAD_ADDR("misaligned", d, a, u + 2, 0);
	BAD_ADDR("flags 0x2 unknown", d, a, u, 2);
#undef BAD_ADDR
	/* and the good one still works after all that */
	CHECK_EQ_I(req_addr(0), 0);
	CHECK(dev.q[0].attached);
	teardown();
}

static void test_reject_misc(void)
{
	int e;

	setup();
	/* split ring: the base is a 16-bit avail index */
	reject_state("does not fit a split ring index", VU_SET_VRING_BASE, 0,
		     0x10000);
	CHECK_EQ_I(req_state(VU_SET_VRING_BASE, 0, 0xffff), 0);
	/* features we did not offer */
	reject_u64("bits we did not offer", VU_SET_FEATURES,
		   BE_FEATURES | VU_BIT(VIRTIO_NET_F_GUEST_CSUM), NULL, 0);
	reject_u64("bits we did not offer", VU_SET_FEATURES,
		   1ull << 33 /* VIRTIO_F_ACCESS_PLATFORM */, NULL, 0);
	reject_u64("bits we did not offer", VU_SET_FEATURES, 1ull << 63, NULL,
		   0);
	CHECK_EQ_U(dev.features, 0);
	reject_u64("bits we did not offer", VU_SET_PROTOCOL_FEATURES,
		   VU_BIT(VU_PROTO_F_CONFIG), NULL, 0);
	CHECK(!dev.proto_set);
	/* SET_VRING_ENABLE is 0 or 1 */
	reject_state("neither 0 nor 1", VU_SET_VRING_ENABLE, 0, 2);
	CHECK(!dev.q[0].enabled);
	/* a request with the reply flag is no request */
	reject("has the reply flag set", VU_GET_FEATURES, VU_FLAG_REPLY, NULL,
	       0, NULL, 0);
	e = fake_evt();
	reject("has the reply flag set", VU_SET_VRING_CALL, VU_FLAG_REPLY,
	       &(uint64_t){0}, 8, &e, 1);
	CHECK_EQ_U(fake_sent_count(), 0);
	teardown();
}

/* With REPLY_ACK, a refused request with NEED_REPLY is answered non-zero
 * before the connection goes. */
static void test_reject_with_ack(void)
{
	setup();
	negotiate(0, VU_BIT(VU_PROTO_F_REPLY_ACK));
	{
		struct vu_state s = {0, 0};
		reject("the size is 1 to", VU_SET_VRING_NUM,
		       VU_FLAG_NEED_REPLY, &s, sizeof(s), NULL, 0);
	}
	CHECK_EQ_U(fake_sent_count(), 1);
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SET_VRING_NUM);
	CHECK_EQ_U(fake_sent_last()->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK(fake_sent_last()->p.u64 != 0);
	teardown();
}

/* ---- requests we do not implement ------------------------------------------ */

/* Not a violation: refused with an error line, fds closed, connection
 * kept (0); with REPLY_ACK and NEED_REPLY the answer is non-zero. */
static void test_unsupported(void)
{
	uint64_t log[2] = {0x1000, 0};
	uint8_t cfg[12 + 16] = {0};
	int e;

	setup();
	negotiate(0, 0);
	e = fake_memfd(0x1000);
	fake_log_clear();
	/* a request whose protocol feature was not negotiated */
	CHECK_EQ_I(req(VU_SET_LOG_BASE, 0, log, sizeof(log), &e, 1), 0);
	CHECK(!fake_fd_is_open(e));
	CHECK_STR_HAS(fake_last_error(),
		      "SET_LOG_BASE needs protocol feature LOG_SHMFD");
	CHECK(dev.dlog.bits == NULL);
	CHECK_EQ_U(fake_sent_count(), 0); /* no REPLY_ACK: no answer */

	fake_log_clear();
	CHECK_EQ_I(req(VU_GET_CONFIG, 0, cfg, sizeof(cfg), NULL, 0), 0);
	CHECK_STR_HAS(fake_last_error(), "GET_CONFIG (24) is not supported");

	e = fake_evt();
	fake_log_clear();
	CHECK_EQ_I(req(99, 0, cfg, 3, &e, 1), 0);
	CHECK(!fake_fd_is_open(e));
	CHECK_STR_HAS(fake_last_error(), "UNKNOWN (99) is not supported");
	CHECK_EQ_I(req(0, 0, NULL, 0, NULL, 0), 0);
	CHECK_EQ_I(req(0xffffffffu, 0, NULL, 0, NULL, 0), 0);
	CHECK_EQ_U(fake_sent_count(), 0);

	/* with REPLY_ACK: a non-zero ack */
	CHECK_EQ_I(req_u64(VU_SET_PROTOCOL_FEATURES, 0,
			   VU_BIT(VU_PROTO_F_REPLY_ACK)), 0);
	e = fake_memfd(0x1000);
	CHECK_EQ_I(req(VU_SET_LOG_BASE, VU_FLAG_NEED_REPLY, log, sizeof(log),
		       &e, 1), 0);
	CHECK(!fake_fd_is_open(e));
	CHECK_EQ_U(fake_sent_count(), 1);
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SET_LOG_BASE);
	CHECK_EQ_U(fake_sent_last()->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK_EQ_U(fake_sent_last()->hdr.size, 8);
	CHECK(fake_sent_last()->p.u64 != 0);
	CHECK_EQ_I(req(99, VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0), 0);
	CHECK_EQ_U(fake_sent_count(), 2);
	CHECK(fake_sent_last()->p.u64 != 0);
	CHECK_EQ_I(dev.dev.fd, sock);
	teardown();
}

/* ---- a new table under live rings; reset ----------------------------------- */

/*
 * vhost-user.rst allows SET_MEM_TABLE at any time (QEMU sends one on memory
 * hotplug with the rings running).  The rings must be translated again
 * against the new table -- here the same guest RAM comes back through a new
 * fd mapped at a different place -- and must carry on where they were: the
 * avail index already taken is not forgotten.
 */
static void test_mem_table_live(void)
{
	static struct vqd txq;
	int fd2;
	uint8_t *ram2;
	struct vu_state st;

	setup();
	configure();
	/* the driver offers 3 chains on TX; the device takes 2 */
	vqd_init(&txq, QNUM, false, host(Q_GPA(1)), host(Q_GPA(1) + AVAIL_OFF),
		 host(Q_GPA(1) + USED_OFF));
	for (uint16_t i = 0; i < 3; i++) {
		txq.desc[i] = (struct vring_desc){BUF_GPA + 0x100 * i, 64, 0, 0};
		vqd_add(&txq, i);
	}
	vqd_publish(&txq);
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, &chain), 1);
		vq_push(&dev.q[1].ring, &chain, 0);
	}
	vq_publish(&dev.q[1].ring);
	CHECK_EQ_U(dev.q[1].ring.s.last_avail, 2);

	/* the same RAM, copied to another place, through a new fd */
	fd2 = fake_memfd(RAM_OFF + RAM_SIZE);
	ram2 = fake_memfd_base(fd2) + RAM_OFF;
	memcpy(ram2 - RAM_OFF, ram - RAM_OFF, RAM_OFF + RAM_SIZE);
	CHECK_EQ_I(req_mem_ram(fd2), 0);
	CHECK_EQ_U(fake_maps_live(), 1); /* the old mapping is gone */
	CHECK(!fake_fd_is_open(fd2));
	CHECK(dev.mem.r[0].host == ram2);
	for (unsigned q = 0; q < 2; q++) {
		check_note(q ? "q1" : "q0");
		CHECK(dev.q[q].attached);
		CHECK(net_queue_ready(&dev.q[q]));
		CHECK(dev.q[q].ring.s.desc == (void *)(ram2 + 0x1000 * q));
		CHECK(dev.q[q].ring.s.used ==
		      (void *)(ram2 + 0x1000 * q + USED_OFF));
	}
	check_note(NULL);
	ram = ram2;
	/* where the ring was: chain 2 is next, used->idx 2 */
	CHECK_EQ_U(dev.q[1].ring.s.used_idx, 2);
	CHECK_EQ_U(dev.q[1].ring.s.last_avail, 2);
	if (CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, &chain), 1))
		CHECK_EQ_U(chain.head, 2);
	/* and GET_VRING_BASE reports it to the front-end */
	dev.q[1].ring.s.last_avail = 3; /* the pop above, whatever it took */
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 1, 0), 0);
	memcpy(&st, fake_sent_last()->p.bytes, sizeof(st));
	CHECK_EQ_U(st.num, 3);

	/* a new table the rings do not fit in is refused */
	{
		static uint8_t p[CFG_MSG_PAYLOAD_MAX];
		struct vu_region r = {RAM_GPA + 0x20000, 0x10000,
				      RAM_UVA + 0x20000, 0};
		int fd3 = fake_memfd(0x10000);

		reject("not inside guest memory", VU_SET_MEM_TABLE, 0, p,
		       mem_payload(p, 1, &r, 1), &fd3, 1);
	}
	teardown();
}

/* The same, for SET_VRING_ADDR on a running ring (QEMU sends it to turn
 * dirty logging on or off during migration, rings running). */
static void test_vring_addr_live(void)
{
	static struct vqd txq;

	setup();
	configure();
	vqd_init(&txq, QNUM, false, host(Q_GPA(1)), host(Q_GPA(1) + AVAIL_OFF),
		 host(Q_GPA(1) + USED_OFF));
	txq.desc[0] = (struct vring_desc){BUF_GPA, 64, 0, 0};
	vqd_add(&txq, 0);
	vqd_add(&txq, 0);
	vqd_publish(&txq);
	CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, &chain), 1);
	vq_push(&dev.q[1].ring, &chain, 0);
	vq_publish(&dev.q[1].ring);
	CHECK_EQ_I(req_addr(1), 0);
	CHECK(net_queue_ready(&dev.q[1]));
	CHECK_EQ_U(dev.q[1].ring.s.last_avail, 1);
	teardown();
}

/*
 * A table with no regions while rings run (nothing in vhost-user.rst
 * forbids it; the rings then point nowhere), then the real table again.
 * It is taken, the rings stop (nothing to run on), and they come back
 * where they were: the avail index taken must survive the time without
 * memory, as it survives a direct table change (test_mem_table_live).
 */
static void test_mem_table_empty_between(void)
{
	static uint8_t p[CFG_MSG_PAYLOAD_MAX];
	static struct vqd txq;
	struct vu_state st;
	int rc;

	setup();
	configure();
	vqd_init(&txq, QNUM, false, host(Q_GPA(1)), host(Q_GPA(1) + AVAIL_OFF),
		 host(Q_GPA(1) + USED_OFF));
	txq.desc[0] = (struct vring_desc){BUF_GPA, 64, 0, 0};
	for (unsigned i = 0; i < 3; i++)
		vqd_add(&txq, 0);
	vqd_publish(&txq);
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ_I(vq_pop(&dev.q[1].ring, &dev.mem, &chain), 1);
		vq_push(&dev.q[1].ring, &chain, 0);
	}
	vq_publish(&dev.q[1].ring);

	fake_log_clear();
	rc = req(VU_SET_MEM_TABLE, 0, p, mem_payload(p, 0, NULL, 0), NULL, 0);
	CHECK_EQ_I(rc, 0);
	CHECK_STR_EQ(fake_last_error(), "");
	CHECK_EQ_I(dev.dev.fd, sock);
	CHECK_EQ_U(dev.mem.n, 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK(!net_queue_ready(&dev.q[1])); /* nothing to run on */

	/* the memory comes back (same RAM, new fd) */
	CHECK_EQ_I(req_mem_ram(fake_memfd_alias(memfd)), 0);
	CHECK(net_queue_ready(&dev.q[1]));
	CHECK_EQ_U(dev.q[1].ring.s.used_idx, 2);
	CHECK_EQ_U(dev.q[1].ring.s.last_avail, 2);
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 1, 0), 0);
	memcpy(&st, fake_sent_last()->p.bytes, sizeof(st));
	CHECK_EQ_U(st.num, 2);
	teardown();
}

/* RESET_OWNER disables every ring and keeps the session (vhost-user.rst:
 * "use it to disable all rings"; spec-deviations D2): features, protocol
 * features and REPLY_ACK, memory, ring configuration and fds stay, and
 * SET_VRING_ENABLE brings the rings back. */
static void test_reset_owner(void)
{
	setup();
	configure();
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK_EQ_I(req(VU_RESET_OWNER, 0, NULL, 0, NULL, 0), 0);
	for (unsigned q = 0; q < 2; q++) {
		CHECK(!net_queue_enabled(&dev.q[q]));
		CHECK(fake_fd_is_open(kick[q]));
		CHECK(fake_fd_is_open(call[q]));
		CHECK_EQ_U(dev.q[q].num, QNUM);
		CHECK(net_queue_ready(&dev.q[q]));
	}
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK_EQ_U(dev.mem.n, 1);
	CHECK(dev.features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	CHECK_EQ_U(dev.proto, VU_BIT(VU_PROTO_F_REPLY_ACK));
	CHECK(dev.owner);
	CHECK_EQ_I(dev.dev.fd, sock);
	/* REPLY_ACK still holds: a request that asks for an ack gets one */
	fake_sent_clear();
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, 0, 1), 0);
	CHECK(net_queue_enabled(&dev.q[0]));
	CHECK_EQ_I(req(VU_RESET_OWNER, VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0),
		   0);
	CHECK_EQ_U(fake_sent_count(), 1);
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_RESET_OWNER);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0);
	CHECK(!net_queue_enabled(&dev.q[0]));
	/* be_reset (a hang-up) directly, twice: nothing closed twice */
	be_reset(&dev);
	be_reset(&dev);
	CHECK_EQ_U(fake_double_close, 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(dev.features, 0);
	/* the session can start again */
	configure();
	CHECK(net_queue_ready(&dev.q[1]));
	teardown();
}

/* "Ring states" (spec-deviations D4): rings start disabled; SET_FEATURES
 * without VHOST_USER_F_PROTOCOL_FEATURES enables them all, and a later
 * one with the bit does not disable them; with the bit, only
 * SET_VRING_ENABLE does, in whatever order it comes. */
static void test_enable_orders(void)
{
	const uint64_t v1 = VU_BIT(VIRTIO_F_VERSION_1);
	const uint64_t pf = VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);

	/* nothing negotiated yet: disabled */
	setup();
	mem_table();
	CHECK_EQ_I(req_state(VU_SET_VRING_NUM, 1, QNUM), 0);
	CHECK_EQ_I(req_addr(1), 0);
	kick[1] = fake_evt();
	CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, 1, kick[1]), 0);
	CHECK(net_queue_ready(&dev.q[1]));
	CHECK(!net_queue_enabled(&dev.q[1]));
	/* without the bit: every ring, at once, configured or not */
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, v1), 0);
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++)
		CHECK(net_queue_enabled(&dev.q[q]));
	/* then with it: they stay enabled */
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, v1 | pf), 0);
	CHECK(net_queue_enabled(&dev.q[1]));
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, 1, 0), 0);
	CHECK(!net_queue_enabled(&dev.q[1]));
	CHECK(net_queue_enabled(&dev.q[0]));
	teardown();

	/* with the bit first: disabled until SET_VRING_ENABLE 1 */
	setup();
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, v1 | pf), 0);
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++)
		CHECK(!net_queue_enabled(&dev.q[q]));
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, 0, 1), 0);
	CHECK(net_queue_enabled(&dev.q[0]));
	CHECK(!net_queue_enabled(&dev.q[1]));
	/* the same features again change nothing */
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, v1 | pf), 0);
	CHECK(net_queue_enabled(&dev.q[0]));
	CHECK(!net_queue_enabled(&dev.q[1]));
	teardown();

	/* SET_VRING_ENABLE before SET_FEATURES: the message holds */
	setup();
	CHECK_EQ_I(req_state(VU_SET_VRING_ENABLE, 1, 1), 0);
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, v1 | pf), 0);
	CHECK(net_queue_enabled(&dev.q[1]));
	CHECK(!net_queue_enabled(&dev.q[0]));
	teardown();

	/* a hang-up: the next session starts disabled again */
	setup();
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, v1), 0);
	CHECK(net_queue_enabled(&dev.q[0]));
	be_reset(&dev);
	CHECK(!net_queue_enabled(&dev.q[0]));
	teardown();
}

/* A reply that cannot be sent is an error of the connection. */
static void test_reply_fails(void)
{
	setup();
	fake_send_error = -PORT_EPIPE;
	fake_log_clear();
	CHECK(req(VU_GET_FEATURES, 0, NULL, 0, NULL, 0) < 0);
	CHECK_STR_HAS(fake_last_error(), "cannot send the reply");
	fake_send_error = 0;
	teardown();
}


/* ---- the migration log and the inflight region ---------------------------- */

/* Bytes of dirty log that cover RAM_GPA + RAM_SIZE (one bit a page). */
#define LOG_RAM (((RAM_GPA + RAM_SIZE - 1) >> 12) / 8 + 1)

/*
 * D8: while logging, a memory table the log does not cover is refused (a
 * NACK with REPLY_ACK), the table in use stays and the connection too; not
 * logging, it is taken.  Logging turned on with a log short of memory, or
 * with none, is said; a mark that still falls past the log is said once.
 */
static void test_log_covers_memory(void)
{
	struct vu_region big = {RAM_GPA, RAM_SIZE * 2, RAM_UVA, RAM_OFF};
	struct vu_log l = {LOG_RAM, 0};
	uint64_t f = VU_BIT(VIRTIO_F_VERSION_1) |
		     VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	unsigned errs;
	int fd, mfd;

	setup();
	negotiate(VU_BIT(VHOST_F_LOG_ALL), VU_BIT(VU_PROTO_F_LOG_SHMFD) |
						VU_BIT(VU_PROTO_F_REPLY_ACK));
	mem_table();
	fd = fake_memfd(LOG_RAM);
	CHECK_EQ_I(req(VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1), 0);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0);
	/* memory grows past the log: refused, NACKed, the old table stays */
	mfd = fake_memfd(RAM_OFF + 2 * RAM_SIZE);
	fake_log_clear();
	{
		uint8_t p[8 + sizeof(big)];
		struct vu_memhdr h = {1, 0};

		memcpy(p, &h, 8);
		memcpy(p + 8, &big, sizeof(big));
		CHECK_EQ_I(req(VU_SET_MEM_TABLE, VU_FLAG_NEED_REPLY, p,
			       sizeof(p), &mfd, 1),
			   0);
	}
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SET_MEM_TABLE);
	CHECK_EQ_U(fake_sent_last()->p.u64, 1);
	CHECK_STR_HAS(fake_last_error(),
		      "SET_MEM_TABLE refused: a dirty log of 32776 bytes does "
		      "not cover guest memory up to 0x4007ffff (32784 bytes "
		      "needed)");
	CHECK_EQ_U(dev.mem.n, 1);
	CHECK_EQ_U(dev.mem.r[0].size, RAM_SIZE);
	CHECK_EQ_U(fake_maps_live(), 2); /* the old table and the log */
	CHECK(!fake_fd_is_open(mfd));
	CHECK(dev.dev.fd >= 0);

	/* not logging: the same table is taken */
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, f), 0);
	mfd = fake_memfd(RAM_OFF + 2 * RAM_SIZE);
	CHECK_EQ_I(req_mem(&big, 1, &mfd, 1), 0);
	CHECK_EQ_U(dev.mem.r[0].size, 2 * RAM_SIZE);
	/* logging on again with that short log: one line says it */
	errs = fake_error_count();
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, f | VU_BIT(VHOST_F_LOG_ALL)), 0);
	CHECK_EQ_U(fake_error_count(), errs + 1);
	CHECK_STR_HAS(fake_last_error(),
		      "VHOST_F_LOG_ALL with a dirty log of 32776 bytes, short "
		      "of guest memory up to 0x4007ffff: marks past it are "
		      "lost");
	/* a mark past the log: counted, never written, said once */
	errs = fake_error_count();
	dirty_mark(&dev.dlog, RAM_GPA + RAM_SIZE + 0x1000, 1);
	dirty_mark(&dev.dlog, RAM_GPA + RAM_SIZE + 0x2000, 1);
	CHECK_EQ_U(dev.dlog.marks_dropped, 2);
	CHECK_EQ_U(fake_error_count(), errs + 1);
	CHECK_STR_HAS(fake_last_error(),
		      "dev0: dirty log: page at 0x40041000 is past the log's "
		      "32776 bytes: its mark is lost");
	/* logging on with no log at all: said too */
	teardown();
	setup();
	negotiate(0, VU_BIT(VU_PROTO_F_LOG_SHMFD));
	errs = fake_warn_count();
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, f | VU_BIT(VHOST_F_LOG_ALL)), 0);
	CHECK_EQ_U(fake_warn_count(), errs + 1);
	CHECK_STR_HAS(fake_last_warning(), "dev0: VHOST_F_LOG_ALL with no dirty "
					"log shared: nothing is marked until "
					"SET_LOG_BASE");
	teardown();
}

/* SET_LOG_BASE (vhost-user.rst "Migration"): the log is checked against
 * its file before it is mapped -- size + offset must not wrap
 * (CVE-2020-10722), nor run past the file -- and replaces the old log only
 * once mapped.  With LOG_SHMFD it is answered. */
static void test_log_base(void)
{
	struct vu_log l;
	int fd;

	setup();
	negotiate(VU_BIT(VHOST_F_LOG_ALL), VU_BIT(VU_PROTO_F_LOG_SHMFD));
	mem_table();
	fd = fake_memfd(0x800 + LOG_RAM);
	l = (struct vu_log){LOG_RAM, 0x800};
	CHECK_EQ_I(req(VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1), 0);
	CHECK(!fake_fd_is_open(fd)); /* the mapping holds it */
	CHECK_EQ_U(fake_maps_live(), 2);
	CHECK(dev.dlog.bits == fake_memfd_base(fd) + 0x800);
	CHECK_EQ_U(dev.dlog.size, LOG_RAM);
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SET_LOG_BASE);
	CHECK_EQ_U(fake_sent_last()->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK_EQ_U(fake_sent_last()->p.u64, 0);
	/* a new log replaces it: still two mappings */
	for (unsigned i = 0; i < 12; i++) {
		fd = fake_memfd(LOG_RAM);
		l = (struct vu_log){LOG_RAM, 0};
		CHECK_EQ_I(req(VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1), 0);
	}
	CHECK_EQ_U(fake_maps_live(), 2);
	CHECK(dev.dlog.bits == fake_memfd_base(fd));

	/* bad ones leave the last good log in place */
	fd = fake_memfd(0x1000);
	l = (struct vu_log){0x100, 0ull - 0x80};
	reject("wraps", VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1);
	fd = fake_memfd(0x1000);
	l = (struct vu_log){0ull - 0x10, 0x20};
	reject("wraps", VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1);
	fd = fake_memfd(0x1000);
	l = (struct vu_log){0x1000, 0x10};
	reject("needs 0x1010 bytes of its fd, the file has 0x1000",
	       VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1);
	fd = fake_memfd(0x1000);
	l = (struct vu_log){0, 0};
	reject("log of size 0", VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1);
	fd = fake_evt();
	l = (struct vu_log){0x10, 0};
	reject("the file has 0x0", VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1);
	fd = fake_memfd(0x1000);
	fake_memfd_set_mappable(fd, false);
	l = (struct vu_log){0x10, 0};
	reject("mmap of 0x10 bytes failed", VU_SET_LOG_BASE, 0, &l, sizeof(l),
	       &fd, 1);
	/* the size and fd rules of the request table */
	reject("with a payload of 8 bytes, expected 16", VU_SET_LOG_BASE, 0,
	       &l, 8, NULL, 0);
	reject("came with 0 fds, expected 1", VU_SET_LOG_BASE, 0, &l,
	       sizeof(l), NULL, 0);
	{
		int two[2] = {fake_memfd(0x1000), fake_memfd(0x1000)};
		reject("came with 2 fds, expected 1", VU_SET_LOG_BASE, 0, &l,
		       sizeof(l), two, 2);
	}
	CHECK(dev.dlog.bits != NULL);
	CHECK_EQ_U(fake_maps_live(), 2);

	/* D8: a log one byte short of guest memory is refused with a
	 * non-zero reply and one line; the log in use and the connection
	 * stay */
	{
		const uint8_t *inuse = dev.dlog.bits;

		fd = fake_memfd(LOG_RAM);
		l = (struct vu_log){LOG_RAM - 1, 0};
		unsigned errs = fake_error_count();

		CHECK_EQ_I(req(VU_SET_LOG_BASE, 0, &l, sizeof(l), &fd, 1), 0);
		CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SET_LOG_BASE);
		CHECK_EQ_U(fake_sent_last()->p.u64, 1);
		CHECK_EQ_U(fake_error_count(), errs + 1);
		CHECK_STR_HAS(fake_last_error(),
			      "SET_LOG_BASE refused: a dirty log of 32775 bytes "
			      "does not cover guest memory up to 0x4003ffff "
			      "(32776 bytes needed)");
		CHECK(!fake_fd_is_open(fd));
		CHECK(dev.dlog.bits == inuse);
		CHECK_EQ_U(fake_maps_live(), 2);
	}

	/* SET_LOG_FD: an eventfd kept until replaced or the session ends */
	fd = fake_evt();
	CHECK_EQ_I(req(VU_SET_LOG_FD, 0, NULL, 0, &fd, 1), 0);
	CHECK_EQ_I(dev.log_fd, fd);
	{
		int fd2 = fake_evt();
		CHECK_EQ_I(req(VU_SET_LOG_FD, 0, NULL, 0, &fd2, 1), 0);
		CHECK(!fake_fd_is_open(fd));
		CHECK_EQ_I(dev.log_fd, fd2);
	}
	teardown();
}

static int req_inflight(uint32_t request, uint16_t nq, uint16_t qs,
			uint64_t size, uint64_t off, int fd)
{
	struct vu_inflight in = {size, off, nq, qs, 0};
	return req(request, 0, &in, sizeof(in), &fd, fd >= 0 ? 1 : 0);
}

/* GET_INFLIGHT_FD and SET_INFLIGHT_FD ("Inflight I/O tracking"): counts
 * checked before anything is made or mapped (CVE-2021-3839: num_queues
 * unchecked), a region replaced is unmapped and every fd closed however
 * often they come (CVE-2020-10726, CVE-2022-0669). */
static void test_inflight_fd(void)
{
	const struct fake_sent *s;
	unsigned fds0;
	int fd;

	setup();
	negotiate(0, VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD));
	CHECK_EQ_I(req_inflight(VU_GET_INFLIGHT_FD, 2, 256, 0, 0, -1), 0);
	s = fake_sent_last();
	CHECK_EQ_U(s->hdr.request, VU_GET_INFLIGHT_FD);
	CHECK_EQ_U(s->hdr.flags, VU_VERSION | VU_FLAG_REPLY);
	CHECK_EQ_U(s->hdr.size, sizeof(struct vu_inflight));
	CHECK_EQ_U(s->nfds, 1);
	/* 2 x (16 + 16 x 256, to 64 bytes) */
	CHECK_EQ_U(s->p.u64, 2 * 4160);
	CHECK_EQ_U(((const struct vu_inflight *)(const void *)s->p.bytes)
			   ->num_queues, 2);
	CHECK(!fake_fd_is_open(s->fds[0])); /* sent, and ours closed */
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK(dev.inflight.base == fake_memfd_base(s->fds[0]));
	/* zeroed: each part is set up when its ring starts (test_net) */
	{
		unsigned nonzero = 0;

		for (unsigned i = 0; i < 2 * 4160; i++)
			nonzero += dev.inflight.base[i] != 0;
		CHECK_EQ_U(nonzero, 0);
	}
	fds0 = fake_fd_open_count();
	/* again and again: one region, no fd left behind (the fake's fd
	 * table is not reused, so a dozen times each) */
	for (unsigned i = 0; i < 12; i++)
		CHECK_EQ_I(req_inflight(VU_GET_INFLIGHT_FD, 2, 64, 0, 0, -1), 0);
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK_EQ_U(fake_fd_open_count(), fds0);
	for (unsigned i = 0; i < 12; i++) {
		fd = fake_memfd(0x2000);
		CHECK_EQ_I(req_inflight(VU_SET_INFLIGHT_FD, 2, 64, 0x2000, 0,
					fd),
			   0);
		CHECK(!fake_fd_is_open(fd));
	}
	CHECK_EQ_U(fake_maps_live(), 1);
	CHECK_EQ_U(fake_fd_open_count(), fds0);

	/* CVE-2021-3839: counts out of range, for GET and SET */
	reject("for 0 queues", VU_GET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0, 0, 0, 16, 0},
	       sizeof(struct vu_inflight), NULL, 0);
	reject("queues, the device has", VU_GET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0, 0, CFG_MAX_QUEUES + 1, 16, 0},
	       sizeof(struct vu_inflight), NULL, 0);
	reject("queues, the device has", VU_GET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0, 0, 0xffff, 16, 0},
	       sizeof(struct vu_inflight), NULL, 0);
	reject("rings of 0 entries", VU_GET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0, 0, 2, 0, 0},
	       sizeof(struct vu_inflight), NULL, 0);
	fd = fake_memfd(0x100000);
	reject("queues, the device has", VU_SET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0x100000, 0, CFG_MAX_QUEUES + 1, 16, 0},
	       sizeof(struct vu_inflight), &fd, 1);
	/* a region too small for what it claims to hold */
	fd = fake_memfd(0x100000);
	reject("cannot hold 2 queues of 256 entries", VU_SET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){4160, 0, 2, 256, 0},
	       sizeof(struct vu_inflight), &fd, 1);
	fd = fake_memfd(0x1000);
	reject("region needs 0x4000 bytes of its fd", VU_SET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0x4000, 0, 1, 16, 0},
	       sizeof(struct vu_inflight), &fd, 1);
	fd = fake_memfd(0x1000);
	reject("wraps or is not 64-byte aligned", VU_SET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0x400, 0ull - 0x200, 1, 16, 0},
	       sizeof(struct vu_inflight), &fd, 1);
	fd = fake_memfd(0x1000);
	reject("wraps or is not 64-byte aligned", VU_SET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0x400, 8, 1, 16, 0},
	       sizeof(struct vu_inflight), &fd, 1);
	/* fds on GET, none on SET (CVE-2022-0669) */
	{
		int e[3] = {fake_evt(), fake_evt(), fake_evt()};
		reject("came with 3 fds, expected 0", VU_GET_INFLIGHT_FD, 0,
		       &(struct vu_inflight){0, 0, 1, 16, 0},
		       sizeof(struct vu_inflight), e, 3);
	}
	reject("came with 0 fds, expected 1", VU_SET_INFLIGHT_FD, 0,
	       &(struct vu_inflight){0x1000, 0, 1, 16, 0},
	       sizeof(struct vu_inflight), NULL, 0);
	reject("with a payload of 20 bytes, expected 24", VU_GET_INFLIGHT_FD,
	       0, &(struct vu_inflight){0, 0, 1, 16, 0}, 20, NULL, 0);
	teardown();

	/* without INFLIGHT_SHMFD: refused, connection kept, fd closed */
	setup();
	negotiate(0, 0);
	fd = fake_memfd(0x1000);
	CHECK_EQ_I(req_inflight(VU_SET_INFLIGHT_FD, 1, 16, 0x1000, 0, fd), 0);
	CHECK(!fake_fd_is_open(fd));
	CHECK_STR_HAS(fake_last_error(), "needs protocol feature INFLIGHT");
	CHECK(dev.inflight.base == NULL);
	teardown();
}

/* A front-end that shrinks a region's file under our mapping: the touch
 * faults (the port survives it, port.h port_mem_faults), and the device
 * drops that connection, every mapping with it. */
static void test_memory_fault(void)
{
	setup();
	configure();
	be_memory_check(&dev); /* nothing faulted: nothing happens */
	CHECK(dev.dev.fd >= 0);
	fake_mem_fault(host(BUF_GPA));
	fake_log_clear();
	be_memory_check(&dev);
	CHECK(dev.dev.fd < 0);
	CHECK_STR_HAS(fake_last_error(), "dev0: guest memory faulted");
	CHECK_EQ_U(dev.dev.violations, 1);
	CHECK_EQ_U(fake_maps_live(), 0);
	teardown();
}

/* A kick fd that reads as no eventfd (a file, a pipe whose writer went)
 * would wake the loop for ever: the connection is dropped.  A kick fd
 * closed earlier in the same round (GET_VRING_BASE) is not looked at. */
static void test_kick_not_eventfd(void)
{
	struct watch w;

	setup();
	configure();
	w = (struct watch){&dev.dev, dev.dev.gen, W_RING, 1, 0};
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 1, 0), 0);
	dev_event(&w, PORT_POLLIN, 0); /* its fd is gone: nothing */
	CHECK(dev.dev.fd >= 0);
	/* a socket passes for a pipe (what a platform without eventfds
	 * sends), and reads as no counter once its writer is gone */
	CHECK_EQ_I(req_fd(VU_SET_VRING_KICK, 1, fake_sock()), 0);
	fake_log_clear();
	dev_event(&w, PORT_POLLIN, 0);
	CHECK(dev.dev.fd < 0);
	CHECK_STR_HAS(fake_last_error(), "q1: the kick fd reads as no eventfd");
	teardown();
}

/* An fd that can never be an eventfd (a regular file: a memfd, a capture
 * file; a device: a tap) would read as endless kicks: refused for each
 * ring fd and for the log fd, closed, the ring's old fd kept.  Sockets
 * (what a platform without eventfds sends) are taken. */
static void test_fd_unusable(void)
{
	static const uint32_t reqs[] = {VU_SET_VRING_KICK, VU_SET_VRING_CALL,
					VU_SET_VRING_ERR};
	static const char *const names[] = {"SET_VRING_KICK: the fd is unusable",
					    "SET_VRING_CALL: the fd is unusable",
					    "SET_VRING_ERR: the fd is unusable"};
	int bad[3], fd;

	setup();
	configure();
	for (unsigned r = 0; r < 3; r++) {
		bad[0] = fake_memfd(0x1000);
		bad[1] = port_file_create("/fake/capture.pcap");
		bad[2] = port_tap_open("vht0", false);
		for (unsigned k = 0; k < 3; k++) {
			CHECK(bad[k] >= 0);
			reject_u64(names[r], reqs[r], 1, &bad[k], 1);
		}
	}
	/* what the ring had stays */
	CHECK_EQ_I(dev.q[1].kick_fd, kick[1]);
	CHECK_EQ_I(dev.q[1].call_fd, call[1]);
	CHECK(fake_fd_is_open(kick[1]) && fake_fd_is_open(call[1]));
	CHECK(net_queue_ready(&dev.q[1]));
	/* SET_LOG_FD: the same rule */
	fd = fake_memfd(0x1000);
	reject("SET_LOG_FD: the fd is unusable", VU_SET_LOG_FD, 0, NULL, 0, &fd,
	       1);
	fd = port_tap_open("vht1", false);
	reject("SET_LOG_FD: the fd is unusable", VU_SET_LOG_FD, 0, NULL, 0, &fd,
	       1);
	CHECK_EQ_I(dev.log_fd, -1);
	/* a socket and a packet socket are taken */
	fd = fake_sock();
	CHECK_EQ_I(req_fd(VU_SET_VRING_CALL, 1, fd), 0);
	CHECK_EQ_I(dev.q[1].call_fd, fd);
	fd = port_packet_open("eth0");
	CHECK_EQ_I(req_fd(VU_SET_VRING_ERR, 1, fd), 0);
	CHECK_EQ_I(dev.q[1].err_fd, fd);
	teardown();
}

/* SET_LOG_FD's payload is empty (or the 8 bytes some front-ends send):
 * more is a violation, and its fd is closed. */
static void test_log_fd_payload(void)
{
	uint8_t z[16] = {0};
	int fd;

	setup();
	negotiate(VU_BIT(VHOST_F_LOG_ALL), VU_BIT(VU_PROTO_F_LOG_SHMFD));
	fd = fake_evt();
	reject("SET_LOG_FD with a payload of 16 bytes", VU_SET_LOG_FD, 0, z, 16,
	       &fd, 1);
	fd = fake_evt();
	reject("SET_LOG_FD with a payload of 9 bytes", VU_SET_LOG_FD, 0, z, 9,
	       &fd, 1);
	CHECK_EQ_I(dev.log_fd, -1);
	fd = fake_evt();
	CHECK_EQ_I(req(VU_SET_LOG_FD, 0, z, 8, &fd, 1), 0);
	CHECK_EQ_I(dev.log_fd, fd);
	teardown();
}

/* SET_FEATURES may change features while rings run (LOG_ALL, during a
 * migration), but not the ring layout under a live ring: its memory was
 * read as one layout and would be walked as the other. */
static void test_features_layout_live(void)
{
	const uint64_t f = VU_BIT(VIRTIO_F_VERSION_1) |
			   VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);

	setup();
	configure();
	CHECK(dev.q[1].attached);
	reject_u64("SET_FEATURES changes the ring layout of live rings",
		   VU_SET_FEATURES, f | VU_BIT(VIRTIO_F_RING_PACKED), NULL, 0);
	CHECK_EQ_U(dev.features, f);
	CHECK(!dev.q[1].ring.packed);
	/* LOG_ALL on and off is no layout change */
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, f | VU_BIT(VHOST_F_LOG_ALL)), 0);
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, f), 0);
	CHECK(net_queue_ready(&dev.q[1]));
	/* with no ring attached (after GET_VRING_BASE) the layout may change */
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 0, 0), 0);
	CHECK_EQ_I(req_state(VU_GET_VRING_BASE, 1, 0), 0);
	CHECK(!dev.q[0].attached && !dev.q[1].attached);
	CHECK_EQ_I(req_u64(VU_SET_FEATURES, 0, f | VU_BIT(VIRTIO_F_RING_PACKED)),
		   0);
	CHECK(dev.features & VU_BIT(VIRTIO_F_RING_PACKED));
	teardown();
}

/* A region whose mmap_offset is odd puts aligned user addresses at odd
 * local ones, where ring loads would fault or tear: refused when the
 * ring is attached. */
static void test_ring_misaligned_offset(void)
{
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF + 2};
	int fd;

	setup();
	negotiate(0, 0);
	fd = fake_memfd(RAM_OFF + 2 + RAM_SIZE);
	ram = fake_memfd_base(fd) + RAM_OFF + 2;
	CHECK_EQ_I(req_mem(&r, 1, &fd, 1), 0);
	CHECK_EQ_I(req_state(VU_SET_VRING_NUM, 1, QNUM), 0);
	reject("q1: ring memory misaligned in our mapping", VU_SET_VRING_ADDR, 0,
	       &(struct vu_addr){1, 0, UVA(Q_GPA(1)), UVA(Q_GPA(1) + USED_OFF),
				 UVA(Q_GPA(1) + AVAIL_OFF), 0},
	       sizeof(struct vu_addr), NULL, 0);
	CHECK(!dev.q[1].attached);
	teardown();
}

/* vhost-user.rst SEND_RARP: the guest's address announced as if the
 * guest had sent it; with --echo, that is into its own RX ring.  A group
 * or null address is refused, and so is the request without its protocol
 * feature, the connection kept; a payload of the wrong size is a
 * violation. */
static void test_send_rarp(void)
{
	static struct vqd rxq;
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	const uint8_t *f;
	uint32_t id, len;
	uint64_t v = 0;

	setup();
	negotiate(0, VU_BIT(VU_PROTO_F_REPLY_ACK) | VU_BIT(VU_PROTO_F_RARP));
	mem_table();
	f = host(BUF_GPA) + 12; /* after the virtio-net header */
	ring(0);
	ring(1);
	vqd_init(&rxq, QNUM, false, host(Q_GPA(0)), host(Q_GPA(0) + AVAIL_OFF),
		 host(Q_GPA(0) + USED_OFF));
	rxq.desc[0] = (struct vring_desc){BUF_GPA, 2048, VRING_DESC_F_WRITE, 0};
	vqd_add(&rxq, 0);
	vqd_publish(&rxq);

	memcpy(&v, mac, 6);
	fake_log_clear();
	CHECK_EQ_I(req_u64(VU_SEND_RARP, 0, v), 0);
	CHECK_STR_HAS(fake_last_info(), "dev0: announcing 52:54:00:12:34:56");
	CHECK_EQ_U(dev.announced, 1);
	be_flush(&dev);
	if (CHECK_EQ_I(vqd_get_used(&rxq, &id, &len), 1)) {
		static const uint8_t bcast[6] = {0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff};
		CHECK_EQ_U(id, 0);
		CHECK_EQ_U(len, 12 + 60);
		CHECK(memcmp(f, bcast, 6) == 0);
		CHECK(memcmp(f + 6, mac, 6) == 0);
		CHECK_EQ_U(f[12] << 8 | f[13], 0x8035); /* RARP, RFC 903 */
		CHECK_EQ_U(f[14 + 6] << 8 | f[14 + 7], 3); /* request reverse */
		CHECK(memcmp(f + 14 + 8, mac, 6) == 0);  /* sender */
		CHECK(memcmp(f + 14 + 18, mac, 6) == 0); /* target */
	}

	/* a group address, and no address: refused, a failure acked */
	v = 0x563412005e01ull; /* 01:5e:00:12:34:56 */
	fake_log_clear();
	CHECK_EQ_I(req_u64(VU_SEND_RARP, VU_FLAG_NEED_REPLY, v), 0);
	CHECK_STR_HAS(fake_last_error(),
		      "SEND_RARP for 01:5e:00:12:34:56, not a station's address");
	CHECK_EQ_U(fake_sent_last()->hdr.request, VU_SEND_RARP);
	CHECK(fake_sent_last()->p.u64 != 0);
	fake_log_clear();
	CHECK_EQ_I(req_u64(VU_SEND_RARP, 0, 0), 0);
	CHECK_STR_HAS(fake_last_error(), "not a station's address");
	CHECK_EQ_U(dev.announced, 1);
	CHECK_EQ_I(dev.dev.fd, sock);

	/* the upper two bytes are not looked at */
	memcpy(&v, mac, 6);
	v |= 0xffffull << 48;
	CHECK_EQ_I(req_u64(VU_SEND_RARP, 0, v), 0);
	CHECK_EQ_U(dev.announced, 2);

	reject("payload of 6 bytes, expected 8", VU_SEND_RARP, 0, mac, 6, NULL,
	       0);
	teardown();

	setup();
	negotiate(0, 0);
	memcpy(&v, mac, 6);
	fake_log_clear();
	CHECK_EQ_I(req_u64(VU_SEND_RARP, 0, v), 0);
	CHECK_STR_HAS(fake_last_error(),
		      "SEND_RARP needs protocol feature RARP");
	CHECK_EQ_U(dev.announced, 0);
	teardown();
}

int main(void)
{
	RUN(test_handshake);
	RUN(test_through_socket);
	RUN(test_reject_size);
	RUN(test_reject_fd_count);
	RUN(test_reject_queue_index);
	RUN(test_reject_vring_fd_bits);
	RUN(test_reject_mem_table);
	RUN(test_reject_vring_num);
	RUN(test_reject_vring_addr);
	RUN(test_reject_misc);
	RUN(test_reject_with_ack);
	RUN(test_unsupported);
	RUN(test_mem_table_live);
	RUN(test_vring_addr_live);
	RUN(test_mem_table_empty_between);
	RUN(test_reset_owner);
	RUN(test_enable_orders);
	RUN(test_reply_fails);
	RUN(test_log_base);
	RUN(test_log_covers_memory);
	RUN(test_inflight_fd);
	RUN(test_memory_fault);
	RUN(test_kick_not_eventfd);
	RUN(test_fd_unusable);
	RUN(test_log_fd_payload);
	RUN(test_features_layout_live);
	RUN(test_ring_misaligned_offset);
	RUN(test_send_rarp);
	RUN(test_reconnect_seen_first);
	return check_summary("test_backend");
}
