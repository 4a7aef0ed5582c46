/*
 * test_msg.c - vhost-user message framing (core/vu_msg.c) over the fake
 * socket.
 *
 * vhost-user.rst "Message Specification": a 12-byte header (request,
 * flags, size) then `size` bytes of payload, on a stream socket, with fds
 * in SCM_RIGHTS.  The stream may split a message anywhere and glue two
 * together; the reader must reassemble without ever reading past the end
 * of the current message (or the next message's fds would land in this
 * one), and must judge the header before it reads a payload the peer sized.
 */
#include <string.h>

#include "core/proto/vu_msg.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

static struct vu_rx rx;
static int sock;

/* A wire message: header then payload, as a front-end writes it. */
static uint8_t wire[2 * (VU_HDR_SIZE + CFG_MSG_PAYLOAD_MAX + 64)];

static size_t put_msg(uint8_t *out, uint32_t req, uint32_t flags,
		      const void *payload, uint32_t size)
{
	struct vu_hdr h = {req, flags, size};

	memcpy(out, &h, VU_HDR_SIZE);
	if (size > 0)
		memcpy(out + VU_HDR_SIZE, payload, size);
	return VU_HDR_SIZE + size;
}

static void setup(void)
{
	fake_reset();
	vu_rx_init(&rx);
	sock = fake_sock();
}

/* Nothing leaked, nothing closed twice, nothing misused. */
static void no_leaks(void)
{
	CHECK_EQ_U(fake_double_close, 0);
	CHECK_EQ_U(fake_misuse, 0);
	port_fd_close(sock);
	CHECK_EQ_U(fake_fd_open_count(), 0);
}

static void test_empty_socket(void)
{
	setup();
	/* -PORT_EAGAIN from the socket is "not yet", not an error */
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 0);
	CHECK_EQ_U(rx.have, 0);
	no_leaks();
}

/* Every byte in its own write, offered one at a time: the reader keeps
 * its place across calls and finishes exactly at the last byte. */
static void test_one_byte_chunks(void)
{
	uint64_t v = 0x1122334455667788ull;
	size_t n;
	int rc = 0;

	setup();
	n = put_msg(wire, VU_SET_FEATURES, VU_VERSION, &v, sizeof(v));
	for (size_t i = 0; i < n; i++) {
		rc = vu_rx_read(&rx, sock, "t");
		if (!CHECK_EQ_I(rc, 0))
			break;
		fake_sock_push(sock, wire + i, 1, NULL, 0);
	}
	rc = vu_rx_read(&rx, sock, "t");
	CHECK_EQ_I(rc, 1);
	CHECK_EQ_U(rx.msg.hdr.request, VU_SET_FEATURES);
	CHECK_EQ_U(rx.msg.hdr.size, 8);
	CHECK_EQ_U(rx.msg.p.u64, v);
	CHECK_EQ_U(rx.msg.nfds, 0);
	CHECK_EQ_U(fake_sock_pending(sock), 0);
	/* all queued at once, the same message comes out in one call */
	vu_rx_reset(&rx);
	for (size_t i = 0; i < n; i++)
		fake_sock_push(sock, wire + i, 1, NULL, 0);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.p.u64, v);
	vu_rx_reset(&rx);
	no_leaks();
}

/* Two messages in one write: the first is returned with the second still
 * unread in the socket, then the second (header of 0-size message too). */
static void test_two_in_one_chunk(void)
{
	struct vu_state st = {1, 256};
	size_t n1, n2;

	setup();
	n1 = put_msg(wire, VU_SET_VRING_NUM, VU_VERSION, &st, sizeof(st));
	n2 = put_msg(wire + n1, VU_GET_FEATURES, VU_VERSION, NULL, 0);
	fake_sock_push(sock, wire, n1 + n2, NULL, 0);

	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.hdr.request, VU_SET_VRING_NUM);
	CHECK_EQ_U(rx.msg.p.state.index, 1);
	CHECK_EQ_U(rx.msg.p.state.num, 256);
	/* never read past the first message */
	CHECK_EQ_U(fake_sock_pending(sock), n2);
	vu_rx_reset(&rx);

	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.hdr.request, VU_GET_FEATURES);
	CHECK_EQ_U(rx.msg.hdr.size, 0);
	CHECK_EQ_U(fake_sock_pending(sock), 0);
	vu_rx_reset(&rx);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 0);
	no_leaks();
}

