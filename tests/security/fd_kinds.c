/*
 * fd_kinds.c - fds of the wrong kind where an eventfd belongs (kick, call,
 * err, log): the class of bugs where a back-end blocks on, or spins on, a
 * file its peer chose.
 *
 * A call fd that is a pipe nobody reads fills up: a blocking write would
 * hang the whole back-end, every device with it; ours goes on.  A regular
 * file or /dev/zero as a kick fd would read as endless kicks: refused.  A
 * pipe whose writer goes away reads as end of file: the connection is
 * dropped instead of spinning.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/security/hostile.h"

static void bad_kick(const char *path, int fd, const char *expect)
{
	struct hf h;
	uint64_t q = 1;

	hf_setup(&h, path, 0, 0, 64);
	hf_send(&h, VU_SET_VRING_KICK, 0, &q, 8, &fd, 1);
	close(fd);
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	uint8_t f[60];
	uint32_t id, len;
	struct hf h;
	int p[2];

	hf_frame(f, sizeof(f), 4);

	hf_scenario("a call fd that is a full pipe nobody reads");
	hf_setup(&h, path, 0, 0, 64);
	HF_CHECK(pipe(p) == 0, "pipe");
	fcntl(p[1], F_SETPIPE_SZ, 4096); /* full after 512 calls */
	{
		uint64_t q = 0;
		int fd = p[1];

		hf_send(&h, VU_SET_VRING_CALL, 0, &q, 8, &fd, 1);
		q = 1;
		hf_send(&h, VU_SET_VRING_CALL, 0, &q, 8, &fd, 1);
		close(p[1]);
	}
	for (unsigned i = 0; i < 1500; i++) {
		hf_rx_fill(&h, 1, 2048);
		hf_tx(&h, 0, f, sizeof(f), NULL);
		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1,
			 "every frame echoed, calls or not");
		HF_CHECK(hf_used(&h, 1, &id, &len, 5000) == 1, "TX returned");
	}
	HF_CHECK(hf_alive(&h), "the back-end never blocked");
	close(p[0]);
	hf_close(&h);

	hf_scenario("a regular file as the kick fd");
	{
		int fd = memfd_create("kick", MFD_CLOEXEC);

		HF_CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "memfd");
		bad_kick(path, fd, "SET_VRING_KICK: the fd is unusable");
	}
	hf_scenario("/dev/zero as the kick fd");
	bad_kick(path, open("/dev/zero", O_RDONLY | O_CLOEXEC),
		 "SET_VRING_KICK: the fd is unusable");
	hf_scenario("a regular file as the log fd");
	hf_open(&h, path);
	{
		int fd = memfd_create("log", MFD_CLOEXEC);

		hf_send(&h, VU_SET_LOG_FD, 0, NULL, 0, &fd, 1);
		close(fd);
	}
	HF_CHECK(hf_gone(&h, 5000), "a file as the log fd");
	hf_expect("SET_LOG_FD: the fd is unusable");
	hf_close(&h);

	hf_scenario("a kick pipe whose writer goes away");
	hf_setup(&h, path, 0, 0, 64);
	HF_CHECK(pipe(p) == 0, "pipe");
	{
		uint64_t q = 1;

		hf_send(&h, VU_SET_VRING_KICK, 0, &q, 8, &p[0], 1);
		close(p[0]);
		HF_CHECK(hf_alive(&h), "a pipe is taken");
		close(p[1]); /* end of file on the back-end's side */
	}
	HF_CHECK(hf_gone(&h, 5000), "dropped, not spinning");
	hf_expect("q1: the kick fd reads as no eventfd");
	hf_close(&h);
	return 0;
}
