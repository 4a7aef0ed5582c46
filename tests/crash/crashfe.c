/*
 * crashfe.c - a front-end and guest that count every descriptor across
 * back-end crashes (tests/crash/README).
 *
 *   crashfe SOCKET [--packed] [--sink] [--kills K] [--seed S] [--tail M]
 *
 * Plays the VMM and the guest of a virtio-net device against `vhost -s
 * SOCKET` (--echo, or --sink with --sink here): guest memory, split or
 * packed rings, and the inflight region (vhost-user.rst "Inflight I/O
 * tracking": GET_INFLIGHT_FD once, SET_INFLIGHT_FD with the same region
 * on every connection after).  The guest posts TX frames with sequence
 * numbers in chains of one or two descriptors, in batches of random
 * size, and keeps RX buffers posted; it records every used element.
 *
 * The back-end is killed (a FAULTS=1 build, VHOST_FAULT) K times, and the
 * test script starts a new one on the same socket each time.  Each time
 * the guest goes on posting while nobody serves its rings, then this
 * front-end connects again, sends the whole set-up again, and starts the
 * rings at the base QEMU would give: a split ring's from the used index in
 * guest memory, a packed ring's initial one (QEMU has nothing better:
 * there is no index in memory to read).  After the K-th restart it posts
 * M more frames and drains both queues, then checks:
 *   - every TX and RX descriptor posted came back used exactly once: a
 *     used element whose id is not outstanding is a duplicate (ids are
 *     reused first-in first-out, so one just returned is not posted again
 *     for a long while), and one still outstanding at the end is lost;
 *   - every RX buffer holds one of our frames, whole, and its length;
 *   - frames are echoed in the order the guest sent them (those
 *     echoed again or lost aside);
 *   - packed: a slot the driver has taken back does not change until
 *     the driver posts there again (check_taken);
 *   - no ring failed, and the back-end went away exactly K times.
 * Frames themselves may be echoed twice or not at all across a crash (a
 * TX chain handed over before the RX buffer its echo went into; an RX
 * buffer filled but not handed over is filled again; a TX ring started
 * and not yet enabled discards what it takes, vhost-user.rst "Ring
 * states"): those are counted and printed, not failed.
 *
 * A test tool, not the product: plain libc, with the helpers of
 * tests/security/hostile.c.  Exit 0 and a last line "PASS" when it all
 * holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tests/security/hostile.h"

#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

#define NUM 256u
/* ids 0..IDS-1; a split chain's second descriptor sits at id + IDS */
#define IDS (NUM / 2)
#define TX_WINDOW 48u
#define RX_WINDOW 48u
#define RX_BYTES 2048u /* HF_RXBUF's stride */
#define MAX_FRAMES 400000u
#define STALL_MS 10000

enum { RXQ = 0, TXQ = 1 };

/* One queue as the guest keeps it. */
struct gq {
	int32_t out[IDS];   /* what id carries: a TX seq, 1 for RX; -1 free */
	uint8_t ndesc[IDS]; /* descriptors of the chain on id */
	uint16_t fifo[IDS]; /* free ids, the longest free first */
	unsigned fhead, nfree;
	unsigned outstanding;
	uint64_t posted, completed;
	uint16_t avail;    /* split: next avail index; packed: next slot */
	bool avail_wrap;   /* packed */
	uint16_t used;     /* split: next used index; packed: next slot */
	bool used_wrap;    /* packed */
	/* packed: the slots the driver has taken back and not yet posted
	 * again, as it read them; the device must not write there */
	struct vring_packed_desc taken[NUM];
	bool has_taken[NUM];
};

static struct hf h;
static struct gq gq[2];
static bool packed, sink;
static const char *path;
static int inflight_fd = -1;
static struct vu_inflight inflight;
static uint32_t rng = 2463534242u;
static uint8_t tx_done[MAX_FRAMES]; /* completions of each TX seq */
static uint8_t echoed[MAX_FRAMES];  /* each frame's echoes */
static uint32_t nseq;               /* TX frames posted */
static unsigned deaths, setups;
static int64_t newest_echo = -1; /* the highest seq echoed so far */

