/*
 * fuzz_ring.c - the split and packed ring walkers (core/virtq/, indirect
 * tables included) and the virtio-net data path (core/net/net.c, echo
 * mode) over a guest memory image that is all fuzzed: descriptor tables
 * and rings, avail and used rings, event areas, indirect tables, buffers.
 *
 * Guest memory, three regions from three memfds (so a buffer that runs
 * from A into B is two pieces in our memory, as in test_vring.c):
 *   A  gpa 0x10000, 8 KiB, mmap_offset 0
 *   B  gpa 0x12000, 8 KiB, right after A in guest-physical space;
 *      mmap_offset 0x1000 (the first page of its file is no guest memory
 *      and is poisoned)
 *   T  gpa 2^64 - 4 KiB, 4 KiB: the top of the address space
 * Rings in A, for num <= 64 (larger rings overlap each other, which a
 * hostile guest may do too):
 *   ring 0: desc A+0x000, avail A+0x400, used A+0x500
 *   ring 1: desc A+0x800, avail A+0xc00, used A+0xd00
 *   (packed: the descriptor ring, then the driver and device event areas
 *   in the avail and used places)
 *   buffers anywhere (A+0x1000 onwards in the seeds)
 *
 * Input:
 *   [0]      bits 0-3: ring size 1 << (n % 9), 1 to 256; a packed ring
 *            takes 1 + the whole byte % 64 instead (no power of two
 *            needed); bit 4: EVENT_IDX negotiated (part 1); bit 6:
 *            indirect descriptors negotiated; bit 7: packed rings
 *   [1]      the device of part 2: bit 0 VERSION_1, bit 1 MRG_RXBUF,
 *            bit 2 PROTOCOL_FEATURES (then bit 3 enables RX and bit 4 TX);
 *            bit 5: TX has no kick fd (polled), bit 6: RX neither;
 *            bit 7: no call fds
 *   [2..7]   u16 next avail index to take: part 1, RX, TX
 *   [8..63]  28 operations of 2 bytes (op, arg), read by both parts
 *   [64..]   guest memory: A, then T, then B (zeros where the input ends;
 *            B last, as the seeds use it least)
 *
 * Part 1, the bare ring (ring 0 layout) with vq_* calls in the order the
 * script says: pop, push, publish, need_call, mark and rewind, kicks
 * off/on, the guest moving avail->idx (split) or flipping a descriptor's
 * flags (packed), vq_split_avail.  Every chain popped is checked: head
 * below num (split), pieces inside guest memory (and addressable for
 * ASan), byte counts that add up.  A ring error ends part 1 (the device would drop the
 * connection).
 *
 * Part 2, a back-end configured through be_dispatch (RX = queue 0 on ring
 * 0, TX = queue 1 on ring 1) over a fresh copy of the same memory: the
 * script's net_pair_work, dev_tick, kicks and avail->idx moves.  After each
 * step: every chain taken went back on the used ring exactly once, all
 * published; a ring the script broke has failed alone (net_ring_fail), with
 * the bad chain not taken.
 */
#include <string.h>

#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/net/net.h"
#include "core/virtq/vq.h"
#include "tests/fuzz/fuzz.h"

#define A_GPA 0x10000ull
#define B_GPA 0x12000ull
#define T_GPA (0ull - 0x1000)
#define AB_SIZE 0x2000ull
#define T_SIZE 0x1000ull
#define B_OFF 0x1000ull
#define UVA_A 0x7f0000010000ull
#define UVA_B 0x7f0000020000ull
#define UVA_T 0x7f0010000000ull

#define RING_DESC(r) (0x800ull * (r))
#define RING_AVAIL(r) (0x800ull * (r) + 0x400)
#define RING_USED(r) (0x800ull * (r) + 0x500)

#define HDR_SIZE 64u
#define N_OPS 28u

static struct mem_table mem;
static struct vq vq;
static struct vq_chain chain;
static struct be_dev dev;
static struct vu_msg msg;
static uint8_t *host_a, *host_b, *host_t;
static int fd_a, fd_b, fd_t;

/* ---- memory ------------------------------------------------------------ */

static void make_memory(void)
{
	fd_a = fz_memfd(AB_SIZE);
	fd_b = fz_memfd(B_OFF + AB_SIZE);
	fd_t = fz_memfd(T_SIZE);
	FZ_CHECK(fd_a >= 0 && fd_b >= 0 && fd_t >= 0);
	host_a = fake_memfd_base(fd_a);
	host_b = fake_memfd_base(fd_b) + B_OFF;
	host_t = fake_memfd_base(fd_t);
	fz_poison(fake_memfd_base(fd_b), B_OFF);
}

