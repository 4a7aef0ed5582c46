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

#include "core/dev/be_queue.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net/pkt.h"
#include "core/proto/trace.h"

typedef int (*be_handler_fn)(struct be_dev *d, struct vu_msg *m);

struct be_req {
	int16_t size;    /* VU_SZ_* */
	uint8_t fd_rule; /* enum vu_fd_rule */
	be_handler_fn fn;
};

/* A handler returns 0 when done, 1 when it sent the reply itself, or a
 * negative errno after logging the violation.  Declared here for the table;
 * the list names 0 for the requests not implemented. */
static int be_get_features(struct be_dev *, struct vu_msg *);
static int be_set_features(struct be_dev *, struct vu_msg *);
static int be_set_owner(struct be_dev *, struct vu_msg *);
static int be_reset_owner(struct be_dev *, struct vu_msg *);
static int be_set_mem_table(struct be_dev *, struct vu_msg *);
static int be_set_vring_num(struct be_dev *, struct vu_msg *);
static int be_set_vring_addr(struct be_dev *, struct vu_msg *);
static int be_set_vring_base(struct be_dev *, struct vu_msg *);
static int be_get_vring_base(struct be_dev *, struct vu_msg *);
static int be_set_vring_fd(struct be_dev *, struct vu_msg *);
static int be_get_protocol_features(struct be_dev *, struct vu_msg *);
static int be_set_protocol_features(struct be_dev *, struct vu_msg *);
static int be_get_queue_num(struct be_dev *, struct vu_msg *);
static int be_set_vring_enable(struct be_dev *, struct vu_msg *);
static int be_set_log_base(struct be_dev *, struct vu_msg *);
static int be_set_log_fd(struct be_dev *, struct vu_msg *);
static int be_get_inflight_fd(struct be_dev *, struct vu_msg *);
static int be_send_rarp(struct be_dev *, struct vu_msg *);
static int be_net_set_mtu(struct be_dev *, struct vu_msg *);
static int be_set_inflight_fd(struct be_dev *, struct vu_msg *);

static const struct be_req be_table[VU_REQ_MAX] = {
#define BE_ENTRY(n, name, sz, fd, h) [n] = {sz, fd, h},
	VU_REQUESTS(BE_ENTRY)
#undef BE_ENTRY
};

/* ---- helpers ----------------------------------------------------------- */

static int reply_u64(struct be_dev *d, struct vu_msg *m, uint64_t v)
{
	int rc = vu_send(d->dev.fd, m->hdr.request, VU_FLAG_REPLY, &v,
			 sizeof(v), NULL, 0);
	if (rc < 0) {
		LOG_ERR("%s: cannot send the reply to %s: %s",
			d->dev.name, vu_req_name(m->hdr.request),
			err_text(rc));
		return rc;
	}
	return 1;
}

/* Queue index of a request that names one, checked in full 32 bits
 * (CVE-2020-10723: truncate after validating, never before). */
static struct vu_queue *queue_of(struct be_dev *d, const struct vu_msg *m,
				 uint32_t index)
{
	if (index >= CFG_MAX_QUEUES) {
		LOG_ERR("%s: %s: queue index %u, the device has %u queues",
			d->dev.name, vu_req_name(m->hdr.request), index,
			(unsigned)CFG_MAX_QUEUES);
		return NULL;
	}
	return &d->q[index];
}

void be_reset(struct be_dev *d)
{
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		be_queue_reset(d, i);
	mem_table_unmap(&d->mem);
	mem_table_unmap(&d->mem_next);
	dirty_unmap(&d->dlog);
	port_fd_close(d->log_fd);
	d->log_fd = -1;
	inflight_unmap(&d->inflight);
	d->features = 0;
	d->net.features = 0;
	d->mtu = 0;
	d->net.frame_max = CFG_FRAME_MAX;
	d->proto = 0;
	d->proto_set = false;
	d->owner = false;
}

/* ---- handlers ------------------------------------------------------------ */

static int be_get_features(struct be_dev *d, struct vu_msg *m)
{
	return reply_u64(d, m, d->offered);
}

/*
 * D8, vhost-user.rst "Migration": "The size of the log is supplied as part
 * of VhostUserMsg which should be large enough to cover all known guest
 * addresses."  A log that falls short would lose the marks of the pages
 * past its end, and the destination would run on stale memory.  So a log
 * that does not cover the memory table, or a table the log in use does
 * not cover, is refused (with a non-zero reply), never taken.  QEMU grows
 * the log before it grows the table (vhost_commit), and shrinks it after.
 */
