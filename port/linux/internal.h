/*
 * internal.h - what one file of port/linux tells another; not part of
 * the port API (port/port.h), and never included from core/.
 */
#ifndef PORT_LINUX_INTERNAL_H
#define PORT_LINUX_INTERNAL_H

#include <stdbool.h>

/* net.c: fd is being closed; unmap the receive ring it may have. */
void net_fd_release(int fd);

/* mem.c, from the SIGBUS handler: addr lies in one of our mappings, whose
 * file lost that page: put a zeroed page there and note it.  False if
 * addr is none of ours (then the fault is a bug of ours: let it kill). */
bool mem_fault_fixup(void *addr);

#endif
