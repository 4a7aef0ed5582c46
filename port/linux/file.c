/*
 * file.c - regular files written by the back-end, or its standard output:
 * the capture's needs (port.h, FEATURES).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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

int port_file_stdout(void)
{
	struct stat st;
	int fl;

	if (isatty(STDOUT_FILENO))
		return -ENOTTY;
	if (fstat(STDOUT_FILENO, &st) < 0)
		return -errno;
	/* A pipe (`| wireshark -k -i -`) or a socket can stall a writer for
	 * as long as its reader likes; a file cannot. */
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		fl = fcntl(STDOUT_FILENO, F_GETFL);
		if (fl < 0 || fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
	}
	return STDOUT_FILENO;
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
