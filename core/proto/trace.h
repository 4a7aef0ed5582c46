/*
 * trace.h - the `-v` trace: every message, decoded, for a bring-up engineer.
 */
#ifndef CORE_TRACE_H
#define CORE_TRACE_H

#include "core/proto/vu_msg.h"

/* Print request name and number ("Cmd:" for a request, "Reply:" for a
 * reply), flags, size, the decoded payload and the fds that came with it. */
void trace_msg(const struct vu_msg *m);

#endif /* CORE_TRACE_H */
