/*
 * dev.c - a device's socket and connection, and what the loop sees of it.
 *
 * The connection life cycle is the same for both roles: listen (or
 * connect, retrying until the socket appears), take messages, and on any
 * violation or hang-up drop the connection with every fd and mapping it
 * brought, then listen (or reconnect) again.  What differs by role (the
 * messages, the ring fds, timed work, what a disconnect forgets) is behind
 * d->role (dev.h struct dev_role); this file knows no role.
 */
#include "core/dev/dev.h"

#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/net/net.h"

/* Messages taken per wake-up, so one chatty peer cannot starve the rest. */
#define MSGS_PER_EVENT 32

void dev_init(struct vu_dev *d, unsigned index, const struct dev_opts *o,
	      const struct dev_role *role)
{
	memset(d, 0, sizeof(*d));
	d->index = index;
	d->name[0] = 'd';
	d->name[1] = 'e';
	d->name[2] = 'v';
	d->name[3] = (char)('0' + index % 10);
	if (index >= 10) {
		d->name[3] = (char)('0' + index / 10 % 10);
		d->name[4] = (char)('0' + index % 10);
	}
	d->o = *o;
	d->role = role;
	d->loglim.who = d->name;
	d->lfd = -1;
	d->fd = -1;
	vu_rx_init(&d->rx);
}

static void conn_up(struct vu_dev *d, int fd, uint64_t now)
{
	d->fd = fd;
	d->connections++;
	d->retry_at = 0;
	d->said_waiting = false;
	LOG_PEER("%s: connected to %s %s\n", d->name, d->role->peer,
		 d->o.path);
	if (d->role->connected != NULL && d->role->connected(d, now) < 0)
		d->broken = true;
}

/* One attempt to connect.  Negative (logged) if the error will not clear
 * by itself (port.h port_sock_connect): the path names a file that is no
 * socket, a directory that is missing, one we may not enter... */
static int try_connect(struct vu_dev *d, uint64_t now)
{
	int rc = port_sock_connect(d->o.path);

	if (rc >= 0) {
		conn_up(d, rc, now);
		return 0;
	}
	d->last_err = rc;
	if (rc != -PORT_ENOENT && rc != -PORT_ECONNREFUSED &&
	    rc != -PORT_EAGAIN && rc != -PORT_EINTR) {
		LOG_ERR("%s: cannot connect to %s: %s (not retried)", d->name,
			d->o.path, err_text(rc));
		return rc;
	}
	if (!d->said_waiting) {
		/* once, not at every retry */
		LOG_INFO("%s: waiting for %s (%s), retrying every %u ms\n",
			 d->name, d->o.path, err_text(rc),
			 (unsigned)CFG_RECONNECT_MS);
		d->said_waiting = true;
	}
	d->retry_at = now + CFG_RECONNECT_MS * PORT_NS_PER_MS;
	return 0;
}

int dev_start(struct vu_dev *d)
{
	int rc;

	if (d->o.inherited) {
		/* the socket we were handed (--fd): it listens, or it is
		 * the one connection this device will have */
		rc = port_sock_adopt(d->o.fd);
		if (rc < 0)
			LOG_ERR("%s: --fd %d: %s (a unix stream socket is "
				"needed)", d->name, d->o.fd, err_text(rc));
		d->o.listen = rc == 1;
		if (rc == 0)
			conn_up(d, d->o.fd, port_now_ns());
		rc = rc == 1 ? d->o.fd : rc;
	} else if (d->o.listen) {
		rc = port_sock_listen(d->o.path, &d->o.perm, &d->file);
		d->own_file = rc >= 0;
		if (rc == -PORT_EADDRINUSE)
			LOG_ERR("%s: %s is in use by another %s", d->name,
				d->o.path, d->role->name);
		else if (rc < 0)
			LOG_ERR("%s: cannot listen on %s: %s", d->name,
				d->o.path, err_text(rc));
	} else {
		rc = try_connect(d, port_now_ns());
	}
	if (rc < 0) {
		d->role->release(d); /* what the role made before */
		return rc;
	}
	if (d->o.listen) {
		d->lfd = rc;
		LOG_INFO("%s: %s listening on %s\n", d->name, d->role->name,
			 d->o.path);
	}
	return 0;
}

void dev_disconnect(struct vu_dev *d, const char *why)
{
	if (d->fd < 0)
		return;
	port_fd_close(d->fd);
	d->fd = -1;
	vu_rx_reset(&d->rx);
	/* gen moves: watches of this connection are stale, and the
	 * program sees the device gone (app.c) */
	d->gen++;
	d->broken = false;
	if (!d->role->disconnected(d, why))
		return;
	if (d->o.inherited && !d->o.listen)
		d->finished = true; /* the one connection we were handed */
	else if (!d->o.listen)
		d->retry_at = port_now_ns() + CFG_RECONNECT_MS * PORT_NS_PER_MS;
}

void dev_close(struct vu_dev *d)
{
	dev_disconnect(d, "shutting down");
	if (d->lfd >= 0) {
		port_fd_close(d->lfd);
		d->lfd = -1;
	}
	/* Only the file we made, and only while it is still that file: a
	 * back-end that took the path over since keeps its socket. */
	if (d->own_file && port_unlink_ours(d->o.path, &d->file) ==
				   -PORT_EEXIST)
		LOG_WARN("%s: %s is another's socket now: left in place",
			 d->name, d->o.path);
	d->own_file = false;
	d->role->release(d);
}

