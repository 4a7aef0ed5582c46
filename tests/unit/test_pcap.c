/*
 * test_pcap.c - the capture file writer (core/pcap.c) against the fake
 * port's files.
 *
 * Every file is read back with a parser of its own here (pcapng, as
 * draft-ietf-opsawg-pcapng defines it), not with pcap.c's definitions: a
 * section header, interfaces (name, description, nanosecond time stamps),
 * and enhanced packet blocks whose captured length never exceeds the
 * snaplen or the original length, whose options end properly, and whose
 * bytes are exactly the frame's, ending exactly at the end of the file
 * (no block split).  Every packet names its interface and direction.  Then: the size cap counts the headers and stops the capture;
 * short writes lose nothing that was counted captured; a failing file
 * makes frames count as not captured, logs once and costs at most one
 * write per frame; long frames are cut to the snaplen; frames given as
 * pieces with bytes to skip (a virtio-net header) come out whole.
 */
#include <stdbool.h>
#include <string.h>

#include "core/net/net.h"
#include "core/net/pcap.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define MAX_RECS 4096
#define BIG 70000u /* longer than any snaplen */

static struct pcap pc;

/* ---- an independent reader ------------------------------------------------ */

/* The section header and the one interface every capture here has
 * ("dev0", "/test.sock"): 44 + 56 bytes; an EPB's bytes besides the
 * frame's, padded to 32 bits. */
#define HDR 100u
#define EPB(n) (44u + (((n) + 3u) & ~3u))

struct rec {
	uint32_t iface, flags, incl, orig;
	uint64_t ts;
	const uint8_t *data;
};

static struct parsed {
	unsigned nifaces;
	char name[4][32], descr[4][64];
	uint32_t snaplen[4];
	unsigned n;       /* packets */
	uint64_t payload; /* captured bytes of all packets */
	struct rec r[MAX_RECS];
} f;

static uint32_t rd32(const uint8_t *b)
{
	uint32_t v;
	memcpy(&v, b, 4); /* host order: the byte-order magic says so */
	return v;
}

static uint16_t rd16(const uint8_t *b)
{
	uint16_t v;
	memcpy(&v, b, 2);
	return v;
}

/* The options from o to end: an interface's name and description, a
 * packet's flags; false if one runs past the block or the list does not
 * end with opt_endofopt. */
static bool options(const uint8_t *o, const uint8_t *end, char *name,
		    char *descr, uint32_t *flags, uint8_t *tsresol)
{
	while (o + 4 <= end) {
		uint16_t code = rd16(o), len = rd16(o + 2);
		if (code == 0)
			return CHECK_EQ_U(len, 0) && CHECK(o + 4 == end);
		if (!CHECK(o + 4 + len <= end))
			return false;
		if (code == 2 && name != NULL && len < 32)
			memcpy(name, o + 4, len);
		if (code == 3 && descr != NULL && len < 64)
			memcpy(descr, o + 4, len);
		if (code == 2 && flags != NULL && CHECK_EQ_U(len, 4))
			*flags = rd32(o + 4);
		if (code == 9 && tsresol != NULL && CHECK_EQ_U(len, 1))
			*tsresol = o[4];
		o += 4 + ((len + 3u) & ~3u);
	}
	return CHECK(false); /* no opt_endofopt */
}

/* Parse the whole file fd; false (with a failed check saying why) if it
 * is not a well-formed pcapng section of whole blocks: a section header,
 * interfaces each before it is used, enhanced packets. */
