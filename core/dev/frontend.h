/*
 * frontend.h - the front-end role: a VMM and a guest driver in one, to
 * drive any vhost-user back-end with no VM at all.
 *
 * It builds its own shared memory (one memfd region), walks the back-end
 * through the handshake, then sends --frames test frames on TX and checks
 * each one that comes back on RX, byte for byte.
 */
#ifndef CORE_FRONTEND_H
#define CORE_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/dev/dev.h"
#include "core/net/net.h"
#include "core/net/respond.h"
#include "core/virtq/vqd.h"

/* What the command line asked of a front-end. */
struct fe_opts {
	uint32_t frames;
	uint32_t size;
	bool expect_none;
	bool no_proto; /* negotiate no protocol features (as vapp did) */
	bool no_kick;  /* give no kick fds (NOFD): the back-end polls */
	bool packed;   /* packed rings (VIRTIO_F_RING_PACKED) */
	bool indirect; /* TX frames as indirect tables */
	uint32_t pairs; /* queue pairs (--queues; VIRTIO_NET_F_MQ if > 1) */
	/* VIRTIO_RING_F_EVENT_IDX: FE_IF_OFFERED, or forced on or off */
	enum { FE_IF_OFFERED, FE_ON, FE_OFF } event_idx;
	uint32_t mtu; /* --mtu: VIRTIO_NET_F_MTU and NET_SET_MTU; 0: none */
	/* a small host (--respond) that answers ARP and ping for resp, and
	 * may --ping a peer: ARP, then --frames echo requests */
	bool host;
	struct respond_cfg resp;
	bool ping;
	uint8_t ping_ip[4];
	uint32_t serve_secs; /* keep answering after the run */
	uint32_t timeout_secs; /* the longest wait for anything (--timeout) */
};

/* One of its queues (2n RX and 2n+1 TX of pair n), as it configures the
 * back-end's. */
struct fe_queue {
	struct vu_addr addr; /* SET_VRING_ADDR it sends */
	int kick_fd;
	int call_fd;
	struct q_stats st;
};

/* A queue pair: its two rings, its TX slots, and its frames (a pair's
 * frames come back on it, in order). */
struct fe_pair {
	struct vqd rxq, txq;
	uint16_t tx_free[CFG_FE_QUEUE_SIZE / 2]; /* stack of free TX slots */
	uint32_t n_tx_free;
	bool tx_out[CFG_FE_QUEUE_SIZE / 2]; /* TX slot offered, not back */
	uint32_t sent;     /* frames put on TX */
	uint32_t tx_done;  /* TX chains returned */
	uint32_t received; /* frames back intact (or replies, --ping) */
	uint32_t bad;      /* frames back, but wrong */
	bool tx_added;     /* frames queued since the last kick */
};

/* The front-end's progress (frontend.c). */
struct fe_state {
	unsigned step;     /* next handshake step */
	bool waiting;      /* for the reply to step - 1 */
	uint32_t wait_req; /* request the reply must answer */
	bool running;      /* handshake done: frames flow */
	bool stopping;     /* frames done: stopping the rings */
	int memfd;
	void *mem;
	uint64_t mem_size;
	uint64_t offered;       /* GET_FEATURES */
	uint64_t proto_offered; /* GET_PROTOCOL_FEATURES */
	uint64_t queues;        /* GET_QUEUE_NUM: queue pairs */
	struct fe_pair pair[CFG_MAX_QUEUE_PAIRS];
	uint32_t buf_size;  /* bytes of one buffer (header + frame) */
	uint64_t pair_bytes; /* bytes of one pair's buffers and tables */
	/* all pairs together */
	uint32_t sent;      /* frames put on TX */
	uint32_t tx_done;   /* TX chains returned */
	uint32_t received;  /* frames back on RX, intact and in order */
	uint32_t bad;       /* frames back, but wrong */
	/* --ping */
	uint8_t peer_mac[6];
	bool have_peer;     /* ARP answered */
	uint32_t arp_sent;
	uint64_t arp_at;    /* next ARP (retry) */
	uint32_t pings;     /* echo requests sent */
	uint32_t answered;  /* requests to us we answered */
	uint32_t ignored;   /* other frames */
	uint64_t serve_end; /* --serve: answer until then */
	uint64_t deadline;   /* give up waiting at this time */
	uint64_t grace_end;  /* --expect-none: quiet period end */
};

struct fe_mode;

/* A front-end: the connection, its options, queues and progress. */
struct fe_dev {
	struct vu_dev dev;
	struct fe_opts o;
	const struct fe_mode *mode; /* its traffic (fe_priv.h) */
	uint64_t features; /* negotiated virtio features */
	uint64_t proto;    /* negotiated protocol features */
	struct fe_queue q[CFG_MAX_QUEUES];
	struct fe_state fe;
};

/* The front-end role (dev.h struct dev_role). */
extern const struct dev_role fe_role;

/* Do options o fit the board (frame size, shared memory, time-out)?  0,
 * or negative after a line that begins with who and says what is wrong.
 * The command line asks before anything starts; fe_open asks again. */
int fe_opts_check(const struct fe_opts *o, const char *who);

/* Set f up as device `index`: its shared memory, then its socket
 * (dev_start).  Negative (logged) if the options do not fit the memory. */
int fe_open(struct fe_dev *f, unsigned index, const struct dev_opts *o,
	    const struct fe_opts *fo);

#endif /* CORE_FRONTEND_H */
