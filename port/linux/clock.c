/*
 * clock.c - monotonic time, for every deadline, and the wall clock, for
 * time stamps.
 */
#define _GNU_SOURCE

#include <time.h>

#include "port/port.h"

uint64_t port_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer; the core cannot do
	 * anything useful with an error anyway, so none is reported. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * PORT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t port_wall_ns(void)
{
	struct timespec ts;

	/* Settable, so it may jump either way; only stamps captures and
	 * --stats-json.  A clock set before 1970 reads as 1970 rather than
	 * as a huge unsigned time. */
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * PORT_NS_PER_S + (uint64_t)ts.tv_nsec;
}
