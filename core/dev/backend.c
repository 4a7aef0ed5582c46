/*
 * backend.c - the back-end's vhost-user request handlers.
 *
 * Security model (as DPDK's vhost_user.c says it): the front-end is not
 * trusted.  No field of a request is used before it is checked.  Size, fd
 * count and (where there is one) queue index are checked once, in
 * be_dispatch, against the one request table (VU_REQUESTS in vu_proto.h);
 * each handler then checks the meaning of its payload.  Any violation is one
 * error line and a dropped connection; nothing is asserted.
 */
#include "core/dev/backend.h"

#include <string.h>

#include "core/app/fwd.h"
#include "core/log.h"
#include "core/net/net.h"
#include "core/net/pkt.h"
#include "core/proto/trace.h"

typedef int (*be_handler_fn)(struct vu_dev *d, struct vu_msg *m);

struct be_req {
	int16_t size;    /* VU_SZ_* */
	uint8_t fd_rule; /* enum vu_fd_rule */
	be_handler_fn fn;
};

/* A handler returns 0 when done, 1 when it sent the reply itself, or a
 * negative errno after logging the violation.  Declared here for the table;
 * the list names 0 for the requests not implemented. */
static int be_get_features(struct vu_dev *, struct vu_msg *);
static int be_set_features(struct vu_dev *, struct vu_msg *);
static int be_set_owner(struct vu_dev *, struct vu_msg *);
static int be_reset_owner(struct vu_dev *, struct vu_msg *);
static int be_set_mem_table(struct vu_dev *, struct vu_msg *);
static int be_set_vring_num(struct vu_dev *, struct vu_msg *);
static int be_set_vring_addr(struct vu_dev *, struct vu_msg *);
static int be_set_vring_base(struct vu_dev *, struct vu_msg *);
static int be_get_vring_base(struct vu_dev *, struct vu_msg *);
static int be_set_vring_kick(struct vu_dev *, struct vu_msg *);
static int be_set_vring_call(struct vu_dev *, struct vu_msg *);
static int be_set_vring_err(struct vu_dev *, struct vu_msg *);
static int be_get_protocol_features(struct vu_dev *, struct vu_msg *);
static int be_set_protocol_features(struct vu_dev *, struct vu_msg *);
static int be_get_queue_num(struct vu_dev *, struct vu_msg *);
static int be_set_vring_enable(struct vu_dev *, struct vu_msg *);
static int be_set_log_base(struct vu_dev *, struct vu_msg *);
static int be_set_log_fd(struct vu_dev *, struct vu_msg *);
static int be_get_inflight_fd(struct vu_dev *, struct vu_msg *);
static int be_send_rarp(struct vu_dev *, struct vu_msg *);
static int be_set_inflight_fd(struct vu_dev *, struct vu_msg *);

static const struct be_req be_table[VU_REQ_MAX] = {
#define BE_ENTRY(n, name, sz, fd, h) [n] = {sz, fd, h},
	VU_REQUESTS(BE_ENTRY)
#undef BE_ENTRY
};

/* ---- helpers ----------------------------------------------------------- */

static int reply_u64(struct vu_dev *d, struct vu_msg *m, uint64_t v)
{
	int rc = vu_send(d->fd, m->hdr.request, VU_FLAG_REPLY, &v, sizeof(v),
			 NULL, 0);
	if (rc < 0) {
		LOG_ERR("%s: cannot send the reply to %s (error %d)", d->name,
			vu_req_name(m->hdr.request), -rc);
		return rc;
	}
	return 1;
}

/* Queue index of a request that names one, checked in full 32 bits
 * (CVE-2020-10723: truncate after validating, never before). */
static struct vu_queue *queue_of(struct vu_dev *d, const struct vu_msg *m,
				 uint32_t index)
{
	if (index >= CFG_MAX_QUEUES) {
		LOG_ERR("%s: %s: queue index %u, the device has %u queues",
			d->name, vu_req_name(m->hdr.request), index,
			(unsigned)CFG_MAX_QUEUES);
		return NULL;
	}
	return &d->q[index];
}

static bool packed_rings(const struct vu_dev *d)
{
	return (d->features & VU_BIT(VIRTIO_F_RING_PACKED)) != 0;
}

