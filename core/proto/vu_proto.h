/*
 * vu_proto.h - the vhost-user wire format (QEMU docs/interop/vhost-user.rst).
 *
 * Messages are in the host byte order ("Message Specification"): a 12-byte
 * header, then `size` bytes of payload.  Fixed-width fields only; no enums
 * on the wire.
 */
#ifndef CORE_VU_PROTO_H
#define CORE_VU_PROTO_H

#include <stdint.h>

#include "core/config.h"

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* payload bytes that follow */
};

#define VU_HDR_SIZE 12u

/* Header flags (vhost-user.rst "Header"). */
#define VU_FLAG_VERSION_MASK 0x3u
#define VU_VERSION 0x1u
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)

/* "A vring state description" */
struct vu_state {
	uint32_t index;
	uint32_t num;
};

/* "A vring address description"; the addresses are the front-end's user
 * addresses (translated through the region table's userspace_addr), the
 * log address is guest-physical. */
struct vu_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

#define VU_VRING_F_LOG 0x1u

/* "Memory region description" */
struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

/* "Multiple Memory regions description": a count, padding, then regions. */
struct vu_memhdr {
	uint32_t nregions;
	uint32_t padding;
};

/* "Log description" (SET_LOG_BASE with LOG_SHMFD) */
struct vu_log {
	uint64_t size;
	uint64_t offset;
};

/* "Inflight description" (GET/SET_INFLIGHT_FD; QEMU and DPDK send it
 * padded to 24 bytes) */
struct vu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t padding;
};

/* SET_VRING_KICK / CALL / ERR payload: bits 0-7 the queue index, bit 8 the
 * "no fd" flag (the ring is polled, or calls are not wanted). */
#define VU_VRING_IDX_MASK 0xffu
#define VU_VRING_NOFD (1u << 8)

/* The baseline table holds 8 regions; more only with CONFIGURE_MEM_SLOTS. */
#define VU_MAX_TABLE_REGIONS 8u

/* ---- feature bits ------------------------------------------------------ */

/* virtio 1.2 5.1.3 and 6 */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_GUEST_ANNOUNCE 21
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_RING_PACKED 34
/* vhost-user.rst "Migration": the back-end logs its writes */
#define VHOST_F_LOG_ALL 26
/* vhost-user.rst: "VHOST_USER_F_PROTOCOL_FEATURES" */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

/* vhost-user.rst "Protocol features" */
#define VU_PROTO_F_MQ 0
#define VU_PROTO_F_LOG_SHMFD 1
#define VU_PROTO_F_RARP 2
#define VU_PROTO_F_REPLY_ACK 3
#define VU_PROTO_F_MTU 4
#define VU_PROTO_F_BACKEND_REQ 5
#define VU_PROTO_F_CROSS_ENDIAN 6
#define VU_PROTO_F_CONFIG 9
#define VU_PROTO_F_INFLIGHT_SHMFD 12
#define VU_PROTO_F_RESET_DEVICE 13
#define VU_PROTO_F_INBAND_NOTIFICATIONS 14
#define VU_PROTO_F_CONFIGURE_MEM_SLOTS 15
#define VU_PROTO_F_STATUS 16

#define VU_BIT(n) (1ull << (n))

/* ---- requests ------------------------------------------------------------ */

/* Payload size rules.  A number is an exact size; VU_SZ_VAR means the
 * handler checks it (after the framing has checked it fits the buffer). */
#define VU_SZ_VAR (-1)
#define VU_SZ_U64 8
#define VU_SZ_STATE ((int)sizeof(struct vu_state))
#define VU_SZ_ADDR ((int)sizeof(struct vu_addr))
#define VU_SZ_LOG ((int)sizeof(struct vu_log))
#define VU_SZ_INFLIGHT ((int)sizeof(struct vu_inflight))

/* Fd rules, checked before any handler runs. */
enum vu_fd_rule {
	VU_FD_NONE,    /* no fd may come */
	VU_FD_VRING,   /* one fd, none if the payload has VU_VRING_NOFD */
	VU_FD_REGIONS, /* one per region of the table */
	VU_FD_ONE,     /* exactly one */
	VU_FD_ANY,     /* not interpreted: all closed (unsupported requests) */
};

/*
 * Every front-end request, once: X(number, NAME, payload size, fd rule,
 * back-end handler).  A handler of 0 means the back-end does not implement
 * the request (it is refused cleanly).  The table in backend.c, the names in
 * the trace and the front-end's messages all expand this one list.
 */
