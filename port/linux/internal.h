/*
 * internal.h - what one file of port/linux tells another; not part of
 * the port API (port/port.h), and never included from core/.
 */
#ifndef PORT_LINUX_INTERNAL_H
#define PORT_LINUX_INTERNAL_H

#include <stdbool.h>

/* fd.c: called with an fd about to be closed, if set.  net.c sets it to
 * unmap a packet socket's receive ring once it has mapped one: a pointer,
 * not a call, so that a build without links (port.h, FEATURES) can leave
 * net.c out. */
extern void (*fd_close_hook)(int fd);

/* mem.c, from the SIGBUS handler: addr lies in one of our mappings, whose
 * file lost that page: put a zeroed page there and note it.  False if
 * addr is none of ours (then the fault is a bug of ours: let it kill). */
bool mem_fault_fixup(void *addr);

#endif
