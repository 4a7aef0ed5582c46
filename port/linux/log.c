/*
 * log.c - formatted output without the heap: errors and warnings go out at
 * once on stderr, information is batched for stdout.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port/port.h"

#define LINE_MAX_BYTES 4096
#define OUT_BYTES 16384

static char line[LINE_MAX_BYTES];
static char out[OUT_BYTES];
static size_t out_len;

/* Write all of buf or give up: a log must never stall or kill the loop. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = write(fd, buf, len);

		if (r > 0) {
			buf += r;
			len -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* An fd someone made non-blocking: wait a little, once per
		 * stall, then drop the rest rather than block the data path. */
		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			if (poll(&p, 1, 100) > 0)
				continue;
		}
		return; /* EPIPE, EBADF, ...: nobody is reading, drop silently */
	}
}

void port_log_flush(void)
{
	size_t n = out_len;

	out_len = 0; /* dropped even when stdout is gone: never retried */
	write_all(STDOUT_FILENO, out, n);
}

void port_log(enum port_log_level level, const char *fmt, ...)
{
	const char *prefix = level == PORT_LOG_ERR    ? "vhost: error: "
			     : level == PORT_LOG_WARN ? "vhost: warning: "
						      : "";
	size_t plen = strlen(prefix), len;
	va_list ap;
	int n;

	/* The prefix goes once, before the first line of the message. */
	memcpy(line, prefix, plen);
	va_start(ap, fmt);
	n = vsnprintf(line + plen, sizeof(line) - plen, fmt, ap);
	va_end(ap);
	if (n < 0)
		return; /* encoding error: nothing sensible to print */
	len = plen + (size_t)n;
	if (len + 1 >= sizeof(line) &&
	    (len >= sizeof(line) || line[len - 1] != '\n')) {
		/* Truncated (or no room for the '\n'): mark it, and end the
		 * line so the next message starts on its own. */
		len = sizeof(line) - 1;
		memcpy(line + len - 4, "...\n", 4);
	} else if (len > 0 && line[len - 1] != '\n') {
		/* The contract wants whole lines; finish one a caller left
		 * open rather than glue the next message onto it. */
		line[len++] = '\n';
	}

	if (level == PORT_LOG_ERR || level == PORT_LOG_WARN) {
		/* Pending information first, so both streams keep their order
		 * when they go to the same terminal or file. */
		port_log_flush();
		write_all(STDERR_FILENO, line, len);
		return;
	}
	if (out_len + len > sizeof(out))
		port_log_flush();
	memcpy(out + out_len, line, len); /* len < sizeof(out): always fits */
	out_len += len;
}