/* The base a ring starts from: SET_VRING_BASE's, or the start of a fresh
 * ring (packed wrap counters start at 1, virtio 1.2 2.8.1). */
static uint32_t queue_base(const struct vu_dev *d, const struct vu_queue *q)
{
	if (q->base_set)
		return q->base;
	return packed_rings(d) ? VQ_BASE_PACKED_INIT : 0;
}

/*
 * Migration (vhost-user.rst): with VHOST_F_LOG_ALL negotiated and a log
 * mapped, ring writes are logged where the ring's VHOST_VRING_F_LOG says:
 * a split used ring at log_guest_addr, which must lie inside the log; a
 * packed ring's descriptor and device event areas at their own guest
 * addresses.
 */
static int queue_log(struct vu_dev *d, struct vu_queue *q)
{
	struct vq *r = &q->ring;
	bool on = (d->features & VU_BIT(VHOST_F_LOG_ALL)) &&
		  d->dlog.bits != NULL;

	r->log = on ? &d->dlog : NULL;
	r->used_gpa = UINT64_MAX;
	r->device_gpa = UINT64_MAX;
	if (!on || !q->attached || !(q->addr.flags & VU_VRING_F_LOG))
		return 0;
	if (r->packed) {
		/* translated from our mapping: inside guest memory */
		mem_local_to_gpa(&d->mem, r->pdesc, &r->used_gpa);
		mem_local_to_gpa(&d->mem, r->device_evt, &r->device_gpa);
	} else {
		r->used_gpa = q->addr.log;
	}
	if (!dirty_covers(&d->dlog, r->used_gpa,
			  r->packed ? VRING_PACKED_BYTES(q->num)
				    : VRING_USED_BYTES(q->num)) ||
	    (r->packed && !dirty_covers(&d->dlog, r->device_gpa, 4))) {
		LOG_ERR("%s: ring logged at 0x%llx: past the end of the log "
			"(%llu bytes)", q->name,
			(unsigned long long)r->used_gpa,
			(unsigned long long)d->dlog.size);
		r->used_gpa = r->device_gpa = UINT64_MAX;
		return -PORT_EINVAL;
	}
	return 0;
}

/* Translate the ring addresses of q, once its size, its addresses and the
 * memory table are all known.  Returns <0 if they do not fit in memory. */
static int queue_attach(struct vu_dev *d, unsigned qi)
{
	struct vu_queue *q = &d->q[qi];
	const struct vu_addr *a = &q->addr;
	bool packed = packed_rings(d);
	/* virtio 1.2 2.7 and 2.8.10: sizes and alignments of the parts */
	uint64_t dsz = packed ? VRING_PACKED_BYTES(q->num)
			      : VRING_DESC_BYTES(q->num);
	uint64_t asz = packed ? VRING_EVENT_BYTES : VRING_AVAIL_BYTES(q->num);
	uint64_t usz = packed ? VRING_EVENT_BYTES : VRING_USED_BYTES(q->num);
	uint64_t amask = packed ? 3 : 1;
	struct vq_config cfg;
	const char *why;
	int rc;

	/* A ring that moves (new memory table, new addresses) or goes away
	 * for a while carries on where it was, not at the old SET_VRING_BASE
	 * value: keep its position in base. */
	if (q->attached) {
		net_queue_flush(q); /* nothing pushed may be lost */
		q->base = vq_base(&q->ring);
		q->base_set = true;
		q->attached = false;
		q->ring.inflight = NULL;
	}
	if (q->num == 0 || !q->addr_set || d->mem.n == 0)
		return 0;
	if (!packed && (q->num & (q->num - 1))) {
		LOG_ERR("%s: split ring of %u entries: not a power of two",
			q->name, q->num);
		return -PORT_EINVAL;
	}
	why = vq_base_check(packed, q->num, queue_base(d, q));
	if (why != NULL) {
		LOG_ERR("%s: SET_VRING_BASE 0x%x %s", q->name,
			queue_base(d, q), why);
		return -PORT_EINVAL;
	}
	if ((a->desc & 15) || (a->avail & amask) || (a->used & 3)) {
		LOG_ERR("%s: ring addresses misaligned (desc 0x%llx avail "
			"0x%llx used 0x%llx)", q->name,
			(unsigned long long)a->desc,
			(unsigned long long)a->avail,
			(unsigned long long)a->used);
		return -PORT_EINVAL;
	}
	cfg.desc = mem_uva_range(&d->mem, a->desc, dsz);
	cfg.driver = mem_uva_range(&d->mem, a->avail, asz);
	cfg.device = mem_uva_range(&d->mem, a->used, usz);
	if (cfg.desc == NULL || cfg.driver == NULL || cfg.device == NULL) {
		LOG_ERR("%s: ring of %u entries at desc 0x%llx avail 0x%llx "
			"used 0x%llx is not inside guest memory", q->name,
			q->num, (unsigned long long)a->desc,
			(unsigned long long)a->avail,
			(unsigned long long)a->used);
		return -PORT_EINVAL;
	}
	/* Aligned user addresses are not enough: an odd mmap_offset puts
	 * them at odd local addresses, where loads would fault or tear. */
	if (((uintptr_t)cfg.desc & 15) || ((uintptr_t)cfg.driver & amask) ||
	    ((uintptr_t)cfg.device & 3)) {
		LOG_ERR("%s: ring memory misaligned in our mapping (region "
			"mmap_offset not aligned)", q->name);
		return -PORT_EINVAL;
	}
	cfg.num = q->num;
	cfg.packed = packed;
	cfg.indirect = (d->features & VU_BIT(VIRTIO_RING_F_INDIRECT_DESC)) != 0;
	cfg.base = queue_base(d, q);
	vq_attach(&q->ring, &cfg);
	q->attached = true;
	rc = queue_log(d, q);
	if (rc == 0)
		rc = inflight_attach(&q->ring, &q->iq, &d->inflight, qi);
	if (rc < 0)
		q->attached = false;
	return rc;
}