static uint32_t rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* ---- the guest's rings ---------------------------------------------------- */

static void gq_init(struct gq *g)
{
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < IDS; i++) {
		g->out[i] = -1;
		g->fifo[i] = (uint16_t)i;
	}
	g->nfree = IDS;
	g->avail_wrap = g->used_wrap = true;
}

static int take_id(struct gq *g)
{
	uint16_t id;

	if (g->nfree == 0)
		return -1;
	id = g->fifo[g->fhead];
	g->fhead = (g->fhead + 1) % IDS;
	g->nfree--;
	return id;
}

static void free_id(struct gq *g, uint16_t id)
{
	g->fifo[(g->fhead + g->nfree) % IDS] = id;
	g->nfree++;
}

/* Offer a chain of n (1 or 2) segments on queue q under id. */
static void offer(unsigned q, uint16_t id, const struct hf_seg *s, unsigned n)
{
	struct gq *g = &gq[q];

	g->ndesc[id] = (uint8_t)n;
	if (!packed) {
		struct vring_desc *d = hf_split_desc(&h, q);
		struct vring_avail *av = hf_split_avail(&h, q);
		uint16_t k = id;

		for (unsigned i = 0; i < n; i++) {
			d[k].addr = HF_GPA + s[i].off;
			d[k].len = s[i].len;
			d[k].flags = (uint16_t)(s[i].flags |
						(i + 1 < n ? VRING_DESC_F_NEXT : 0));
			d[k].next = (uint16_t)(id + IDS);
			k = (uint16_t)(id + IDS);
		}
		av->ring[g->avail % NUM] = id;
		g->avail++;
		STORE_RELEASE(&av->idx, g->avail);
		return;
	}
	uint16_t first = g->avail, first_flags = 0;

	for (unsigned i = 0; i < n; i++) {
		struct vring_packed_desc *d = hf_packed_desc(&h, q, g->avail);
		uint16_t f = (uint16_t)(s[i].flags |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0) |
					(g->avail_wrap ? VRING_PACKED_F_AVAIL
						       : VRING_PACKED_F_USED));

		g->has_taken[g->avail] = false;
		d->addr = HF_GPA + s[i].off;
		d->len = s[i].len;
		d->id = id;
		if (i == 0)
			first_flags = f;
		else
			d->flags = f;
		if (++g->avail == NUM) {
			g->avail = 0;
			g->avail_wrap = !g->avail_wrap;
		}
	}
	STORE_RELEASE(&hf_packed_desc(&h, q, first)->flags, first_flags);
}

/* Frame seq: broadcast, a local ethertype, the sequence number, then a
 * pattern of it; 60 to 123 bytes. */
static uint32_t frame_len(uint32_t seq)
{
	return 60 + seq % 64;
}

static void frame_fill(uint8_t *b, uint32_t seq)
{
	static const uint8_t head[14] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
					 0x88, 0xb5};
	uint32_t len = frame_len(seq);

	memcpy(b, head, 14);
	memcpy(b + 14, &seq, 4);
	for (uint32_t i = 18; i < len; i++)
		b[i] = (uint8_t)(seq * 7u + i);
}

/* The frame in an RX buffer of len bytes (header included): its seq, or
 * -1 if it is not one of ours, whole. */
static int64_t frame_seq(const uint8_t *buf, uint32_t len)
{
	uint8_t want[128];
	uint32_t seq;

	if (len < HF_HDR + 18)
		return -1;
	memcpy(&seq, buf + HF_HDR + 14, 4);
	if (seq >= nseq || len != HF_HDR + frame_len(seq))
		return -1;
	frame_fill(want, seq);
	return memcmp(buf + HF_HDR, want, frame_len(seq)) == 0 ? (int64_t)seq : -1;
}