void dev_watch_fd(struct dev_pollset *ps, struct vu_dev *d, int fd,
		  uint8_t kind, uint8_t q)
{
	if (ps->n >= ps->max || fd < 0)
		return;
	ps->pfd[ps->n].fd = fd;
	ps->pfd[ps->n].events = PORT_POLLIN;
	ps->pfd[ps->n].revents = 0;
	ps->w[ps->n].dev = d;
	ps->w[ps->n].gen = d->gen;
	ps->w[ps->n].kind = kind;
	ps->w[ps->n].q = q;
	ps->n++;
}

unsigned dev_watch(struct vu_dev *d, struct port_pollfd *pfd,
		   struct watch *w, unsigned max, uint64_t *deadline,
		   uint64_t now)
{
	struct dev_pollset ps = {pfd, w, 0, max, deadline};

	if (d->finished)
		return 0;
	/* The connection before the listening socket: a peer that hangs up
	 * and connects again is seen gone before it is seen new (else the
	 * new connection would be refused as a second one). */
	dev_watch_fd(&ps, d, d->fd, W_CONN, 0);
	dev_watch_fd(&ps, d, d->lfd, W_LISTEN, 0);
	if (d->fd < 0 && d->retry_at != 0)
		dev_watch_until(&ps, d->retry_at);
	d->role->watch(d, &ps, now);
	return ps.n;
}

/* Take every whole message that is there (up to MSGS_PER_EVENT). */
static void conn_readable(struct vu_dev *d, uint64_t now)
{
	for (unsigned i = 0; i < MSGS_PER_EVENT && d->fd >= 0; i++) {
		int rc = vu_rx_read(&d->rx, d->fd, d->name);

		if (rc == 0)
			return;
		if (rc < 0) {
			dev_disconnect(d, rc == -PORT_EPIPE ? "peer closed"
							    : "bad message");
			if (rc != -PORT_EPIPE)
				d->violations++;
			return;
		}
		rc = d->role->message(d, &d->rx.msg, now);
		vu_rx_reset(&d->rx);
		if (rc < 0 || d->broken) {
			d->violations++;
			dev_disconnect(d, "bad request");
			return;
		}
		if (d->finished) {
			dev_disconnect(d, "done");
			return;
		}
	}
}

void dev_event(const struct watch *w, uint16_t revents, uint64_t now)
{
	struct vu_dev *d = w->dev;
	int rc;

	/* An earlier event of this round may have dropped the connection
	 * that this fd belonged to (and the number may be reused). */
	if (w->gen != d->gen && w->kind != W_LISTEN)
		return;
	switch (w->kind) {
	case W_LISTEN:
		rc = port_sock_accept(d->lfd);
		if (rc < 0)
			return;
		/* poll looks at the fds one after the other: a peer that hung
		 * up and connected again between the two looks may show here
		 * before its old connection shows gone.  Read that one first;
		 * its end of stream drops it. */
		if (d->fd >= 0)
			conn_readable(d, now);
		if (d->fd >= 0) {
			LOG_ERR("%s: refusing a second connection on %s: one "
				"peer at a time", d->name, d->o.path);
			port_fd_close(rc);
			return;
		}
		conn_up(d, rc, now);
		return;
	case W_CONN:
		if (revents & PORT_POLLIN)
			conn_readable(d, now);
		else if (revents & (PORT_POLLHUP | PORT_POLLERR))
			dev_disconnect(d, "peer closed");
		return;
	case W_RING:
	default:
		rc = d->role->ring(d, w->q, revents, now);
		break;
	}
	if (rc < 0) {
		d->violations++;
		dev_disconnect(d, d->role->ring_fail);
	} else if (d->finished) {
		dev_disconnect(d, "done");
	}
}

void dev_tick(struct vu_dev *d, uint64_t now)
{
	int rc;

	if (d->finished)
		return;
	if (d->fd < 0) {
		if (d->retry_at != 0 && now >= d->retry_at &&
		    try_connect(d, now) < 0) {
			d->retry_at = 0; /* the device is done */
			d->finished = true;
			d->exit_code = 1;
			return;
		}
		if (d->fd < 0) {
			d->role->tick(d, now); /* a front-end gives up */
			return;
		}
	}
	rc = d->role->tick(d, now);
	if (rc < 0) {
		d->violations++;
		dev_disconnect(d, d->role->ring_fail);
	} else if (d->finished || d->broken) {
		dev_disconnect(d, d->finished ? "done" : "bad request");
	}
}

void dev_print_stats(const struct vu_dev *d)
{
	const struct q_stats *s;

	/* the first pair always, the others once they did anything */
	for (unsigned q = 0; (s = d->role->stats(d, q)) != NULL; q++)
		if (q < 2 || net_stats_any(s))
			net_print_queue(d->name, q, s);
	d->role->print_stats(d);
}

void dev_stats_sum(const struct vu_dev *d, struct q_stats *sum)
{
	const struct q_stats *s;

	memset(sum, 0, 2 * sizeof(sum[0]));
	for (unsigned q = 0; (s = d->role->stats(d, q)) != NULL; q++)
		net_stats_add(&sum[q & 1], s);
}

void dev_print_line(const struct vu_dev *d)
{
	struct q_stats sum[2]; /* rx, tx */

	dev_stats_sum(d, sum);
	net_print_line(d->name, d->fd >= 0, &sum[0], &sum[1]);
}
