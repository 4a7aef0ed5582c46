/*
 * dev.h - one vhost-user device: a socket, its connection, and the state
 * the protocol builds on it.
 *
 * The caller owns every struct vu_dev (app.c keeps a static table of
 * CFG_MAX_DEVICES); nothing is allocated.  A device is a back-end (it
 * serves the queues a front-end hands it) or a front-end (it plays the
 * VMM and the guest driver to exercise a back-end).  Either may listen on
 * its socket or connect to it.
 */
#ifndef CORE_DEV_H
#define CORE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/mem/dirty.h"
#include "core/virtq/inflight.h"
#include "core/log.h"
#include "core/mem/mem.h"
#include "core/net/respond.h"
#include "core/virtq/vring.h"
#include "core/proto/vu_msg.h"
#include "port/port.h"

enum dev_kind {
	DEV_BACKEND,
	DEV_FRONTEND,
};

/* What a back-end does with the frames the guest transmits. */
enum dev_action {
	ACT_ECHO,    /* back on the guest's RX queue of the same pair */
	ACT_DUMP,    /* hex dump, then drop */
	ACT_SINK,    /* count, then drop */
	ACT_RESPOND, /* answer ARP and ping for our address, drop the rest */
	ACT_LINK,    /* to and from a tap or AF_PACKET interface */
	ACT_SWITCH,  /* into the learning switch */
	ACT_GENERATE, /* sink, and fill the guest's RX with --size frames */
};

struct q_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t kicks;
	uint64_t calls;
	uint64_t drop_bad;      /* chain too short for the header, or runt */
	uint64_t drop_oversize; /* frame or chain larger than we handle */
	uint64_t drop_norx;     /* no room on the RX queue */
	uint64_t drop_disabled; /* ring disabled (vhost-user.rst "Ring states") */
};

/* One virtqueue as the vhost-user messages configure it. */
struct vu_queue {
	struct vq ring;
	char name[20]; /* "dev0 q1", for error lines */
	uint32_t num;  /* SET_VRING_NUM; 0 until set */
	uint32_t base; /* SET_VRING_BASE, or where the ring stopped */
	bool base_set;
	bool addr_set;
	struct vu_addr addr; /* SET_VRING_ADDR, as received */
	int kick_fd;
	int call_fd;
	int err_fd;
	bool polled;   /* kick came with the NOFD flag: poll the ring */
	bool started;  /* kick set, until GET_VRING_BASE stops it */
	bool enabled;  /* SET_VRING_ENABLE (or no protocol features) */
	bool attached; /* ring memory translated into `ring` */
	bool busy;     /* a batch ended with chains left: come back soon */
	bool dirty;    /* RX: frames delivered, used ring not yet published */
	struct inflight_q iq; /* inflight tracking (vring.h vq->inflight) */
	struct q_stats st;
};

/* What the command line asked of one device. */
struct dev_opts {
	const char *path;
	enum dev_kind role;
	bool listen; /* else connect (and retry) */
	enum dev_action action;
	bool verbose;
	/* front-end role */
	uint32_t frames;
	uint32_t size;
	bool expect_none;
	bool no_proto; /* negotiate no protocol features (as vapp did) */
	bool no_kick;  /* give no kick fds (NOFD): the back-end polls */
	bool packed;   /* packed rings (VIRTIO_F_RING_PACKED) */
	bool indirect; /* TX frames as indirect tables */
	/* --respond: the address we answer for (back-end ACT_RESPOND, or a
	 * front-end that answers ARP and ping itself) */
	bool respond;
	struct respond_cfg resp;
	int link; /* ACT_LINK: index in the link table */
	/* front-end: a small host (--respond) that may --ping a peer: ARP,
	 * then --frames echo requests */
	bool host;
	bool ping;
	uint8_t ping_ip[4];
	uint32_t serve_secs; /* front-end: keep answering after the run */
	bool size_set;       /* --size given (else a default per mode) */
	bool fe_listen;      /* --listen (front-end only) */
};

/* The front-end role's progress (frontend.c). */
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
	uint64_t queues;        /* GET_QUEUE_NUM */
	struct vqd rxq, txq;
	uint32_t buf_size;  /* bytes of one buffer (header + frame) */
	uint32_t sent;      /* frames put on TX */
	uint32_t tx_done;   /* TX chains returned */
	uint32_t received;  /* frames back on RX, intact and in order */
	uint32_t bad;       /* frames back, but wrong */
	uint16_t tx_free[CFG_FE_QUEUE_SIZE]; /* stack of free TX slots */
	uint32_t n_tx_free;
	/* --ping */
	uint8_t peer_mac[6];
	bool have_peer;     /* ARP answered */
	uint32_t arp_sent;
	uint64_t arp_at;    /* next ARP (retry) */
	uint32_t pings;     /* echo requests sent */
	uint32_t answered;  /* requests to us we answered */
	uint32_t ignored;   /* other frames */
	uint64_t serve_end; /* --serve: answer until then */
	bool tx_added;      /* frames queued since the last kick */
	uint64_t deadline;   /* give up waiting at this time */
	uint64_t grace_end;  /* --expect-none: quiet period end */
};

struct fwd;
struct dev_role;

