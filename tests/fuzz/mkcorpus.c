/*
 * mkcorpus.c - writes the seed corpus of the fuzz targets:
 *
 *   make fuzz-corpus        (= build/fuzz-stdin/mkcorpus tests/fuzz/corpus)
 *
 * A handful of small valid inputs per target, in the formats the targets'
 * header comments give: a whole QEMU-style handshake, traffic on both rings,
 * and one of each kind of refusal.  The fuzzer finds the rest.  Seeds named
 * crash-* in the corpus are kept inputs that once crashed; this program
 * never writes or removes those.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "core/virtq/layout.h"
#include "core/proto/vu_proto.h"

/* ---- output -------------------------------------------------------------- */

static uint8_t out[64u << 10];
static size_t n_out;
static const char *root;

static void put(const void *p, size_t n)
{
	if (n > sizeof(out) - n_out) {
		fprintf(stderr, "mkcorpus: seed too large\n");
		exit(1);
	}
	memcpy(out + n_out, p, n);
	n_out += n;
}

static void put8(uint8_t v)
{
	put(&v, 1);
}

static void put16(uint16_t v)
{
	put8((uint8_t)v);
	put8((uint8_t)(v >> 8));
}

static void put32(uint32_t v)
{
	put16((uint16_t)v);
	put16((uint16_t)(v >> 16));
}

