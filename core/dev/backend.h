/*
 * backend.h - the back-end role: vhost-user requests in, ring state out.
 */
#ifndef CORE_BACKEND_H
#define CORE_BACKEND_H

#include <stdbool.h>

#include "core/dev/dev.h"

/* Virtio and protocol features this back-end offers. */
#define BE_FEATURES                                                       \
	(VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VIRTIO_NET_F_MRG_RXBUF) |      \
	 VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES) |                           \
	 VU_BIT(VIRTIO_F_RING_PACKED) | VU_BIT(VIRTIO_RING_F_INDIRECT_DESC) | \
	 VU_BIT(VIRTIO_NET_F_CSUM) | VU_BIT(VHOST_F_LOG_ALL))
#define BE_PROTOCOL_FEATURES                                  \
	(VU_BIT(VU_PROTO_F_MQ) | VU_BIT(VU_PROTO_F_REPLY_ACK) | \
	 VU_BIT(VU_PROTO_F_LOG_SHMFD) | VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD) | \
	 VU_BIT(VU_PROTO_F_RARP))

/* The back-end role, for dev_open. */
extern const struct dev_role be_role;

/*
 * Handle one complete request.  Every fd the message carried is kept or
 * closed before this returns.  A negative return means the peer broke the
 * protocol (already logged): drop the connection.
 */
int be_dispatch(struct vu_dev *d, struct vu_msg *m);

/* The state of a fresh connection: no features, no memory, no rings. */
void be_reset(struct vu_dev *d);

/* A ring may be processed (vhost-user.rst "Ring states"). */
static inline bool be_ring_ready(const struct vu_queue *q)
{
	return q->started && q->attached;
}

/* A ring is enabled: by SET_VRING_ENABLE, or from the start when
 * VHOST_USER_F_PROTOCOL_FEATURES was not negotiated. */
static inline bool be_ring_enabled(const struct vu_dev *d,
				   const struct vu_queue *q)
{
	return q->enabled ||
	       !(d->features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
}

/* Work for a queue whose kick fired or whose poll interval passed. */
int be_queue_work(struct vu_dev *d, unsigned q);

#endif /* CORE_BACKEND_H */