static bool log_covers(const struct mem_table *t, uint64_t log_size,
		       uint64_t *last)
{
	return !mem_table_last(t, last) || dirty_log_bytes(*last) <= log_size;
}

static void log_short(struct be_dev *d, const char *req, uint64_t log_size,
		      uint64_t last)
{
	LOG_ERR("%s: %s refused: a dirty log of %llu bytes does not cover "
		"guest memory up to 0x%llx (%llu bytes needed)", d->dev.name,
		req, (unsigned long long)log_size, (unsigned long long)last,
		(unsigned long long)dirty_log_bytes(last));
}

static int be_set_features(struct be_dev *d, struct vu_msg *m)
{
	uint64_t f = m->p.u64;

	if (f & ~d->offered) {
		LOG_ERR("%s: SET_FEATURES 0x%llx has bits we did not offer "
			"(0x%llx)", d->dev.name, (unsigned long long)f,
			(unsigned long long)d->offered);
		return -PORT_EINVAL;
	}
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++) {
		if (d->q[i].attached &&
		    ((f ^ d->features) & VU_BIT(VIRTIO_F_RING_PACKED))) {
			LOG_ERR("%s: SET_FEATURES changes the ring layout of "
				"live rings", d->dev.name);
			return -PORT_EINVAL;
		}
	}
	/* QEMU turns VHOST_F_LOG_ALL on and off while the rings run
	 * (vhost-user.rst "Migration"): their logging follows.  Logging on
	 * with no log, or one short of memory, would lose marks: said. */
	if (f & ~d->features & VU_BIT(VHOST_F_LOG_ALL)) {
		uint64_t last;

		if (d->dlog.bits == NULL)
			LOG_WARN("%s: VHOST_F_LOG_ALL with no dirty log shared: "
				 "nothing is marked until SET_LOG_BASE",
				 d->dev.name);
		else if (!log_covers(&d->mem, d->dlog.size, &last))
			LOG_ERR("%s: VHOST_F_LOG_ALL with a dirty log of %llu "
				"bytes, short of guest memory up to 0x%llx: "
				"marks past it are lost", d->dev.name,
				(unsigned long long)d->dlog.size,
				(unsigned long long)last);
	}
	d->features = f;
	d->net.features = f;
	d->net.frame_max = net_frame_limit(f, d->mtu);
	/* "Ring states": "upon receiving a VHOST_USER_SET_FEATURES message
	 * from the front-end without VHOST_USER_F_PROTOCOL_FEATURES set, the
	 * back-end must enable all rings immediately."  Latched: a later
	 * SET_FEATURES with the bit does not disable them again; until
	 * then (or with the bit) rings start disabled. */
	if (!(f & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
		for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
			d->q[i].enabled = true;
	LOG_TRACE(LOG_STATES, "%s: features 0x%llx%s\n", d->dev.name,
		  (unsigned long long)f,
		  (f & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES))
			  ? ""
			  : " (no protocol features: every ring enabled)");
	return queues_reattach(d);
}

static int be_set_owner(struct be_dev *d, struct vu_msg *m)
{
	(void)m;
	d->owner = true;
	return 0;
}

static int be_reset_owner(struct be_dev *d, struct vu_msg *m)
{
	(void)m;
	/* vhost-user.rst: "Used to be sent to request disabling all rings,
	 * but some back-ends interpreted it to also discard connection state
	 * (this interpretation would lead to bugs).  It is recommended that
	 * back-ends either ignore this message, or use it to disable all
	 * rings."  So it disables them, and the session (features, memory,
	 * rings' configuration) stays. */
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		d->q[i].enabled = false;
	LOG_TRACE(LOG_STATES, "%s: RESET_OWNER: every ring disabled\n",
		  d->dev.name);
	return 0;
}