/* The guest memory image: A, T, B from the input, zeros after it. */
static void load_image(const uint8_t *img, size_t n)
{
	uint8_t *parts[3] = {host_a, host_t, host_b};
	const size_t sizes[3] = {AB_SIZE, T_SIZE, AB_SIZE};

	for (unsigned i = 0; i < 3; i++) {
		size_t k = n < sizes[i] ? n : sizes[i];

		if (k > 0)
			memcpy(parts[i], img, k);
		memset(parts[i] + k, 0, sizes[i] - k);
		img += k;
		n -= k;
	}
}

static void regions(struct vu_region r[3])
{
	r[0] = (struct vu_region){A_GPA, AB_SIZE, UVA_A, 0};
	r[1] = (struct vu_region){B_GPA, AB_SIZE, UVA_B, B_OFF};
	r[2] = (struct vu_region){T_GPA, T_SIZE, UVA_T, 0};
}

/* ---- part 1: the ring alone ----------------------------------------------- */

static bool packed, indirect, event_idx;

/* What vq_pop promises of a chain it returns. */
static void check_chain(const struct vq_chain *c, uint32_t num)
{
	uint64_t out = 0, in = 0;

	FZ_CHECK(packed || c->head < num);
	FZ_CHECK(!packed || (c->ndesc >= 1 && c->ndesc <= num));
	FZ_CHECK((unsigned)c->nout + c->nin <= CFG_CHAIN_SEGS);
	for (unsigned i = 0; i < (unsigned)c->nout + c->nin; i++) {
		const struct vq_iov *v = &c->iov[i];

		FZ_CHECK(v->len > 0);
		FZ_CHECK(fz_in_table(&mem, v->base, v->len));
		fz_check_addressable(v->base, v->len);
		if (i < c->nout)
			out += v->len;
		else
			in += v->len;
	}
	if (!c->too_long) {
		FZ_CHECK(out == c->out_bytes);
		FZ_CHECK(in == c->in_bytes);
	} else {
		FZ_CHECK((unsigned)c->nout + c->nin == CFG_CHAIN_SEGS);
	}
}

/* Chains taken and not yet pushed, oldest first, with their writable
 * bytes (a push may not say more was written).  A guest that reuses heads
 * can have more than num out at once: the script's length bounds it. */
struct pend {
	struct vq_chain c; /* only head, ndesc, track and in_bytes matter */
};
static struct pend pend[N_OPS], pend_at_mark[N_OPS];

/* A packed descriptor's flags as the guest might flip them. */
static void scribble_packed(uint32_t num, uint8_t arg)
{
	struct vring_packed_desc *d =
		(void *)(host_a + RING_DESC(0) + 16u * (arg % num));

	d->flags ^= (uint16_t)(arg & 0x80 ? VRING_PACKED_F_AVAIL
					  : VRING_PACKED_F_USED);
}

static void part_ring(const uint8_t *ops, uint32_t num, uint32_t base)
{
	struct vring_avail *avail = (void *)(host_a + RING_AVAIL(0));
	struct vq_config cfg = {num, packed, indirect, host_a + RING_DESC(0),
				avail, host_a + RING_USED(0), base, event_idx};
	unsigned npend = 0, npend_mark = 0;
	bool marked = false;
	struct vq_mark mark;
	int fd[3];
	struct vu_region r[3];

	regions(r);
	fd[0] = fd_a;
	fd[1] = fd_b;
	fd[2] = fd_t;
	memset(&mem, 0, sizeof(mem));
	FZ_CHECK(mem_table_map(&mem, r, 3, fd, "fuzz") == 0);
	/* the mappings hold the memory; part 2 makes new fds over it */
	for (unsigned i = 0; i < 3; i++)
		port_fd_close(fd[i]);
	memset(&vq, 0, sizeof(vq));
	vq.name = "fuzz q";
	vq_attach(&vq, &cfg);

	for (unsigned k = 0; k < N_OPS; k++) {
		uint8_t op = ops[2 * k], arg = ops[2 * k + 1];
		int rc;

		switch (op % 8) {
		case 0:
			rc = vq_pop(&vq, &mem, &chain);
			if (rc < 0)
				goto out; /* the device drops the guest */
			if (rc == 0)
				break;
			check_chain(&chain, num);
			pend[npend++].c = chain;
			break;
		case 1:
			/* the caller's contract: room checked first */
			if (npend == 0 || !vq_push_room(&vq, 1))
				break;
			vq_push(&vq, &pend[0].c,
				(uint32_t)arg * 64u < pend[0].c.in_bytes
					? (uint32_t)arg * 64u
					: pend[0].c.in_bytes);
			memmove(pend, pend + 1, --npend * sizeof(pend[0]));
			break;
		case 2:
			vq_publish(&vq);
			marked = false; /* no rewinding past a publish */
			break;
		case 3:
			(void)vq_need_call(&vq);
			break;
		case 4:
			if (!(arg & 1)) {
				vq_mark(&vq, &mark);
				memcpy(pend_at_mark, pend, sizeof(pend));
				npend_mark = npend;
				marked = true;
			} else if (marked) {
				vq_rewind(&vq, &mark);
				memcpy(pend, pend_at_mark, sizeof(pend));
				npend = npend_mark;
			}
			break;
		case 5:
			if (arg & 1)
				(void)vq_kicks_on(&vq);
			else
				vq_kicks_off(&vq);
			break;
		case 6:
			/* the guest publishes (or scribbles) */
			if (packed)
				scribble_packed(num, arg);
			else
				avail->idx = (uint16_t)(avail->idx + arg);
			break;
		default:
			if (!packed)
				(void)vq_split_avail(&vq);
			break;
		}
	}
out:
	mem_table_unmap(&mem);
}