/* After the log or the inflight region changed: every live ring again. */
static int queues_reattach(struct vu_dev *d)
{
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++) {
		int rc = queue_attach(d, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void be_reset(struct vu_dev *d)
{
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		dev_queue_reset(d, i);
	mem_table_unmap(&d->mem);
	mem_table_unmap(&d->mem_next);
	dirty_unmap(&d->dlog);
	port_fd_close(d->log_fd);
	d->log_fd = -1;
	inflight_unmap(&d->inflight);
	d->features = 0;
	d->proto = 0;
	d->proto_set = false;
	d->owner = false;
}

/* ---- handlers ------------------------------------------------------------ */

static int be_get_features(struct vu_dev *d, struct vu_msg *m)
{
	return reply_u64(d, m, BE_FEATURES);
}

static int be_set_features(struct vu_dev *d, struct vu_msg *m)
{
	uint64_t f = m->p.u64;

	if (f & ~(uint64_t)BE_FEATURES) {
		LOG_ERR("%s: SET_FEATURES 0x%llx has bits we did not offer "
			"(0x%llx)", d->name, (unsigned long long)f,
			(unsigned long long)BE_FEATURES);
		return -PORT_EINVAL;
	}
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++) {
		if (d->q[i].attached &&
		    ((f ^ d->features) & VU_BIT(VIRTIO_F_RING_PACKED))) {
			LOG_ERR("%s: SET_FEATURES changes the ring layout of "
				"live rings", d->name);
			return -PORT_EINVAL;
		}
	}
	/* QEMU turns VHOST_F_LOG_ALL on and off while the rings run
	 * (vhost-user.rst "Migration"): their logging follows. */
	d->features = f;
	return queues_reattach(d);
}

static int be_set_owner(struct vu_dev *d, struct vu_msg *m)
{
	(void)m;
	d->owner = true;
	return 0;
}

static int be_reset_owner(struct vu_dev *d, struct vu_msg *m)
{
	(void)m;
	/* vhost-user.rst: deprecated; a back-end treats it as a reset of the
	 * session.  The connection stays. */
	be_reset(d);
	return 0;
}

static int be_set_mem_table(struct vu_dev *d, struct vu_msg *m)
{
	unsigned n = m->p.mem.nregions; /* size and fd count checked */
	int rc;

	mem_table_unmap(&d->mem_next);
	rc = mem_table_map(&d->mem_next, vu_msg_regions(m), n, m->fds,
			   d->name);
	if (rc < 0)
		return rc;
	/* Only now drop the old table: rings may be live on it
	 * (vhost-user.rst allows a new table at any time).  What they have
	 * pushed is handed over while the old table still maps it. */
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		if (d->q[i].attached)
			net_queue_flush(&d->q[i]);
	mem_table_unmap(&d->mem);
	d->mem = d->mem_next;
	memset(&d->mem_next, 0, sizeof(d->mem_next));
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++) {
		rc = queue_attach(d, i);
		if (rc < 0)
			return rc;
	}
	/* The mappings hold the memory; the fds are closed by the caller. */
	return 0;
}

