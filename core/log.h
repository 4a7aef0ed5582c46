/*
 * log.h - how the core speaks: through port_log only.
 *
 * Error and warning lines, and the lines about peers connecting and going
 * (LOG_PEER), are what a hostile front-end or guest can cause at will: they
 * pass a rate limit first (a token bucket of CFG_LOG_BURST lines, refilled
 * at CFG_LOG_RATE a second), per device, so that one device's flood
 * neither fills the log nor silences another device.  What was held back
 * is counted, and said in one line when lines flow again.  LOG_INFO (the
 * counters, the -v trace, --dump) is what the operator asked for and is
 * not limited.
 *
 * LOG_DBG compiles away unless DEBUG=1, but its format string and arguments
 * are still type-checked.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "port/port.h"

/* The rate limit of one source of lines (a device, or the process). */
struct log_limit {
	const char *who;  /* named in the "suppressed" line */
	uint64_t last_ns; /* time of the last refill */
	uint32_t tokens;
	uint32_t suppressed; /* lines held back since the last one out */
	bool started;
};

/* Lines from now on are charged to l: a device's, while the loop works
 * for it.  NULL: the operator's own lines (start-up), not limited. */
void log_scope(struct log_limit *l);

/* May a limited line go out now?  Says first what was held back. */
bool log_allow(void);

#define LOG_LIMITED(level, ...)                          \
	do {                                             \
		if (log_allow())                         \
			port_log((level), __VA_ARGS__);  \
	} while (0)

#define LOG_ERR(...) LOG_LIMITED(PORT_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...) LOG_LIMITED(PORT_LOG_WARN, __VA_ARGS__)
#define LOG_PEER(...) LOG_LIMITED(PORT_LOG_INFO, __VA_ARGS__)
#define LOG_INFO(...) port_log(PORT_LOG_INFO, __VA_ARGS__)

#ifdef DEBUG
#define LOG_DBG(...) port_log(PORT_LOG_INFO, __VA_ARGS__)
#else
#define LOG_DBG(...)                                       \
	do {                                               \
		if (0)                                     \
			port_log(PORT_LOG_INFO, __VA_ARGS__); \
	} while (0)
#endif

/* Programming errors only (never a value from the peer or the guest). */
#ifdef DEBUG
#define CORE_ASSERT(c)                                                      \
	do {                                                                \
		if (!(c)) {                                                 \
			port_log(PORT_LOG_ERR, "assertion failed: %s (%s:%d)", \
				 #c, __FILE__, __LINE__);                   \
			__builtin_trap();                                   \
		}                                                           \
	} while (0)
#else
#define CORE_ASSERT(c) ((void)0)
#endif

#endif /* CORE_LOG_H */