static int be_set_mem_table(struct be_dev *d, struct vu_msg *m)
{
	unsigned n = m->p.mem.nregions; /* size and fd count checked */
	uint64_t last;
	int rc;

	mem_table_unmap(&d->mem_next);
	rc = mem_table_map(&d->mem_next, vu_msg_regions(m), n, m->fds,
			   d->dev.name);
	if (rc < 0)
		return rc;
	if (be_logging(d) && !log_covers(&d->mem_next, d->dlog.size, &last)) {
		/* the table in use stays; a NACK if one was asked for */
		log_short(d, "SET_MEM_TABLE", d->dlog.size, last);
		mem_table_unmap(&d->mem_next);
		return -PORT_ENOTSUP;
	}
	/* Only now drop the old table: rings may be live on it
	 * (vhost-user.rst allows a new table at any time).  What they have
	 * pushed is handed over while the old table still maps it. */
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++)
		if (d->q[i].attached)
			net_queue_flush(&d->q[i]);
	mem_table_unmap(&d->mem);
	d->mem = d->mem_next;
	memset(&d->mem_next, 0, sizeof(d->mem_next));
	for (unsigned i = 0; i < n; i++)
		LOG_TRACE(LOG_STATES, "%s: memory region %u: guest 0x%llx, "
			  "0x%llx bytes, mapped\n", d->dev.name, i,
			  (unsigned long long)d->mem.r[i].gpa,
			  (unsigned long long)d->mem.r[i].size);
	for (unsigned i = 0; i < CFG_MAX_QUEUES; i++) {
		rc = queue_attach(d, i);
		if (rc < 0)
			return rc;
	}
	/* The mappings hold the memory; the fds are closed by the caller. */
	return 0;
}

static int be_set_vring_num(struct be_dev *d, struct vu_msg *m)
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

static int be_set_vring_addr(struct be_dev *d, struct vu_msg *m)
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
static int needs_proto(struct be_dev *d, const struct vu_msg *m, unsigned bit,
		       const char *feature)
{
	if (d->proto & VU_BIT(bit))
		return 0;
	LOG_ERR("%s: %s needs protocol feature %s, not negotiated", d->dev.name,
		vu_req_name(m->hdr.request), feature);
	return -PORT_ENOTSUP;
}

static int be_set_log_base(struct be_dev *d, struct vu_msg *m)
{
	int rc = needs_proto(d, m, VU_PROTO_F_LOG_SHMFD, "LOG_SHMFD");
	struct dirty_log next = {0};
	uint64_t last;

	if (rc < 0)
		return rc;
	/* the mapping holds the log; the fd is closed by the caller */
	rc = dirty_map(&next, m->fds[0], m->p.log.size, m->p.log.offset,
		       d->dev.name);
	if (rc < 0)
		return rc;
	/* refused: the log in use (if any) stays, the connection too */
	if (!log_covers(&d->mem, m->p.log.size, &last)) {
		log_short(d, "SET_LOG_BASE", m->p.log.size, last);
		dirty_unmap(&next);
		return reply_u64(d, m, 1);
	}
	dirty_unmap(&d->dlog);
	d->dlog = next;
	rc = queues_reattach(d);
	if (rc < 0)
		return rc;
	LOG_PEER("%s: dirty log of %llu bytes shared (live migration)\n",
		 d->dev.name, (unsigned long long)m->p.log.size);
	/* vhost-user.rst "Communication": with LOG_SHMFD, a reply */
	return reply_u64(d, m, 0);
}