static bool parse(int fd)
{
	uint32_t len = 0, off;
	const uint8_t *d = fake_file_data(fd, &len);

	memset(&f, 0, sizeof(f));
	if (!CHECK(d != NULL) || !CHECK(len >= 28))
		return false;
	if (!CHECK_EQ_U(rd32(d), 0x0a0d0d0au) ||
	    !CHECK_EQ_U(rd32(d + 8), 0x1a2b3c4du) ||
	    !CHECK_EQ_U(rd16(d + 12), 1) || !CHECK_EQ_U(rd16(d + 14), 0))
		return false;
	for (off = 0; off < len;) {
		const uint8_t *b = d + off;
		uint32_t type, blen;

		if (!CHECK(len - off >= 12)) /* a cut block */
			return false;
		type = rd32(b);
		blen = rd32(b + 4);
		if (!CHECK(blen % 4 == 0) || !CHECK(blen >= 12) ||
		    !CHECK(blen <= len - off) || !CHECK_EQ_U(rd32(b + blen - 4), blen))
			return false;
		if (type == 0x0a0d0d0au) {
			if (!CHECK_EQ_U(off, 0) ||
			    !options(b + 24, b + blen - 4, NULL, NULL, NULL, NULL))
				return false;
		} else if (type == 1) {
			unsigned k = f.nifaces++;
			uint8_t tsresol = 6;
			if (!CHECK(k < 4) || !CHECK_EQ_U(rd16(b + 8), 1))
				return false;
			f.snaplen[k] = rd32(b + 12);
			if (!options(b + 16, b + blen - 4, f.name[k], f.descr[k],
				     NULL, &tsresol) ||
			    !CHECK_EQ_U(tsresol, 9))
				return false;
		} else if (type == 6) {
			struct rec *r;
			if (!CHECK(f.n < MAX_RECS) || !CHECK(blen >= 32))
				return false;
			r = &f.r[f.n++];
			r->iface = rd32(b + 8);
			r->ts = (uint64_t)rd32(b + 12) << 32 | rd32(b + 16);
			r->incl = rd32(b + 20);
			r->orig = rd32(b + 24);
			r->data = b + 28;
			if (!CHECK(r->iface < f.nifaces) ||
			    !CHECK(r->incl <= f.snaplen[r->iface]) ||
			    !CHECK(r->incl <= r->orig) ||
			    !CHECK(28 + ((r->incl + 3u) & ~3u) + 4 <= blen - 4) ||
			    !options(b + 28 + ((r->incl + 3u) & ~3u), b + blen - 4,
				     NULL, NULL, &r->flags, NULL))
				return false;
			f.payload += r->incl;
		} else {
			return CHECK_EQ_U(type, 6);
		}
		off += blen;
	}
	return true;
}

/* The header every file here must have: one interface, dev0. */
static void check_file_header(void)
{
	static const uint8_t magic_le[4] = {0x4d, 0x3c, 0x2b, 0x1a};
	uint32_t one = 1;
	uint32_t len = 0;
	const uint8_t *d = fake_file_data(fake_file_last(), &len);

	/* written natively: little-endian on both boards */
	if (*(const uint8_t *)&one == 1 && CHECK(d != NULL))
		CHECK(memcmp(d + 8, magic_le, 4) == 0);
	CHECK_EQ_U(f.nifaces, 1);
	CHECK_STR_EQ(f.name[0], "dev0");
	CHECK_STR_EQ(f.descr[0], "/test.sock");
	CHECK_EQ_U(f.snaplen[0], 65535);
}

/* Bytes the parsed file must have: headers and the packets' blocks. */
static uint64_t blocks(void)
{
	uint64_t n = HDR;

	for (unsigned k = 0; k < f.n; k++)
		n += EPB(f.r[k].incl);
	return n;
}

/* Open a capture with the one interface dev0 (id 0). */
static int open_cap(const char *path, uint64_t cap)
{
	int rc = pcap_open(&pc, path, cap);

	if (rc == 0)
		CHECK_EQ_I(pcap_iface(&pc, "dev0", "/test.sock"), 0);
	return rc;
}

/* ---- frames --------------------------------------------------------------- */

static uint8_t frame[BIG];

/* Byte i of frame k: its first 4 bytes are k (so a record names its
 * frame), then a pattern that differs per frame and per position. */
