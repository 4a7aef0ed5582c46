/*
 * rig.h - a back-end on the fake port, set up through be_dispatch, whose
 * guest the test plays: one region of guest RAM, rings the test places
 * where it wants them, and the guest driver's view of them (vqd).
 *
 * For the unit tests that need a whole back-end (test_fwd, test_inflight,
 * test_publish, test_used_log): included once per test program, after
 * check.h; everything here is static inline.
 *
 * Guest memory, at RIG_GPA (the front-end's user address RIG_UVA), a page
 * into its memfd:
 *   0x0000 + 0x1000 q   ring q by default: descriptors, avail (driver
 *                       area) at +0x800, used (device area) at +0xa00,
 *                       for rings of up to 128 entries
 *   0x10000 + 0x800 i   TX buffer i (i < 64)
 *   0x50000 + 0x800 i   RX buffer i (i < 64)
 *   0x70000 ...         free for the test's own placements
 */
#ifndef TESTS_UNIT_RIG_H
#define TESTS_UNIT_RIG_H

#include <string.h>

#include "core/app/fwd.h"
#include "core/dev/backend.h"
#include "core/dev/be_queue.h"
#include "core/dev/dev.h"
#include "core/net/net.h"
#include "core/virtq/vqd.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define RIG_GPA 0x40000000ull
#define RIG_UVA 0x7f1200000000ull
#define RIG_SIZE 0x100000ull
#define RIG_OFF 0x1000ull
#define RIG_Q_GPA(q) (RIG_GPA + 0x1000ull * (q))
#define RIG_AVAIL_OFF 0x800ull
#define RIG_USED_OFF 0xa00ull
#define RIG_TX_BUF(i) (RIG_GPA + 0x10000ull + 0x800ull * (i))
#define RIG_RX_BUF(i) (RIG_GPA + 0x50000ull + 0x800ull * (i))
#define RIG_FREE (RIG_GPA + 0x70000ull)
#define RIG_UVA_OF(gpa) ((gpa) - RIG_GPA + RIG_UVA)
#define RIG_HDR 12u

#define RIG_F_BASE \
	(VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))

struct rig {
	struct be_dev dev;
	bool packed;
	uint64_t features;
	int memfd;
	uint8_t *ram; /* our address of RIG_GPA */
	int call_fd[2];
	struct vqd rxq, txq; /* the guest's view of rings 0 and 1 */
	struct vu_msg msg;
};

static inline uint8_t *rig_host(const struct rig *r, uint64_t gpa)
{
	return r->ram + (gpa - RIG_GPA);
}

/* One request, as vu_rx_read would leave it, with at most one fd. */
static inline int rig_req_flags(struct rig *r, uint32_t request,
				uint32_t flags, const void *p, uint32_t size,
				int fd)
{
	struct vu_msg *m = &r->msg;

	memset(m, 0, sizeof(*m));
	m->hdr.request = request;
	m->hdr.flags = VU_VERSION | flags;
	m->hdr.size = size;
	if (size > 0)
		memcpy(m->p.bytes, p, size);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		m->fds[i] = -1;
	m->fds[0] = fd;
	m->nfds = fd >= 0 ? 1 : 0;
	return be_dispatch(&r->dev, m);
}

static inline int rig_req(struct rig *r, uint32_t request, const void *p,
			  uint32_t size, int fd)
{
	return rig_req_flags(r, request, 0, p, size, fd);
}

static inline int rig_req_u64(struct rig *r, uint32_t request, uint64_t v)
{
	return rig_req(r, request, &v, 8, -1);
}

static inline int rig_req_state(struct rig *r, uint32_t request,
				uint32_t index, uint32_t num)
{
	struct vu_state s = {index, num};

	return rig_req(r, request, &s, sizeof(s), -1);
}

/* The SET_MEM_TABLE of the rig's one region, over memfd fd (not closed:
 * the back-end closes what a message brings). */
static inline int rig_mem_table(struct rig *r, int fd)
{
	struct vu_region reg = {RIG_GPA, RIG_SIZE, RIG_UVA, RIG_OFF};
	struct vu_memhdr mh = {1, 0};
	uint8_t p[8 + sizeof(reg)];

	(void)r;
	memcpy(p, &mh, 8);
	memcpy(p + 8, &reg, sizeof(reg));
	return rig_req(r, VU_SET_MEM_TABLE, p, sizeof(p), fd);
}

/*
 * Device `index` of fw, a back-end with `features` (RING_PACKED added when
 * packed) and protocol features `proto` negotiated, and its memory; its
 * frames go where fo says.  No rings yet.  Call fake_reset() first, once
 * for all the rigs of a case.
 */