/* The fds of the next message stay with the next message. */
static void test_fds_stay_with_their_message(void)
{
	uint64_t kick = 0;
	int e1, e2;
	size_t n1, n2;

	setup();
	e1 = fake_evt();
	e2 = fake_evt();
	n1 = put_msg(wire, VU_SET_OWNER, VU_VERSION, NULL, 0);
	n2 = put_msg(wire + n1, VU_SET_VRING_KICK, VU_VERSION, &kick, 8);
	fake_sock_push(sock, wire, n1, NULL, 0);
	fake_sock_push(sock, wire + n1, n2, (int[]){e1}, 1);
	fake_sock_push(sock, wire + n1, n2, (int[]){e2}, 1);

	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.hdr.request, VU_SET_OWNER);
	CHECK_EQ_U(rx.msg.nfds, 0);
	vu_rx_reset(&rx);
	CHECK(fake_fd_is_open(e1));

	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.hdr.request, VU_SET_VRING_KICK);
	CHECK_EQ_U(rx.msg.nfds, 1);
	CHECK_EQ_I(rx.msg.fds[0], e1);
	vu_rx_reset(&rx);
	CHECK(!fake_fd_is_open(e1)); /* not taken: closed by the reset */

	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.nfds, 1);
	CHECK_EQ_I(rx.msg.fds[0], e2);
	/* taken fds are the caller's, the reset leaves them alone */
	CHECK_EQ_I(vu_msg_take_fd(&rx.msg, 0), e2);
	CHECK_EQ_I(rx.msg.fds[0], -1);
	CHECK_EQ_I(vu_msg_take_fd(&rx.msg, 1), -1); /* beyond nfds */
	vu_rx_reset(&rx);
	CHECK(fake_fd_is_open(e2));
	port_fd_close(e2);
	no_leaks();
}

/* A header cut short, then the peer hangs up: -PORT_EPIPE. */
static void test_truncated_header_eof(void)
{
	size_t n;

	setup();
	n = put_msg(wire, VU_GET_FEATURES, VU_VERSION, NULL, 0);
	fake_sock_push(sock, wire, n - 7, NULL, 0);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 0);
	CHECK_EQ_U(rx.have, n - 7);
	fake_sock_eof(sock);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), -PORT_EPIPE);
	vu_rx_reset(&rx);
	CHECK_EQ_U(rx.have, 0);

	/* the same in the payload */
	setup();
	n = put_msg(wire, VU_SET_FEATURES, VU_VERSION, "12345678", 8);
	fake_sock_push(sock, wire, n - 1, NULL, 0);
	fake_sock_eof(sock);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), -PORT_EPIPE);
	vu_rx_reset(&rx);
	no_leaks();
}

/* The peer cannot size our read: a payload larger than the buffer is
 * refused on the header alone, before one byte of it is read. */
static void test_size_too_large(void)
{
	static uint8_t big[CFG_MSG_PAYLOAD_MAX + 1];
	size_t n;
	int e;

	setup();
	e = fake_evt();
	n = put_msg(wire, VU_SET_MEM_TABLE, VU_VERSION, big, sizeof(big));
	fake_sock_push(sock, wire, n, (int[]){e}, 1);
	fake_log_clear();
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), -PORT_EMSGSIZE);
	CHECK_EQ_U(fake_sock_pending(sock), sizeof(big));
	CHECK_STR_HAS(fake_last_error(), "payload size 513");
	CHECK_STR_HAS(fake_last_error(), "SET_MEM_TABLE");
	/* the fd that rode on the header goes with the reset */
	CHECK_EQ_U(rx.msg.nfds, 1);
	vu_rx_reset(&rx);
	CHECK(!fake_fd_is_open(e));

	/* exactly CFG_MSG_PAYLOAD_MAX is fine */
	setup();
	n = put_msg(wire, VU_SET_MEM_TABLE, VU_VERSION, big,
		    CFG_MSG_PAYLOAD_MAX);
	fake_sock_push(sock, wire, n, NULL, 0);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.hdr.size, CFG_MSG_PAYLOAD_MAX);
	vu_rx_reset(&rx);
	no_leaks();
}

