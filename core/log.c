/*
 * log.c - the rate limit of the lines a peer can cause (see log.h).
 */
#include "core/log.h"

#include <stdarg.h>

/* Lines outside any device's work (start-up, the command line) come
 * from the operator, not from a peer: not limited. */
static struct log_limit *scope;

int log_level = LOG_NORMAL;

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	port_vlog(PORT_LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_trace(int n, const char *who, const char *fmt, ...)
{
	va_list ap;

	if (log_level < n)
		return;
	va_start(ap, fmt);
	port_vlog(PORT_LOG_DEBUG, who, fmt, ap);
	va_end(ap);
}

void log_scope(struct log_limit *l)
{
	scope = l;
}

bool log_allow(void)
{
	struct log_limit *l = scope;
	const uint64_t per = PORT_NS_PER_S / CFG_LOG_RATE;
	uint64_t now;

	if (l == NULL)
		return true;
	now = port_now_ns();
	if (!l->started) {
		l->started = true;
		l->tokens = CFG_LOG_BURST;
		l->last_ns = now;
	}
	if (now - l->last_ns >= per) {
		uint64_t n = (now - l->last_ns) / per;

		if (n >= CFG_LOG_BURST - l->tokens) {
			l->tokens = CFG_LOG_BURST;
			l->last_ns = now;
		} else {
			l->tokens += (uint32_t)n;
			l->last_ns += n * per;
		}
	}
	if (l->tokens == 0) {
		l->suppressed++;
		return false;
	}
	l->tokens--;
	if (l->suppressed > 0) {
		port_log(PORT_LOG_WARN, "%s: %u lines held back (rate limit of "
			 "%u a second)", l->who, l->suppressed,
			 (unsigned)CFG_LOG_RATE);
		l->suppressed = 0;
	}
	return true;
}