static int be_set_log_fd(struct be_dev *d, struct vu_msg *m)
{
	int fd;

	if (m->hdr.size > 8) {
		LOG_ERR("%s: SET_LOG_FD with a payload of %u bytes",
			d->dev.name, m->hdr.size);
		return -PORT_EPROTO;
	}
	fd = vu_msg_take_fd(m, 0);
	if (port_evt_adopt(fd) < 0) {
		LOG_ERR("%s: SET_LOG_FD: the fd is unusable", d->dev.name);
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	port_fd_close(d->log_fd);
	d->log_fd = fd;
	return 0;
}

static int be_get_inflight_fd(struct be_dev *d, struct vu_msg *m)
{
	struct vu_inflight reply;
	int rc = needs_proto(d, m, VU_PROTO_F_INFLIGHT_SHMFD, "INFLIGHT_SHMFD");
	int fd;

	if (rc < 0)
		return rc;
	rings_forget_inflight(d);
	fd = inflight_create(&d->inflight, &m->p.inflight, packed_rings(d),
			     &reply, d->dev.name);
	if (fd < 0)
		return fd;
	rc = vu_send(d->dev.fd, m->hdr.request, VU_FLAG_REPLY, &reply,
		     sizeof(reply), &fd, 1);
	port_fd_close(fd); /* the front-end has its copy, we the mapping */
	if (rc < 0) {
		LOG_ERR("%s: cannot send the reply to GET_INFLIGHT_FD: %s",
			d->dev.name, err_text(rc));
		return rc;
	}
	rc = queues_reattach(d);
	return rc < 0 ? rc : 1;
}

static int be_set_inflight_fd(struct be_dev *d, struct vu_msg *m)
{
	int rc = needs_proto(d, m, VU_PROTO_F_INFLIGHT_SHMFD, "INFLIGHT_SHMFD");

	if (rc < 0)
		return rc;
	rings_forget_inflight(d);
	rc = inflight_map(&d->inflight, m->fds[0], &m->p.inflight,
			  packed_rings(d), d->dev.name);
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
static int be_send_rarp(struct be_dev *d, struct vu_msg *m)
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
			d->dev.name, mac[0], mac[1], mac[2], mac[3], mac[4],
			mac[5]);
		return -PORT_ENOTSUP;
	}
	net_frame_flat(&fr, &one, frame,
		       pkt_rarp_announce(frame, sizeof(frame), mac));
	d->announced++;
	LOG_PEER("%s: announcing %02x:%02x:%02x:%02x:%02x:%02x (RARP, the "
		 "guest moved here)\n",
		 d->dev.name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	rc = net_send_up(&d->net, 0, &fr);
	return rc < 0 ? rc : 0;
}

/*
 * vhost-user.rst NET_SET_MTU: "Set host MTU value exposed to the guest",
 * the mtu of the device's config space (virtio 1.2 5.1.4), which QEMU
 * sends when the guest took VIRTIO_NET_F_MTU (host_mtu=).  With that
 * feature, no frame longer than the MTU's goes either way
 * (net_frame_limit).  An MTU this board cannot carry is refused, the
 * connection kept: QEMU then says the back-end does not support it.
 */
__attribute__((cold)) static int be_net_set_mtu(struct be_dev *d,
						 struct vu_msg *m)
{
	int rc = needs_proto(d, m, VU_PROTO_F_MTU, "MTU");
	uint64_t mtu = m->p.u64;

	if (rc < 0)
		return rc;
	if (mtu < NET_MTU_MIN || mtu > NET_MTU_MAX) {
		LOG_ERR("%s: NET_SET_MTU %llu refused: this board takes an MTU "
			"of %u to %u (frames of CFG_FRAME_MAX %u bytes)",
			d->dev.name, (unsigned long long)mtu, NET_MTU_MIN,
			(unsigned)NET_MTU_MAX, (unsigned)CFG_FRAME_MAX);
		return -PORT_ENOTSUP;
	}
	d->mtu = (uint32_t)mtu;
	d->net.frame_max = net_frame_limit(d->features, d->mtu);
	LOG_PEER("%s: MTU %u (NET_SET_MTU)\n", d->dev.name, d->mtu);
	return 0;
}

static int be_set_vring_base(struct be_dev *d, struct vu_msg *m)
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

static int be_get_vring_base(struct be_dev *d, struct vu_msg *m)
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
	q->failed = false; /* stopped now; the next start runs it again */
	port_fd_close(q->kick_fd);
	q->kick_fd = -1;
	q->polled = false;
	LOG_TRACE(LOG_STATES, "%s: stopped at 0x%x\n", q->name, st.num);
	rc = vu_send(d->dev.fd, m->hdr.request, VU_FLAG_REPLY, &st, sizeof(st),
		     NULL, 0);
	if (rc < 0) {
		LOG_ERR("%s: cannot send the reply to GET_VRING_BASE: %s",
			d->dev.name, err_text(rc));
		return rc;
	}
	return 1;
}

/*
 * SET_VRING_KICK, CALL and ERR: the queue, and an eventfd or the NOFD flag
 * (the fd count was checked against the flag already), which replaces
 * the queue's fd of that kind.
 */
