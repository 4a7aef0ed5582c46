/*
 * file.c - regular files written by the back-end, and the wall clock
 * that stamps what goes in them: the capture's needs (port.h, FEATURES).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"

/* Largest single write asked of the kernel: keeps the byte count inside a
 * 32-bit long and ssize_t (Linux caps a write near 2 GiB anyway). */
#define FILE_WRITE_MAX (1u << 30)

int port_file_create(const char *path)
{
	int fd;

	if (!path || !path[0])
		return -EINVAL;
	/* open() can sleep (a FIFO, a network filesystem): retry a signal. */
	do
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

long port_file_write(int fd, const void *buf, uint32_t len)
{
	ssize_t r;

	if (!buf && len)
		return -EINVAL;
	if (len > FILE_WRITE_MAX)
		len = FILE_WRITE_MAX; /* port.h: maybe fewer bytes */
	/* One write: a short count is the caller's to resume, so that a full
	 * disk shows as ENOSPC on the next call rather than a stall here. */
	do
		r = write(fd, buf, len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : (long)r;
}

uint64_t port_wall_ns(void)
{
	struct timespec ts;

	/* Settable, so it may jump either way; only stamps captures.  A clock
	 * set before 1970 reads as 1970 rather than as a huge unsigned time. */
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * PORT_NS_PER_S + (uint64_t)ts.tv_nsec;
}
