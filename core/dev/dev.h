/*
 * dev.h - one vhost-user device: a socket and its connection.
 *
 * The caller owns every device (app.c keeps a static table of
 * CFG_MAX_DEVICES); nothing is allocated.  A device plays a role (dev_role
 * below): a back-end (backend.h: it serves the queues a front-end hands
 * it) or a front-end (frontend.h: it plays the VMM and the guest driver to
 * exercise a back-end), whose state embeds struct vu_dev first.  Either
 * may listen on its socket or connect to it.
 */
#ifndef CORE_DEV_H
#define CORE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/log.h"
#include "core/proto/vu_msg.h"
#include "port/port.h"

/* What the command line asked of a device's connection. */
struct dev_opts {
	const char *path; /* the socket file; for an inherited socket, only
			   * its name in messages ("fd 3") */
	bool listen;      /* else connect (and retry) */
	/* the socket is fd, made by whoever started us (--fd: listening or
	 * already connected, port_sock_adopt) */
	bool inherited;
	int fd;
	struct port_sock_perm perm; /* a socket file we make: who may connect */
};

struct dev_role;
struct q_stats;

/* The connection, whatever the role. */
struct vu_dev {
	char name[8]; /* "dev0" */
	unsigned index;  /* in the device table (and switch port number) */
	const struct dev_role *role; /* what it does with its connection */
	struct dev_opts o;
	int lfd;           /* listening socket, or -1 */
	int fd;            /* the connection, or -1 */
	uint64_t retry_at; /* connect mode: next attempt (ns), 0 = none */
	unsigned gen;      /* bumped by every disconnect */
	bool broken;       /* sticky: tear the connection down */
	bool said_waiting; /* connect mode: "waiting for" logged */
	int last_err;      /* connect mode: why the last attempt failed */
	bool own_file;     /* we made the socket file: file says which */
	struct port_file_id file;
	bool finished;     /* front-end: done, see exit_code */
	int exit_code;
	struct vu_rx rx;
	uint64_t connections;
	uint64_t violations;
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
	uint8_t sub; /* W_LINK: which of the interface's queues */
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
	/* dev_close (and a failed dev_start): every fd and mapping it holds */
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
	/* queue q's counters, NULL past the last queue */
	const struct q_stats *(*stats)(const struct vu_dev *d, unsigned q);
	/* the role's line of counters after the queues' (dev_print_stats) */
	void (*print_stats)(const struct vu_dev *d);
};

/* The connection's fields of device `index` playing `role` (no socket
 * yet).  Called first by the role's own open (be_open, fe_open), which
 * then sets its own state up and calls dev_start. */
void dev_init(struct vu_dev *d, unsigned index, const struct dev_opts *o,
	      const struct dev_role *role);

/* Listen on the socket (or take the inherited one), or make the first
 * connect attempt.  Negative (logged, the role's state released) if it
 * cannot listen, or the first attempt met an error that will not clear
 * (port_sock_connect); one that may clear is retried every
 * CFG_RECONNECT_MS. */
int dev_start(struct vu_dev *d);

/* Close everything: connection, mappings, fds, and the socket file if we
 * made it and it is still ours. */
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

/* Counters: one line per queue (and the device's totals). */
void dev_print_stats(const struct vu_dev *d);

/* Counters: the device's totals on one line (--stats). */
void dev_print_line(const struct vu_dev *d);

/* The device's counters summed over its queues: sum[0] the RX queues
 * (what the guest received), sum[1] the TX queues. */
void dev_stats_sum(const struct vu_dev *d, struct q_stats *sum);

#endif /* CORE_DEV_H */