/* ---- part 2: the device --------------------------------------------------- */

static int req(uint32_t request, const void *p, uint32_t size, int fd)
{
	memset(&msg, 0, sizeof(msg));
	msg.hdr.request = request;
	msg.hdr.flags = VU_VERSION;
	msg.hdr.size = size;
	memcpy(msg.p.bytes, p, size);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		msg.fds[i] = -1;
	msg.fds[0] = fd;
	msg.nfds = fd >= 0 ? 1 : 0;
	return be_dispatch(&dev, &msg);
}

static void ring_setup(uint32_t q, uint32_t num, uint32_t base, bool nokick,
		       bool nocall, bool enable)
{
	struct vu_state s = {q, num};
	struct vu_addr a = {q, 0, UVA_A + RING_DESC(q), UVA_A + RING_USED(q),
			    UVA_A + RING_AVAIL(q), 0};
	uint64_t v;

	FZ_CHECK(req(VU_SET_VRING_NUM, &s, sizeof(s), -1) == 0);
	s.num = base;
	FZ_CHECK(req(VU_SET_VRING_BASE, &s, sizeof(s), -1) == 0);
	FZ_CHECK(req(VU_SET_VRING_ADDR, &a, sizeof(a), -1) == 0);
	v = q | (nokick ? VU_VRING_NOFD : 0);
	FZ_CHECK(req(VU_SET_VRING_KICK, &v, 8, nokick ? -1 : fz_evt()) == 0);
	v = q | (nocall ? VU_VRING_NOFD : 0);
	FZ_CHECK(req(VU_SET_VRING_CALL, &v, 8, nocall ? -1 : fz_evt()) == 0);
	if (enable) {
		s.num = 1;
		FZ_CHECK(req(VU_SET_VRING_ENABLE, &s, sizeof(s), -1) == 0);
	}
	FZ_CHECK(net_queue_ready(&dev.q[q]));
}

/* Where each ring started: every chain taken since must be on the used
 * ring, published. */
static uint16_t start_avail[2], start_used[2];

static void check_accounting(void)
{
	for (unsigned q = 0; q < 2; q++) {
		const struct vq *r = &dev.q[q].ring;

		if (r->packed) {
			/* every slot taken has been used, all published */
			FZ_CHECK(r->p.last_avail == r->p.used_idx &&
				 r->p.avail_wrap == r->p.used_wrap);
			FZ_CHECK(r->p.nshadow == 0);
		} else {
			FZ_CHECK((uint16_t)(r->s.last_avail - start_avail[q]) ==
				 (uint16_t)(r->s.used_idx - start_used[q]));
			FZ_CHECK(r->s.published == r->s.used_idx);
		}
		FZ_CHECK(!dev.q[q].dirty);
	}
}

/* A packed ring's base from two input bytes: both halves the same
 * (anything else is refused at SET_VRING_BASE time, tested elsewhere). */
static uint32_t packed_base(uint32_t num, uint16_t v)
{
	uint32_t half = ((v & 0x7fffu) % num) | (v & VQ_BASE_WRAP);

	return half | half << 16;
}

