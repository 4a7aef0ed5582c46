/*
 * internal.h - what one file of port/linux tells another; not part of
 * the port API (port/port.h), and never included from core/.
 */
#ifndef PORT_LINUX_INTERNAL_H
#define PORT_LINUX_INTERNAL_H

/* net.c: fd is being closed; unmap the receive ring it may have. */
void net_fd_release(int fd);

#endif
