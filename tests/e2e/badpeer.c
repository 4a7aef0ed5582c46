/*
 * badpeer.c - a hostile vhost-user front-end for the end-to-end tests.
 *
 *   badpeer SOCKET SCENARIO
 *
 * Connects to a running back-end and sends one kind of bad (or oddly
 * framed) input.  For a bad input it expects the back-end to drop the
 * connection within a few seconds (for a bad ring, to fail that ring);
 * for oddly framed but valid input it expects the right reply.  Exit 0
 * when the back-end behaved.
 * A test tool, not part of the product: plain libc.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct hdr {
	uint32_t req, flags, size;
};

static int sock;

static int send_raw(const void *buf, size_t len, const int *fds, int nfds)
{
	char ctl[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {0};

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *c;
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int send_msg(uint32_t req, uint32_t flags, const void *p, uint32_t size,
		    const int *fds, int nfds)
{
	uint8_t buf[12 + 512];
	struct hdr h = {req, flags, size};

	memcpy(buf, &h, 12);
	if (size)
		memcpy(buf + 12, p, size);
	return send_raw(buf, 12 + size, fds, nfds);
}

/* 1 if the back-end closed the connection within ms, else 0. */
static int closed_within(int ms)
{
	struct pollfd p = {sock, POLLIN, 0};
	char b[64];

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = read(sock, b, sizeof(b));
		if (n <= 0)
			return 1;
	}
	return 0;
}

/* Read one reply with a u64 payload; 0 on success. */
static int reply_u64(uint32_t req, uint64_t *v)
{
	struct pollfd p = {sock, POLLIN, 0};
	uint8_t b[20];
	size_t got = 0;
	struct hdr h;

	while (got < 20) {
		ssize_t n;
		if (poll(&p, 1, 5000) != 1)
			return -1;
		n = read(sock, b + got, 20 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	memcpy(&h, b, 12);
	memcpy(v, b + 12, 8);
	return h.req == req && (h.flags & 4) && h.size == 8 ? 0 : -1;
}

/* A ring whose one chain loops: descriptor 0 points at itself.  The
 * guest's error: that ring fails and its error fd is signalled, the
 * connection stays. */
static int hostile_ring(void)
{
	const uint64_t size = 1 << 20, gpa = 0x100000;
	int mfd = memfd_create("badpeer", 0), efd = eventfd(0, 0), cfd = eventfd(0, 0);
	int xfd = eventfd(0, EFD_NONBLOCK);
	struct pollfd p = {xfd, POLLIN, 0};
	uint8_t *m;
	struct {
		uint32_t n, pad;
		uint64_t gpa, size, uva, off;
	} table;
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} addr;
	uint32_t st[2];
	uint64_t u;

	if (mfd < 0 || efd < 0 || xfd < 0 || ftruncate(mfd, size) < 0)
		return 1;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (m == MAP_FAILED)
		return 1;
	/* desc table at 0, avail at 4096, used at 8192; ring of 8 */
	uint64_t d0[2] = {gpa + 65536, (uint64_t)64 | ((uint64_t)1 << 32)};
	memcpy(m, d0, 16); /* addr, len 64, flags NEXT, next 0 */
	uint16_t avail[3] = {0, 1, 0};
	memcpy(m + 4096, avail, sizeof(avail));
	table = (typeof(table)){1, 0, gpa, size, (uint64_t)(uintptr_t)m, 0};
	u = 1ull << 32; /* VERSION_1 */
	send_msg(3, 1, NULL, 0, NULL, 0);
	send_msg(2, 1, &u, 8, NULL, 0);
	send_msg(5, 1, &table, sizeof(table), &mfd, 1);
	for (uint32_t q = 0; q < 2; q++) {
		st[0] = q, st[1] = 8;
		send_msg(8, 1, st, 8, NULL, 0);
		st[1] = 0;
		send_msg(10, 1, st, 8, NULL, 0);
		addr = (typeof(addr)){q, 0, (uint64_t)(uintptr_t)m,
				      (uint64_t)(uintptr_t)m + 8192,
				      (uint64_t)(uintptr_t)m + 4096, 0};
		send_msg(9, 1, &addr, sizeof(addr), NULL, 0);
		u = q;
		send_msg(13, 1, &u, 8, &cfd, 1);
		send_msg(14, 1, &u, 8, &xfd, 1); /* SET_VRING_ERR */
		send_msg(12, 1, &u, 8, &efd, 1);
	}
	u = 1;
	if (write(efd, &u, 8) != 8)
		return 1;
	/* the guest's error costs the ring: its error fd is signalled, and
	 * the connection is still served */
	if (poll(&p, 1, 5000) != 1 || read(xfd, &u, 8) != 8 || u != 1)
		return 1;
	send_msg(1, 1, NULL, 0, NULL, 0);
	return reply_u64(1, &u) == 0 && (u >> 32 & 1) ? 0 : 1;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("badpeer: connect");
		return -1;
	}
	return 0;
}

/* A handshake that hands over memory and ring fds, then a hang-up: n
 * times, each time waiting until the back-end listens again (the next
 * connect is accepted and answered). */