static void part_device(const uint8_t *hdr, const uint8_t *ops, uint32_t num)
{
	uint8_t mode = hdr[1];
	uint64_t features = 0, zero = 0;
	bool proto = (mode & 4) != 0;
	struct vu_region r[3];
	uint8_t mt[sizeof(struct vu_memhdr) + sizeof(r)];
	struct vu_memhdr mh = {3, 0};
	int fds[3];

	if (mode & 1)
		features |= VU_BIT(VIRTIO_F_VERSION_1);
	if (mode & 2)
		features |= VU_BIT(VIRTIO_NET_F_MRG_RXBUF);
	if (proto)
		features |= VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	if (packed)
		features |= VU_BIT(VIRTIO_F_RING_PACKED) |
			    VU_BIT(VIRTIO_F_VERSION_1);
	if (indirect)
		features |= VU_BIT(VIRTIO_RING_F_INDIRECT_DESC);

	fz_dev_open(&dev);
	FZ_CHECK(req(VU_SET_FEATURES, &features, 8, -1) == 0);
	if (proto)
		FZ_CHECK(req(VU_SET_PROTOCOL_FEATURES, &zero, 8, -1) == 0);
	/* the same memory as part 1, through new fds (SET_MEM_TABLE takes
	 * one message of 3 fds: sent one at a time here) */
	regions(r);
	memcpy(mt, &mh, sizeof(mh));
	memcpy(mt + sizeof(mh), r, sizeof(r));
	fds[0] = fz_memfd_alias(fd_a);
	fds[1] = fz_memfd_alias(fd_b);
	fds[2] = fz_memfd_alias(fd_t);
	memset(&msg, 0, sizeof(msg));
	msg.hdr.request = VU_SET_MEM_TABLE;
	msg.hdr.flags = VU_VERSION;
	msg.hdr.size = sizeof(mt);
	memcpy(msg.p.bytes, mt, sizeof(mt));
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		msg.fds[i] = i < 3 ? fds[i] : -1;
	msg.nfds = 3;
	FZ_CHECK(be_dispatch(&dev, &msg) == 0);
	for (unsigned q = 0; q < 2; q++) {
		uint16_t b = (uint16_t)(hdr[4 + 2 * q] | hdr[5 + 2 * q] << 8);

		ring_setup(q, num, packed ? packed_base(num, b) : b,
			   mode & (q ? 0x20 : 0x40), mode & 0x80,
			   !proto || (mode & (q ? 0x10 : 8)));
	}
	for (unsigned q = 0; q < 2; q++) {
		const struct vq *vr = &dev.q[q].ring;

		start_avail[q] = vr->packed ? vr->p.last_avail : vr->s.last_avail;
		start_used[q] = vr->packed ? vr->p.used_idx : vr->s.used_idx;
	}
	fz_check_dev(&dev);

	for (unsigned k = 0; k < N_OPS && dev.dev.fd >= 0; k++) {
		uint8_t op = ops[2 * k], arg = ops[2 * k + 1];
		unsigned q = arg & 1;
		struct vring_avail *avail =
			(void *)(host_a + RING_AVAIL(q));
		struct watch w = {&dev.dev, dev.dev.gen, W_RING, (uint8_t)q, 0};

		switch (op % 4) {
		case 0:
			/* a broken ring fails alone, and what it took
			 * of the bad frame is given back */
			if (net_pair_work(&dev.net, 0) < 0)
				FZ_CHECK(dev.q[0].failed || dev.q[1].failed);
			check_accounting();
			break;
		case 1:
			dev_tick(&dev.dev, 0);
			if (dev.dev.fd >= 0)
				check_accounting();
			break;
		case 2:
			if (packed) {
				struct vring_packed_desc *d = (void *)(
					host_a + RING_DESC(q) +
					16u * ((arg >> 1) % num));
				d->flags ^= VRING_PACKED_F_AVAIL;
			} else {
				avail->idx = (uint16_t)(avail->idx + (arg >> 1));
			}
			break;
		default:
			if (dev.q[q].kick_fd < 0)
				break;
			port_evt_signal(dev.q[q].kick_fd);
			dev_event(&w, PORT_POLLIN, 0);
			if (dev.dev.fd >= 0)
				check_accounting();
			break;
		}
		fz_check_dev(&dev);
	}
	if (fz_verbose())
		dev_print_stats(&dev.dev);
	dev_close(&dev.dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[HDR_SIZE] = {0};
	const uint8_t *img;
	size_t img_len;
	uint32_t num;

	fz_begin();
	memcpy(hdr, data, size < HDR_SIZE ? size : HDR_SIZE);
	packed = (hdr[0] & 0x80) != 0;
	indirect = (hdr[0] & 0x40) != 0;
	event_idx = (hdr[0] & 0x10) != 0;
	num = packed ? 1u + hdr[0] % 64u : 1u << ((hdr[0] & 15) % 9);
	make_memory();

	img = size > HDR_SIZE ? data + HDR_SIZE : data;
	img_len = size > HDR_SIZE ? size - HDR_SIZE : 0;
	load_image(img, img_len);
	part_ring(hdr + 8, num,
		  packed ? packed_base(num, (uint16_t)(hdr[2] | hdr[3] << 8))
			 : (uint16_t)(hdr[2] | hdr[3] << 8));

	load_image(img, img_len);
	part_device(hdr, hdr + 8, num);

	fz_check_clean();
	return 0;
}
