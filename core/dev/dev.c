/*
 * dev.c - a device's socket and connection, and what the loop sees of it.
 *
 * The connection life cycle is the same for both roles: listen (or
 * connect, retrying until the socket appears), take messages, and on any
 * violation or hang-up drop the connection with every fd and mapping it
 * brought, then listen (or reconnect) again.  Only the handling of
 * messages and of ring fds differs by role.
 */
#include "core/dev/dev.h"

#include <string.h>

#include "core/dev/backend.h"
/* Every call into the front-end role sits behind CFG_WITH_FRONTEND, so
 * that a board without it links none of the role's files (config.h). */
#include "core/dev/frontend.h"
#include "core/app/fwd.h"
#include "core/log.h"

#define NS_PER_MS 1000000ull
/* Messages taken per wake-up, so one chatty peer cannot starve the rest. */
#define MSGS_PER_EVENT 32

static void name_queue(struct vu_dev *d, unsigned q)
{
	char *p = d->q[q].name;
	size_t n = strlen(d->name);
	char tmp[4];
	unsigned t = 0, v = q;

	memcpy(p, d->name, n);
	memcpy(p + n, " q", 2);
	n += 2;
	do {
		tmp[t++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && t < sizeof(tmp));
	while (t > 0)
		p[n++] = tmp[--t];
	p[n] = '\0';
	d->q[q].ring.name = p;
}

void dev_queue_reset(struct vu_dev *d, unsigned qi)
{
	struct vu_queue *q = &d->q[qi];

	port_fd_close(q->kick_fd);
	port_fd_close(q->call_fd);
	port_fd_close(q->err_fd);
	q->kick_fd = q->call_fd = q->err_fd = -1;
	q->num = 0;
	q->base = 0;
	q->base_set = false;
	q->addr_set = false;
	q->ring.inflight = NULL;
	q->ring.log = NULL;
	memset(&q->addr, 0, sizeof(q->addr));
	q->polled = q->started = q->enabled = q->attached = q->busy = false;
}

int dev_open(struct vu_dev *d, unsigned index, const struct dev_opts *o)
{
	int rc;

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
	d->loglim.who = d->name;
	d->lfd = -1;
	d->fd = -1;
	d->log_fd = -1;
	d->fe.memfd = -1;
	vu_rx_init(&d->rx);
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		d->q[q].kick_fd = d->q[q].call_fd = d->q[q].err_fd = -1;
		name_queue(d, q);
	}
	if (CFG_WITH_FRONTEND && o->role == DEV_FRONTEND) {
		rc = fe_init(d);
		if (rc < 0)
			return rc;
	}
	if (o->listen) {
		rc = port_sock_listen(o->path);
		if (rc < 0) {
			LOG_ERR("%s: cannot listen on %s (error %d)", d->name,
				o->path, -rc);
			if (CFG_WITH_FRONTEND) /* a front-end's memory, made above */
				fe_release(d);
			return rc;
		}
		d->lfd = rc;
		LOG_INFO("%s: %s listening on %s\n", d->name,
			 o->role == DEV_BACKEND ? "back-end" : "front-end",
			 o->path);
	} else {
		d->retry_at = port_now_ns(); /* first attempt right away */
	}
	return 0;
}

static void conn_up(struct vu_dev *d, int fd, uint64_t now)
{
	d->fd = fd;
	d->connections++;
	d->retry_at = 0;
	d->said_waiting = false;
	LOG_PEER("%s: connected to %s %s\n", d->name,
		 d->o.role == DEV_BACKEND ? "a front-end on" : "a back-end on",
		 d->o.path);
	if (CFG_WITH_FRONTEND && d->o.role == DEV_FRONTEND &&
	    fe_connected(d, now) < 0)
		d->broken = true;
}

void dev_disconnect(struct vu_dev *d, const char *why)
{
	if (d->fd < 0)
		return;
	port_fd_close(d->fd);
	d->fd = -1;
	vu_rx_reset(&d->rx);
	if (d->o.role == DEV_BACKEND)
		be_reset(d);
	else if (CFG_WITH_FRONTEND)
		fe_disconnected(d);
	d->gen++;
	d->broken = false;
	if (d->fwd != NULL)
		fwd_dev_gone(d->fwd, d);
	if (d->o.role == DEV_FRONTEND) {
		if (!d->finished)
			LOG_PEER("%s: disconnected (%s)\n", d->name, why);
		return;
	}
	if (d->o.listen) {
		LOG_PEER("%s: front-end gone (%s); listening again on %s\n",
			 d->name, why, d->o.path);
	} else {
		LOG_PEER("%s: front-end gone (%s); reconnecting to %s\n",
			 d->name, why, d->o.path);
		d->retry_at = port_now_ns() + CFG_RECONNECT_MS * NS_PER_MS;
	}
}