static void mkdirs(const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s", root);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

/* Write out[0, n_out) as <root>/<target>/<name>, then start afresh. */
static void save(const char *target, const char *name)
{
	char path[512];
	FILE *f;

	mkdirs(target);
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(out, 1, n_out, f) != n_out || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	printf("  %-40s %6zu bytes\n", path, n_out);
	n_out = 0;
}

/* ---- the guest of fuzz_msg and fuzz_backend (as in test_backend.c) -------- */

/* One region, a page into a 64 KiB memfd (fuzz_msg's MSG_MEMFD_SIZE). */
#define RAM_GPA 0x40000000ull
#define RAM_UVA 0x7f1200000000ull
#define RAM_SIZE 0xf000ull
#define RAM_OFF 0x1000ull
#define QNUM 16u
#define Q_GPA(q) (RAM_GPA + 0x1000ull * (q))
#define AVAIL_OFF 0x800ull
#define USED_OFF 0xa00ull
#define TX_BUF (RAM_GPA + 0x4000ull)
#define RX_BUF (RAM_GPA + 0x8000ull)
#define UVA(gpa) ((gpa) - RAM_GPA + RAM_UVA)

static uint8_t payload[CFG_MSG_PAYLOAD_MAX];

static uint32_t pl_u64(uint64_t v)
{
	memcpy(payload, &v, 8);
	return 8;
}

static uint32_t pl_state(uint32_t index, uint32_t num)
{
	struct vu_state s = {index, num};

	memcpy(payload, &s, sizeof(s));
	return sizeof(s);
}

static uint32_t pl_addr(uint32_t q)
{
	struct vu_addr a = {q, 0, UVA(Q_GPA(q)), UVA(Q_GPA(q) + USED_OFF),
			    UVA(Q_GPA(q) + AVAIL_OFF), 0};

	memcpy(payload, &a, sizeof(a));
	return sizeof(a);
}

static uint32_t pl_mem(void)
{
	struct vu_memhdr h = {1, 0};
	struct vu_region r = {RAM_GPA, RAM_SIZE, RAM_UVA, RAM_OFF};

	memcpy(payload, &h, sizeof(h));
	memcpy(payload + sizeof(h), &r, sizeof(r));
	return sizeof(h) + sizeof(r);
}

/*
 * The handshake in QEMU's order, as a list of (request, flags, payload,
 * fd kind) for both formats.  fd kind: 0 none, 1 eventfd, 2 memfd.
 */
struct step {
	uint32_t req;
	uint32_t flags;
	uint32_t size;
	uint8_t p[CFG_MSG_PAYLOAD_MAX];
	int fd;
};

static struct step steps[64];
static unsigned n_steps;

static void step(uint32_t req, uint32_t flags, uint32_t size, int fd)
{
	struct step *s = &steps[n_steps++];

	s->req = req;
	s->flags = flags;
	s->size = size;
	memcpy(s->p, payload, size);
	s->fd = fd;
}

static void handshake(uint64_t features, uint64_t proto, bool polled)
{
	n_steps = 0;
	step(VU_GET_FEATURES, 0, 0, 0);
	step(VU_GET_PROTOCOL_FEATURES, 0, 0, 0);
	step(VU_SET_PROTOCOL_FEATURES, 0, pl_u64(proto), 0);
	step(VU_GET_QUEUE_NUM, 0, 0, 0);
	step(VU_SET_OWNER, VU_FLAG_NEED_REPLY, 0, 0);
	step(VU_SET_FEATURES, 0, pl_u64(features), 0);
	step(VU_SET_MEM_TABLE, VU_FLAG_NEED_REPLY, pl_mem(), 2);
	for (uint32_t q = 0; q < 2; q++) {
		step(VU_SET_VRING_NUM, 0, pl_state(q, QNUM), 0);
		step(VU_SET_VRING_BASE, 0,
		     pl_state(q, (features & VU_BIT(VIRTIO_F_RING_PACKED))
					 ? VQ_BASE_PACKED_INIT
					 : 0),
		     0);
		step(VU_SET_VRING_ADDR, 0, pl_addr(q), 0);
		if (polled)
			step(VU_SET_VRING_KICK, 0, pl_u64(q | VU_VRING_NOFD), 0);
		else
			step(VU_SET_VRING_KICK, 0, pl_u64(q), 1);
		step(VU_SET_VRING_CALL, 0, pl_u64(q), 1);
		step(VU_SET_VRING_ENABLE, 0, pl_state(q, 1), 0);
	}
}

#define F_BASE                                                         \
	(VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
#define P_BASE (VU_BIT(VU_PROTO_F_REPLY_ACK) | VU_BIT(VU_PROTO_F_MQ))

/* ---- fuzz_msg ------------------------------------------------------------- */

/* The wire bytes of the steps; the split records put each fd on the first
 * byte of its message, plus any extra cuts asked for. */
static uint8_t wire[16u << 10];

static void msg_seed(const char *name, uint8_t ctl_bits, const size_t *cuts,
		     unsigned ncuts)
{
	size_t len = 0, at[64];
	uint8_t fdspec[64];
	unsigned nsplit = 0;

	for (unsigned i = 0; i < n_steps; i++) {
		const struct step *s = &steps[i];
		struct vu_hdr h = {s->req, s->flags | VU_VERSION, s->size};

		if (s->fd != 0 && nsplit < 15) {
			at[nsplit] = len;
			/* one fd; a memfd if bit 4 is set */
			fdspec[nsplit++] = (uint8_t)(1 | (s->fd == 2 ? 0x10 : 0));
		}
		memcpy(wire + len, &h, VU_HDR_SIZE);
		memcpy(wire + len + VU_HDR_SIZE, s->p, s->size);
		len += VU_HDR_SIZE + s->size;
	}
	for (unsigned i = 0; i < ncuts && nsplit < 15; i++) {
		at[nsplit] = cuts[i];
		fdspec[nsplit++] = 0;
	}
	put8((uint8_t)(nsplit | ctl_bits));
	for (unsigned i = 0; i < nsplit; i++) {
		put16((uint16_t)at[i]);
		put8(fdspec[i]);
	}
	put(wire, len);
	save("fuzz_msg", name);
}

static void msg_raw(const char *name, uint8_t ctl, const void *bytes,
		    size_t len, uint16_t fd_at, uint8_t fdspec)
{
	put8(ctl);
	if (ctl & 15) {
		put16(fd_at);
		put8(fdspec);
	}
	put(bytes, len);
	save("fuzz_msg", name);
}

static void seeds_msg(void)
{
	static const size_t cuts[] = {5, 13, 14, 30, 31, 100};
	struct vu_hdr h;
	uint8_t b[64] = {0};

	handshake(F_BASE, P_BASE, false);
	step(VU_GET_VRING_BASE, 0, pl_state(1, 0), 0);
	msg_seed("handshake", 0x10, NULL, 0);
	/* the same stream cut inside headers and payloads, traced */
	msg_seed("handshake-cut-traced", 0x30, cuts, 6);
	/* the same through the loop's path (dev_event, conn_readable) */
	msg_seed("handshake-loop", 0x50, cuts, 3);

	/* requests refused without a violation, then one with */
	n_steps = 0;
	step(VU_SET_PROTOCOL_FEATURES, 0, pl_u64(VU_BIT(VU_PROTO_F_REPLY_ACK)),
	     0);
	memset(payload, 0, 16);
	step(VU_SET_LOG_BASE, VU_FLAG_NEED_REPLY, 16, 2);
	step(VU_GET_CONFIG, 0, 12, 0);
	step(99, VU_FLAG_NEED_REPLY, 0, 1);
	step(VU_SET_VRING_NUM, VU_FLAG_NEED_REPLY, pl_state(0, 3), 0);
	msg_seed("unsupported-then-bad", 0x10, NULL, 0);

	/* framing refusals */
	h = (struct vu_hdr){VU_GET_FEATURES, 2, 0};
	msg_raw("bad-version", 0x10, &h, sizeof(h), 0, 0);
	h = (struct vu_hdr){VU_SET_MEM_TABLE, VU_VERSION,
			    CFG_MSG_PAYLOAD_MAX + 1};
	memcpy(b, &h, sizeof(h));
	msg_raw("payload-too-large", 0x10, b, sizeof(b), 0, 0);
	/* 9 fds on one write: more than a message may carry */
	h = (struct vu_hdr){VU_SET_VRING_CALL, VU_VERSION, 8};
	memcpy(b, &h, sizeof(h));
	memset(b + sizeof(h), 0, 8);
	msg_raw("too-many-fds", 0x11, b, sizeof(h) + 8, 0, 0x39);
	/* a header cut short, then the peer hangs up */
	h = (struct vu_hdr){VU_GET_FEATURES, VU_VERSION, 0};
	msg_raw("truncated", 0x10, &h, 7, 0, 0);
}

/* ---- fuzz_backend ----------------------------------------------------------- */

/* fd spec bytes (fuzz_backend.c) */
#define FD_EVT 0x00u
#define FD_MEM64K (0x01u | 4u << 2) /* a new memfd of 4 KiB << 4 */
#define FD_ALIAS0 0x02u             /* another fd over memfd 0 */

static void be_request(uint32_t req, uint32_t flags, const void *p,
		       uint32_t size, const uint8_t *fds, unsigned nfds)
{
	if (req < 48) {
		put8((uint8_t)req);
	} else {
		put8(0xf0);
		put32(req);
	}
	put8((uint8_t)(flags ^ VU_VERSION));
	put16((uint16_t)size);
	put8((uint8_t)nfds);
	put(fds, nfds);
	put(p, size);
}

static void be_steps(uint8_t mem_fd)
{
	for (unsigned i = 0; i < n_steps; i++) {
		const struct step *s = &steps[i];
		uint8_t fd = s->fd == 2 ? mem_fd : FD_EVT;

		be_request(s->req, s->flags, s->p, s->size, &fd,
			   s->fd != 0 ? 1 : 0);
	}
}

/* The guest writes len bytes at guest-physical gpa (memfd 0). */
static void be_guest(uint64_t gpa, const void *p, uint8_t len)
{
	put8(0xfe);
	put8(0);
	put32((uint32_t)(gpa - RAM_GPA + RAM_OFF));
	put8(len);
	put(p, len);
}

static void be_loop(uint8_t ready)
{
	put8(0xff);
	put8(ready);
}

/* The guest offers one TX frame (header + 60 bytes) and n_rx RX buffers
 * of rx_size bytes, on rings of QNUM at Q_GPA(q), driver index `idx`. */
static void be_traffic(uint16_t idx, unsigned n_rx, uint32_t rx_size)
{
	struct vring_desc d;
	uint8_t frame[72];
	uint16_t v;

	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i < 12 ? 0 : 0x40 + i);
	memset(frame + 12, 0xff, 6); /* broadcast */
	be_guest(TX_BUF + 0x100 * idx, frame, sizeof(frame));
	d = (struct vring_desc){TX_BUF + 0x100 * idx, sizeof(frame), 0, 0};
	be_guest(Q_GPA(1) + 16 * (idx % QNUM), &d, sizeof(d));
	v = (uint16_t)(idx % QNUM);
	be_guest(Q_GPA(1) + AVAIL_OFF + 4 + 2 * (idx % QNUM), &v, 2);
	v = (uint16_t)(idx + 1);
	be_guest(Q_GPA(1) + AVAIL_OFF + 2, &v, 2);
	for (unsigned i = 0; i < n_rx; i++) {
		uint16_t slot = (uint16_t)((idx * n_rx + i) % QNUM);

		d = (struct vring_desc){RX_BUF + 0x800 * slot, rx_size,
					VRING_DESC_F_WRITE, 0};
		be_guest(Q_GPA(0) + 16 * slot, &d, sizeof(d));
		be_guest(Q_GPA(0) + AVAIL_OFF + 4 + 2 * slot, &slot, 2);
	}
	v = (uint16_t)((idx + 1) * n_rx);
	be_guest(Q_GPA(0) + AVAIL_OFF + 2, &v, 2);
}

static void seeds_backend(void)
{
	uint64_t v;
	uint8_t fd;

	handshake(F_BASE, P_BASE, false);
	be_steps(FD_MEM64K);
	be_request(VU_GET_VRING_BASE, 0, payload, pl_state(1, 0), NULL, 0);
	save("fuzz_backend", "handshake");

	/* one frame echoed from TX to RX, twice */
	handshake(F_BASE, P_BASE, false);
	be_steps(FD_MEM64K);
	be_traffic(0, 1, 2048);
	be_loop(0xff);
	be_traffic(1, 1, 2048);
	be_loop(0xff);
	save("fuzz_backend", "echo");

	/* mergeable RX buffers of 32 bytes: one frame over several */
	handshake(F_BASE | VU_BIT(VIRTIO_NET_F_MRG_RXBUF), P_BASE, false);
	be_steps(FD_MEM64K);
	be_traffic(0, 4, 32);
	be_loop(0xff);
	save("fuzz_backend", "echo-mrg");

	/* polled rings (NOFD kicks): dev_tick does the work */
	handshake(F_BASE, 0, true);
	be_steps(FD_MEM64K);
	be_traffic(0, 1, 2048);
	be_loop(0);
	save("fuzz_backend", "polled");

	/* traffic, then the same memory again through a new fd (a live table
	 * change), the ring stopped and restarted, more traffic */
	handshake(F_BASE, P_BASE, false);
	be_steps(FD_MEM64K);
	be_traffic(0, 1, 2048);
	be_loop(0xff);
	fd = FD_ALIAS0;
	be_request(VU_SET_MEM_TABLE, 0, payload, pl_mem(), &fd, 1);
	be_request(VU_GET_VRING_BASE, 0, payload, pl_state(1, 0), NULL, 0);
	fd = FD_EVT;
	be_request(VU_SET_VRING_KICK, 0, payload, pl_u64(1), &fd, 1);
	be_traffic(1, 1, 2048);
	be_loop(0xff);
	save("fuzz_backend", "live-table");

	/* RESET_OWNER, a hang-up, a violation: each time configured again */
	handshake(F_BASE, P_BASE, false);
	be_steps(FD_MEM64K);
	be_request(VU_RESET_OWNER, 0, NULL, 0, NULL, 0);
	be_steps(FD_MEM64K);
	put8(0xfd);
	be_steps(FD_MEM64K);
	v = VU_BIT(VIRTIO_NET_F_GUEST_CSUM); /* not offered: a violation */
	be_request(VU_SET_FEATURES, VU_FLAG_NEED_REPLY, &v, 8, NULL, 0);
	be_steps(FD_MEM64K);
	/* a second peer knocks; a reply that cannot be sent */
	put8(0xfc);
	put8(0xfb);
	be_request(VU_GET_FEATURES, 0, NULL, 0, NULL, 0);
	be_steps(FD_MEM64K);
	save("fuzz_backend", "reset-reconnect");

	/* migration: LOG_ALL and a log (a memfd of 4 KiB), used rings
	 * logged, traffic; logging off again */
	handshake(F_BASE | VU_BIT(VHOST_F_LOG_ALL),
		  P_BASE | VU_BIT(VU_PROTO_F_LOG_SHMFD), false);
	be_steps(FD_MEM64K);
	{
		struct vu_log lg = {0x1000, 0};
		struct vu_addr a = {0, VU_VRING_F_LOG, UVA(Q_GPA(0)),
				    UVA(Q_GPA(0) + USED_OFF),
				    UVA(Q_GPA(0) + AVAIL_OFF),
				    Q_GPA(0) + USED_OFF - RAM_GPA};

		fd = 0x01u; /* a new memfd of 4 KiB */
		be_request(VU_SET_LOG_BASE, VU_FLAG_NEED_REPLY, &lg, sizeof(lg),
			   &fd, 1);
		fd = FD_EVT;
		be_request(VU_SET_LOG_FD, 0, NULL, 0, &fd, 1);
		be_request(VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
	}
	be_traffic(0, 1, 2048);
	be_loop(0xff);
	v = F_BASE;
	be_request(VU_SET_FEATURES, 0, &v, 8, NULL, 0);
	be_traffic(1, 1, 2048);
	be_loop(0xff);
	save("fuzz_backend", "dirty-log");

	/* inflight tracking: GET_INFLIGHT_FD, traffic, the region handed
	 * back with SET_INFLIGHT_FD (a new region, all zero) */
	handshake(F_BASE, P_BASE | VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD), false);
	be_steps(FD_MEM64K);
	{
		struct vu_inflight in = {0, 0, 2, QNUM, 0};

		be_request(VU_GET_INFLIGHT_FD, 0, &in, sizeof(in), NULL, 0);
		be_traffic(0, 1, 2048);
		be_loop(0xff);
		in.mmap_size = 0x1000;
		fd = 0x01u;
		be_request(VU_SET_INFLIGHT_FD, 0, &in, sizeof(in), &fd, 1);
		be_traffic(1, 1, 2048);
		be_loop(0xff);
	}
	save("fuzz_backend", "inflight");

	/* packed rings: the handshake, and a frame each way */
	handshake(F_BASE | VU_BIT(VIRTIO_F_RING_PACKED), P_BASE, false);
	be_steps(FD_MEM64K);
	{
		struct vring_packed_desc d = {TX_BUF, 72, 0,
					      VRING_PACKED_F_AVAIL};
		uint8_t frame[72];

		for (unsigned i = 0; i < sizeof(frame); i++)
			frame[i] = (uint8_t)(i < 12 ? 0 : i < 18 ? 0xff : i);
		be_guest(TX_BUF, frame, sizeof(frame));
		be_guest(Q_GPA(1), &d, sizeof(d));
		d = (struct vring_packed_desc){RX_BUF, 2048, 0,
					       VRING_PACKED_F_AVAIL |
						       VRING_DESC_F_WRITE};
		be_guest(Q_GPA(0), &d, sizeof(d));
	}
	be_loop(0xff);
	save("fuzz_backend", "packed");

	/* SEND_RARP, as the destination of a migration sends it: the
	 * announcement goes where the guest's frames go (echoed here), then
	 * one for a group address, refused */
	handshake(F_BASE, P_BASE | VU_BIT(VU_PROTO_F_RARP), false);
	be_steps(FD_MEM64K);
	be_traffic(0, 2, 2048);
	v = 0x563412005452ull; /* 52:54:00:12:34:56 */
	be_request(VU_SEND_RARP, 0, &v, 8, NULL, 0);
	be_loop(0xff);
	v = 0x563412005e01ull;
	be_request(VU_SEND_RARP, VU_FLAG_NEED_REPLY, &v, 8, NULL, 0);
	save("fuzz_backend", "send-rarp");
}

/* ---- fuzz_ring ------------------------------------------------------------ */

/* fuzz_ring.c's layout */
#define RG_A 0x10000ull
#define RG_B 0x12000ull
#define RG_T (0ull - 0x1000)
#define RG_DESC(r) (0x800u * (r))
#define RG_AVAIL(r) (0x800u * (r) + 0x400u)
#define RG_USED(r) (0x800u * (r) + 0x500u)
#define RG_HDR 64u

/* A (8 KiB), T (4 KiB), B (8 KiB) */
static uint8_t image[0x2000 + 0x1000 + 0x2000];
static size_t image_len; /* bytes of the image the seed carries */

/* The image offset of guest-physical gpa. */
static size_t img_off(uint64_t gpa)
{
	if (gpa >= RG_T)
		return 0x2000 + (size_t)(gpa - RG_T);
	if (gpa >= RG_B)
		return 0x3000 + (size_t)(gpa - RG_B);
	return (size_t)(gpa - RG_A);
}

/* The guest writes len bytes at gpa (byte by byte: A and B touch in
 * guest-physical space, not in the image). */
static void img_write(uint64_t gpa, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t off = img_off(gpa + i);

		image[off] = ((const uint8_t *)p)[i];
		if (off + 1 > image_len)
			image_len = off + 1;
	}
}