static uint8_t pat(uint32_t k, uint32_t i)
{
	if (i < 4)
		return (uint8_t)(k >> (8 * i));
	return (uint8_t)(k * 31u + i * 7u + (i >> 8));
}

static void make(uint32_t k, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		frame[i] = pat(k, i);
}

/* Capture the bytes [skip, skip+len) of the pieces iov[0..n), as the data
 * path hands a frame over. */
static void frame_at(const struct vq_iov *iov, unsigned n, uint32_t skip,
		     uint32_t len)
{
	struct net_frame fr = {iov, n, skip, len, NULL};

	pcap_frame(&pc, 0, PCAP_IN, &fr);
}

/* Capture len bytes of buf, one flat frame. */
static void flat(uint8_t *buf, uint32_t len)
{
	struct net_frame fr;
	struct vq_iov one;

	net_frame_flat(&fr, &one, buf, len);
	pcap_frame(&pc, 0, PCAP_OUT, &fr);
}

/* Record r holds the first incl bytes of frame k. */
static bool rec_is(const struct rec *r, uint32_t k, uint32_t incl,
		   uint32_t orig)
{
	if (!CHECK_EQ_U(r->incl, incl) || !CHECK_EQ_U(r->orig, orig))
		return false;
	for (uint32_t i = 0; i < incl; i++)
		if (r->data[i] != pat(k, i))
			return CHECK_EQ_U(r->data[i], pat(k, i));
	return true;
}

static void setup(void)
{
	fake_reset();
	pcap_init(&pc);
	fake_wall_ns = 1700000000ull * 1000000000ull + 123456789ull;
}

/* Everything the fake can tell went right: no leak, no misuse. */
static void done(void)
{
	CHECK_EQ_I(pc.fd, -1);
	CHECK_EQ_U(fake_fd_open_count(), 0);
	CHECK_EQ_U(fake_misuse, 0);
	CHECK_EQ_U(fake_double_close, 0);
}

/* ---- cases ---------------------------------------------------------------- */

static void test_header_and_records(void)
{
	static const uint32_t lens[] = {60, 1514, 1, 0, 9216};
	const unsigned n = sizeof(lens) / sizeof(lens[0]);
	uint64_t total = HDR;
	uint32_t len = 99;
	int fd;

	setup();
	CHECK_EQ_U(PCAP_SNAPLEN, 65535);
	if (!CHECK_EQ_I(open_cap("out.pcap", 0), 0))
		return;
	fd = fake_file_last();
	CHECK_EQ_I(pc.fd, fd);
	CHECK_STR_HAS(fake_file_path(fd), "out.pcap");
	/* staged, not yet written: frames cost no write of their own */
	for (unsigned k = 0; k < n; k++) {
		make(k, lens[k]);
		fake_wall_ns += 1000001000ull; /* 1 s and 1 us later */
		flat(frame, lens[k]);
		total += EPB(lens[k]);
	}
	CHECK(fake_file_data(fd, &len) != NULL);
	CHECK_EQ_U(len, 0);
	CHECK_EQ_U(fake_file_write_calls, 0);
	CHECK_EQ_U(pc.fill, total);
	CHECK_EQ_U(pc.captured, n);
	pcap_flush(&pc);
	CHECK_EQ_U(fake_file_write_calls, 1);
	CHECK_EQ_U(pc.fill, 0);
	CHECK_EQ_U(pc.file_bytes, total);
	pcap_flush(&pc); /* nothing staged: no write */
	CHECK_EQ_U(fake_file_write_calls, 1);
	pcap_close(&pc);
	if (!parse(fd))
		return;
	check_file_header();
	if (!CHECK_EQ_U(f.n, n))
		return;
	for (unsigned k = 0; k < n; k++) {
		uint64_t ns = 1700000000ull * 1000000000ull + 123456789ull +
			      (k + 1) * 1000001000ull;
		CHECK_EQ_U(f.r[k].ts, ns); /* nanoseconds (if_tsresol 9) */
		CHECK_EQ_U(f.r[k].iface, 0);
		CHECK_EQ_U(f.r[k].flags, 2); /* outbound */
		rec_is(&f.r[k], k, lens[k], lens[k]);
	}
	fake_file_data(fd, &len);
	CHECK_EQ_U(len, total);
	CHECK_EQ_U(blocks(), total);
	CHECK_EQ_U(pc.not_captured, 0);
	CHECK_EQ_U(fake_error_count(), 0);
	done();
}