/* Post one TX frame: the header and the frame in one descriptor, or in
 * two (as a driver without indirect tables sends them). */
static bool post_tx(void)
{
	struct gq *g = &gq[TXQ];
	int id;
	uint32_t seq = nseq, len = frame_len(seq);
	struct hf_seg s[2];
	uint8_t *b;

	if (g->outstanding >= TX_WINDOW || nseq >= MAX_FRAMES ||
	    (id = take_id(g)) < 0)
		return false;
	b = hf_ptr(&h, HF_TXBUF(id));
	memset(b, 0, HF_HDR);
	if (rand32() % 2) {
		frame_fill(b + HF_HDR, seq);
		s[0] = (struct hf_seg){HF_TXBUF(id), HF_HDR + len, 0, false};
		offer(TXQ, (uint16_t)id, s, 1);
	} else {
		frame_fill(b + 64, seq);
		s[0] = (struct hf_seg){HF_TXBUF(id), HF_HDR, 0, false};
		s[1] = (struct hf_seg){HF_TXBUF(id) + 64, len, 0, false};
		offer(TXQ, (uint16_t)id, s, 2);
	}
	g->out[id] = (int32_t)seq;
	g->outstanding++;
	g->posted++;
	nseq++;
	return true;
}

static bool post_rx(void)
{
	struct gq *g = &gq[RXQ];
	int id;
	struct hf_seg s;

	if (g->outstanding >= RX_WINDOW || (id = take_id(g)) < 0)
		return false;
	memset(hf_ptr(&h, HF_RXBUF(id)), 0xee, RX_BYTES);
	s = (struct hf_seg){HF_RXBUF(id), RX_BYTES, VRING_DESC_F_WRITE, false};
	offer(RXQ, (uint16_t)id, &s, 1);
	g->out[id] = 1;
	g->outstanding++;
	g->posted++;
	return true;
}

/* The next used element of queue q, checked against what is
 * outstanding: 1, or 0 if there is none yet. */
static int take_used(unsigned q)
{
	struct gq *g = &gq[q];
	const char *qn = q == TXQ ? "TX" : "RX";
	uint32_t id, len;

	if (!packed) {
		struct vring_used *u =
			(struct vring_used *)(void *)hf_ptr(&h, HF_DEVICE(q));
		uint16_t idx = LOAD_ACQUIRE(&u->idx);

		if (idx == g->used)
			return 0;
		if ((uint16_t)(idx - g->used) > g->outstanding)
			hf_fail("%s used index %u: %u elements, %u chains "
				"outstanding", qn, idx,
				(uint16_t)(idx - g->used), g->outstanding);
		id = u->ring[g->used % NUM].id;
		len = u->ring[g->used % NUM].len;
		g->used++;
	} else {
		struct vring_packed_desc *d = hf_packed_desc(&h, q, g->used);
		uint16_t f = LOAD_ACQUIRE(&d->flags);
		bool a = f & VRING_PACKED_F_AVAIL, u = f & VRING_PACKED_F_USED;

		if (a != g->used_wrap || u != g->used_wrap)
			return 0;
		id = d->id;
		len = d->len;
	}
	if (id >= IDS || g->out[id] < 0)
		hf_fail("%s id %u came back used, but it is not outstanding "
			"(completed twice, or never posted): %llu posted, "
			"%llu completed", qn, id,
			(unsigned long long)g->posted,
			(unsigned long long)g->completed);
	if (packed) {
		/* the element's slot and its chain's others are the
		 * driver's again: as they are now, until it posts there */
		for (unsigned k = 0; k < g->ndesc[id]; k++) {
			g->taken[g->used] = *hf_packed_desc(&h, q, g->used);
			g->has_taken[g->used] = true;
			if (++g->used == NUM) {
				g->used = 0;
				g->used_wrap = !g->used_wrap;
			}
		}
	}
	if (q == TXQ) {
		tx_done[g->out[id]]++;
	} else {
		int64_t seq = frame_seq(hf_ptr(&h, HF_RXBUF(id)), len);

		if (seq < 0)
			hf_fail("RX id %u came back with %u bytes that are not "
				"one of our frames", id, len);
		/* echoed again after a restart, or lost: but never out of
		 * the guest's order (chains are taken again oldest first,
		 * vhost-user.rst "in ascending order of counter") */
		if (echoed[seq] == 0 && seq < newest_echo)
			hf_fail("frame %lld echoed for the first time after "
				"frame %lld: the guest's TX order was not kept",
				(long long)seq, (long long)newest_echo);
		if (seq > newest_echo)
			newest_echo = seq;
		if (echoed[seq] < 255)
			echoed[seq]++;
	}
	g->out[id] = -1;
	g->outstanding--;
	g->completed++;
	free_id(g, (uint16_t)id);
	return 1;
}