static void rg_desc(unsigned r, uint16_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	struct vring_desc d = {addr, len, flags, next};

	img_write(RG_A + RG_DESC(r) + 16u * i, &d, 16);
}

/* The driver offers heads[0..n) on ring r, from avail index 0. */
static void rg_offer(unsigned r, const uint16_t *heads, unsigned n)
{
	static const uint8_t used[6];
	uint16_t idx = (uint16_t)n;

	for (unsigned i = 0; i < n; i++)
		img_write(RG_A + RG_AVAIL(r) + 4 + 2 * i, &heads[i], 2);
	img_write(RG_A + RG_AVAIL(r) + 2, &idx, 2);
	img_write(RG_A + RG_USED(r), used, sizeof(used)); /* idx 0 */
}

static void rg_frame(uint64_t gpa, uint32_t hdr, uint32_t len)
{
	uint8_t p[256] = {0};

	for (uint32_t i = 0; i < len; i++)
		p[hdr + i] = (uint8_t)(i < 6 ? 0xff : 0x30 + i);
	img_write(gpa, p, hdr + len);
}

/* Packed: descriptor slot i of ring r, available for wrap counter w
 * (virtio 1.2 2.8.1: AVAIL = w, USED = !w). */
static void rg_pdesc(unsigned r, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t id, uint16_t flags, bool w)
{
	struct vring_packed_desc d = {
		addr, len, id,
		(uint16_t)(flags | (w ? VRING_PACKED_F_AVAIL
				      : VRING_PACKED_F_USED))};

	img_write(RG_A + RG_DESC(r) + 16u * i, &d, 16);
}

