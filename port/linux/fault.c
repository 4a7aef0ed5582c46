/*
 * fault.c - test builds only (make FAULTS=1, -DVHOST_FAULTS): port_fault
 * (port.h) kills the process at the point and count that VHOST_FAULT
 * names, "POINT:N" (POINT one of popped, used, handed, published; N from
 * 1), to prove inflight recovery by crash (tests/crash/).  Without
 * VHOST_FAULTS this file is empty, and no product build has the hook.
 */
#ifdef VHOST_FAULTS
#define _GNU_SOURCE

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port/port.h"

static const char *const names[PORT_FAULT_POINTS] = {
	"popped", "used", "handed", "published"};

static bool read_yet;
static unsigned target = PORT_FAULT_POINTS; /* none */
static uint64_t at;                         /* die at this count */
static uint64_t seen;

/* One line on stderr in a single write, as the log writes it: a, b,
 * and ":n" if n > 0. */
static void say(const char *a, const char *b, uint64_t n)
{
	char buf[256], num[24];
	size_t len = 0, k = sizeof(num);

	num[--k] = '\0';
	while (n > 0 && k > 1) {
		num[--k] = (char)('0' + n % 10);
		n /= 10;
	}
	if (k < sizeof(num) - 1)
		num[--k] = ':';
	for (const char *s = a; *s != '\0' && len < 200; s++)
		buf[len++] = *s;
	for (const char *s = b; *s != '\0' && len < 230; s++)
		buf[len++] = *s;
	for (const char *s = num + k; *s != '\0' && len < 254; s++)
		buf[len++] = *s;
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
}

static void read_env(void)
{
	const char *v = getenv("VHOST_FAULT"), *colon;
	char *end = NULL;
	unsigned long long n;

	read_yet = true;
	if (v == NULL || *v == '\0')
		return;
	colon = strchr(v, ':');
	for (unsigned i = 0; colon != NULL && i < PORT_FAULT_POINTS; i++)
		if (strlen(names[i]) == (size_t)(colon - v) &&
		    strncmp(v, names[i], (size_t)(colon - v)) == 0)
			target = i;
	if (colon != NULL)
		n = strtoull(colon + 1, &end, 10);
	if (target == PORT_FAULT_POINTS || end == NULL || end == colon + 1 ||
	    *end != '\0' || n == 0) {
		say("vhost: VHOST_FAULT: expected POINT:N, POINT one of popped "
		    "used handed published, N from 1, got: ", v, 0);
		_exit(2);
	}
	at = n;
}

void port_fault(enum port_fault_point point)
{
	if (!read_yet)
		read_env();
	if ((unsigned)point != target || ++seen != at)
		return;
	say("vhost: fault: killed at ", names[point], seen);
	raise(SIGKILL);
	_exit(137); /* not reached */
}
#endif /* VHOST_FAULTS */
