/*
 * evt.c - eventfds for kicks and calls.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "port/port.h"

int port_evt_create(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int port_evt_adopt(int fd)
{
	struct stat st;
	int fl;

	/* An eventfd (an anonymous inode, no file type), or what a platform
	 * without eventfds would send (a pipe, a socket).  A regular file or
	 * a device (/dev/zero) would read as an endless stream of kicks. */
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_mode & S_IFMT) != 0 && !S_ISFIFO(st.st_mode) &&
	    !S_ISSOCK(st.st_mode))
		return -EINVAL;
	fl = fcntl(fd, F_GETFL);

	/* O_NONBLOCK belongs to the open file, which the peer shares: for
	 * an eventfd (QEMU's and DPDK's are non-blocking already) or a pipe
	 * end only we use, it changes nothing for them */
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int port_evt_signal(int fd)
{
	const uint64_t one = 1;

	for (;;) {
		if (write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
			return 0;
		if (errno == EINTR)
			continue;
		/* A saturated counter already wakes the reader: the kick is not
		 * lost, so this is success. */
		if (errno == EAGAIN)
			return 0;
		return -errno;
	}
}

int port_evt_drain(int fd, uint64_t *count)
{
	uint64_t v;

	if (!count)
		return -EINVAL;
	for (;;) {
		ssize_t r = read(fd, &v, sizeof(v));

		if (r == (ssize_t)sizeof(v)) {
			*count = v;
			return 0;
		}
		if (r >= 0)
			return -EPROTO; /* eventfds always transfer 8 bytes */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			*count = 0; /* counter was 0: nothing to drain */
			return 0;
		}
		return -errno;
	}
}
