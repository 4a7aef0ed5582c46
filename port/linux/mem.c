/*
 * mem.c - shared memory: memfds and their mappings.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "port/port.h"

int port_mem_create(const char *name, uint64_t size)
{
	int fd, r, e;

	/* off_t is signed 64-bit; a larger size cannot be ftruncate()d. */
	if (size > (uint64_t)INT64_MAX)
		return -EINVAL;
	/* The name only shows in /proc/<pid>/fd; the kernel rejects NULL. */
	fd = memfd_create(name ? name : "vhost", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	do
		r = ftruncate(fd, (off_t)size);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		goto fail;
	/* Sealing against shrinking means a peer cannot truncate the file under
	 * our mapping and make us SIGBUS.  EINVAL means the kernel/filesystem
	 * does not support sealing: run without it rather than not at all. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 && errno != EINVAL)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

int port_mem_map(int fd, uint64_t len, void **addr)
{
	void *p;

	if (!addr || len == 0)
		return -EINVAL;
#if UINT64_MAX > SIZE_MAX
	if (len > SIZE_MAX) /* 32-bit build: cannot even be asked of mmap */
		return -EINVAL;
#endif
	p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

int port_mem_unmap(void *addr, uint64_t len)
{
	if (!addr || len == 0)
		return -EINVAL;
#if UINT64_MAX > SIZE_MAX
	if (len > SIZE_MAX)
		return -EINVAL;
#endif
	return munmap(addr, (size_t)len) < 0 ? -errno : 0;
}
