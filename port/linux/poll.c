/*
 * poll.c - the one place the process waits, and the one place its handled
 * signals are let in.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "port/port.h"

/* Enough for every device socket, listener, kick and call fd of the core's
 * tables; static because 256 pollfds would not fit the stack budget. */
#define POLL_MAX 256

static struct pollfd pfds[POLL_MAX];

static short to_poll(uint16_t ev)
{
	short r = 0;

	if (ev & PORT_POLLIN)
		r |= POLLIN;
	if (ev & PORT_POLLOUT)
		r |= POLLOUT;
	/* POLLERR/POLLHUP are always reported; asking for them is harmless. */
	if (ev & PORT_POLLERR)
		r |= POLLERR;
	if (ev & PORT_POLLHUP)
		r |= POLLHUP;
	return r;
}

static uint16_t from_poll(short rev)
{
	uint16_t r = 0;

	if (rev & POLLIN)
		r |= PORT_POLLIN;
	if (rev & POLLOUT)
		r |= PORT_POLLOUT;
	/* A closed fd in the set is a core bug; report it as an error on that
	 * entry so the core drops it instead of spinning. */
	if (rev & (POLLERR | POLLNVAL))
		r |= PORT_POLLERR;
	if (rev & POLLHUP)
		r |= PORT_POLLHUP;
	return r;
}

int port_poll(struct port_pollfd *fds, unsigned n, int64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;
	sigset_t mask;
	unsigned i;
	int r;

	if (n > POLL_MAX || (n && !fds))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		pfds[i].fd = fds[i].fd; /* < 0 is skipped by the kernel */
		pfds[i].events = to_poll(fds[i].events);
		pfds[i].revents = 0;
	}
	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000);
		ts.tv_nsec = (long)(timeout_ns % 1000000000);
		tsp = &ts;
	}
	/* Wait with the current mask minus the signals port_sig_init blocked:
	 * ppoll swaps the mask atomically, so a signal raised after the
	 * caller's last port_sig_take() interrupts this wait. */
	if (sigprocmask(SIG_BLOCK, NULL, &mask) < 0)
		return -errno;
	sigdelset(&mask, SIGINT);
	sigdelset(&mask, SIGTERM);
	sigdelset(&mask, SIGHUP);
	sigdelset(&mask, SIGUSR1);

	r = ppoll(pfds, n, tsp, &mask);
	if (r < 0)
		r = errno == EINTR ? -PORT_EINTR : -errno;
	/* Copied back on every path so no stale revents survive an EINTR. */
	for (i = 0; i < n; i++)
		fds[i].revents = from_poll(pfds[i].revents);
	return r;
}
