/*
 * fuzz_msg.c - the vhost-user message decoder (core/vu_msg.c) and the
 * back-end's validation of whole messages (core/backend.c), fed a byte
 * stream through the fake socket.
 *
 * Input:
 *   u8  ctl         bits 0-3: number of split records (0..15)
 *                   bit 4: the peer hangs up after its last byte (else the
 *                          socket just runs dry)
 *                   bit 5: trace every message (the -v path, trace.c)
 *                   bit 6: read through the loop's own path instead
 *                          (dev_event on the connection: conn_readable,
 *                          32 messages a wake-up), checked only at the end
 *   ctl&15 split records of 3 bytes:
 *       u16 pos     where a write of the peer starts (little-endian, modulo
 *                   the stream's length): the stream is cut there
 *       u8  fds     bits 0-3: fds riding on that write's first byte (0..15,
 *                   more than a message may carry); bits 4-7: fd k is a
 *                   64 KiB memfd over guest RAM if bit 4 + k % 4 is set,
 *                   else an eventfd
 *   the rest        the byte stream the front-end writes (its first
 *                   32 KiB)
 *
 * The stream goes to vu_rx_read() on a back-end device in chunks, the way
 * the loop reads it (dev.c conn_readable), and every complete message to
 * be_dispatch().  Checked at every message, against an independent reading
 * of the same stream: the header and payload are the bytes at the message's
 * place in the stream, nothing past the message's end was read, and its fds
 * are exactly those of the writes that started inside it ("the fds of one
 * never land in the other").  After dev_close(): no fd, no mapping left.
 */
#include <string.h>

#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/proto/vu_msg.h"
#include "tests/fuzz/fuzz.h"

#define MSG_MEMFD_SIZE (64u << 10)
/* The fake socket holds 64 KiB in flight; AFL++ may try longer inputs. */
#define MAX_STREAM (32u << 10)
/* Each message takes at least a header's 12 bytes of the stream; this is
 * only a second bound. */
#define MAX_MSGS 4096u

struct split {
	size_t pos;
	uint8_t fds;
};

/* A write of the peer: [start, end) of the stream and its fds. */
struct chunk {
	size_t start, end;
	int fds[FAKE_CHUNK_FDS];
	unsigned nfds;
};

static struct be_dev dev;
static struct chunk chunks[16 + 1];

static void sort_splits(struct split *s, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && s[j - 1].pos > s[j].pos; j--) {
			struct split t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
}

/* Add the fds a split record asks for to chunk c (up to the fd budget). */
static void add_fds(struct chunk *c, uint8_t spec)
{
	for (unsigned k = 0; k < (spec & 15u) && c->nfds < FAKE_CHUNK_FDS; k++) {
		bool mem = (spec >> (4 + k % 4)) & 1;
		int fd = mem ? fz_memfd(MSG_MEMFD_SIZE) : fz_evt();

		if (fd < 0)
			return;
		c->fds[c->nfds++] = fd;
	}
}

/* Cut the stream at the split positions; returns the number of chunks. */
static unsigned make_chunks(struct split *s, unsigned ns, size_t len)
{
	unsigned n = 0;

	sort_splits(s, ns);
	chunks[0] = (struct chunk){0, len, {0}, 0};
	n = 1;
	for (unsigned i = 0; i < ns; i++) {
		struct chunk *last = &chunks[n - 1];

		if (s[i].pos > last->start) {
			/* a new write starts here */
			last->end = s[i].pos;
			chunks[n] = (struct chunk){s[i].pos, len, {0}, 0};
			last = &chunks[n++];
		}
		add_fds(last, s[i].fds);
	}
	return n;
}