/* vhost-user.rst "Header": version 0x1 in the low two flag bits. */
static void test_bad_version(void)
{
	static const uint32_t bad[] = {0, 2, 3, VU_FLAG_REPLY};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n;

		setup();
		n = put_msg(wire, VU_GET_FEATURES, bad[i], NULL, 0);
		fake_sock_push(sock, wire, n, NULL, 0);
		fake_log_clear();
		CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), -PORT_EPROTO);
		CHECK_STR_HAS(fake_last_error(), "protocol version");
		vu_rx_reset(&rx);
	}
	no_leaks();
}

/* fds that arrive in pieces of one message add up. */
static void test_fds_with_message(void)
{
	uint8_t pay[8 + 2 * 32] = {0};
	int m1, m2;
	size_t n;

	setup();
	m1 = fake_memfd(4096);
	m2 = fake_memfd(4096);
	n = put_msg(wire, VU_SET_MEM_TABLE, VU_VERSION, pay, sizeof(pay));
	/* header with one fd, payload with the other */
	fake_sock_push(sock, wire, VU_HDR_SIZE, (int[]){m1}, 1);
	fake_sock_push(sock, wire + VU_HDR_SIZE, n - VU_HDR_SIZE, (int[]){m2},
		       1);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 1);
	CHECK_EQ_U(rx.msg.nfds, 2);
	CHECK_EQ_I(rx.msg.fds[0], m1);
	CHECK_EQ_I(rx.msg.fds[1], m2);
	vu_msg_close_fds(&rx.msg);
	CHECK(!fake_fd_is_open(m1));
	CHECK(!fake_fd_is_open(m2));
	CHECK_EQ_U(rx.msg.nfds, 0);
	vu_rx_reset(&rx); /* nothing left to close: no double close */
	no_leaks();
}

/* More fds than CFG_MAX_MSG_FDS: refused, and every one closed. */
static void test_too_many_fds(void)
{
	int fds[CFG_MAX_MSG_FDS + 1];
	size_t n;

	/* all in one chunk: the port closes them all */
	setup();
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS + 1; i++)
		fds[i] = fake_evt();
	n = put_msg(wire, VU_SET_MEM_TABLE, VU_VERSION, "\0\0\0\0\0\0\0\0", 8);
	fake_sock_push(sock, wire, n, fds, CFG_MAX_MSG_FDS + 1);
	fake_log_clear();
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), -PORT_EPROTO);
	CHECK_STR_HAS(fake_last_error(), "more than 8 fds");
	vu_rx_reset(&rx);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS + 1; i++)
		CHECK(!fake_fd_is_open(fds[i]));
	CHECK_EQ_U(fake_double_close, 0);

	/* spread over two chunks: 5 accepted with the header, 4 refused with
	 * the payload; the reset closes the first 5 */
	setup();
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS + 1; i++)
		fds[i] = fake_evt();
	n = put_msg(wire, VU_SET_MEM_TABLE, VU_VERSION, "\0\0\0\0\0\0\0\0", 8);
	fake_sock_push(sock, wire, VU_HDR_SIZE, fds, 5);
	fake_sock_push(sock, wire + VU_HDR_SIZE, n - VU_HDR_SIZE, fds + 5, 4);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), -PORT_EPROTO);
	CHECK_EQ_U(rx.msg.nfds, 5);
	vu_rx_reset(&rx);
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS + 1; i++)
		CHECK(!fake_fd_is_open(fds[i]));
	no_leaks();
}

