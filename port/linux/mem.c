/*
 * mem.c - shared memory: memfds and their mappings.
 *
 * Every mapping is recorded, so that a SIGBUS inside one (its file was
 * truncated by the peer after we checked its size) can be survived: the
 * handler (sig.c) calls mem_fault_fixup, which maps a zeroed private page
 * over the one that faulted and marks the mapping for the core to find.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "port/linux/internal.h"
#include "port/port.h"

/* Mappings of this process: devices x (regions + a table being swapped
 * in + the log + the inflight region), with room to spare. */
#define MAPS_MAX 1024

static struct mapping {
	uintptr_t base;
	size_t len;
	size_t page; /* of the file's filesystem: huge for hugetlbfs */
	volatile sig_atomic_t faulted;
} maps[MAPS_MAX];
static volatile sig_atomic_t faults;

/* The page size the kernel maps fd's file with: 4 KiB for a memfd or
 * tmpfs, 2 MiB or 1 GiB for hugetlbfs (where a mapping can only be split
 * at those boundaries). */
static size_t file_page(int fd)
{
	/* From the auxiliary vector, as the kernel gave it at exec: the same
	 * answer as sysconf(_SC_PAGESIZE), without linking libc's table of
	 * every sysconf name (about 1 KiB of a static binary). */
	unsigned long page = getauxval(AT_PAGESZ);
	struct statfs st;
	uint64_t b;

	if (page == 0)
		page = 4096;
	if (fstatfs(fd, &st) != 0)
		return (size_t)page;
	b = (uint64_t)st.f_bsize;
	if (b > (uint64_t)page && b <= SIZE_MAX && !(b & (b - 1)))
		return (size_t)b;
	return (size_t)page;
}

static void maps_add(void *p, size_t len, int fd)
{
	for (unsigned i = 0; i < MAPS_MAX; i++) {
		if (maps[i].base == 0) {
			maps[i].len = len;
			maps[i].page = file_page(fd);
			maps[i].faulted = 0;
			maps[i].base = (uintptr_t)p;
			return;
		}
	}
	/* Table full: the mapping works, only a fault in it is not
	 * survived (it never is without port_sig_init either). */
}

static struct mapping *maps_find(uintptr_t a)
{
	for (unsigned i = 0; i < MAPS_MAX; i++)
		if (maps[i].base != 0 && a - maps[i].base < maps[i].len)
			return &maps[i];
	return NULL;
}

bool mem_fault_fixup(void *addr)
{
	struct mapping *m = maps_find((uintptr_t)addr);
	uintptr_t p;

	if (m == NULL)
		return false;
	/* the whole page of the mapping (a huge one on hugetlbfs); mmap is
	 * a plain system call: safe in a signal handler */
	p = (uintptr_t)addr & ~((uintptr_t)m->page - 1);
	if (mmap((void *)p, m->page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return false;
	m->faulted = 1;
	faults++;
	return true;
}

uint64_t port_mem_faults(void)
{
	return (uint64_t)faults;
}

int port_mem_faulted(void *addr)
{
	struct mapping *m = maps_find((uintptr_t)addr);

	if (m == NULL || !m->faulted)
		return 0;
	m->faulted = 0;
	return 1;
}

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
	maps_add(p, (size_t)len, fd);
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
	struct mapping *m = maps_find((uintptr_t)addr);

	if (m != NULL && m->base == (uintptr_t)addr)
		m->base = 0;
	return munmap(addr, (size_t)len) < 0 ? -errno : 0;
}