static int be_set_vring_num(struct vu_dev *d, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(d, m, m->p.state.index);
	uint32_t num = m->p.state.num;

	if (q == NULL)
		return -PORT_EINVAL;
	/* virtio 1.2 2.7: a split ring's size is a power of two (checked
	 * when it is attached: the layout may not be negotiated yet); 2.8:
	 * a packed ring's is any size up to 32768. */
	if (num == 0 || num > CFG_QUEUE_SIZE_MAX) {
		LOG_ERR("%s: SET_VRING_NUM %u: the size is 1 to %u", q->name,
			num, (unsigned)CFG_QUEUE_SIZE_MAX);
		return -PORT_EINVAL;
	}
	if (q->started) {
		LOG_ERR("%s: SET_VRING_NUM while the ring is started", q->name);
		return -PORT_EINVAL;
	}
	q->num = num;
	return queue_attach(d, m->p.state.index);
}

static int be_set_vring_addr(struct vu_dev *d, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(d, m, m->p.addr.index);

	if (q == NULL)
		return -PORT_EINVAL;
	if (m->p.addr.flags & ~VU_VRING_F_LOG) {
		LOG_ERR("%s: SET_VRING_ADDR flags 0x%x unknown", q->name,
			m->p.addr.flags);
		return -PORT_EINVAL;
	}
	q->addr = m->p.addr;
	q->addr_set = true;
	return queue_attach(d, m->p.addr.index);
}

/* ---- migration log and inflight region ---------------------------------- */

/* A request that needs a protocol feature the front-end did not set:
 * refused, the connection kept. */
static int needs_proto(struct vu_dev *d, const struct vu_msg *m, unsigned bit,
		       const char *feature)
{
	if (d->proto & VU_BIT(bit))
		return 0;
	LOG_ERR("%s: %s needs protocol feature %s, not negotiated", d->name,
		vu_req_name(m->hdr.request), feature);
	return -PORT_ENOTSUP;
}

static int be_set_log_base(struct vu_dev *d, struct vu_msg *m)
{
	int rc = needs_proto(d, m, VU_PROTO_F_LOG_SHMFD, "LOG_SHMFD");

	if (rc < 0)
		return rc;
	/* the mapping holds the log; the fd is closed by the caller */
	rc = dirty_map(&d->dlog, m->fds[0], m->p.log.size, m->p.log.offset,
		       d->name);
	if (rc == 0)
		rc = queues_reattach(d);
	if (rc < 0)
		return rc;
	LOG_PEER("%s: dirty log of %llu bytes shared (live migration)\n",
		 d->name, (unsigned long long)m->p.log.size);
	/* vhost-user.rst "Communication": with LOG_SHMFD, a reply */
	return reply_u64(d, m, 0);
}

