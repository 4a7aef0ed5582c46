/*
 * fuzz_backend.c - the back-end's whole request state machine
 * (core/backend.c, dev.c, and the data path behind it) driven by a
 * sequence of requests, as be_dispatch() receives them from the framing.
 *
 * Input: records, one after the other, until the input ends.
 *   u8 req          0x00-0xef  a request: number req % 48 (1-43 are the
 *                              vhost-user requests, 0 and 44-47 unknown)
 *                   0xf0-0xfa  a request whose u32 number follows
 *                   0xfb       the peer stops reading: a request follows
 *                              (its u8 number modulo 48, then as below)
 *                              whose replies cannot be sent
 *                   0xfc       a second peer connects (and is refused)
 *                   0xfd       the peer hangs up; a new one connects
 *                   0xfe       the guest writes its memory:
 *                                u8 memfd (index among those made so far),
 *                                u32 offset (modulo its size), u8 len,
 *                                len bytes
 *                   0xff       a round of the loop: u8 ready; dev_watch(),
 *                              then every kick fd k it lists with bit k % 8
 *                              of ready set fires (dev_event), then
 *                              dev_tick() (polled and busy rings)
 *   a request goes on:
 *   u8 flags        hdr.flags = flags ^ VU_VERSION (0: version 1, no flags)
 *   u16 size        payload bytes, little-endian, modulo
 *                   CFG_MSG_PAYLOAD_MAX + 1 (the framing never passes more)
 *   u8 nfds         fds attached, modulo CFG_MAX_MSG_FDS + 1 (the framing
 *                   never passes more)
 *   nfds x u8 fd    bits 0-1: 0 an eventfd; 1 a new memfd of
 *                   4 KiB << bits 2-4 (one byte less if bit 7 is set);
 *                   2 another fd over memfd number bits 2-7 (modulo those
 *                   made; a new memfd if none); 3 a new memfd that cannot
 *                   be mapped
 *   size bytes      the payload (zeros where the input ends)
 *
 * The fds of SET_VRING_KICK, CALL and ERR and of SET_LOG_FD are always
 * eventfds: the fake port can only count an eventfd operation on a memfd
 * as a misuse, where a kernel would read or write the file (the peer's
 * own business).
 *
 * A request refused with a violation drops the connection as the loop does
 * (dev_disconnect) and a new peer connects.  After every record
 * fz_check_dev(): nothing closed twice, no misuse, exactly the mappings of
 * the current table live, every attached ring inside it, and after a
 * disconnect nothing but the listening socket open.  At the end,
 * dev_close() and the fake's accounting (fz_check_clean).
 */
#include <string.h>

#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/proto/vu_msg.h"
#include "tests/fuzz/fuzz.h"

#define MAX_RECORDS 512u
#define MAX_MEMFDS 64u

static struct be_dev dev;
static struct vu_msg msg;
static int memfds[MAX_MEMFDS];
static uint64_t memfd_size[MAX_MEMFDS];
static unsigned n_memfds;
static uint64_t now;

static int new_memfd(uint64_t size, bool mappable)
{
	int fd;

	if (n_memfds >= MAX_MEMFDS)
		return -1;
	fd = fz_memfd(size);
	if (fd < 0)
		return -1;
	if (!mappable)
		fake_memfd_set_mappable(fd, false);
	memfds[n_memfds] = fd;
	memfd_size[n_memfds++] = size;
	return fd;
}

static int make_fd(uint8_t spec, bool vring)
{
	uint64_t size = (uint64_t)FAKE_PAGE << ((spec >> 2) & 7);
	int fd = -1;

	if (vring)
		return fz_evt();
	switch (spec & 3) {
	case 0:
		return fz_evt();
	case 1:
		fd = new_memfd(size - (spec >> 7), true);
		break;
	case 2:
		if (n_memfds > 0)
			return fz_memfd_alias(memfds[(spec >> 2) % n_memfds]);
		fd = new_memfd(FAKE_PAGE, true);
		break;
	default:
		fd = new_memfd(size, false);
		break;
	}
	/* out of guest RAM: an eventfd will do */
	return fd >= 0 ? fd : fz_evt();
}