static int be_set_vring_fd(struct be_dev *d, struct vu_msg *m)
{
	uint32_t req = m->hdr.request;
	uint64_t v = m->p.u64;
	int fd = (v & VU_VRING_NOFD) ? -1 : vu_msg_take_fd(m, 0);
	struct vu_queue *q = NULL;
	int *slot;

	if (v & ~(uint64_t)(VU_VRING_IDX_MASK | VU_VRING_NOFD))
		LOG_ERR("%s: %s payload 0x%llx has unknown bits", d->dev.name,
			vu_req_name(req), (unsigned long long)v);
	/* whatever the peer gave, it must never block us */
	else if (fd >= 0 && port_evt_adopt(fd) < 0)
		LOG_ERR("%s: %s: the fd is unusable", d->dev.name,
			vu_req_name(req));
	else
		q = queue_of(d, m, (uint32_t)(v & VU_VRING_IDX_MASK));
	if (q == NULL) {
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	slot = req == VU_SET_VRING_KICK   ? &q->kick_fd
	       : req == VU_SET_VRING_CALL ? &q->call_fd
					  : &q->err_fd;
	port_fd_close(*slot);
	*slot = fd;
	if (req != VU_SET_VRING_KICK)
		return 0;
	q->polled = fd < 0; /* vhost-user.rst: no fd, so poll the ring */
	/* "Ring states" has the ring start at its first kick; like QEMU's
	 * libvhost-user we start it here, which differs only in that a ring
	 * filled before the switch to vhost (its kick went elsewhere) is
	 * still served. */
	q->started = true;
	q->failed = false; /* a restart after a ring error (net_ring_fail) */
	LOG_TRACE(LOG_STATES, "%s: started, %s\n", q->name,
		  fd < 0 ? "polled (no kick fd)" : "on kicks");
	if (!q->attached)
		return queue_attach(d, (unsigned)(q - d->q));
	queue_wake(d, (unsigned)(q - d->q));
	return 0;
}

static int be_get_protocol_features(struct be_dev *d, struct vu_msg *m)
{
	return reply_u64(d, m, BE_PROTOCOL_FEATURES);
}

static int be_set_protocol_features(struct be_dev *d, struct vu_msg *m)
{
	uint64_t f = m->p.u64;

	if (f & ~(uint64_t)BE_PROTOCOL_FEATURES) {
		LOG_ERR("%s: SET_PROTOCOL_FEATURES 0x%llx has bits we did not "
			"offer (0x%llx)", d->dev.name, (unsigned long long)f,
			(unsigned long long)BE_PROTOCOL_FEATURES);
		return -PORT_EINVAL;
	}
	d->proto = f;
	d->proto_set = true;
	LOG_TRACE(LOG_STATES, "%s: protocol features 0x%llx\n", d->dev.name,
		  (unsigned long long)f);
	return 0;
}

/* "Query how many queues the back-end supports": for a net device the
 * front-ends count queue pairs (QEMU's net/vhost-user.c compares it with
 * queues=, DPDK's lib/vhost answers max_queue_pairs); spec-deviations D1. */
static int be_get_queue_num(struct be_dev *d, struct vu_msg *m)
{
	return reply_u64(d, m, CFG_MAX_QUEUE_PAIRS);
}

static int be_set_vring_enable(struct be_dev *d, struct vu_msg *m)
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
	LOG_TRACE(LOG_STATES, "%s: %s\n", q->name,
		  q->enabled ? "enabled" : "disabled");
	queue_wake(d, (unsigned)(q - d->q));
	return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

/* How many fds the request must carry; -1 if its payload says nothing
 * sensible about it (an error is logged). */
static int fds_expected(struct be_dev *d, const struct vu_msg *m,
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
				"region count", d->dev.name, m->hdr.size);
			return -1;
		}
		if (m->p.mem.nregions > VU_MAX_TABLE_REGIONS ||
		    m->p.mem.nregions > CFG_MAX_REGIONS) {
			LOG_ERR("%s: SET_MEM_TABLE with %u regions, at most %u",
				d->dev.name, m->p.mem.nregions,
				VU_MAX_TABLE_REGIONS < CFG_MAX_REGIONS
					? VU_MAX_TABLE_REGIONS
					: (unsigned)CFG_MAX_REGIONS);
			return -1;
		}
		if (m->hdr.size != sizeof(struct vu_memhdr) +
					   m->p.mem.nregions *
						   sizeof(struct vu_region)) {
			LOG_ERR("%s: SET_MEM_TABLE of %u regions has %u bytes, "
				"expected %u", d->dev.name, m->p.mem.nregions,
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

static int dispatch(struct be_dev *d, struct vu_msg *m)
{
	uint32_t req = m->hdr.request;
	const struct be_req *e = req < VU_REQ_MAX ? &be_table[req] : NULL;
	int want;

	if (m->hdr.flags & VU_FLAG_REPLY) {
		LOG_ERR("%s: %s (%u) has the reply flag set", d->dev.name,
			vu_req_name(req), req);
		return -PORT_EPROTO;
	}
	if (e == NULL || e->fn == NULL) {
		/* Not a violation: we say no and carry on. */
		LOG_ERR("%s: %s (%u) is not supported", d->dev.name,
			vu_req_name(req), req);
		return -PORT_ENOTSUP;
	}
	if (e->size != VU_SZ_VAR && m->hdr.size != (uint32_t)e->size) {
		LOG_ERR("%s: %s with a payload of %u bytes, expected %d",
			d->dev.name, vu_req_name(req), m->hdr.size, e->size);
		return -PORT_EPROTO;
	}
	want = fds_expected(d, m, e);
	if (want < 0)
		return -PORT_EPROTO;
	if (m->nfds != (unsigned)want) {
		LOG_ERR("%s: %s came with %u fds, expected %d", d->dev.name,
			vu_req_name(req), m->nfds, want);
		return -PORT_EPROTO;
	}
	return e->fn(d, m);
}

int be_dispatch(struct be_dev *d, struct vu_msg *m)
{
	bool ack = (d->proto & VU_BIT(VU_PROTO_F_REPLY_ACK)) &&
		   (m->hdr.flags & VU_FLAG_NEED_REPLY);
	int rc;

	trace_msg(d->dev.name, m);
	rc = dispatch(d, m);
	/* Every fd not taken by the handler is closed, on every path
	 * (CVE-2019-14818, CVE-2022-0669). */
	vu_msg_close_fds(m);
	/* vhost-user.rst "REPLY_ACK": 0 for success, non-zero for failure,
	 * unless the request has a reply of its own (rc == 1). */
	if (ack && rc != 1) {
		uint64_t status = rc < 0 ? 1 : 0;
		int s = vu_send(d->dev.fd, m->hdr.request, VU_FLAG_REPLY,
				&status, sizeof(status), NULL, 0);
		if (s < 0 && rc >= 0)
			rc = s;
	}
	if (rc == -PORT_ENOTSUP)
		return 0;
	return rc < 0 ? rc : 0;
}


/* ---- the role (dev.h struct dev_role) ------------------------------------ */

int be_open(struct be_dev *be, unsigned index, const struct dev_opts *o)
{
	memset(be, 0, sizeof(*be));
	dev_init(&be->dev, index, o, &be_role);
	be->offered = BE_FEATURES;
	be->log_fd = -1;
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++)
		be_queue_init(be, q);
	net_dev_init(&be->net, be->q, &be->mem);
	return dev_start(&be->dev);
}

static void be_release(struct vu_dev *dev)
{
	be_reset(be_of(dev));
}

static int be_message(struct vu_dev *dev, struct vu_msg *m, uint64_t now)
{
	(void)now;
	return be_dispatch(be_of(dev), m);
}

static bool be_disconnected(struct vu_dev *dev, const char *why)
{
	be_reset(be_of(dev));
	/* (dev.c: a device whose one connection was handed to it with
	 * --fd is done) */
	LOG_PEER("%s: front-end gone (%s); %s %s\n", dev->name, why,
		 dev->o.listen      ? "listening again on"
		 : dev->o.inherited ? "the device is done: its connection was"
				    : "reconnecting to",
		 dev->o.path);
	return true;
}

static void be_print_stats(const struct vu_dev *dev)
{
	const struct be_dev *d = (const struct be_dev *)(const void *)dev;

	LOG_OUT("%s: connections %llu, dropped for bad input %llu, "
		 "announced %llu\n",
		 dev->name, (unsigned long long)dev->connections,
		 (unsigned long long)dev->violations,
		 (unsigned long long)d->announced);
}

const struct dev_role be_role = {
	.name = "back-end",
	.peer = "a front-end on",
	.ring_fail = "unusable kick fd",
	.release = be_release,
	.message = be_message,
	.watch = be_watch,
	.ring = be_kick,
	.tick = be_tick,
	.disconnected = be_disconnected,
	.stats = be_stats,
	.print_stats = be_print_stats,
};
