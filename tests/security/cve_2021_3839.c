/*
 * cve_2021_3839.c - CVE-2021-3839: SET_INFLIGHT_FD with an unchecked
 * num_queues.  DPDK's vhost used the front-end's num_queues to walk its
 * own queue array: past its end.
 *
 * num_queues and queue_size of GET_INFLIGHT_FD and SET_INFLIGHT_FD are
 * checked against the device before anything is made or mapped, and
 * mmap_size must hold what they claim; each is a violation otherwise.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/security/hostile.h"

#define INFLIGHT VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD)

static void bad(const char *path, uint32_t req, struct vu_inflight in,
		uint64_t file, const char *expect)
{
	struct hf h;
	int fd = -1;

	hf_setup(&h, path, 0, INFLIGHT, 64);
	if (req == VU_SET_INFLIGHT_FD) {
		fd = memfd_create("inflight", MFD_CLOEXEC);
		HF_CHECK(fd >= 0 && ftruncate(fd, (off_t)file) == 0, "memfd");
	}
	hf_send(&h, req, 0, &in, sizeof(in), &fd, fd >= 0 ? 1 : 0);
	if (fd >= 0)
		close(fd);
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	struct hf h;
	uint64_t qn = 0;

	hf_scenario("SET_INFLIGHT_FD for 65535 queues (the CVE)");
	bad(path, VU_SET_INFLIGHT_FD,
	    (struct vu_inflight){0x100000, 0, 0xffff, 64, 0}, 0x100000,
	    "SET_INFLIGHT_FD for 65535 queues, the device has");
	hf_scenario("one queue more than the device has");
	hf_open(&h, path);
	hf_send(&h, VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0);
	HF_CHECK(hf_reply(&h, VU_GET_QUEUE_NUM, &qn, 8, NULL, NULL) == 8,
		 "GET_QUEUE_NUM");
	hf_close(&h);
	/* GET_QUEUE_NUM counts queue pairs; num_queues counts vrings */
	bad(path, VU_SET_INFLIGHT_FD,
	    (struct vu_inflight){0x100000, 0, (uint16_t)(2 * qn + 1), 64, 0},
	    0x100000, "queues, the device has");
	bad(path, VU_GET_INFLIGHT_FD,
	    (struct vu_inflight){0, 0, (uint16_t)(2 * qn + 1), 64, 0}, 0,
	    "GET_INFLIGHT_FD for");
	hf_scenario("no queues, no entries, too many entries");
	bad(path, VU_GET_INFLIGHT_FD, (struct vu_inflight){0, 0, 0, 64, 0}, 0,
	    "GET_INFLIGHT_FD for 0 queues");
	bad(path, VU_SET_INFLIGHT_FD, (struct vu_inflight){0x1000, 0, 1, 0, 0},
	    0x1000, "for rings of 0 entries");
	bad(path, VU_GET_INFLIGHT_FD,
	    (struct vu_inflight){0, 0, 1, 0xffff, 0}, 0,
	    "for rings of 65535 entries");
	hf_scenario("a region too small for the queues it claims");
	bad(path, VU_SET_INFLIGHT_FD,
	    (struct vu_inflight){0x1000, 0, 2, 256, 0}, 0x1000,
	    "4096 bytes cannot hold 2 queues of 256 entries");
	hf_scenario("a region past its file, and one whose offset wraps");
	bad(path, VU_SET_INFLIGHT_FD,
	    (struct vu_inflight){0x8000, 0x1000, 1, 64, 0}, 0x2000,
	    "region needs 0x9000 bytes of its fd, the file has 0x2000");
	bad(path, VU_SET_INFLIGHT_FD,
	    (struct vu_inflight){0x8000, 0xffffffffffffc000ull, 1, 64, 0},
	    0x1000, "wraps or is not 64-byte aligned");

	hf_scenario("every queue the device has is fine");
	hf_setup(&h, path, 0, INFLIGHT, 64);
	{
		struct vu_inflight in = {0, 0, (uint16_t)(2 * qn), 64, 0}, got;
		int fds[8], n = 0;

		hf_send(&h, VU_GET_INFLIGHT_FD, 0, &in, sizeof(in), NULL, 0);
		HF_CHECK(hf_reply(&h, VU_GET_INFLIGHT_FD, &got, sizeof(got),
				  fds, &n) == sizeof(got) && n == 1,
			 "a region for every queue");
		HF_CHECK(got.num_queues == 2 * qn, "all of them");
		close(fds[0]);
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);
	return 0;
}