/* The bases of the packed seeds: part 1 (ring 0) and both rings of part
 * 2, avail index idx with wrap counter 1. */
static uint16_t rg_base[3];

/* The script both parts read: pop, push, publish, need_call / work,
 * tick, avail += 0, kick; then mark/rewind, kicks, avail, vq_avail. */
static void rg_save(const char *name, uint8_t num_sel, uint8_t mode)
{
	static const uint8_t script[2 * 28] = {
		0, 0, 1, 4, 2, 0, 3, 1, 0, 0, 0, 0, 4, 1, 0, 0,
		1, 2, 1, 2, 2, 0, 3, 0, 5, 1, 5, 0, 7, 1, 0, 0,
		1, 1, 2, 0, 3, 0, 6, 0, 0, 0, 1, 0, 2, 0, 3, 1,
		0, 0, 1, 0, 2, 0, 3, 0,
	};
	uint8_t hdr[RG_HDR] = {0};

	hdr[0] = num_sel;
	hdr[1] = mode;
	for (unsigned i = 0; i < 3; i++) {
		hdr[2 + 2 * i] = (uint8_t)rg_base[i];
		hdr[3 + 2 * i] = (uint8_t)(rg_base[i] >> 8);
		rg_base[i] = 0;
	}
	memcpy(hdr + 8, script, sizeof(script));
	put(hdr, sizeof(hdr));
	put(image, image_len);
	save("fuzz_ring", name);
	memset(image, 0, sizeof(image));
	image_len = 0;
}

