/*
 * test_port_mem.c - the Linux port's shared memory (port/linux/mem.c,
 * sig.c) against a real kernel: a file shrunk under a mapping made with
 * port_mem_map is survived.
 *
 * A front-end can truncate the file behind a region after the back-end
 * checked its size; the next touch of a lost page raises SIGBUS.  With
 * port_sig_init's handler the touch finds a zeroed page instead, the
 * mapping is marked (port_mem_faulted), and it is counted
 * (port_mem_faults).  (The same on hugetlbfs is test_port_hugetlb.c.)
 * A SIGBUS anywhere else, or sent with kill, still kills, as it should.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "port/port.h"
#include "tests/unit/check.h"

static void test_truncated_under_mapping(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("t", MFD_CLOEXEC); /* not sealed */
	volatile uint8_t *p;
	void *base = NULL;
	uint64_t f0;

	CHECK_EQ_I(port_sig_init(), 0);
	if (!CHECK(fd >= 0 && ftruncate(fd, 4 * page) == 0))
		return;
	CHECK_EQ_I(port_mem_map(fd, 4 * (uint64_t)page, &base), 0);
	p = base;
	p[2 * page] = 0x5a;
	CHECK_EQ_U(p[2 * page], 0x5a);
	CHECK_EQ_I(port_mem_faulted(base), 0);
	f0 = port_mem_faults();
	CHECK(ftruncate(fd, page) == 0);
	/* pages 1..3 are gone from the file: reading survives, zeroed */
	CHECK_EQ_U(p[2 * page + 7], 0);
	CHECK_EQ_U(port_mem_faults(), f0 + 1);
	CHECK_EQ_I(port_mem_faulted(base), 1);
	CHECK_EQ_I(port_mem_faulted(base), 0); /* said once */
	/* the page stays usable; another lost page faults once more */
	p[2 * page + 8] = 9;
	CHECK_EQ_U(p[2 * page + 8], 9);
	CHECK_EQ_U(port_mem_faults(), f0 + 1);
	p[3 * page] = 1;
	CHECK_EQ_U(port_mem_faults(), f0 + 2);
	/* page 0 is still the file's */
	p[0] = 0x11;
	CHECK_EQ_U(p[0], 0x11);
	CHECK_EQ_I(port_mem_unmap(base, 4 * (uint64_t)page), 0);
	CHECK_EQ_I(port_mem_faulted(base), 0); /* forgotten with the unmap */
	close(fd);
}

/* A SIGBUS outside port_mem_map's mappings is a bug of ours: it kills. */
static void test_other_sigbus_kills(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = memfd_create("u", 0);
		volatile uint8_t *q;

		port_sig_init();
		if (fd < 0 || ftruncate(fd, 2 * page) != 0)
			_exit(3);
		q = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
		if (q == MAP_FAILED || ftruncate(fd, 0) != 0)
			_exit(3);
		q[page] = 1; /* SIGBUS, and not one of port_mem_map's */
		_exit(0);
	}
	if (!CHECK(pid > 0))
		return;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		CHECK_EQ_I(WTERMSIG(status), SIGBUS);
}

/* A SIGBUS sent with kill is no fault to survive: it kills. */
static void test_sent_sigbus_kills(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		port_sig_init();
		kill(getpid(), SIGBUS);
		_exit(0);
	}
	if (!CHECK(pid > 0))
		return;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
}

int main(void)
{
	RUN(test_truncated_under_mapping);
	RUN(test_other_sigbus_kills);
	RUN(test_sent_sigbus_kills);
	return check_summary("test_port_mem");
}