#define VU_REQUESTS(X)                                                        \
	X(1, GET_FEATURES, 0, VU_FD_NONE, be_get_features)                    \
	X(2, SET_FEATURES, VU_SZ_U64, VU_FD_NONE, be_set_features)            \
	X(3, SET_OWNER, 0, VU_FD_NONE, be_set_owner)                          \
	X(4, RESET_OWNER, 0, VU_FD_NONE, be_reset_owner)                      \
	X(5, SET_MEM_TABLE, VU_SZ_VAR, VU_FD_REGIONS, be_set_mem_table)       \
	X(6, SET_LOG_BASE, VU_SZ_LOG, VU_FD_ONE, be_set_log_base)             \
	X(7, SET_LOG_FD, VU_SZ_VAR, VU_FD_ONE, be_set_log_fd)                 \
	X(8, SET_VRING_NUM, VU_SZ_STATE, VU_FD_NONE, be_set_vring_num)        \
	X(9, SET_VRING_ADDR, VU_SZ_ADDR, VU_FD_NONE, be_set_vring_addr)       \
	X(10, SET_VRING_BASE, VU_SZ_STATE, VU_FD_NONE, be_set_vring_base)     \
	X(11, GET_VRING_BASE, VU_SZ_STATE, VU_FD_NONE, be_get_vring_base)     \
	X(12, SET_VRING_KICK, VU_SZ_U64, VU_FD_VRING, be_set_vring_fd)        \
	X(13, SET_VRING_CALL, VU_SZ_U64, VU_FD_VRING, be_set_vring_fd)        \
	X(14, SET_VRING_ERR, VU_SZ_U64, VU_FD_VRING, be_set_vring_fd)         \
	X(15, GET_PROTOCOL_FEATURES, 0, VU_FD_NONE, be_get_protocol_features) \
	X(16, SET_PROTOCOL_FEATURES, VU_SZ_U64, VU_FD_NONE,                   \
	  be_set_protocol_features)                                           \
	X(17, GET_QUEUE_NUM, 0, VU_FD_NONE, be_get_queue_num)                 \
	X(18, SET_VRING_ENABLE, VU_SZ_STATE, VU_FD_NONE, be_set_vring_enable) \
	X(19, SEND_RARP, VU_SZ_U64, VU_FD_NONE, be_send_rarp)                 \
	X(20, NET_SET_MTU, VU_SZ_U64, VU_FD_NONE, be_net_set_mtu)             \
	X(21, SET_BACKEND_REQ_FD, VU_SZ_VAR, VU_FD_ANY, 0)                    \
	X(22, IOTLB_MSG, VU_SZ_VAR, VU_FD_ANY, 0)                             \
	X(23, SET_VRING_ENDIAN, VU_SZ_VAR, VU_FD_ANY, 0)                      \
	X(24, GET_CONFIG, VU_SZ_VAR, VU_FD_ANY, 0)                            \
	X(25, SET_CONFIG, VU_SZ_VAR, VU_FD_ANY, 0)                            \
	X(26, CREATE_CRYPTO_SESSION, VU_SZ_VAR, VU_FD_ANY, 0)                 \
	X(27, CLOSE_CRYPTO_SESSION, VU_SZ_VAR, VU_FD_ANY, 0)                  \
	X(28, POSTCOPY_ADVISE, VU_SZ_VAR, VU_FD_ANY, 0)                       \
	X(29, POSTCOPY_LISTEN, VU_SZ_VAR, VU_FD_ANY, 0)                       \
	X(30, POSTCOPY_END, VU_SZ_VAR, VU_FD_ANY, 0)                          \
	X(31, GET_INFLIGHT_FD, VU_SZ_INFLIGHT, VU_FD_NONE, be_get_inflight_fd) \
	X(32, SET_INFLIGHT_FD, VU_SZ_INFLIGHT, VU_FD_ONE, be_set_inflight_fd) \
	X(33, GPU_SET_SOCKET, VU_SZ_VAR, VU_FD_ANY, 0)                        \
	X(34, RESET_DEVICE, VU_SZ_VAR, VU_FD_ANY, 0)                          \
	X(35, VRING_KICK, VU_SZ_VAR, VU_FD_ANY, 0)                            \
	X(36, GET_MAX_MEM_SLOTS, VU_SZ_VAR, VU_FD_ANY, 0)                      \
	X(37, ADD_MEM_REG, VU_SZ_VAR, VU_FD_ANY, 0)                           \
	X(38, REM_MEM_REG, VU_SZ_VAR, VU_FD_ANY, 0)                           \
	X(39, SET_STATUS, VU_SZ_VAR, VU_FD_ANY, 0)                            \
	X(40, GET_STATUS, VU_SZ_VAR, VU_FD_ANY, 0)                            \
	X(41, GET_SHARED_OBJECT, VU_SZ_VAR, VU_FD_ANY, 0)                     \
	X(42, SET_DEVICE_STATE_FD, VU_SZ_VAR, VU_FD_ANY, 0)                   \
	X(43, CHECK_DEVICE_STATE, VU_SZ_VAR, VU_FD_ANY, 0)

enum vu_request {
#define VU_REQ_ENUM(n, name, sz, fd, h) VU_##name = n,
	VU_REQUESTS(VU_REQ_ENUM)
#undef VU_REQ_ENUM
	VU_REQ_MAX
};

/* "VHOST_USER_GET_FEATURES" etc.; "UNKNOWN" outside the list. */
const char *vu_req_name(uint32_t request);

#endif /* CORE_VU_PROTO_H */