static int soak(const char *path, long n, int midway)
{
	const uint64_t size = 1 << 20;
	int mfd = memfd_create("soak", 0);

	if (mfd < 0 || ftruncate(mfd, size) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		struct {
			uint32_t n, pad;
			uint64_t gpa, size, uva, off;
		} table = {1, 0, 0, size, 0x7f0000000000ull, 0};
		int e[2] = {eventfd(0, 0), eventfd(0, 0)};
		uint64_t v = 0, q = 0;

		if (connect_to(path) < 0)
			return 1;
		/* the back-end answers: it is serving this connection */
		send_msg(1, 1, NULL, 0, NULL, 0);
		if (reply_u64(1, &v) != 0) {
			fprintf(stderr, "badpeer: soak %ld: no reply\n", i);
			return 1;
		}
		send_msg(3, 1, NULL, 0, NULL, 0);
		if (midway) {
			/* a SET_MEM_TABLE cut short, its fd in flight */
			uint8_t hdr[12 + 8];
			struct hdr h = {5, 1, sizeof(table)};
			memcpy(hdr, &h, 12);
			memcpy(hdr + 12, &table, 8);
			send_raw(hdr, sizeof(hdr), &mfd, 1);
		} else {
			send_msg(5, 1, &table, sizeof(table), &mfd, 1);
			send_msg(13, 1, &q, 8, &e[0], 1);
			send_msg(12, 1, &q, 8, &e[1], 1);
		}
		close(e[0]);
		close(e[1]);
		close(sock);
	}
	close(mfd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *s;
	uint64_t v = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: badpeer SOCKET SCENARIO [N]\n");
		return 2;
	}
	s = argv[2];
	if (!strcmp(s, "soak") || !strcmp(s, "soakmid"))
		return soak(argv[1], argc > 3 ? atol(argv[3]) : 1000,
			    s[4] == 'm');
	if (connect_to(argv[1]) < 0)
		return 1;
	if (!strcmp(s, "refused")) /* a connection beyond the table */
		return closed_within(5000) ? 0 : 1;
	if (!strcmp(s, "version")) {
		send_msg(1, 2, NULL, 0, NULL, 0); /* version 2 */
		return closed_within(5000) ? 0 : 1;
	}
	if (!strcmp(s, "oversize")) {
		struct hdr h = {5, 1, 0x100000};
		send_raw(&h, 12, NULL, 0);
		return closed_within(5000) ? 0 : 1;
	}
	if (!strcmp(s, "regions")) { /* 9 regions: more than a table holds */
		uint8_t p[8 + 9 * 32] = {9};
		return send_msg(5, 1, p, sizeof(p), NULL, 0) || !closed_within(5000);
	}
	if (!strcmp(s, "fds")) { /* three fds on a request that takes none */
		int e[3] = {eventfd(0, 0), eventfd(0, 0), eventfd(0, 0)};
		v = 1ull << 32;
		return send_msg(2, 1, &v, 8, e, 3) || !closed_within(5000);
	}
	if (!strcmp(s, "queue")) { /* index 256: low 8 bits look valid */
		uint32_t st[2] = {0x100, 256};
		return send_msg(8, 1, st, 8, NULL, 0) || !closed_within(5000);
	}
	if (!strcmp(s, "truncated")) {
		/* half a header with an fd riding on it, then the end of the
		 * stream: the back-end must drop the connection (and close
		 * the fd: t_bad_input counts them) */
		struct hdr h = {1, 1, 0};
		int e = eventfd(0, 0);

		if (e < 0 || send_raw(&h, 6, &e, 1) < 0 ||
		    shutdown(sock, SHUT_WR) < 0)
			return 1;
		close(e);
		return closed_within(5000) ? 0 : 1;
	}
	if (!strcmp(s, "ring"))
		return hostile_ring();
	if (!strcmp(s, "split")) { /* one message, one byte per write */
		struct hdr h = {1, 1, 0};
		for (unsigned i = 0; i < 12; i++) {
			send_raw((uint8_t *)&h + i, 1, NULL, 0);
			usleep(2000);
		}
		return reply_u64(1, &v) == 0 && (v >> 32 & 1) ? 0 : 1;
	}
	if (!strcmp(s, "two")) { /* two messages in one write */
		struct hdr h[2] = {{3, 1, 0}, {1, 1, 0}};
		send_raw(h, sizeof(h), NULL, 0);
		return reply_u64(1, &v) == 0 && (v >> 32 & 1) ? 0 : 1;
	}
	if (!strcmp(s, "logflood")) { /* n refused requests, then a check */
		long n = argc > 3 ? atol(argv[3]) : 1000;
		for (long i = 0; i < n; i++)
			send_msg(24, 1, &v, 8, NULL, 0); /* GET_CONFIG */
		send_msg(1, 1, NULL, 0, NULL, 0);
		return reply_u64(1, &v) == 0 ? 0 : 1;
	}
	if (!strcmp(s, "traced")) { /* refused (feature not negotiated) */
		uint64_t lg[2] = {0x1000, 0x40};
		struct {
			uint64_t size, off;
			uint16_t nq, qs;
			uint32_t pad;
		} in = {0, 0, 2, 256, 0};
		int e = eventfd(0, 0);
		send_msg(6, 1, lg, sizeof(lg), &e, 1); /* SET_LOG_BASE */
		send_msg(31, 1, &in, sizeof(in), NULL, 0); /* GET_INFLIGHT_FD */
		send_msg(1, 1, NULL, 0, NULL, 0);
		return reply_u64(1, &v) == 0 ? 0 : 1;
	}
	if (!strcmp(s, "unsupported")) { /* refused, connection kept */
		int e = eventfd(0, 0);
		send_msg(24, 1, &v, 8, &e, 1); /* GET_CONFIG */
		send_msg(1, 1, NULL, 0, NULL, 0);
		return reply_u64(1, &v) == 0 ? 0 : 1;
	}
	fprintf(stderr, "badpeer: unknown scenario %s\n", s);
	return 2;
}
