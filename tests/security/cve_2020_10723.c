/*
 * cve_2020_10723.c - CVE-2020-10723: a queue index truncated before it is
 * validated.  DPDK's vhost checked an index against its limit after
 * narrowing it, so a large 32-bit index could pass and then index past the
 * queue array.
 *
 * Every request that names a queue is checked in its full width: 32-bit
 * indexes of 256, 65536, 2^32 - 1, an index within 8 bits but past the
 * device's queues, and kick/call payloads with bits above the index.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/security/hostile.h"

static void bad_state(const char *path, uint32_t req, uint32_t index,
		      uint32_t num, const char *expect)
{
	struct hf h;
	struct vu_state s = {index, num};

	hf_open(&h, path);
	hf_send(&h, req, 0, &s, sizeof(s), NULL, 0);
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	static const uint32_t big[] = {0x100, 0x10000, 0xffffffffu, 200};
	char line[128];
	struct hf h;

	for (unsigned i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		hf_scenario("SET_VRING_NUM, BASE, ENABLE, GET_VRING_BASE");
		snprintf(line, sizeof(line), "SET_VRING_NUM: queue index %u",
			 big[i]);
		bad_state(path, VU_SET_VRING_NUM, big[i], 64, line);
		snprintf(line, sizeof(line), "SET_VRING_BASE: queue index %u",
			 big[i]);
		bad_state(path, VU_SET_VRING_BASE, big[i], 0, line);
		snprintf(line, sizeof(line),
			 "SET_VRING_ENABLE: queue index %u", big[i]);
		bad_state(path, VU_SET_VRING_ENABLE, big[i], 1, line);
		snprintf(line, sizeof(line), "GET_VRING_BASE: queue index %u",
			 big[i]);
		bad_state(path, VU_GET_VRING_BASE, big[i], 0, line);
	}

	hf_scenario("SET_VRING_ADDR with index 0x10001");
	hf_open(&h, path);
	{
		struct vu_addr a = {0x10001, 0, 0, 0, 0, 0};
		hf_send(&h, VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
	}
	HF_CHECK(hf_gone(&h, 5000), "SET_VRING_ADDR 0x10001");
	hf_expect("SET_VRING_ADDR: queue index 65537");
	hf_close(&h);

	hf_scenario("SET_VRING_KICK/CALL/ERR: bits above the index");
	{
		static const uint32_t reqs[] = {VU_SET_VRING_KICK,
						VU_SET_VRING_CALL,
						VU_SET_VRING_ERR};
		for (unsigned i = 0; i < 3; i++) {
			uint64_t v = 0x100000000ull; /* "index 0" truncated */
			int fd = eventfd(0, EFD_CLOEXEC);

			hf_open(&h, path);
			hf_send(&h, reqs[i], 0, &v, 8, &fd, 1);
			close(fd);
			HF_CHECK(hf_gone(&h, 5000), "bits above the index");
			hf_close(&h);
		}
		hf_expect("SET_VRING_KICK payload 0x100000000 has unknown bits");
		hf_expect("SET_VRING_ERR payload 0x100000000 has unknown bits");
	}
	hf_scenario("SET_VRING_CALL for queue 255 (8 bits, no such queue)");
	{
		uint64_t v = 255;
		int fd = eventfd(0, EFD_CLOEXEC);

		hf_open(&h, path);
		hf_send(&h, VU_SET_VRING_CALL, 0, &v, 8, &fd, 1);
		close(fd);
		HF_CHECK(hf_gone(&h, 5000), "queue 255");
		hf_expect("SET_VRING_CALL: queue index 255");
		hf_close(&h);
	}
	hf_scenario("the highest real queue is fine");
	hf_open(&h, path);
	{
		struct vu_state s = {0, 64};
		uint64_t q = 0;

		hf_send(&h, VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0);
		HF_CHECK(hf_reply(&h, VU_GET_QUEUE_NUM, &q, 8, NULL, NULL) == 8,
			 "GET_QUEUE_NUM");
		/* q queue pairs: vrings 0 .. 2q - 1 */
		s.index = 2 * (uint32_t)q - 1;
		hf_send(&h, VU_SET_VRING_NUM, 0, &s, sizeof(s), NULL, 0);
		HF_CHECK(hf_alive(&h), "vring 2 * GET_QUEUE_NUM - 1 is served");
	}
	hf_close(&h);
	return 0;
}