/* ---- the VMM's side: the connection ------------------------------------- */

static bool msg(uint32_t req, const void *p, uint32_t size, const int *fds,
		int nfds)
{
	return hf_send(&h, req, 0, p, size, fds, nfds) == 0;
}

static bool sock_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint64_t until = now_ms() + 20000;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	while (now_ms() < until) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		uint64_t f = 0;

		HF_CHECK(s >= 0, "socket");
		h.sock = s;
		/* A killed back-end's listening socket may close just after
		 * the connection we saw end: one that answers is the next. */
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    msg(VU_GET_FEATURES, NULL, 0, NULL, 0) &&
		    hf_reply(&h, VU_GET_FEATURES, &f, 8, NULL, NULL) == 8)
			return true;
		close(s);
		h.sock = -1;
		usleep(5000);
	}
	return false;
}

/* Ring q: its size, base, addresses, fds, and enable.  The base is what
 * QEMU sends after a back-end it never stopped died: for a split ring
 * the used index in guest memory (virtio_queue_restore_last_avail_idx),
 * for a packed ring what it last knew, here the initial one. */
static bool ring_start(unsigned q)
{
	struct vu_state s = {q, NUM};
	struct vu_addr a = {q, 0, (uint64_t)(uintptr_t)hf_ptr(&h, HF_DESC(q)),
			    (uint64_t)(uintptr_t)hf_ptr(&h, HF_DEVICE(q)),
			    (uint64_t)(uintptr_t)hf_ptr(&h, HF_DRIVER(q)), 0};
	uint64_t v = q;
	bool ok;

	ok = msg(VU_SET_VRING_NUM, &s, sizeof(s), NULL, 0);
	if (packed) {
		s.num = VQ_BASE_PACKED_INIT;
	} else {
		struct vring_used *u =
			(struct vring_used *)(void *)hf_ptr(&h, HF_DEVICE(q));

		s.num = LOAD_ACQUIRE(&u->idx);
	}
	return ok && msg(VU_SET_VRING_BASE, &s, sizeof(s), NULL, 0) &&
	       msg(VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) &&
	       msg(VU_SET_VRING_CALL, &v, 8, &h.call[q], 1) &&
	       msg(VU_SET_VRING_ERR, &v, 8, &h.err[q], 1) &&
	       msg(VU_SET_VRING_KICK, &v, 8, &h.kick[q], 1) &&
	       (s.num = 1, msg(VU_SET_VRING_ENABLE, &s, sizeof(s), NULL, 0));
}

/* The whole set-up, on a new connection.  False if the back-end went
 * away in the middle (it may die as soon as its rings run). */
