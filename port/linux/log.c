/*
 * log.c - formatted output without the heap: errors and warnings go out at
 * once on stderr, information is batched for stdout (or stderr, when
 * stdout carries data: port_log_setup).  Lines may carry sd-daemon(3)
 * priority prefixes, "<3>" and so on, which the journal reads and strips.
 *
 * The formatting is our own (fmt_v below), not vsnprintf: it knows the
 * conversions the core uses (%d %i %u %x %X %s %c %p %%, with the 0 flag,
 * a width, a precision for %s, and the l, ll and z lengths) and nothing of
 * floating point, which keeps libc's whole printf engine out of the static
 * binary.  An unknown conversion is printed as it stands.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "port/port.h"

#define LINE_MAX_BYTES 4096
#define OUT_BYTES 16384

static char line[LINE_MAX_BYTES];
static char out[OUT_BYTES];
static size_t out_len;
static int out_fd = STDOUT_FILENO; /* where the bytes in out go */
static int info_fd = STDOUT_FILENO; /* PORT_LOG_INFO and _DEBUG lines */
static int data_fd = STDOUT_FILENO; /* PORT_LOG_DATA lines */
static bool marked; /* priority prefixes before lines */

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

/* Output cursor: bytes past the end of the buffer are counted, not
 * written, so the caller can tell that the line was cut. */
struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, char c)
{
	if (o->len < o->cap)
		o->p[o->len] = c;
	o->len++;
}

static void put_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* One integer conversion: v in base 10 or 16, sign and padding. */
static void put_num(struct out *o, unsigned long long v, bool neg,
		    unsigned base, bool upper, bool zero, bool left, int width)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	width -= n + (neg ? 1 : 0);
	zero &= !left;
	if (neg && zero)
		put(o, '-');
	if (!left && width > 0)
		put_pad(o, zero ? '0' : ' ', width);
	if (neg && !zero)
		put(o, '-');
	while (n > 0)
		put(o, tmp[--n]);
	if (left && width > 0)
		put_pad(o, ' ', width);
}

/* vsnprintf for the conversions above; returns the full length. */
static size_t fmt_v(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = {buf, 0, cap};

	for (const char *f = fmt; *f != '\0'; f++) {
		const char *start = f;
		bool zero = false, left = false;
		int width = 0, prec = -1, lng = 0;
		long long sv;
		unsigned long long uv;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		for (f++; *f == '0' || *f == '-'; f++) {
			zero |= *f == '0';
			left |= *f == '-';
		}
		for (; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (*f - '0');
		if (*f == '.') {
			prec = 0;
			for (f++; *f >= '0' && *f <= '9'; f++)
				prec = prec * 10 + (*f - '0');
		}
		for (; *f == 'l' || *f == 'z'; f++)
			lng = *f == 'z' ? 1 : lng + 1;
		switch (*f) {
		case 'd':
		case 'i':
			sv = lng >= 2 ? va_arg(ap, long long)
			     : lng == 1 ? va_arg(ap, long)
					: va_arg(ap, int);
			uv = sv < 0 ? 0ull - (unsigned long long)sv
				    : (unsigned long long)sv;
			put_num(&o, uv, sv < 0, 10, false, zero, left, width);
			break;
		case 'u':
		case 'x':
		case 'X':
			uv = lng >= 2 ? va_arg(ap, unsigned long long)
			     : lng == 1 ? va_arg(ap, unsigned long)
					: va_arg(ap, unsigned);
			put_num(&o, uv, false, *f == 'u' ? 10 : 16, *f == 'X',
				zero, left, width);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16,
				false, false, false, 0);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;

			if (s == NULL)
				s = "(null)";
			while (s[n] != '\0' && (prec < 0 || n < (size_t)prec))
				n++;
			if (!left && width > (int)n)
				put_pad(&o, ' ', width - (int)n);
			for (size_t i = 0; i < n; i++)
				put(&o, s[i]);
			if (left && width > (int)n)
				put_pad(&o, ' ', width - (int)n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default: /* not ours: print it as it stands */
			for (; start <= f && *start != '\0'; start++)
				put(&o, *start);
			if (*f == '\0')
				f--;
			break;
		}
	}
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

void port_log_setup(enum port_log_stdout where, bool syslog_prefix)
{
	port_log_flush();
	info_fd = where == PORT_STDOUT_TEXT ? STDOUT_FILENO : STDERR_FILENO;
	data_fd = where == PORT_STDOUT_NONE ? STDERR_FILENO : STDOUT_FILENO;
	marked = syslog_prefix;
}

void port_log_flush(void)
{
	size_t n = out_len;

	out_len = 0; /* dropped even when stdout is gone: never retried */
	write_all(out_fd, out, n);
}

/* Stage the lines of s for fd, each after pri if lines are marked and
 * after "tag: " if there is a tag.  An empty line gets neither (it is no
 * message), and is left out where lines are marked: the journal would
 * keep it as one. */
static void stage(int fd, const char *s, size_t len, const char *pri,
		  const char *tag)
{
	size_t t = 0;

	while (tag != NULL && tag[t] != '\0' && t < 64) /* a name */
		t++;

	if (out_len > 0 && out_fd != fd)
		port_log_flush(); /* the other stream's lines keep their turn */
	out_fd = fd;
	while (len > 0) {
		size_t n = 0, p = marked ? 3 : 0, k = tag != NULL ? t + 2 : 0;
		bool empty = s[0] == '\n';

		while (n < len && s[n++] != '\n')
			;
		if (empty)
			p = k = 0;
		if (!empty || !marked) {
			/* n <= LINE_MAX_BYTES: always fits an empty buffer */
			if (out_len + p + k + n > sizeof(out))
				port_log_flush();
			memcpy(out + out_len, pri, p);
			out_len += p;
			if (k > 0) {
				memcpy(out + out_len, tag, t);
				memcpy(out + out_len + t, ": ", 2);
				out_len += k;
			}
			memcpy(out + out_len, s, n);
			out_len += n;
		}
		s += n;
		len -= n;
	}
}

void port_vlog(enum port_log_level level, const char *tag, const char *fmt,
	       va_list ap)
{
	const char *prefix = level == PORT_LOG_ERR    ? "vhost: error: "
			     : level == PORT_LOG_WARN ? "vhost: warning: "
						      : "";
	size_t plen = strlen(prefix), len, n;

	/* The prefix goes once, before the first line of the message. */
	memcpy(line, prefix, plen);
	n = fmt_v(line + plen, sizeof(line) - plen, fmt, ap);
	len = plen + n;
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

	/* sd-daemon(3): LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7 */
	switch (level) {
	case PORT_LOG_ERR:
	case PORT_LOG_WARN:
		/* at once, after what is pending (so both streams keep their
		 * order when they go to the same terminal or file) */
		stage(STDERR_FILENO, line, len,
		      level == PORT_LOG_ERR ? "<3>" : "<4>", tag);
		port_log_flush();
		return;
	case PORT_LOG_DEBUG:
		stage(info_fd, line, len, "<7>", tag);
		return;
	case PORT_LOG_DATA:
		stage(data_fd, line, len, "<6>", tag);
		return;
	case PORT_LOG_INFO:
	default:
		stage(info_fd, line, len, "<6>", tag);
		return;
	}
}

size_t port_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
	return fmt_v(buf, cap, fmt, ap);
}

void port_log(enum port_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(level, NULL, fmt, ap);
	va_end(ap);
}