/* The fds the message [from, to) of the stream must have brought. */
static void expect_fds(unsigned nchunks, size_t from, size_t to, int *fds,
		       unsigned *n)
{
	*n = 0;
	for (unsigned i = 0; i < nchunks; i++) {
		if (chunks[i].start < from || chunks[i].start >= to)
			continue;
		for (unsigned k = 0; k < chunks[i].nfds; k++)
			if (*n < 2 * FAKE_CHUNK_FDS)
				fds[(*n)++] = chunks[i].fds[k];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	struct split s[15];
	unsigned ns, nchunks = 0;
	const uint8_t *stream;
	size_t len, pos = 0; /* where the current message starts */
	uint8_t ctl;

	fz_begin();
	fz_in_init(&in, data, size);
	ctl = fz_u8(&in);
	ns = ctl & 15u;
	for (unsigned i = 0; i < ns; i++) {
		s[i].pos = fz_u16(&in);
		s[i].fds = fz_u8(&in);
	}
	stream = data + in.off;
	len = fz_left(&in) < MAX_STREAM ? fz_left(&in) : MAX_STREAM;

	fz_dev_open(&dev);
	log_level = (ctl & 0x20) ? LOG_RINGS : LOG_NORMAL;
	if (len > 0) {
		for (unsigned i = 0; i < ns; i++)
			s[i].pos %= len;
		nchunks = make_chunks(s, ns, len);
		for (unsigned i = 0; i < nchunks; i++)
			FZ_CHECK(fake_sock_push(
					 dev.dev.fd, stream + chunks[i].start,
					 chunks[i].end - chunks[i].start,
					 chunks[i].fds, chunks[i].nfds) == 0);
	}
	if (ctl & 0x10)
		fake_sock_eof(dev.dev.fd);

	if (ctl & 0x40) {
		struct watch w = {&dev.dev, dev.dev.gen, W_CONN, 0, 0};

		/* each wake-up takes a message or more, or ends the stream */
		for (unsigned i = 0; i < MAX_MSGS && dev.dev.fd >= 0 &&
				     fake_sock_pending(dev.dev.fd) > 0; i++) {
			dev_event(&w, PORT_POLLIN, 0);
			fz_check_dev(&dev);
		}
		if (dev.dev.fd >= 0 && (ctl & 0x10)) /* the hang-up itself */
			dev_event(&w, PORT_POLLIN, 0);
		goto done;
	}
	for (unsigned i = 0; i < MAX_MSGS && dev.dev.fd >= 0; i++) {
		struct vu_msg *m = &dev.dev.rx.msg;
		int rc = vu_rx_read(&dev.dev.rx, dev.dev.fd, dev.dev.name);
		int want[2 * FAKE_CHUNK_FDS];
		unsigned nwant;
		size_t mlen;

		if (rc == 0) {
			/* the socket ran dry inside a message */
			FZ_CHECK(fake_sock_pending(dev.dev.fd) == 0);
			FZ_CHECK(!(ctl & 0x10));
			break;
		}
		if (rc < 0) {
			FZ_CHECK(rc != -PORT_EPIPE ||
				 fake_sock_pending(dev.dev.fd) == 0);
			dev.dev.violations += rc != -PORT_EPIPE;
			dev_disconnect(&dev.dev, rc == -PORT_EPIPE
							 ? "peer closed"
							 : "bad message");
			break;
		}
		/* rc == 1: exactly the next message of the stream */
		mlen = VU_HDR_SIZE + m->hdr.size;
		FZ_CHECK(m->hdr.size <= CFG_MSG_PAYLOAD_MAX);
		FZ_CHECK((m->hdr.flags & VU_FLAG_VERSION_MASK) == VU_VERSION);
		FZ_CHECK(dev.dev.rx.have == mlen);
		FZ_CHECK(mlen <= len - pos);
		FZ_CHECK(memcmp(&m->hdr, stream + pos, VU_HDR_SIZE) == 0);
		FZ_CHECK(memcmp(m->p.bytes, stream + pos + VU_HDR_SIZE,
				m->hdr.size) == 0);
		FZ_CHECK(fake_sock_pending(dev.dev.fd) == len - pos - mlen);
		expect_fds(nchunks, pos, pos + mlen, want, &nwant);
		FZ_CHECK(m->nfds == nwant);
		for (unsigned k = 0; k < m->nfds; k++) {
			FZ_CHECK(m->fds[k] == want[k]);
			FZ_CHECK(fake_fd_is_open(m->fds[k]));
		}
		pos += mlen;

		rc = be_dispatch(&dev, m);
		/* be_dispatch kept or closed every fd */
		FZ_CHECK(m->nfds == 0);
		vu_rx_reset(&dev.dev.rx);
		if (rc < 0) {
			dev.dev.violations++;
			dev_disconnect(&dev.dev, "bad request");
		}
		fz_check_dev(&dev);
	}
done:
	fz_check_dev(&dev);
	dev_close(&dev.dev);
	fz_check_clean();
	FZ_CHECK(fake_unlinks == 1);
	return 0;
}