static int be_set_log_fd(struct vu_dev *d, struct vu_msg *m)
{
	int fd;

	if (m->hdr.size > 8) {
		LOG_ERR("%s: SET_LOG_FD with a payload of %u bytes", d->name,
			m->hdr.size);
		return -PORT_EPROTO;
	}
	fd = vu_msg_take_fd(m, 0);
	if (port_evt_adopt(fd) < 0) {
		LOG_ERR("%s: SET_LOG_FD: the fd is unusable", d->name);
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	port_fd_close(d->log_fd);
	d->log_fd = fd;
	return 0;
}

/* The region is about to be replaced: no ring may point into it meanwhile
 * (queues_reattach gives them the new one). */
static void rings_forget_inflight(struct vu_dev *d)
{
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		d->q[i].ring.inflight = NULL;
}

static int be_get_inflight_fd(struct vu_dev *d, struct vu_msg *m)
{
	struct vu_inflight reply;
	int rc = needs_proto(d, m, VU_PROTO_F_INFLIGHT_SHMFD, "INFLIGHT_SHMFD");
	int fd;

	if (rc < 0)
		return rc;
	rings_forget_inflight(d);
	fd = inflight_create(&d->inflight, &m->p.inflight, packed_rings(d),
			     &reply, d->name);
	if (fd < 0)
		return fd;
	rc = vu_send(d->fd, m->hdr.request, VU_FLAG_REPLY, &reply,
		     sizeof(reply), &fd, 1);
	port_fd_close(fd); /* the front-end has its copy, we the mapping */
	if (rc < 0) {
		LOG_ERR("%s: cannot send the reply to GET_INFLIGHT_FD (error "
			"%d)", d->name, -rc);
		return rc;
	}
	rc = queues_reattach(d);
	return rc < 0 ? rc : 1;
}

static int be_set_inflight_fd(struct vu_dev *d, struct vu_msg *m)
{
	int rc = needs_proto(d, m, VU_PROTO_F_INFLIGHT_SHMFD, "INFLIGHT_SHMFD");

	if (rc < 0)
		return rc;
	rings_forget_inflight(d);
	rc = inflight_map(&d->inflight, m->fds[0], &m->p.inflight,
			  packed_rings(d), d->name);
	if (rc < 0)
		return rc; /* a violation: the connection goes */
	return queues_reattach(d);
}

/*
 * vhost-user.rst SEND_RARP: after a migration, QEMU asks the back-end of
 * the destination to announce a guest that cannot announce itself (no
 * VIRTIO_NET_F_GUEST_ANNOUNCE).  The first 6 bytes of the u64 are its MAC.
 * The announcement leaves as if the guest had sent it, so it goes where
 * the guest's frames go: the switch, a tap, learns the guest's new port
 * from it at once, not at the guest's next frame.
 */
static int be_send_rarp(struct vu_dev *d, struct vu_msg *m)
{
	uint8_t mac[6], frame[PKT_ETH_MIN_LEN];
	struct vq_iov one;
	struct net_frame fr;
	int rc = needs_proto(d, m, VU_PROTO_F_RARP, "RARP");

	if (rc < 0)
		return rc;
	memcpy(mac, m->p.bytes, sizeof(mac));
	if (pkt_mac_is_group(mac) || memcmp(mac, "\0\0\0\0\0\0", 6) == 0) {
		/* no switch may learn a group or null address as a port's */
		LOG_ERR("%s: SEND_RARP for %02x:%02x:%02x:%02x:%02x:%02x, not "
			"a station's address",
			d->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		return -PORT_ENOTSUP;
	}
	net_frame_flat(&fr, &one, frame,
		       pkt_rarp_announce(frame, sizeof(frame), mac));
	d->announced++;
	LOG_PEER("%s: announcing %02x:%02x:%02x:%02x:%02x:%02x (RARP, the "
		 "guest moved here)\n",
		 d->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	rc = fwd_guest_frame(d, 0, &fr, d->announced);
	return rc < 0 ? rc : 0;
}

static int be_set_vring_base(struct vu_dev *d, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(d, m, m->p.state.index);

	if (q == NULL)
		return -PORT_EINVAL;
	/* Split: the next avail index.  Packed: both indices and their wrap
	 * counters.  Checked against the size when the ring is attached. */
	if (!packed_rings(d) && m->p.state.num > 0xffff) {
		LOG_ERR("%s: SET_VRING_BASE %u does not fit a split ring index",
			q->name, m->p.state.num);
		return -PORT_EINVAL;
	}
	if (q->started) {
		LOG_ERR("%s: SET_VRING_BASE while the ring is started", q->name);
		return -PORT_EINVAL;
	}
	q->attached = false; /* attach afresh at the new base */
	q->base = m->p.state.num;
	q->base_set = true;
	return queue_attach(d, m->p.state.index);
}

static int be_get_vring_base(struct vu_dev *d, struct vu_msg *m)
{
	uint32_t index = m->p.state.index;
	struct vu_queue *q = queue_of(d, m, index);
	struct vu_state st;
	int rc;

	if (q == NULL)
		return -PORT_EINVAL;
	/* vhost-user.rst "Ring states": this stops the ring.  Chains
	 * complete in one pass, but frames delivered from elsewhere this
	 * round may wait for their publish: hand them over first. */
	st.index = index;
	if (q->attached)
		net_queue_flush(q);
	st.num = q->attached ? vq_base(&q->ring) : queue_base(d, q);
	q->base = st.num;
	q->base_set = true;
	q->ring.inflight = NULL;
	q->started = false;
	q->attached = false;
	q->busy = false;
	port_fd_close(q->kick_fd);
	q->kick_fd = -1;
	q->polled = false;
	rc = vu_send(d->fd, m->hdr.request, VU_FLAG_REPLY, &st, sizeof(st),
		     NULL, 0);
	if (rc < 0) {
		LOG_ERR("%s: cannot send the reply to GET_VRING_BASE (error %d)",
			d->name, -rc);
		return rc;
	}
	return 1;
}

/* Common part of SET_VRING_KICK, CALL and ERR: the queue, and the fd or
 * the NOFD flag (the fd count was checked against the flag already). */
static struct vu_queue *vring_fd(struct vu_dev *d, struct vu_msg *m,
				 int *fd)
{
	uint64_t v = m->p.u64;

	if (v & ~(uint64_t)(VU_VRING_IDX_MASK | VU_VRING_NOFD)) {
		LOG_ERR("%s: %s payload 0x%llx has unknown bits", d->name,
			vu_req_name(m->hdr.request), (unsigned long long)v);
		return NULL;
	}
	*fd = (v & VU_VRING_NOFD) ? -1 : vu_msg_take_fd(m, 0);
	/* whatever the peer gave, it must never block us */
	if (*fd >= 0 && port_evt_adopt(*fd) < 0) {
		LOG_ERR("%s: %s: the fd is unusable", d->name,
			vu_req_name(m->hdr.request));
		return NULL;
	}
	return queue_of(d, m, (uint32_t)(v & VU_VRING_IDX_MASK));
}

static int be_set_vring_kick(struct vu_dev *d, struct vu_msg *m)
{
	int fd = -1;
	struct vu_queue *q = vring_fd(d, m, &fd);

	if (q == NULL) {
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	port_fd_close(q->kick_fd);
	q->kick_fd = fd;
	q->polled = fd < 0; /* vhost-user.rst: no fd, so poll the ring */
	/* "Ring states" has the ring start at its first kick; like QEMU's
	 * libvhost-user we start it here, which differs only in that a ring
	 * filled before the switch to vhost (its kick went elsewhere) is
	 * still served. */
	q->started = true;
	/* --generate fills RX without waiting for a first kick */
	q->busy = d->o.action == ACT_GENERATE;
	if (!q->attached)
		return queue_attach(d, (unsigned)(q - d->q));
	return 0;
}

static int be_set_vring_call(struct vu_dev *d, struct vu_msg *m)
{
	int fd = -1;
	struct vu_queue *q = vring_fd(d, m, &fd);

	if (q == NULL) {
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	port_fd_close(q->call_fd);
	q->call_fd = fd;
	return 0;
}

static int be_set_vring_err(struct vu_dev *d, struct vu_msg *m)
{
	int fd = -1;
	struct vu_queue *q = vring_fd(d, m, &fd);

	if (q == NULL) {
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	port_fd_close(q->err_fd);
	q->err_fd = fd;
	return 0;
}

static int be_get_protocol_features(struct vu_dev *d, struct vu_msg *m)
{
	return reply_u64(d, m, BE_PROTOCOL_FEATURES);
}

static int be_set_protocol_features(struct vu_dev *d, struct vu_msg *m)
{
	uint64_t f = m->p.u64;

	if (f & ~(uint64_t)BE_PROTOCOL_FEATURES) {
		LOG_ERR("%s: SET_PROTOCOL_FEATURES 0x%llx has bits we did not "
			"offer (0x%llx)", d->name, (unsigned long long)f,
			(unsigned long long)BE_PROTOCOL_FEATURES);
		return -PORT_EINVAL;
	}
	d->proto = f;
	d->proto_set = true;
	return 0;
}

static int be_get_queue_num(struct vu_dev *d, struct vu_msg *m)
{
	return reply_u64(d, m, CFG_MAX_QUEUES);
}

static int be_set_vring_enable(struct vu_dev *d, struct vu_msg *m)
{
	struct vu_queue *q = queue_of(d, m, m->p.state.index);

	if (q == NULL)
		return -PORT_EINVAL;
	if (m->p.state.num > 1) {
		LOG_ERR("%s: SET_VRING_ENABLE %u is neither 0 nor 1", q->name,
			m->p.state.num);
		return -PORT_EINVAL;
	}
	q->enabled = m->p.state.num == 1;
	if (q->enabled && d->o.action == ACT_GENERATE)
		q->busy = true;
	return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

/* How many fds the request must carry; -1 if its payload says nothing
 * sensible about it (an error is logged). */
static int fds_expected(struct vu_dev *d, const struct vu_msg *m,
			const struct be_req *e)
{
	switch (e->fd_rule) {
	case VU_FD_VRING:
		return (m->p.u64 & VU_VRING_NOFD) ? 0 : 1;
	case VU_FD_ONE:
		return 1;
	case VU_FD_REGIONS:
		if (m->hdr.size < sizeof(struct vu_memhdr)) {
			LOG_ERR("%s: SET_MEM_TABLE payload of %u bytes has no "
				"region count", d->name, m->hdr.size);
			return -1;
		}
		if (m->p.mem.nregions > VU_MAX_TABLE_REGIONS ||
		    m->p.mem.nregions > CFG_MAX_REGIONS) {
			LOG_ERR("%s: SET_MEM_TABLE with %u regions, at most %u",
				d->name, m->p.mem.nregions,
				VU_MAX_TABLE_REGIONS < CFG_MAX_REGIONS
					? VU_MAX_TABLE_REGIONS
					: (unsigned)CFG_MAX_REGIONS);
			return -1;
		}
		if (m->hdr.size != sizeof(struct vu_memhdr) +
					   m->p.mem.nregions *
						   sizeof(struct vu_region)) {
			LOG_ERR("%s: SET_MEM_TABLE of %u regions has %u bytes, "
				"expected %u", d->name, m->p.mem.nregions,
				m->hdr.size,
				(unsigned)(sizeof(struct vu_memhdr) +
					   m->p.mem.nregions *
						   sizeof(struct vu_region)));
			return -1;
		}
		return (int)m->p.mem.nregions;
	case VU_FD_NONE:
	default:
		return 0;
	}
}

static int dispatch(struct vu_dev *d, struct vu_msg *m)
{
	uint32_t req = m->hdr.request;
	const struct be_req *e = req < VU_REQ_MAX ? &be_table[req] : NULL;
	int want;

	if (m->hdr.flags & VU_FLAG_REPLY) {
		LOG_ERR("%s: %s (%u) has the reply flag set", d->name,
			vu_req_name(req), req);
		return -PORT_EPROTO;
	}
	if (e == NULL || e->fn == NULL) {
		/* Not a violation: we say no and carry on. */
		LOG_ERR("%s: %s (%u) is not supported", d->name,
			vu_req_name(req), req);
		return -PORT_ENOTSUP;
	}
	if (e->size != VU_SZ_VAR && m->hdr.size != (uint32_t)e->size) {
		LOG_ERR("%s: %s with a payload of %u bytes, expected %d",
			d->name, vu_req_name(req), m->hdr.size, e->size);
		return -PORT_EPROTO;
	}
	want = fds_expected(d, m, e);
	if (want < 0)
		return -PORT_EPROTO;
	if (m->nfds != (unsigned)want) {
		LOG_ERR("%s: %s came with %u fds, expected %d", d->name,
			vu_req_name(req), m->nfds, want);
		return -PORT_EPROTO;
	}
	return e->fn(d, m);
}

int be_dispatch(struct vu_dev *d, struct vu_msg *m)
{
	bool ack = (d->proto & VU_BIT(VU_PROTO_F_REPLY_ACK)) &&
		   (m->hdr.flags & VU_FLAG_NEED_REPLY);
	int rc;

	if (d->o.verbose)
		trace_msg(m);
	rc = dispatch(d, m);
	/* Every fd not taken by the handler is closed, on every path
	 * (CVE-2019-14818, CVE-2022-0669). */
	vu_msg_close_fds(m);
	/* vhost-user.rst "REPLY_ACK": 0 for success, non-zero for failure,
	 * unless the request has a reply of its own (rc == 1). */
	if (ack && rc != 1) {
		uint64_t status = rc < 0 ? 1 : 0;
		int s = vu_send(d->fd, m->hdr.request, VU_FLAG_REPLY, &status,
				sizeof(status), NULL, 0);
		if (s < 0 && rc >= 0)
			rc = s;
	}
	if (rc == -PORT_ENOTSUP)
		return 0;
	return rc < 0 ? rc : 0;
}

int be_queue_work(struct vu_dev *d, unsigned qi)
{
	/* Both directions of a pair move on either kick: a TX frame for the
	 * echo may be waiting for RX buffers. */
	return net_pair_work(d, qi / 2);
}

/* ---- the role (dev.h struct dev_role) ------------------------------------ */

static int be_open(struct vu_dev *d)
{
	(void)d;
	return 0;
}

static int be_message(struct vu_dev *d, struct vu_msg *m, uint64_t now)
{
	(void)now;
	return be_dispatch(d, m);
}

/* Kick fds of started rings; a polled or busy ring sets the deadline. */
static void be_watch(struct vu_dev *d, struct dev_pollset *ps, uint64_t now)
{
	if (d->fd < 0)
		return;
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		const struct vu_queue *vq = &d->q[q];

		if (!vq->started)
			continue;
		dev_watch_fd(ps, d, vq->kick_fd, W_RING, (uint8_t)q);
		if (vq->busy)
			dev_watch_until(ps, now);
		else if (vq->polled && be_ring_ready(vq))
			dev_watch_until(ps, now + CFG_NOFD_POLL_US * 1000ull);
	}
}

/* A kick fd fired. */
static int be_kick(struct vu_dev *d, unsigned q, uint16_t revents,
		   uint64_t now)
{
	uint64_t count;

	(void)now;
	/* closed earlier this round (GET_VRING_BASE stops the ring) */
	if (d->q[q].kick_fd < 0)
		return 0;
	/* a kick fd that reads as no eventfd (a file, a pipe whose writer
	 * is gone) would wake us for ever */
	if (port_evt_drain(d->q[q].kick_fd, &count) < 0 ||
	    (revents & (PORT_POLLHUP | PORT_POLLERR))) {
		LOG_ERR("%s: the kick fd reads as no eventfd (or its writer is "
			"gone)", d->q[q].name);
		return -PORT_EPROTO;
	}
	d->q[q].st.kicks++;
	return be_queue_work(d, q);
}

/* Polled rings, and batches a pass left over. */
static int be_tick(struct vu_dev *d, uint64_t now)
{
	int rc = 0;

	(void)now;
	if (d->fd < 0)
		return 0;
	for (unsigned q = 1; q < CFG_MAX_QUEUES && rc >= 0; q += 2) {
		const struct vu_queue *tx = &d->q[q], *rx = &d->q[q - 1];
		if ((be_ring_ready(tx) || be_ring_ready(rx)) &&
		    (tx->polled || tx->busy || rx->polled || rx->busy))
			rc = be_queue_work(d, q);
	}
	return rc;
}

static bool be_disconnected(struct vu_dev *d, const char *why)
{
	be_reset(d);
	if (d->o.listen)
		LOG_PEER("%s: front-end gone (%s); listening again on %s\n",
			 d->name, why, d->o.path);
	else
		LOG_PEER("%s: front-end gone (%s); reconnecting to %s\n",
			 d->name, why, d->o.path);
	return true;
}

static bool be_faulted(const struct vu_dev *d)
{
	int hit = 0;

	for (unsigned i = 0; i < d->mem.n; i++)
		hit |= port_mem_faulted(d->mem.r[i].map_base);
	if (d->dlog.map_base != NULL)
		hit |= port_mem_faulted(d->dlog.map_base);
	if (d->inflight.map_base != NULL)
		hit |= port_mem_faulted(d->inflight.map_base);
	return hit != 0;
}

static void be_print_stats(const struct vu_dev *d)
{
	LOG_INFO("%s: connections %llu, dropped for bad input %llu, "
		 "announced %llu\n",
		 d->name, (unsigned long long)d->connections,
		 (unsigned long long)d->violations,
		 (unsigned long long)d->announced);
}

const struct dev_role be_role = {
	.name = "back-end",
	.peer = "a front-end on",
	.ring_fail = "bad ring",
	.open = be_open,
	.release = be_reset,
	.message = be_message,
	.watch = be_watch,
	.ring = be_kick,
	.tick = be_tick,
	.disconnected = be_disconnected,
	.faulted = be_faulted,
	.print_stats = be_print_stats,
};
