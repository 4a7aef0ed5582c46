/*
 * clock.c - monotonic time (the wall clock, only the capture's, is in
 * file.c).
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