/* One request through be_dispatch, as conn_readable() hands it over. */
static void request(struct fz_in *in, uint32_t req)
{
	uint8_t flags = fz_u8(in);
	uint32_t size = fz_u16(in) % (CFG_MSG_PAYLOAD_MAX + 1u);
	unsigned nfds = fz_u8(in) % (CFG_MAX_MSG_FDS + 1u);
	bool vring = req == VU_SET_LOG_FD || req == VU_SET_VRING_KICK ||
		     req == VU_SET_VRING_CALL ||
		     req == VU_SET_VRING_ERR;
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.request = req;
	msg.hdr.flags = flags ^ VU_VERSION;
	msg.hdr.size = size;
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		msg.fds[i] = -1;
	for (unsigned i = 0; i < nfds; i++) {
		int fd = make_fd(fz_u8(in), vring);

		if (fd >= 0)
			msg.fds[msg.nfds++] = fd;
	}
	fz_bytes(in, msg.p.bytes, size);
	rc = be_dispatch(&dev, &msg);
	FZ_CHECK(msg.nfds == 0); /* kept or closed, every one */
	if (rc < 0) {
		dev.dev.violations++;
		dev_disconnect(&dev.dev, "bad request");
	}
}

/* The guest (or a buggy front-end) writes into shared memory. */
static void guest_write(struct fz_in *in)
{
	unsigned i = fz_u8(in);
	uint32_t off = fz_u32(in);
	uint8_t len = fz_u8(in);
	uint8_t bytes[256];
	uint8_t *base;
	uint64_t room;

	fz_bytes(in, bytes, len);
	if (n_memfds == 0)
		return;
	i %= n_memfds;
	base = fake_memfd_base(memfds[i]);
	off = (uint32_t)(off % memfd_size[i]);
	room = memfd_size[i] - off;
	memcpy(base + off, bytes, len < room ? len : (size_t)room);
}

/* Another front-end connects to the socket while one is served: refused
 * (one peer at a time), its socket closed. */
static void second_peer(void)
{
	struct watch w = {&dev.dev, dev.dev.gen, W_LISTEN, 0, 0};
	int s;

	if (!fz_fd_room(1))
		return;
	s = fake_listen_pending(dev.dev.lfd);
	FZ_CHECK(s >= 0);
	fz_fd_count(1);
	dev_event(&w, PORT_POLLIN, now);
	FZ_CHECK(dev.dev.fd != s && !fake_fd_is_open(s));
}

/* What the loop does with the device in one wake-up (app.c), minus the
 * connection socket (requests come through request()). */
static void loop_round(struct fz_in *in)
{
	static struct port_pollfd pfd[64];
	static struct watch w[64];
	uint8_t ready = fz_u8(in);
	uint64_t deadline = UINT64_MAX;
	unsigned n;

	now += 1000000; /* 1 ms */
	fake_now = now;
	n = dev_watch(&dev.dev, pfd, w, 64, &deadline, now);
	FZ_CHECK(n <= 64);
	for (unsigned k = 0; k < n; k++) {
		if (w[k].kind != W_RING || !((ready >> (k % 8)) & 1))
			continue;
		FZ_CHECK(fake_fd_kind(pfd[k].fd) == FAKE_EVT);
		dev_event(&w[k], PORT_POLLIN, now);
	}
	dev_tick(&dev.dev, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;

	fz_begin();
	n_memfds = 0;
	now = 0;
	fz_in_init(&in, data, size);
	fz_dev_open(&dev);

	for (unsigned r = 0; r < MAX_RECORDS && fz_left(&in) > 0; r++) {
		uint8_t op = fz_u8(&in);

		if (op < 0xf0) {
			request(&in, op % 48u);
		} else if (op <= 0xfa) {
			request(&in, fz_u32(&in));
		} else if (op == 0xfb) {
			fake_send_error = -PORT_EPIPE;
			request(&in, fz_u8(&in) % 48u);
			fake_send_error = 0;
		} else if (op == 0xfc) {
			second_peer();
		} else if (op == 0xfd) {
			dev_disconnect(&dev.dev, "peer closed");
		} else if (op == 0xfe) {
			guest_write(&in);
		} else {
			loop_round(&in);
		}
		fz_check_dev(&dev);
		if (dev.dev.fd < 0 && !fz_dev_reconnect(&dev))
			break; /* out of fds: enough for one input */
	}
	if (fz_verbose())
		dev_print_stats(&dev.dev);
	dev_close(&dev.dev);
	fz_check_clean();
	FZ_CHECK(fake_unlinks == 1);
	return 0;
}