/* A frame as the data path has it: a 12-byte virtio-net header and the
 * frame in pieces of any size, some empty. */
static void test_iov_skip(void)
{
	static uint8_t p0[12 + 5], p1[1], p2[300];
	struct vq_iov iov[4] = {
		{p0, sizeof(p0)}, {p1, 0}, {p1, sizeof(p1)}, {p2, sizeof(p2)}};
	const uint32_t flen = 5 + 1 + 300;
	int fd;

	setup();
	make(7, flen);
	memset(p0, 0xee, 12); /* the header: must not show up */
	memcpy(p0 + 12, frame, 5);
	memcpy(p1, frame + 5, 1);
	memcpy(p2, frame + 6, 300);
	if (!CHECK_EQ_I(open_cap("iov.pcap", 0), 0))
		return;
	fd = pc.fd;
	frame_at(iov, 4, 12, flen);       /* the whole frame */
	frame_at(iov, 4, 12, 4);          /* only its start */
	frame_at(iov, 4, 12, flen + 100); /* claims more than there is */
	frame_at(iov, 4, 12 + flen, 60);  /* skip covers everything */
	frame_at(iov, 0, 0, 60);          /* no pieces */
	frame_at(iov, 4, 0, 0);           /* empty */
	CHECK_EQ_U(pc.captured, 6);
	pcap_close(&pc);
	if (!parse(fd))
		return;
	check_file_header();
	if (!CHECK_EQ_U(f.n, 6))
		return;
	rec_is(&f.r[0], 7, flen, flen);
	rec_is(&f.r[1], 7, 4, 4);
	/* what the pieces hold, with the length claimed kept as orig_len */
	rec_is(&f.r[2], 7, flen, flen + 100);
	rec_is(&f.r[3], 7, 0, 60);
	rec_is(&f.r[4], 7, 0, 60);
	rec_is(&f.r[5], 7, 0, 0);
	done();
}

/* Frames longer than 65535 bytes: incl_len 65535, orig_len the length. */
static void test_snaplen(void)
{
	static uint8_t hdr[12];
	struct vq_iov iov[3] = {{hdr, sizeof(hdr)}, {frame, 40000},
				{frame + 40000, BIG - 40000}};
	int fd;

	setup();
	make(3, BIG);
	if (!CHECK_EQ_I(open_cap("big.pcap", 0), 0))
		return;
	fd = pc.fd;
	flat(frame, BIG);
	flat(frame, 65535);
	flat(frame, 65536);
	frame_at(iov, 3, 12, BIG);
	CHECK_EQ_U(pc.captured, 4);
	pcap_close(&pc);
	if (!parse(fd))
		return;
	check_file_header();
	if (!CHECK_EQ_U(f.n, 4))
		return;
	rec_is(&f.r[0], 3, 65535, BIG);
	rec_is(&f.r[1], 3, 65535, 65535);
	rec_is(&f.r[2], 3, 65535, 65536);
	rec_is(&f.r[3], 3, 65535, BIG);
	done();
}

/* The cap counts the file header and the record headers; the first frame
 * that does not fit stops the capture for good (no holes). */