/* A connection dropped mid-message: the reset closes what came so far. */
static void test_reset_partial(void)
{
	int a, b;

	setup();
	a = fake_evt();
	b = fake_evt();
	put_msg(wire, VU_SET_MEM_TABLE, VU_VERSION, NULL, 0);
	((struct vu_hdr *)(void *)wire)->size = 40;
	fake_sock_push(sock, wire, VU_HDR_SIZE + 3, (int[]){a, b}, 2);
	CHECK_EQ_I(vu_rx_read(&rx, sock, "t"), 0);
	CHECK_EQ_U(rx.have, VU_HDR_SIZE + 3);
	CHECK_EQ_U(rx.msg.nfds, 2);
	vu_rx_reset(&rx);
	CHECK(!fake_fd_is_open(a));
	CHECK(!fake_fd_is_open(b));
	CHECK_EQ_U(rx.have, 0);
	CHECK_EQ_U(rx.msg.nfds, 0);
	CHECK_EQ_I(rx.msg.fds[0], -1);
	no_leaks();
}

/* vu_send: header with the version, payload, fds, in one send. */
static void test_send(void)
{
	static uint8_t big[CFG_MSG_PAYLOAD_MAX + 1];
	const struct fake_sent *s;
	uint64_t v = 42;
	int e;

	setup();
	e = fake_evt();
	CHECK_EQ_I(vu_send(sock, VU_SET_VRING_CALL, VU_FLAG_NEED_REPLY, &v, 8,
			   &e, 1), 0);
	CHECK_EQ_U(fake_sent_count(), 1);
	s = fake_sent(0);
	CHECK_EQ_U(s->len, VU_HDR_SIZE + 8);
	CHECK_EQ_U(s->hdr.request, VU_SET_VRING_CALL);
	CHECK_EQ_U(s->hdr.flags, VU_VERSION | VU_FLAG_NEED_REPLY);
	CHECK_EQ_U(s->hdr.size, 8);
	CHECK_EQ_U(s->p.u64, 42);
	CHECK_EQ_U(s->nfds, 1);
	CHECK_EQ_I(s->fds[0], e);
	CHECK(fake_fd_is_open(e)); /* sending does not give our fd away */
	/* too large for one message: refused without sending */
	CHECK_EQ_I(vu_send(sock, VU_SET_MEM_TABLE, 0, big, sizeof(big), NULL, 0),
		   -PORT_EMSGSIZE);
	CHECK_EQ_U(fake_sent_count(), 1);
	/* a send error is passed up */
	fake_send_error = -PORT_EPIPE;
	CHECK_EQ_I(vu_send(sock, VU_GET_FEATURES, 0, NULL, 0, NULL, 0),
		   -PORT_EPIPE);
	port_fd_close(e);
	no_leaks();
}

static void test_req_name(void)
{
	CHECK_STR_HAS(vu_req_name(1), "VHOST_USER_GET_FEATURES");
	CHECK(strcmp(vu_req_name(VU_SET_MEM_TABLE), "VHOST_USER_SET_MEM_TABLE") == 0);
	CHECK(strcmp(vu_req_name(43), "VHOST_USER_CHECK_DEVICE_STATE") == 0);
	CHECK(strcmp(vu_req_name(0), "UNKNOWN") == 0);
	CHECK(strcmp(vu_req_name(VU_REQ_MAX), "UNKNOWN") == 0);
	CHECK(strcmp(vu_req_name(99), "UNKNOWN") == 0);
	CHECK(strcmp(vu_req_name(0xffffffffu), "UNKNOWN") == 0);
}

int main(void)
{
	RUN(test_empty_socket);
	RUN(test_one_byte_chunks);
	RUN(test_two_in_one_chunk);
	RUN(test_fds_stay_with_their_message);
	RUN(test_truncated_header_eof);
	RUN(test_size_too_large);
	RUN(test_bad_version);
	RUN(test_fds_with_message);
	RUN(test_too_many_fds);
	RUN(test_reset_partial);
	RUN(test_send);
	RUN(test_req_name);
	return check_summary("test_msg");
}