void dev_close(struct vu_dev *d)
{
	dev_disconnect(d, "shutting down");
	if (d->lfd >= 0) {
		port_fd_close(d->lfd);
		d->lfd = -1;
		port_sock_unlink(d->o.path);
	}
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++)
		dev_queue_reset(d, q);
	if (CFG_WITH_FRONTEND)
		fe_release(d);
}

static void add_watch(struct port_pollfd *pfd, struct watch *w, unsigned *n,
		      unsigned max, struct vu_dev *d, int fd, uint8_t kind,
		      uint8_t q)
{
	if (*n >= max || fd < 0)
		return;
	pfd[*n].fd = fd;
	pfd[*n].events = PORT_POLLIN;
	pfd[*n].revents = 0;
	w[*n].dev = d;
	w[*n].gen = d->gen;
	w[*n].kind = kind;
	w[*n].q = q;
	(*n)++;
}

static void lower(uint64_t *deadline, uint64_t t)
{
	if (t < *deadline)
		*deadline = t;
}

unsigned dev_watch(struct vu_dev *d, struct port_pollfd *pfd,
		   struct watch *w, unsigned max, uint64_t *deadline,
		   uint64_t now)
{
	unsigned n = 0;

	if (d->finished)
		return 0;
	/* The connection before the listening socket: a peer that hangs up
	 * and connects again is seen gone before it is seen new (else the
	 * new connection would be refused as a second one). */
	add_watch(pfd, w, &n, max, d, d->fd, W_CONN, 0);
	add_watch(pfd, w, &n, max, d, d->lfd, W_LISTEN, 0);
	if (d->fd < 0) {
		if (d->retry_at != 0)
			lower(deadline, d->retry_at);
		if (CFG_WITH_FRONTEND && d->o.role == DEV_FRONTEND)
			lower(deadline, fe_deadline(d));
		return n;
	}
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		const struct vu_queue *vq = &d->q[q];

		if (d->o.role == DEV_FRONTEND) {
			if (d->fe.running)
				add_watch(pfd, w, &n, max, d, vq->call_fd,
					  W_CALL, (uint8_t)q);
			continue;
		}
		if (!vq->started)
			continue;
		add_watch(pfd, w, &n, max, d, vq->kick_fd, W_KICK, (uint8_t)q);
		if (vq->busy)
			lower(deadline, now);
		else if (vq->polled && be_ring_ready(vq))
			lower(deadline, now + CFG_NOFD_POLL_US * 1000ull);
	}
	if (CFG_WITH_FRONTEND && d->o.role == DEV_FRONTEND)
		lower(deadline, fe_deadline(d));
	return n;
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
		rc = !CFG_WITH_FRONTEND || d->o.role == DEV_BACKEND
			     ? be_dispatch(d, &d->rx.msg)
			     : fe_on_msg(d, &d->rx.msg, now);
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
	uint64_t count;
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
	case W_KICK:
		/* closed earlier this round (GET_VRING_BASE stops the ring) */
		if (d->q[w->q].kick_fd < 0)
			return;
		/* a kick fd that reads as no eventfd (a file, a pipe whose
		 * writer is gone) would wake us for ever */
		if (port_evt_drain(d->q[w->q].kick_fd, &count) < 0 ||
		    (revents & (PORT_POLLHUP | PORT_POLLERR))) {
			LOG_ERR("%s: the kick fd reads as no eventfd (or its "
				"writer is gone)", d->q[w->q].name);
			rc = -PORT_EPROTO;
			break;
		}
		d->q[w->q].st.kicks++;
		rc = be_queue_work(d, w->q);
		break;
	case W_CALL:
	default:
		port_evt_drain(d->q[w->q].call_fd, &count);
		d->q[w->q].st.calls++;
		rc = CFG_WITH_FRONTEND ? fe_on_call(d, now) : -PORT_EPROTO;
		break;
	}
	if (rc < 0) {
		d->violations++;
		dev_disconnect(d, d->o.role == DEV_BACKEND ? "bad ring"
							   : "test failed");
	} else if (d->finished) {
		dev_disconnect(d, "done");
	}
}

static void try_connect(struct vu_dev *d, uint64_t now)
{
	int rc = port_sock_connect(d->o.path);

	if (rc >= 0) {
		conn_up(d, rc, now);
		return;
	}
	if (!d->said_waiting) {
		/* once, not at every retry */
		LOG_INFO("%s: waiting for %s (error %d), retrying every %u ms\n",
			 d->name, d->o.path, -rc, (unsigned)CFG_RECONNECT_MS);
		d->said_waiting = true;
	}
	d->retry_at = now + CFG_RECONNECT_MS * NS_PER_MS;
}