#define M_V1 0x01u
#define M_MRG 0x02u
#define M_PROTO 0x04u
#define M_EN (0x08u | 0x10u)

static void seeds_ring(void)
{
	const uint64_t buf = RG_A + 0x1000;
	uint16_t heads[8];

	/* num 16: TX one frame of 60 behind a 12-byte header; RX two
	 * buffers of 2 KiB */
	rg_frame(buf, 12, 60);
	rg_desc(1, 0, buf, 72, 0, 0);
	heads[0] = 0;
	rg_offer(1, heads, 1);
	rg_desc(0, 0, buf + 0x100, 0x800, VRING_DESC_F_WRITE, 0);
	rg_desc(0, 1, buf + 0x900, 0x800, VRING_DESC_F_WRITE, 0);
	heads[1] = 1;
	rg_offer(0, heads, 2);
	rg_save("echo", 4, M_V1 | M_PROTO | M_EN);

	/* MRG_RXBUF: RX buffers of 24 bytes, the frame takes four */
	rg_frame(buf, 12, 60);
	rg_desc(1, 0, buf, 72, 0, 0);
	heads[0] = 0;
	rg_offer(1, heads, 1);
	for (uint16_t i = 0; i < 6; i++) {
		rg_desc(0, i, buf + 0x100 + 0x20 * i, 24, VRING_DESC_F_WRITE,
			0);
		heads[i] = i;
	}
	rg_offer(0, heads, 6);
	rg_save("echo-mrg", 3, M_V1 | M_MRG | M_PROTO | M_EN);

	/* legacy 10-byte header, chains of three, a buffer across the A/B
	 * boundary, no protocol features (rings enabled from the start) */
	rg_frame(RG_B - 30, 10, 50);
	rg_desc(1, 2, RG_B - 30, 4, VRING_DESC_F_NEXT, 5);
	rg_desc(1, 5, RG_B - 26, 20, VRING_DESC_F_NEXT, 7);
	rg_desc(1, 7, RG_B - 6, 36, 0, 0);
	heads[0] = 2;
	rg_offer(1, heads, 1);
	rg_desc(0, 3, RG_B + 0x100, 30, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
		4);
	rg_desc(0, 4, RG_A + 0x1ff0, 100, VRING_DESC_F_WRITE, 0);
	heads[0] = 3;
	rg_offer(0, heads, 1);
	rg_save("chains-cross-region", 3, 0);

	/* a buffer ending exactly at 2^64 (region T), polled rings, no
	 * call fds */
	rg_frame(RG_T + 0x1000 - 80, 12, 68);
	rg_desc(1, 0, RG_T + 0x1000 - 80, 80, 0, 0);
	heads[0] = 0;
	rg_offer(1, heads, 1);
	rg_desc(0, 0, RG_T + 0x100, 0x200, VRING_DESC_F_WRITE, 0);
	rg_offer(0, heads, 1);
	rg_save("top-of-space-polled", 2, M_V1 | 0x20 | 0x40 | 0x80);

	/* a ring of 256 (its desc table covers the other ring's) */
	rg_desc(0, 0, buf, 64, VRING_DESC_F_WRITE, 0);
	heads[0] = 0;
	rg_offer(0, heads, 1);
	rg_save("num-256", 8, M_V1);

	/* packed rings of 16 (byte 0: 0x80 | 15): TX one frame in two
	 * descriptors, RX two buffers */
	rg_frame(buf, 12, 60);
	rg_pdesc(1, 0, buf, 12, 0, VRING_DESC_F_NEXT, true);
	rg_pdesc(1, 1, buf + 12, 60, 7, 0, true);
	rg_pdesc(0, 0, buf + 0x100, 0x800, 3, VRING_DESC_F_WRITE, true);
	rg_pdesc(0, 1, buf + 0x900, 0x800, 4, VRING_DESC_F_WRITE, true);
	for (unsigned i = 0; i < 3; i++)
		rg_base[i] = 0x8000;
	rg_save("packed-echo", 0x80 | 15, M_V1 | M_PROTO | M_EN);

	/* packed, indirect (byte 0 bit 6): a TX table of two entries, RX
	 * buffers of 24 bytes merged */
	rg_frame(buf, 12, 60);
	{
		struct vring_packed_desc t[2] = {{buf, 12, 0, 0},
						 {buf + 12, 60, 0, 0}};
		img_write(buf + 0x400, t, sizeof(t));
	}
	rg_pdesc(1, 0, buf + 0x400, 32, 9, VRING_DESC_F_INDIRECT, true);
	for (uint16_t i = 0; i < 6; i++)
		rg_pdesc(0, i, buf + 0x100 + 0x20 * i, 24, i,
			 VRING_DESC_F_WRITE, true);
	for (unsigned i = 0; i < 3; i++)
		rg_base[i] = 0x8000;
	rg_save("packed-indirect-mrg", 0xc0 | 15,
		M_V1 | M_MRG | M_PROTO | M_EN);

	/* packed ring of 5 (no power of two), starting at slot 3: a TX
	 * chain of three across the end (slot 0 belongs to the next lap,
	 * wrap counter 0), RX buffers likewise */
	rg_frame(buf, 12, 60);
	rg_pdesc(1, 3, buf, 10, 0, VRING_DESC_F_NEXT, true);
	rg_pdesc(1, 4, buf + 10, 30, 0, VRING_DESC_F_NEXT, true);
	rg_pdesc(1, 0, buf + 40, 32, 2, 0, false);
	rg_pdesc(0, 3, buf + 0x100, 0x800, 1, VRING_DESC_F_WRITE, true);
	rg_pdesc(0, 4, buf + 0x900, 0x800, 2, VRING_DESC_F_WRITE, true);
	for (unsigned i = 0; i < 3; i++)
		rg_base[i] = 0x8003;
	rg_save("packed-wrap-5", 0x80 | 4, M_V1 | M_PROTO | M_EN);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	seeds_msg();
	seeds_backend();
	seeds_ring();
	return 0;
}