struct vu_dev {
	char name[8]; /* "dev0" */
	unsigned index;  /* in the device table (and switch port number) */
	const struct dev_role *role; /* what it does with its connection */
	struct fwd *fwd; /* the forwarding plane it belongs to */
	struct dev_opts o;
	int lfd;           /* listening socket, or -1 */
	int fd;            /* the connection, or -1 */
	uint64_t retry_at; /* connect mode: next attempt (ns), 0 = none */
	unsigned gen;      /* bumped by every disconnect */
	bool broken;       /* sticky: tear the connection down */
	bool said_waiting; /* connect mode: "waiting for" logged */
	bool finished;     /* front-end: done, see exit_code */
	int exit_code;
	struct vu_rx rx;
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
	/* scratch for the data path: one TX chain, the first RX chain of a
	 * frame (its header gets num_buffers last), the others */
	struct vq_chain tx_chain, rx_first, rx_more;
	struct fe_state fe;
	uint64_t connections;
	uint64_t violations;
	uint64_t announced; /* SEND_RARP announcements sent */
	struct log_limit loglim; /* the lines its peer can cause (log.h) */
};

/* ---- the loop's view of a device (dev.c) ------------------------------ */

/* What a watched fd is to its device. */
enum watch_kind {
	W_LISTEN,
	W_CONN,
	W_RING, /* a queue's fd: the back-end's kick, the front-end's call */
	W_LINK, /* a tap or packet interface (dev is NULL, q its index) */
};

struct watch {
	struct vu_dev *dev;
	unsigned gen;
	uint8_t kind;
	uint8_t q;
};

/* The poll set being built for one round of the loop (dev_watch). */
struct dev_pollset {
	struct port_pollfd *pfd;
	struct watch *w;
	unsigned n, max;
	uint64_t *deadline; /* lowered to the nearest timed event */
};

/* Watch fd (if >= 0 and there is room) as `kind` of queue q of d. */
void dev_watch_fd(struct dev_pollset *ps, struct vu_dev *d, int fd,
		  uint8_t kind, uint8_t q);

/* Lower the round's deadline to t. */
static inline void dev_watch_until(struct dev_pollset *ps, uint64_t t)
{
	if (t < *ps->deadline)
		*ps->deadline = t;
}

/*
 * A role: what a device does with its connection, behind one table of
 * operations (as libvhost-user's VuDevIface or BearSSL's *_class).  dev.c
 * runs the connection's life cycle and calls these; it knows no role.
 * Hooks that may be NULL say so.
 */
struct dev_role {
	const char *name;      /* "back-end": the "listening" line */
	const char *peer;      /* "a front-end on": the "connected" line */
	const char *ring_fail; /* why the connection drops when ring() fails */
	/* dev_open, after the connection's fields: the role's own state.
	 * Negative (logged) if the device cannot be made. */
	int (*open)(struct vu_dev *d);
	/* dev_close (and a failed dev_open): every fd and mapping it holds */
	void (*release)(struct vu_dev *d);
	/* a connection came up; negative breaks it (may be NULL) */
	int (*connected)(struct vu_dev *d, uint64_t now);
	/* one whole message from the peer; negative breaks the connection */
	int (*message)(struct vu_dev *d, struct vu_msg *m, uint64_t now);
	/* the role's fds and deadlines for this round (also while no
	 * connection is up) */
	void (*watch)(struct vu_dev *d, struct dev_pollset *ps, uint64_t now);
	/* a W_RING fd of queue q is ready */
	int (*ring)(struct vu_dev *d, unsigned q, uint16_t revents,
		    uint64_t now);
	/* timed work (also while no connection is up) */
	int (*tick)(struct vu_dev *d, uint64_t now);
	/* the connection is gone: forget its state, say so; true to get
	 * the next one (listen again, or reconnect) */
	bool (*disconnected)(struct vu_dev *d, const char *why);
	/* one of its mappings faulted (port_mem_faulted); may be NULL */
	bool (*faulted)(const struct vu_dev *d);
	/* the role's line of counters after the queues' (dev_print_stats) */
	void (*print_stats)(const struct vu_dev *d);
};

/* Set the device up as `role`: its socket, listening or first connect
 * attempt. */
int dev_open(struct vu_dev *d, unsigned index, const struct dev_opts *o,
	     const struct dev_role *role);

/* Close everything: connection, mappings, fds, socket file. */
void dev_close(struct vu_dev *d);

/* Add the device's fds to the poll set (at most max entries) and lower
 * *deadline to the device's next timed event.  Returns entries added. */
unsigned dev_watch(struct vu_dev *d, struct port_pollfd *pfd,
		   struct watch *w, unsigned max, uint64_t *deadline,
		   uint64_t now);

/* An fd of the device is ready. */
void dev_event(const struct watch *w, uint16_t revents, uint64_t now);

/* Timed work: reconnects, polled rings, batches left over, time-outs. */
void dev_tick(struct vu_dev *d, uint64_t now);

/* Drop the connection (after bad input, or when the peer left) and get
 * ready for the next one. */
void dev_disconnect(struct vu_dev *d, const char *why);

/* After port_mem_faults moved: if one of the device's mappings faulted
 * (its file was shrunk by the front-end), drop the connection. */
void dev_memory_check(struct vu_dev *d);

/* Counters: one line per queue (and the device's totals). */
void dev_print_stats(const struct vu_dev *d);

/* Counters: the device's totals on one line (--stats). */
void dev_print_line(const struct vu_dev *d);

/* Close the fds and ring state of queue q (back to "not configured"). */
void dev_queue_reset(struct vu_dev *d, unsigned q);

#endif /* CORE_DEV_H */