void dev_tick(struct vu_dev *d, uint64_t now)
{
	int rc = 0;

	if (d->finished)
		return;
	if (d->fd < 0) {
		if (d->retry_at != 0 && now >= d->retry_at)
			try_connect(d, now);
		if (d->fd < 0) {
			if (CFG_WITH_FRONTEND && d->o.role == DEV_FRONTEND)
				fe_tick(d, now); /* gives up after a while */
			return;
		}
	}
	if (CFG_WITH_FRONTEND && d->o.role == DEV_FRONTEND) {
		rc = fe_tick(d, now);
	} else {
		for (unsigned q = 1; q < CFG_MAX_QUEUES && rc >= 0; q += 2) {
			const struct vu_queue *tx = &d->q[q], *rx = &d->q[q - 1];
			if ((be_ring_ready(tx) || be_ring_ready(rx)) &&
			    (tx->polled || tx->busy || rx->polled || rx->busy))
				rc = be_queue_work(d, q);
		}
	}
	if (rc < 0) {
		d->violations++;
		dev_disconnect(d, d->o.role == DEV_BACKEND ? "bad ring"
							   : "test failed");
	} else if (d->finished || d->broken) {
		dev_disconnect(d, d->finished ? "done" : "bad request");
	}
}

void dev_memory_check(struct vu_dev *d)
{
	int hit = 0;

	for (unsigned i = 0; i < d->mem.n; i++)
		hit |= port_mem_faulted(d->mem.r[i].map_base);
	if (d->dlog.map_base != NULL)
		hit |= port_mem_faulted(d->dlog.map_base);
	if (d->inflight.map_base != NULL)
		hit |= port_mem_faulted(d->inflight.map_base);
	if (!hit || d->fd < 0)
		return;
	LOG_ERR("%s: guest memory faulted: the file behind a region shrank "
		"under our mapping", d->name);
	d->violations++;
	dev_disconnect(d, "guest memory faulted");
}

void dev_print_stats(const struct vu_dev *d)
{
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		const struct q_stats *s = &d->q[q].st;
		/* the first pair always, the others once they did anything */
		if (q >= 2 && s->frames + s->kicks + s->calls + s->drop_bad +
				      s->drop_oversize + s->drop_norx +
				      s->drop_disabled == 0)
			continue;
		LOG_INFO("%s q%u (%s): frames %llu bytes %llu kicks %llu calls "
			 "%llu drops: bad %llu oversize %llu no-rx %llu "
			 "disabled %llu\n",
			 d->name, q, q & 1 ? "tx" : "rx",
			 (unsigned long long)s->frames,
			 (unsigned long long)s->bytes,
			 (unsigned long long)s->kicks,
			 (unsigned long long)s->calls,
			 (unsigned long long)s->drop_bad,
			 (unsigned long long)s->drop_oversize,
			 (unsigned long long)s->drop_norx,
			 (unsigned long long)s->drop_disabled);
	}
	if (d->o.role == DEV_FRONTEND && d->o.host)
		LOG_INFO("%s: front-end: pings sent %u, replies intact %u, "
			 "wrong %u; requests to us answered %u, other frames "
			 "%u: %s\n", d->name, d->fe.pings, d->fe.received,
			 d->fe.bad, d->fe.answered, d->fe.ignored,
			 d->finished && d->exit_code == 0 ? "PASS" : "FAIL");
	else if (d->o.role == DEV_FRONTEND)
		LOG_INFO("%s: front-end: sent %u, completed %u, received %u "
			 "intact, %u wrong: %s\n", d->name, d->fe.sent,
			 d->fe.tx_done, d->fe.received, d->fe.bad,
			 d->finished && d->exit_code == 0 ? "PASS" : "FAIL");
	else
		LOG_INFO("%s: connections %llu, dropped for bad input %llu, "
			 "announced %llu\n",
			 d->name, (unsigned long long)d->connections,
			 (unsigned long long)d->violations,
			 (unsigned long long)d->announced);
}

void dev_print_line(const struct vu_dev *d)
{
	struct q_stats rx = {0}, tx = {0};

	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		const struct q_stats *s = &d->q[q].st;
		struct q_stats *t = q & 1 ? &tx : &rx;
		t->frames += s->frames;
		t->bytes += s->bytes;
		t->kicks += s->kicks;
		t->calls += s->calls;
		t->drop_bad += s->drop_bad;
		t->drop_oversize += s->drop_oversize;
		t->drop_norx += s->drop_norx;
		t->drop_disabled += s->drop_disabled;
	}
	LOG_INFO("%s: %s, rx %llu frames %llu bytes, tx %llu frames %llu "
		 "bytes, kicks %llu calls %llu, drops: bad %llu oversize %llu "
		 "no-rx %llu disabled %llu\n",
		 d->name, d->fd >= 0 ? "connected" : "waiting",
		 (unsigned long long)rx.frames, (unsigned long long)rx.bytes,
		 (unsigned long long)tx.frames, (unsigned long long)tx.bytes,
		 (unsigned long long)(rx.kicks + tx.kicks),
		 (unsigned long long)(rx.calls + tx.calls),
		 (unsigned long long)(rx.drop_bad + tx.drop_bad),
		 (unsigned long long)(rx.drop_oversize + tx.drop_oversize),
		 (unsigned long long)(rx.drop_norx + tx.drop_norx),
		 (unsigned long long)(rx.drop_disabled + tx.drop_disabled));
}