static void test_cap(void)
{
	const uint64_t cap = HDR + 2 * EPB(100) + 50;
	uint32_t len = 0;
	int fd;

	setup();
	if (!CHECK_EQ_I(open_cap("cap.pcap", cap), 0))
		return;
	fd = pc.fd;
	make(0, 100);
	flat(frame, 100);
	pcap_flush(&pc); /* the cap counts what was written, too */
	make(1, 100);
	flat(frame, 100);
	make(2, 100);
	flat(frame, 100); /* HDR + 3 * EPB(100) > cap */
	make(3, 10);
	flat(frame, 10);  /* would fit, but capture stopped */
	CHECK_EQ_U(pc.captured, 2);
	CHECK_EQ_U(pc.not_captured, 2);
	pcap_close(&pc);
	fake_file_data(fd, &len);
	CHECK(len <= cap);
	CHECK_EQ_U(len, HDR + 2 * EPB(100));
	if (parse(fd) && CHECK_EQ_U(f.n, 2)) {
		rec_is(&f.r[0], 0, 100, 100);
		rec_is(&f.r[1], 1, 100, 100);
	}
	done();

	/* a file that ends exactly at the cap */
	setup();
	if (!CHECK_EQ_I(open_cap("exact.pcap", HDR + 2 * EPB(100)), 0))
		return;
	fd = pc.fd;
	flat(frame, 100);
	flat(frame, 100);
	flat(frame, 0);
	CHECK_EQ_U(pc.captured, 2);
	CHECK_EQ_U(pc.not_captured, 1);
	pcap_close(&pc);
	fake_file_data(fd, &len);
	CHECK_EQ_U(len, HDR + 2 * EPB(100));
	done();

	/* a cap that cannot hold the file header: refused before any file
	 * is made */
	setup();
	CHECK_EQ_I(pcap_open(&pc, "tiny.pcap", 43), -PORT_EINVAL);
	CHECK_STR_HAS(fake_last_error(), "tiny.pcap");
	CHECK_EQ_I(fake_file_last(), -1);
	flat(frame, 10);
	CHECK_EQ_U(pc.captured + pc.not_captured, 0);
	done();
	/* the header alone is fine: every frame is then over the cap */
	setup();
	if (!CHECK_EQ_I(open_cap("hdr.pcap", HDR), 0))
		return;
	fd = pc.fd;
	flat(frame, 0);
	pcap_close(&pc);
	CHECK_EQ_U(pc.not_captured, 1);
	if (parse(fd))
		CHECK_EQ_U(f.n, 0);
	done();
}

/*
 * A file that takes 200 bytes per write: the buffer fills, frames beyond
 * it are dropped and counted, and every frame counted captured is in the
 * file, whole and in order, once everything is flushed.
 */
static void test_short_writes(void)
{
	static bool taken[2000];
	const uint32_t frames = 2000;
	uint64_t before;
	unsigned want = 0, max_writes = 0;
	uint32_t len = 0;
	int fd;

	setup();
	if (!CHECK_EQ_I(open_cap("short.pcap", 0), 0))
		return;
	fd = pc.fd;
	fake_file_limit(fd, 200, 0);
	for (uint32_t k = 0; k < frames; k++) {
		uint32_t flen = 60 + k * 37 % 1455;
		unsigned calls = fake_file_write_calls;
		make(k, flen);
		before = pc.captured;
		flat(frame, flen);
		taken[k] = pc.captured == before + 1;
		CHECK(taken[k] || pc.not_captured > 0);
		if (fake_file_write_calls - calls > max_writes)
			max_writes = fake_file_write_calls - calls;
		if (k % 4 == 3)
			pcap_flush(&pc); /* the loop going to sleep */
	}
	CHECK_EQ_U(max_writes, 1); /* a frame costs one write at most */
	CHECK(pc.not_captured > 0); /* the file could not keep up */
	CHECK_EQ_U(pc.captured + pc.not_captured, frames);
	pcap_close(&pc);
	CHECK_EQ_U(pc.fill, 0);
	CHECK_EQ_U(fake_error_count(), 0);
	if (!parse(fd))
		return;
	check_file_header();
	if (!CHECK_EQ_U(f.n, pc.captured))
		return;
	for (uint32_t k = 0, i = 0; k < frames; k++) {
		uint32_t flen = 60 + k * 37 % 1455;
		if (!taken[k])
			continue;
		make(k, flen);
		if (!rec_is(&f.r[i++], k, flen, flen))
			break;
		want++;
	}
	CHECK_EQ_U(want, pc.captured);
	fake_file_data(fd, &len);
	CHECK_EQ_U(len, pc.file_bytes);
	CHECK_EQ_U(len, blocks());
	done();
}

