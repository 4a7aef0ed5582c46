/*
 * fd.c - closing and sizing plain file descriptors.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "port/linux/internal.h"
#include "port/port.h"

void (*fd_close_hook)(int fd);

void port_fd_close(int fd)
{
	if (fd < 0)
		return;
	/* A packet socket's receive ring goes with it (net.c). */
	if (fd_close_hook)
		fd_close_hook(fd);
	/* No retry on EINTR: Linux releases the fd before it can report EINTR,
	 * so a second close() could hit an fd reused by someone else.  Errors
	 * are of no use to the caller, who has given the fd up either way. */
	(void)close(fd);
}

int port_fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (!size)
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* st_size is never negative for regular files and memfds; clamp anyway
	 * so a strange fd cannot turn into a huge unsigned size. */
	*size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return 0;
}
