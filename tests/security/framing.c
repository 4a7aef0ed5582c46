/*
 * framing.c - hostile message framing (vhost-user.rst "Message
 * Specification"): the class of bugs where a back-end lets the peer size a
 * read, or trusts message boundaries to match reads.
 *
 * A header that announces a payload larger than any request is refused
 * before a byte of it is read; a header cut short and a peer gone midway
 * leave nothing behind; a message split into single bytes, and several
 * messages (with fds) in one write, are each taken exactly; a wrong
 * version or a reply flag on a request is a violation.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "tests/security/hostile.h"

static void bad_header(const char *path, uint32_t req, uint32_t flags,
		       uint32_t size, const char *expect)
{
	uint32_t hdr[3] = {req, flags, size};
	struct hf h;

	hf_open(&h, path);
	hf_send_raw(&h, hdr, sizeof(hdr), NULL, 0);
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	unsigned fds0;
	uint64_t v;
	struct hf h;

	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	fds0 = hf_be_fds();
	hf_close(&h);

	hf_scenario("a payload of 2 GiB announced: never read");
	bad_header(path, VU_SET_MEM_TABLE, VU_VERSION, 0x80000000u,
		   "payload size 2147483648 larger than any request we take");
	hf_scenario("a payload one byte larger than any request");
	{
		char line[80];

		snprintf(line, sizeof(line), "payload size %u larger than",
			 (unsigned)CFG_MSG_PAYLOAD_MAX + 1);
		bad_header(path, VU_SET_MEM_TABLE, VU_VERSION,
			   CFG_MSG_PAYLOAD_MAX + 1, line);
	}
	hf_scenario("protocol version 2, and 0");
	bad_header(path, VU_GET_FEATURES, 2, 0, "protocol version 2, expected 1");
	bad_header(path, VU_GET_FEATURES, 0, 0, "protocol version 0, expected 1");
	hf_scenario("a request with the reply flag");
	bad_header(path, VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 0,
		   "has the reply flag set");

	hf_scenario("a header cut short, then gone; a payload cut short");
	{
		uint32_t hdr[3] = {VU_SET_FEATURES, VU_VERSION, 8};
		int fd = eventfd(0, EFD_CLOEXEC);

		hf_open(&h, path);
		hf_send_raw(&h, hdr, 7, &fd, 1); /* with an fd in flight */
		close(fd);
		hf_close(&h);
		hf_open(&h, path);
		hf_send_raw(&h, hdr, 12, NULL, 0);
		hf_send_raw(&h, &v, 3, NULL, 0);
		hf_close(&h);
	}

	hf_scenario("one message in twelve writes of one byte");
	hf_open(&h, path);
	{
		uint32_t hdr[3] = {VU_GET_FEATURES, VU_VERSION, 0};
		struct timespec ms = {0, 2 * 1000 * 1000};

		for (unsigned i = 0; i < 12; i++) {
			hf_send_raw(&h, (uint8_t *)hdr + i, 1, NULL, 0);
			nanosleep(&ms, NULL);
		}
		HF_CHECK(hf_reply(&h, VU_GET_FEATURES, &v, 8, NULL, NULL) == 8,
			 "answered");
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);

	hf_scenario("three messages in one write, an fd on the first");
	hf_open(&h, path);
	{
		/* SET_VRING_CALL (takes the fd), GET_FEATURES,
		 * GET_PROTOCOL_FEATURES */
		uint8_t buf[3 * 12 + 8];
		uint32_t h1[3] = {VU_SET_VRING_CALL, VU_VERSION, 8};
		uint32_t h2[3] = {VU_GET_FEATURES, VU_VERSION, 0};
		uint32_t h3[3] = {VU_GET_PROTOCOL_FEATURES, VU_VERSION, 0};
		uint64_t q = 0;
		int fd = eventfd(0, EFD_CLOEXEC);

		memcpy(buf, h1, 12);
		memcpy(buf + 12, &q, 8);
		memcpy(buf + 20, h2, 12);
		memcpy(buf + 32, h3, 12);
		hf_send_raw(&h, buf, sizeof(buf), &fd, 1);
		close(fd);
		HF_CHECK(hf_reply(&h, VU_GET_FEATURES, &v, 8, NULL, NULL) == 8,
			 "the second answered");
		HF_CHECK(hf_reply(&h, VU_GET_PROTOCOL_FEATURES, &v, 8, NULL,
				  NULL) == 8,
			 "the third answered");
		/* the fd went to the first: the back-end holds it now */
		HF_CHECK(hf_be_fds() == fds0 + 1, "one fd kept (the call fd)");
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);

	hf_open(&h, path);
	HF_CHECK(hf_alive(&h), "served");
	HF_CHECK(hf_be_fds() == fds0, "no fd left behind");
	hf_close(&h);
	return 0;
}