/*
 * A file whose writes fail: frames are staged while the buffer has room,
 * then counted as not captured; the error is logged once; each frame
 * tries at most one write.  When the file recovers nothing staged is lost.
 * A file that never recovers is closed anyway, with one error line.
 */
static void test_write_error(void)
{
	const uint32_t flen = 1514;
	const uint32_t fits = (CFG_PCAP_BUF - HDR) / EPB(flen);
	const uint32_t offered = fits + 10;
	uint32_t k, max_writes = 0;
	int fd;

	setup();
	if (!CHECK_EQ_I(open_cap("err.pcap", 0), 0))
		return;
	fd = pc.fd;
	fake_file_limit(fd, 0, -PORT_ENOSPC);
	for (k = 0; k < offered; k++) {
		unsigned calls = fake_file_write_calls;
		make(k, flen);
		flat(frame, flen);
		if (fake_file_write_calls - calls > max_writes)
			max_writes = fake_file_write_calls - calls;
		pcap_flush(&pc);
	}
	CHECK_EQ_U(max_writes, 1);
	CHECK_EQ_U(pc.captured, fits);
	CHECK_EQ_U(pc.not_captured, offered - fits);
	CHECK_EQ_I(pc.error, -PORT_ENOSPC);
	CHECK_EQ_U(pc.file_bytes, 0);
	CHECK_EQ_U(fake_error_count(), 1); /* once, not per frame */
	CHECK_STR_HAS(fake_last_error(), "write failed");

	/* the disk has room again */
	fake_file_limit(fd, 0, 0);
	pcap_flush(&pc);
	CHECK_EQ_I(pc.error, 0);
	CHECK_EQ_U(pc.fill, 0);
	make(offered, flen);
	flat(frame, flen);
	CHECK_EQ_U(pc.captured, fits + 1);
	pcap_close(&pc);
	if (parse(fd) && CHECK_EQ_U(f.n, fits + 1)) {
		for (k = 0; k < fits; k++)
			if (!rec_is(&f.r[k], k, flen, flen))
				break;
		rec_is(&f.r[fits], offered, flen, flen);
	}
	CHECK_EQ_U(fake_error_count(), 1);
	done();

	/* it never recovers: close gives up, says so, and closes */
	setup();
	if (!CHECK_EQ_I(open_cap("dead.pcap", 0), 0))
		return;
	fd = pc.fd;
	fake_file_limit(fd, 0, -PORT_EPIPE);
	flat(frame, 100);
	pcap_close(&pc);
	CHECK_EQ_U(fake_error_count(), 2); /* the write, then the loss */
	CHECK_STR_HAS(fake_last_error(), "could not be written");
	CHECK(!fake_fd_is_open(fd));
	done();
}

/* Not capturing: nothing happens, nothing is counted. */
static void test_not_open(void)
{
	setup();
	flat(frame, 60);
	frame_at(NULL, 0, 0, 60);
	pcap_flush(&pc);
	pcap_close(&pc);
	CHECK_EQ_U(pc.captured + pc.not_captured, 0);
	CHECK_EQ_U(fake_file_write_calls, 0);
	done();

	/* a file that cannot be made: one error line naming it */
	setup();
	fake_file_create_error = -PORT_ENOENT;
	CHECK_EQ_I(pcap_open(&pc, "/nonexistent/x.pcap", 0), -PORT_ENOENT);
	CHECK_EQ_U(fake_error_count(), 1);
	CHECK_STR_HAS(fake_last_error(), "/nonexistent/x.pcap");
	flat(frame, 60);
	CHECK_EQ_U(pc.captured + pc.not_captured, 0);
	done();
}

