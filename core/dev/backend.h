/*
 * backend.h - the back-end role: vhost-user requests in, ring state out.
 */
#ifndef CORE_BACKEND_H
#define CORE_BACKEND_H

#include <stdbool.h>

#include "core/dev/dev.h"
#include "core/mem/dirty.h"
#include "core/mem/mem.h"
#include "core/net/net.h"
#include "core/virtq/inflight.h"

/* VIRTIO_NET_F_MQ (virtio 1.2 5.1.3) on a board with more than one queue
 * pair: the VMM's config space then says how many the device has (QEMU:
 * queues=, checked against GET_QUEUE_NUM). */
#if CFG_MAX_QUEUE_PAIRS > 1
#define BE_FEATURE_MQ_(X) X(VIRTIO_NET_F_MQ, "MQ")
#else
#define BE_FEATURE_MQ_(X)
#endif
/* Virtio and protocol features this back-end offers, each once with its
 * name in the specs (virtio 1.2 5.1.3 and 6, vhost-user.rst "Protocol
 * features"): the masks below and --version's list come from here.
 * GUEST_ANNOUNCE asks nothing of the back-end: the VMM keeps the control
 * queue and the config space, and after a migration has the guest announce
 * itself (virtio 1.2 5.1.6.5.4) instead of sending us SEND_RARP (QEMU's
 * vhost_user_migration_done skips it when the guest took the bit). */
#define BE_FEATURE_LIST(X)                                       \
	X(VIRTIO_NET_F_CSUM, "CSUM")                             \
	X(VIRTIO_NET_F_MTU, "MTU")                               \
	X(VIRTIO_NET_F_MRG_RXBUF, "MRG_RXBUF")                   \
	BE_FEATURE_MQ_(X)                                        \
	X(VIRTIO_NET_F_GUEST_ANNOUNCE, "GUEST_ANNOUNCE")         \
	X(VHOST_F_LOG_ALL, "LOG_ALL")                            \
	X(VIRTIO_RING_F_INDIRECT_DESC, "INDIRECT_DESC")          \
	X(VIRTIO_RING_F_EVENT_IDX, "EVENT_IDX")                  \
	X(VHOST_USER_F_PROTOCOL_FEATURES, "PROTOCOL_FEATURES")   \
	X(VIRTIO_F_VERSION_1, "VERSION_1")                       \
	X(VIRTIO_F_RING_PACKED, "RING_PACKED")
#define BE_PROTOCOL_FEATURE_LIST(X)                              \
	X(VU_PROTO_F_MQ, "MQ")                                   \
	X(VU_PROTO_F_LOG_SHMFD, "LOG_SHMFD")                     \
	X(VU_PROTO_F_RARP, "RARP")                               \
	X(VU_PROTO_F_REPLY_ACK, "REPLY_ACK")                     \
	X(VU_PROTO_F_MTU, "MTU")                                 \
	X(VU_PROTO_F_INFLIGHT_SHMFD, "INFLIGHT_SHMFD")
#define BE_FEATURE_BIT_(bit, name) | VU_BIT(bit)
/* " NAME" for each: one string literal, made by the preprocessor */
#define BE_FEATURE_NAME_(bit, name) " " name
#define BE_FEATURES (0 BE_FEATURE_LIST(BE_FEATURE_BIT_))
#define BE_PROTOCOL_FEATURES (0 BE_PROTOCOL_FEATURE_LIST(BE_FEATURE_BIT_))
/* Offloads a back-end whose frames go to a tap with a virtio-net header
 * offers besides (be_offer_offloads): the tap takes partial checksums and
 * TCP segments of 64 KiB from the guest, and hands it the same. */
#define BE_OFFLOAD_FEATURES                                                 \
	(VU_BIT(VIRTIO_NET_F_GUEST_CSUM) | VU_BIT(VIRTIO_NET_F_GUEST_TSO4) |  \
	 VU_BIT(VIRTIO_NET_F_GUEST_TSO6) | VU_BIT(VIRTIO_NET_F_GUEST_ECN) |   \
	 VU_BIT(VIRTIO_NET_F_HOST_TSO4) | VU_BIT(VIRTIO_NET_F_HOST_TSO6) |    \
	 VU_BIT(VIRTIO_NET_F_HOST_ECN))

/* A back-end: the connection, and the state the protocol builds on it. */
struct be_dev {
	struct vu_dev dev;
	uint64_t offered;        /* BE_FEATURES, and what be_offer_offloads adds */
	uint64_t features;       /* negotiated virtio features */
	uint64_t proto;          /* negotiated protocol features */
	bool proto_set;          /* SET_PROTOCOL_FEATURES seen */
	bool owner;
	struct mem_table mem;
	struct mem_table mem_next; /* a new table, mapped before the swap */
	struct dirty_log dlog;     /* SET_LOG_BASE */
	int log_fd;                /* SET_LOG_FD, -1 if none */
	struct inflight inflight;  /* GET/SET_INFLIGHT_FD */
	struct vu_queue q[CFG_MAX_QUEUES];
	struct net_dev net;        /* the data path over q[] */
	unsigned next_pair;        /* be_tick serves this pair first */
	uint64_t announced;        /* SEND_RARP announcements sent */
	uint32_t mtu;              /* NET_SET_MTU; 0: none given */
};

/* The back-end whose connection d is (d is its first member). */
static inline struct be_dev *be_of(struct vu_dev *d)
{
	return (struct be_dev *)(void *)d;
}

/* The back-end role (dev.h struct dev_role). */
extern const struct dev_role be_role;

/* Set be up as device `index` (dev_init, dev_start), its frames going
 * nowhere until net_dev_sink(&be->net, ...). */
int be_open(struct be_dev *be, unsigned index, const struct dev_opts *o);

/* Frames this back-end's guest sends go to a sink that takes offloads as
 * they are, and frames it receives may carry them: offer
 * BE_OFFLOAD_FEATURES too (before a front-end connects). */
static inline void be_offer_offloads(struct be_dev *be)
{
	be->offered |= BE_OFFLOAD_FEATURES;
	be->net.pass_offloads = true;
}

/*
 * Handle one complete request.  Every fd the message carried is kept or
 * closed before this returns.  A negative return means the peer broke the
 * protocol (already logged): drop the connection.
 */
int be_dispatch(struct be_dev *d, struct vu_msg *m);

/* The state of a fresh connection: no features, no memory, no rings. */
void be_reset(struct be_dev *d);

/* Work for a queue whose kick fired or whose poll interval passed. */
int be_queue_work(struct be_dev *d, unsigned q);

/* After port_mem_faults moved: if one of d's mappings faulted (its file
 * was shrunk by the front-end), drop the connection. */
void be_memory_check(struct be_dev *d);

/* Publish the RX rings frames were delivered to from elsewhere (another
 * device, a link), and tell the front-end of new log marks. */
void be_flush(struct be_dev *d);

#endif /* CORE_BACKEND_H */
