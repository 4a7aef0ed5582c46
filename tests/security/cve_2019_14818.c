/*
 * cve_2019_14818.c - CVE-2019-14818 and CVE-2022-0669: file descriptors
 * that rode on a message and were never closed.  DPDK's vhost leaked the
 * fds of messages it refused (2019), and the extra fds of
 * GET/SET_INFLIGHT_FD (2022): a front-end that repeats such messages
 * exhausts the back-end's fd table.
 *
 * Every fd a message brings is kept or closed on every path: fds on
 * requests that take none, more fds than a request takes, more than any
 * message may carry, fds on requests that are refused (the connection
 * kept), thousands of times over.  The back-end's fd count (/proc/PID/fd)
 * must not grow.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/security/hostile.h"

static int efds[9];

static void make_fds(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		efds[i] = eventfd(0, EFD_CLOEXEC);
		HF_CHECK(efds[i] >= 0, "eventfd");
	}
}

static void close_fds(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(efds[i]);
}

/* One message with n fds; the back-end must drop the connection. */
static void violation(const char *path, uint32_t req, const void *p,
		      uint32_t size, unsigned n, const char *expect)
{
	struct hf h;

	hf_open(&h, path);
	make_fds(n);
	hf_send(&h, req, 0, p, size, efds, (int)n);
	close_fds(n); /* ours: only the back-end's copies are left */
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	unsigned base, now;
	uint64_t v = VU_BIT(VIRTIO_F_VERSION_1);
	struct hf h;

	/* the baseline: one connection open (ours), nothing else */
	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	base = hf_be_fds();
	hf_close(&h);

	hf_scenario("three fds on SET_FEATURES, which takes none");
	violation(path, VU_SET_FEATURES, &v, 8, 3,
		  "SET_FEATURES came with 3 fds, expected 0");
	hf_scenario("an fd on GET_FEATURES");
	violation(path, VU_GET_FEATURES, NULL, 0, 1,
		  "GET_FEATURES came with 1 fds, expected 0");
	hf_scenario("an fd on SET_VRING_KICK with the no-fd flag");
	v = 0 | VU_VRING_NOFD;
	violation(path, VU_SET_VRING_KICK, &v, 8, 1,
		  "SET_VRING_KICK came with 1 fds, expected 0");
	hf_scenario("two fds on SET_VRING_CALL");
	v = 0;
	violation(path, VU_SET_VRING_CALL, &v, 8, 2,
		  "SET_VRING_CALL came with 2 fds, expected 1");
	hf_scenario("nine fds: more than any message carries");
	v = 1;
	violation(path, VU_SET_OWNER, NULL, 0, 9,
		  "more than 8 fds sent with one message");
	hf_scenario("CVE-2022-0669: fds on GET_INFLIGHT_FD");
	{
		struct vu_inflight in = {0, 0, 2, 64, 0};
		violation(path, VU_GET_INFLIGHT_FD, &in, sizeof(in), 3,
			  "GET_INFLIGHT_FD came with 3 fds, expected 0");
		violation(path, VU_SET_INFLIGHT_FD, &in, sizeof(in), 2,
			  "SET_INFLIGHT_FD came with 2 fds, expected 1");
	}

	hf_scenario("2000 refused requests with fds, on one connection");
	hf_open(&h, path);
	for (unsigned i = 0; i < 1000; i++) {
		struct vu_log lg = {0x1000, 0};
		int fd = eventfd(0, EFD_CLOEXEC);

		/* refused, the connection kept: protocol feature missing,
		 * and a request we do not implement */
		hf_send(&h, VU_SET_LOG_BASE, 0, &lg, sizeof(lg), &fd, 1);
		hf_send(&h, VU_GET_CONFIG, 0, &lg, sizeof(lg), &fd, 1);
		close(fd);
	}
	HF_CHECK(hf_alive(&h), "still served after 2000 refusals");
	now = hf_be_fds();
	if (now != base)
		hf_fail("the back-end holds %u fds, %u before", now, base);
	hf_expect("SET_LOG_BASE needs protocol feature LOG_SHMFD");
	hf_expect("GET_CONFIG (24) is not supported");
	hf_close(&h);

	hf_scenario("1000 connections dropped with fds in flight");
	for (unsigned i = 0; i < 1000; i++) {
		struct hf c;

		/* no pause here: hf_open's is for readable logs */
		memset(&c, 0, sizeof(c));
		c.sock = -1;
		hf_open_fast(&c, path);
		make_fds(2);
		hf_send(&c, VU_SET_FEATURES, 0, &v, 8, efds, 2);
		close_fds(2);
		HF_CHECK(hf_gone(&c, 5000), "dropped");
		hf_close(&c);
	}
	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	now = hf_be_fds();
	if (now != base)
		hf_fail("the back-end holds %u fds, %u before", now, base);
	hf_close(&h);
	printf("back-end fds: %u before, %u after\n", base, now);
	return 0;
}