static inline void rig_open(struct rig *r, struct fwd *fw, unsigned index,
			    const struct fwd_opts *fo, bool packed,
			    uint64_t features, uint64_t proto)
{
	static const char *const paths[] = {"/fake0", "/fake1", "/fake2",
					    "/fake3"};
	struct dev_opts o = {.path = paths[index % 4], .listen = true};

	memset(r, 0, sizeof(*r));
	r->packed = packed;
	r->call_fd[0] = r->call_fd[1] = -1;
	CHECK_EQ_I(be_open(&r->dev, index, &o), 0);
	if (fw != NULL) {
		if (fw->ndev <= index)
			fw->ndev = index + 1;
		fwd_attach(fw, index, &r->dev, fo);
	}
	r->dev.dev.fd = fake_sock();
	if (packed)
		features |= VU_BIT(VIRTIO_F_RING_PACKED);
	r->features = features;
	CHECK_EQ_I(rig_req_u64(r, VU_SET_FEATURES, features), 0);
	if (features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
		CHECK_EQ_I(rig_req_u64(r, VU_SET_PROTOCOL_FEATURES, proto), 0);
	r->memfd = fake_memfd(RIG_OFF + RIG_SIZE);
	r->ram = fake_memfd_base(r->memfd) + RIG_OFF;
	CHECK_EQ_I(rig_mem_table(r, r->memfd), 0);
}

/* Ring q of num entries with its three areas at the given guest
 * addresses (base 0, or the packed initial base), kick and call fds,
 * enabled if asked; the guest's view in *view (may be NULL). */
static inline void rig_ring_at(struct rig *r, uint32_t q, uint32_t num,
			       uint64_t desc, uint64_t drv, uint64_t dev,
			       bool enable, struct vqd *view)
{
	struct vu_addr a = {q, 0, RIG_UVA_OF(desc), RIG_UVA_OF(dev),
			    RIG_UVA_OF(drv), 0};
	uint64_t v = q;
	int call = fake_evt();

	CHECK_EQ_I(rig_req_state(r, VU_SET_VRING_NUM, q, num), 0);
	CHECK_EQ_I(rig_req_state(r, VU_SET_VRING_BASE, q,
				 r->packed ? VQ_BASE_PACKED_INIT : 0), 0);
	CHECK_EQ_I(rig_req(r, VU_SET_VRING_ADDR, &a, sizeof(a), -1), 0);
	CHECK_EQ_I(rig_req(r, VU_SET_VRING_KICK, &v, 8, fake_evt()), 0);
	CHECK_EQ_I(rig_req(r, VU_SET_VRING_CALL, &v, 8, call), 0);
	if (q < 2)
		r->call_fd[q] = call;
	if (enable)
		CHECK_EQ_I(rig_req_state(r, VU_SET_VRING_ENABLE, q, 1), 0);
	CHECK(net_queue_ready(&r->dev.q[q]));
	if (view != NULL)
		vqd_init(view, num, r->packed, rig_host(r, desc),
			 rig_host(r, drv), rig_host(r, dev));
}

/* Rings 0 (RX) and 1 (TX) of num (<= 128) entries at their default
 * places, enabled; the guest's views in rxq and txq. */
static inline void rig_rings(struct rig *r, uint32_t num)
{
	for (uint32_t q = 0; q < 2; q++)
		rig_ring_at(r, q, num, RIG_Q_GPA(q),
			    RIG_Q_GPA(q) + RIG_AVAIL_OFF,
			    RIG_Q_GPA(q) + RIG_USED_OFF, true,
			    q == 0 ? &r->rxq : &r->txq);
	fake_log_clear();
}

/* ---- the guest driver ----------------------------------------------------- */

/* Transmit frame f of len bytes behind a zeroed header: one descriptor,
 * TX slot `slot`, published. */
static inline void rig_tx(struct rig *r, uint16_t slot, const void *f,
			  uint32_t len)
{
	uint8_t *b = rig_host(r, RIG_TX_BUF(slot));

	memset(b, 0, RIG_HDR);
	memcpy(b + RIG_HDR, f, len);
	r->txq.desc[slot] = (struct vring_desc){RIG_TX_BUF(slot),
						RIG_HDR + len, 0, 0};
	vqd_add(&r->txq, slot);
	vqd_publish(&r->txq);
}

/* Offer an RX buffer of size bytes in RX slot `slot`, filled with 0xaa. */
static inline void rig_rx_add(struct rig *r, uint16_t slot, uint32_t size)
{
	memset(rig_host(r, RIG_RX_BUF(slot)), 0xaa, size);
	r->rxq.desc[slot] = (struct vring_desc){RIG_RX_BUF(slot), size,
						VRING_DESC_F_WRITE, 0};
	vqd_add(&r->rxq, slot);
	vqd_publish(&r->rxq);
}

/* The frame in RX buffer `slot` (after its header). */
static inline const uint8_t *rig_rx_frame(const struct rig *r, uint16_t slot)
{
	return rig_host(r, RIG_RX_BUF(slot)) + RIG_HDR;
}

/* The next used element of ring q is (id, len); failures name the
 * caller's line. */
static inline int rig_expect_used_at(struct vqd *q, uint32_t id, uint32_t len,
				     const char *file, int line)
{
	uint32_t gid = 0xffff, glen = 0xffff;

	if (!check_eq_i(vqd_get_used(q, &gid, &glen), 1, "used elements",
			"1", file, line))
		return 0;
	return check_eq_u(gid, id, "used id", "expected", file, line) &
	       check_eq_u(glen, len, "used len", "expected", file, line);
}
#define rig_expect_used(q, id, len) \
	rig_expect_used_at((q), (id), (len), __FILE__, __LINE__)

static inline void rig_expect_no_used_at(struct vqd *q, const char *file,
					 int line)
{
	uint32_t id, len;

	check_eq_i(vqd_get_used(q, &id, &len), 0, "used elements", "0", file,
		   line);
}
#define rig_expect_no_used(q) rig_expect_no_used_at((q), __FILE__, __LINE__)

/* Close the rig's device (its fds and mappings go with it). */
static inline void rig_close(struct rig *r)
{
	dev_close(&r->dev.dev);
}

/* After every rig of a case is closed: nothing left open or mapped,
 * nothing closed twice or misused. */
static inline void rig_leak_check(void)
{
	check_note("leaks");
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_maps_live(), 0);
	CHECK_EQ_U(fake_double_close, 0);
	CHECK_EQ_U(fake_misuse, 0);
	check_note(NULL);
}

#endif /* TESTS_UNIT_RIG_H */