static bool setup(void)
{
	uint64_t extra = packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0;

	if (!sock_connect())
		hf_fail("no back-end listens on %s again within 20 s", path);
	/* nothing runs before the rings do: the back-end cannot die here */
	hf_handshake(&h, extra, VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD));
	if (inflight_fd < 0) {
		struct vu_inflight in = {0, 0, 2, NUM, 0};
		int fds[8], n = 0;

		HF_CHECK(msg(VU_GET_INFLIGHT_FD, &in, sizeof(in), NULL, 0) &&
				 hf_reply(&h, VU_GET_INFLIGHT_FD, &inflight,
					  sizeof(inflight), fds, &n) ==
					 (int)sizeof(inflight) &&
				 n == 1,
			 "GET_INFLIGHT_FD answered with a region");
		inflight_fd = fds[0];
	} else if (!msg(VU_SET_INFLIGHT_FD, &inflight, sizeof(inflight),
			&inflight_fd, 1)) {
		return false;
	}
	setups++;
	return ring_start(RXQ) && ring_start(TXQ);
}

static bool gone(void)
{
	struct pollfd p = {h.sock, POLLIN, 0};
	char b[64];

	if (poll(&p, 1, 0) != 1)
		return false;
	return read(h.sock, b, sizeof(b)) <= 0;
}

/* virtio 1.2 2.8: the device writes a used element only over
 * slots the driver made available; a slot the driver has taken back
 * changes only when the driver posts there again.  A used element written
 * there (a batch a dead back-end half wrote, whose flags a restarted one
 * exposed) is one the driver may have taken before the device finished
 * with it. */
static void check_taken(void)
{
	for (unsigned q = 0; packed && q < 2; q++) {
		struct gq *g = &gq[q];

		for (unsigned k = 0; k < NUM; k++) {
			const struct vring_packed_desc *d = hf_packed_desc(&h, q, k);

			if (g->has_taken[k] &&
			    memcmp(d, &g->taken[k], sizeof(*d)) != 0)
				hf_fail("%s slot %u changed after the driver took "
					"it back: id %u len %u flags 0x%x, then id "
					"%u len %u flags 0x%x",
					q == TXQ ? "TX" : "RX", k,
					g->taken[k].id, g->taken[k].len,
					g->taken[k].flags, d->id, d->len,
					d->flags);
		}
	}
}

static void check_errs(void)
{
	for (unsigned q = 0; q < 2; q++) {
		struct pollfd p = {h.err[q], POLLIN, 0};

		if (poll(&p, 1, 0) == 1)
			hf_fail("the back-end failed ring %u (its error fd); "
				"see its log", q);
	}
}

/* ---- the run ------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: crashfe SOCKET [--packed] [--sink] [--kills K] "
			"[--seed S] [--tail M]\n");
	exit(2);
}

/* Wait a little for used elements of either queue; true if any came. */
static bool collect(void)
{
	bool any = false;

	for (int spin = 0; spin < 20 && !any; spin++) {
		while (take_used(TXQ) || (!sink && take_used(RXQ)))
			any = true;
		check_taken();
		if (!any)
			usleep(100);
	}
	return any;
}

