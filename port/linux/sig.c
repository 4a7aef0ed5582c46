/*
 * sig.c - SIGINT/SIGTERM/SIGHUP (stop) and SIGUSR1 (stats) as flags.
 *
 * SIGHUP stops as SIGTERM does: a back-end has no configuration file to
 * read again, and a terminal or session that goes away must not leave its
 * socket files behind (the default action would kill us on the spot).
 *
 * The signals stay blocked except inside port_poll()'s ppoll(), so the
 * handlers only ever run there: the main loop checks port_sig_take() and
 * then waits without a window in which a signal could be missed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "port/linux/internal.h"
#include "port/port.h"

static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_stats;

static void on_signal(int signo)
{
	/* Only async-signal-safe work here: set a flag, nothing else. */
	if (signo == SIGUSR1)
		sig_stats = 1;
	else
		sig_stop = 1;
}

/* A touch of a page its file no longer has (port.h port_mem_faults). */
static void on_sigbus(int signo, siginfo_t *si, void *ctx)
{
	struct sigaction dfl = {0};
	bool fault = si != NULL && si->si_code > 0; /* the kernel's, not kill */

	(void)ctx;
	if (fault && (si->si_code == BUS_ADRERR || si->si_code == BUS_OBJERR) &&
	    mem_fault_fixup(si->si_addr))
		return; /* the access is made again, on the zeroed page */
	/* Anything else: die of it as we would have.  A fault is taken
	 * again on return, now with the default action; a SIGBUS sent by
	 * someone is raised again. */
	dfl.sa_handler = SIG_DFL;
	sigaction(signo, &dfl, NULL);
	if (!fault)
		raise(signo);
}

int port_sig_init(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
	struct sigaction sa = {0};
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	/* Block before installing the handlers so that none can run outside
	 * ppoll() even once. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;

	sa.sa_handler = on_signal;
	sa.sa_mask = set;
	/* No SA_RESTART: ppoll must return EINTR so the loop sees the flag. */
	sa.sa_flags = 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;

	/* A fault in guest memory whose file shrank (port_mem_faults).  It
	 * can come at any time, so it is never blocked. */
	sa.sa_sigaction = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGBUS, &sa, NULL) < 0)
		return -errno;

	/* A peer that goes away must turn into EPIPE, not kill us (send also
	 * uses MSG_NOSIGNAL; this covers write(2) to stdout). */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

unsigned port_sig_take(void)
{
	unsigned bits = 0;

	/* Read-then-clear is not atomic, but the handlers cannot run here:
	 * the signals are blocked outside ppoll(). */
	if (sig_stop) {
		sig_stop = 0;
		bits |= PORT_SIG_STOP;
	}
	if (sig_stats) {
		sig_stats = 0;
		bits |= PORT_SIG_STATS;
	}
	return bits;
}
