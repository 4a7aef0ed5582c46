/*
 * log.h - how the core speaks: through port_log only.
 *
 * Error and warning lines, and the lines about peers connecting and going
 * (LOG_PEER), are what a hostile front-end or guest can cause at will: they
 * pass a rate limit first (a token bucket of CFG_LOG_BURST lines, refilled
 * at CFG_LOG_RATE a second), per device, so that one device's flood
 * neither fills the log nor silences another device.  What was held back
 * is counted, and said in one line when lines flow again.  The other
 * lines are what the operator asked for and are not limited.
 *
 * How much is said is the operator's choice, one level for the process
 * (log_level, from -q/-v on the command line):
 *   LOG_QUIET (-1, --quiet)  errors only (and what was asked for: LOG_OUT)
 *   LOG_NORMAL (0)           also warnings, peers coming and going, and
 *                            the program's own lines (LOG_INFO)
 *   1 (-v)                   the vhost-user messages, decoded (trace.c)
 *   2 (-vv)                  a device's and its rings' changes of state:
 *                            features, memory, rings set up, started,
 *                            enabled, stopped
 *   3 (-vvv)                 every kick, call, chain and descriptor
 * (a board may build fewer: CFG_LOG_TRACE).
 * LOG_TRACE(n, ...) is said from level n up.  Every line about a device
 * starts with its name ("dev0: ", "dev0 q1: "), the trace's too.
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

/* How much is said (see above). */
enum {
	LOG_QUIET = -1,
	LOG_NORMAL = 0,
	LOG_MESSAGES = 1,
	LOG_STATES = 2,
	LOG_RINGS = 3,
};
extern int log_level;

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

/* A PORT_LOG_INFO line, unless --quiet (LOG_INFO). */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Lines of the trace from level n up (1..3), each after "who: " (the
 * device's name). */
void log_trace(int n, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define LOG_ERR(...)                                          \
	do {                                                  \
		if (log_allow())                              \
			port_log(PORT_LOG_ERR, __VA_ARGS__);  \
	} while (0)

/* Below LOG_NORMAL (--quiet) dropped before it costs a token. */
#define LOG_LIMITED(level, ...)                                      \
	do {                                                         \
		if (log_level >= LOG_NORMAL && log_allow())          \
			port_log((level), __VA_ARGS__);              \
	} while (0)

#define LOG_WARN(...) LOG_LIMITED(PORT_LOG_WARN, __VA_ARGS__)
#define LOG_PEER(...) LOG_LIMITED(PORT_LOG_INFO, __VA_ARGS__)
#define LOG_INFO(...) log_info(__VA_ARGS__)
/* What the operator asked for (--help, --dump, SIGUSR1's counters):
 * said even with --quiet. */
#define LOG_OUT(...) port_log(PORT_LOG_INFO, __VA_ARGS__)

/* A line of the trace, from level n (1..3) up.  Levels past
 * CFG_LOG_TRACE compile away; the level is looked at before the
 * arguments are, as the data path traces at level 3. */
#define LOG_TRACE(n, ...)                                            \
	do {                                                         \
		if ((n) <= CFG_LOG_TRACE && log_level >= (n))        \
			port_log(PORT_LOG_DEBUG, __VA_ARGS__);       \
	} while (0)

#ifdef DEBUG
#define LOG_DBG(...) port_log(PORT_LOG_DEBUG, __VA_ARGS__)
#else
#define LOG_DBG(...)                                        \
	do {                                                \
		if (0)                                      \
			port_log(PORT_LOG_DEBUG, __VA_ARGS__); \
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