int main(int argc, char **argv)
{
	unsigned kills = 0, tail = 2000, batch;
	uint32_t since = 0; /* frames posted since the last restart */
	uint64_t last_progress;
	bool up, draining = false;

	if (argc < 2)
		usage();
	path = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--packed") == 0)
			packed = true;
		else if (strcmp(argv[i], "--sink") == 0)
			sink = true;
		else if (strcmp(argv[i], "--kills") == 0 && i + 1 < argc)
			kills = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng = (uint32_t)strtoul(argv[++i], NULL, 0) | 1u;
		else if (strcmp(argv[i], "--tail") == 0 && i + 1 < argc)
			tail = (unsigned)atoi(argv[++i]);
		else
			usage();
	}
	memset(&h, 0, sizeof(h));
	h.sock = -1;
	h.path = path;
	hf_memory(&h);
	for (unsigned q = 0; q < 2; q++) {
		gq_init(&gq[q]);
		h.kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		h.call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		h.err[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		HF_CHECK(h.kick[q] >= 0 && h.call[q] >= 0 && h.err[q] >= 0,
			 "eventfd");
	}
	h.num = NUM;
	up = setup();
	last_progress = now_ms();
	for (;;) {
		bool rx_posted = false, tx_posted = false;

		if (!up || gone()) {
			/* The back-end died.  The guest does not know: it
			 * posts on, into rings nobody serves, and kicks. */
			deaths++;
			if (deaths > kills)
				hf_fail("the back-end went away %u times, %u "
					"expected (see its log)", deaths, kills);
			close(h.sock);
			h.sock = -1;
			for (batch = rand32() % 8; batch > 0; batch--)
				post_tx();
			while (!sink && post_rx())
				;
			hf_kick(&h, TXQ);
			hf_kick(&h, RXQ);
			since = 0;
			up = setup();
			last_progress = now_ms();
			continue;
		}
		check_errs();
		if (!draining && deaths == kills && since >= tail)
			draining = true;
		if (!sink) {
			/* draining: an RX buffer only for a TX frame still
			 * waiting for one */
			while ((!draining || (gq[RXQ].outstanding == 0 &&
					      gq[TXQ].outstanding > 0)) &&
			       post_rx()) {
				rx_posted = true;
				if (draining)
					break;
			}
		}
		if (!draining) {
			for (batch = 1 + rand32() % 16; batch > 0; batch--) {
				if (!post_tx())
					break;
				tx_posted = true;
				since++;
			}
		} else if (!sink && gq[TXQ].outstanding == 0 &&
			   gq[RXQ].outstanding > 0) {
			/* a frame for each RX buffer left, one at a time */
			tx_posted = post_tx();
		}
		if (tx_posted)
			hf_kick(&h, TXQ);
		if (rx_posted)
			hf_kick(&h, RXQ);
		if (draining && gq[TXQ].outstanding == 0 &&
		    gq[RXQ].outstanding == 0)
			break;
		if (collect()) {
			last_progress = now_ms();
		} else if (now_ms() - last_progress > STALL_MS) {
			hf_fail("nothing came back for %d s: TX %u and RX %u "
				"chains outstanding, %u of %u restarts",
				STALL_MS / 1000, gq[TXQ].outstanding,
				gq[RXQ].outstanding, deaths, kills);
		}
		if (nseq >= MAX_FRAMES && !draining)
			hf_fail("%u frames and only %u of %u back-ends died",
				nseq, deaths, kills);
	}

	/* every descriptor once: the checks above saw no duplicate, and
	 * nothing is outstanding; count it all again from the records */
	unsigned once = 0, twice = 0, never = 0;

	for (uint32_t s = 0; s < nseq; s++) {
		if (tx_done[s] != 1)
			hf_fail("TX frame %u completed %u times", s, tx_done[s]);
		once++;
		if (!sink) {
			twice += echoed[s] > 1;
			never += echoed[s] == 0;
		}
	}
	HF_CHECK(gq[TXQ].completed == gq[TXQ].posted && once == nseq,
		 "every TX descriptor completed once");
	HF_CHECK(gq[RXQ].completed == gq[RXQ].posted,
		 "every RX descriptor completed once");
	HF_CHECK(deaths == kills, "the back-end died as often as it was told");
	printf("crashfe: %s, %s: %u restarts, %u set-ups; TX %llu posted, "
	       "%llu completed once; RX %llu posted, %llu completed once; "
	       "frames echoed twice %u, never %u\n",
	       packed ? "packed" : "split", sink ? "sink" : "echo", deaths,
	       setups, (unsigned long long)gq[TXQ].posted,
	       (unsigned long long)gq[TXQ].completed,
	       (unsigned long long)gq[RXQ].posted,
	       (unsigned long long)gq[RXQ].completed, twice, never);
	printf("PASS\n");
	close(h.sock);
	return 0;
}
