/*
 * cve_2020_10726.c - CVE-2020-10726: GET_INFLIGHT_FD and SET_INFLIGHT_FD
 * repeated, and the shared region of the one before never unmapped (nor
 * its fd closed): a front-end grows the back-end's memory and fds at will.
 *
 * Here a region replaced is unmapped and every fd closed: 1,000 GETs and
 * 1,000 SETs on one connection leave the back-end with one region's
 * mapping and one connection's fds, and none once the connection goes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/security/hostile.h"

#define INFLIGHT VU_BIT(VU_PROTO_F_INFLIGHT_SHMFD)

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	unsigned fds0, maps0, fds1, maps1;
	struct vu_inflight in = {0, 0, 2, 256, 0}, got;
	struct hf h;
	int fds[8], n;

	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	fds0 = hf_be_fds();
	maps0 = hf_be_maps();
	hf_close(&h);

	hf_scenario("1000 GET_INFLIGHT_FD");
	hf_setup(&h, path, 0, INFLIGHT, 256);
	fds1 = hf_be_fds();
	maps1 = hf_be_maps();
	for (unsigned i = 0; i < 1000; i++) {
		HF_CHECK(hf_send(&h, VU_GET_INFLIGHT_FD, 0, &in, sizeof(in),
				 NULL, 0) == 0,
			 "send");
		HF_CHECK(hf_reply(&h, VU_GET_INFLIGHT_FD, &got, sizeof(got), fds,
				  &n) == sizeof(got) &&
				 n == 1,
			 "a region and its fd");
		HF_CHECK(got.num_queues == 2 && got.queue_size == 256 &&
				 got.mmap_size >= 2 * (16 + 16 * 256),
			 "the region's description");
		close(fds[0]);
	}
	/* The back-end closes its copy of the fd just after the reply went
	 * out: a round trip first, so that the count comes after the close.
	 * One region more than before: a mapping, no fd. */
	HF_CHECK(hf_alive(&h), "served");
	HF_CHECK(hf_be_fds() == fds1, "no fd left behind");
	HF_CHECK(hf_be_maps() <= maps1 + 2, "one region mapped, not 1000");

	hf_scenario("1000 SET_INFLIGHT_FD");
	for (unsigned i = 0; i < 1000; i++) {
		int fd = memfd_create("inflight", MFD_CLOEXEC);
		struct vu_inflight set = {0x4000 * 2 + 0x1000, 0, 2, 256, 0};

		HF_CHECK(fd >= 0 && ftruncate(fd, 0x10000) == 0, "memfd");
		hf_send(&h, VU_SET_INFLIGHT_FD, 0, &set, sizeof(set), &fd, 1);
		close(fd);
	}
	HF_CHECK(hf_alive(&h), "served");
	HF_CHECK(hf_be_fds() == fds1, "no fd left behind");
	HF_CHECK(hf_be_maps() <= maps1 + 2, "one region mapped, not 1000");
	printf("back-end: %u fds and %u mappings, %u and %u before\n",
	       hf_be_fds(), hf_be_maps(), fds1, maps1);
	hf_close(&h);

	hf_scenario("everything gone with the connection");
	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	HF_CHECK(hf_be_fds() == fds0, "the fds of before");
	HF_CHECK(hf_be_maps() == maps0, "the mappings of before");
	hf_close(&h);
	return 0;
}
