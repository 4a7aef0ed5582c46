/*
 * trace.h - the `-v` trace: every message, decoded, for a bring-up engineer.
 */
#ifndef CORE_TRACE_H
#define CORE_TRACE_H

#include "core/proto/vu_msg.h"

/* At log level LOG_MESSAGES (-v) and up, print request name and number
 * ("Cmd:" for a request, "Reply:" for a reply), flags, size, the decoded
 * payload and the fds that came with it, each line after "who: " (the
 * device's name). */
void trace_msg(const char *who, const struct vu_msg *m);

#endif /* CORE_TRACE_H */
