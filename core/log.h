/*
 * log.h - how the core speaks: through port_log only.
 *
 * LOG_DBG compiles away unless DEBUG=1, but its format string and arguments
 * are still type-checked.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include "port/port.h"

#define LOG_ERR(...) port_log(PORT_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...) port_log(PORT_LOG_WARN, __VA_ARGS__)
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
			LOG_ERR("assertion failed: %s (%s:%d)", #c, __FILE__, \
				__LINE__);                                  \
			__builtin_trap();                                   \
		}                                                           \
	} while (0)
#else
#define CORE_ASSERT(c) ((void)0)
#endif

#endif /* CORE_LOG_H */