/*
 * One interface per device and link, each frame tagged with the one it
 * crossed and its direction: what the switch takes from dev0 to tap0 is
 * there twice, in on dev0 and out on tap0, told apart.  A frame for an
 * interface never described is not captured.
 */
static void test_interfaces(void)
{
	int fd;

	setup();
	if (!CHECK_EQ_I(pcap_open(&pc, "sw.pcapng", 0), 0))
		return;
	fd = pc.fd;
	CHECK_EQ_I(pcap_iface(&pc, "dev0", "/run/vm1.sock"), 0);
	CHECK_EQ_I(pcap_iface(&pc, "dev1", "/run/vm2.sock"), 1);
	CHECK_EQ_I(pcap_iface(&pc, "tap0", "tap"), 2);
	make(1, 60);
	{
		struct net_frame fr;
		struct vq_iov one;

		net_frame_flat(&fr, &one, frame, 60);
		pcap_frame(&pc, 0, PCAP_IN, &fr);
		pcap_frame(&pc, 2, PCAP_OUT, &fr);
		pcap_frame(&pc, 1, PCAP_OUT, &fr);
		pcap_frame(&pc, 3, PCAP_IN, &fr);  /* never described */
		pcap_frame(&pc, -1, PCAP_IN, &fr); /* a front-end's */
	}
	CHECK_EQ_U(pc.captured, 3);
	pcap_close(&pc);
	if (!parse(fd) || !CHECK_EQ_U(f.nifaces, 3) || !CHECK_EQ_U(f.n, 3))
		return;
	CHECK_STR_EQ(f.name[1], "dev1");
	CHECK_STR_EQ(f.descr[1], "/run/vm2.sock");
	CHECK_STR_EQ(f.name[2], "tap0");
	CHECK_EQ_U(f.r[0].iface, 0);
	CHECK_EQ_U(f.r[0].flags, 1); /* inbound */
	CHECK_EQ_U(f.r[1].iface, 2);
	CHECK_EQ_U(f.r[1].flags, 2); /* outbound */
	CHECK_EQ_U(f.r[2].iface, 1);
	CHECK_EQ_U(f.r[2].flags, 2);
	for (unsigned k = 0; k < 3; k++)
		rec_is(&f.r[k], 1, 60, 60);
	done();

	/* an interface that does not fit the cap stops the capture */
	setup();
	if (!CHECK_EQ_I(pcap_open(&pc, "small.pcapng", 44 + 40), 0))
		return;
	CHECK_EQ_I(pcap_iface(&pc, "dev0", "/a/long/enough/path.sock"), -1);
	CHECK(pc.stopped);
	pcap_close(&pc);
	done();
}

/* "-" is standard output (port_file_stdout), refused on a terminal. */
static void test_stdout(void)
{
	setup();
	CHECK_EQ_I(open_cap("-", 0), 0);
	CHECK_STR_EQ(fake_file_path(pc.fd), "<stdout>");
	pcap_close(&pc);
	done();
	setup();
	fake_stdout_error = -PORT_ENOTTY;
	CHECK_EQ_I(pcap_open(&pc, "-", 0), -PORT_ENOTTY);
	CHECK_STR_HAS(fake_last_error(), "stdout is a terminal");
	done();
}

int main(void)
{
	RUN(test_header_and_records);
	RUN(test_iov_skip);
	RUN(test_snaplen);
	RUN(test_cap);
	RUN(test_short_writes);
	RUN(test_write_error);
	RUN(test_not_open);
	RUN(test_interfaces);
	RUN(test_stdout);
	return check_summary("test_pcap");
}
