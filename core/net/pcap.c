/*
 * pcap.c - classic libpcap capture files, staged and written in bulk.
 */
#include "core/net/pcap.h"

#include <string.h>

#include "core/net/net.h"
#include "core/log.h"
#include "port/port.h"

_Static_assert(CFG_PCAP_BUF >= PCAP_FILE_HDR + PCAP_REC_HDR + 64,
	       "CFG_PCAP_BUF must hold the file header and a minimal record");
_Static_assert(CFG_PCAP_BUF <= 0x7fffffffu,
	       "CFG_PCAP_BUF must fit one write (below 2 GiB)");

/* Header fields are host byte order (the reader checks the magic); the
 * buffer has no alignment, hence memcpy. */
static uint8_t *put32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4);
	return b + 4;
}

static uint8_t *put16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, 2);
	return b + 2;
}

void pcap_init(struct pcap *p)
{
	p->fd = -1;
	p->cap_bytes = 0;
	p->file_bytes = 0;
	p->captured = 0;
	p->not_captured = 0;
	p->stopped = false;
	p->error = 0;
	p->fill = 0;
}

int pcap_open(struct pcap *p, const char *path, uint64_t cap_bytes)
{
	uint8_t *b;
	int fd;

	pcap_init(p);
	if (cap_bytes != 0 && cap_bytes < PCAP_FILE_HDR) {
		LOG_ERR("pcap: %s: a cap of %llu bytes cannot hold the %u-byte "
			"file header", path, (unsigned long long)cap_bytes,
			PCAP_FILE_HDR);
		return -PORT_EINVAL;
	}
	fd = port_file_create(path);
	if (fd < 0) {
		LOG_ERR("pcap: cannot create %s (error %d)", path, -fd);
		return fd;
	}
	p->fd = fd;
	p->cap_bytes = cap_bytes;
	/* pcap-savefile(5), "the per-file header" */
	b = put32(p->buf, PCAP_MAGIC);
	b = put16(b, PCAP_VERSION_MAJOR);
	b = put16(b, PCAP_VERSION_MINOR);
	b = put32(b, 0); /* thiszone: timestamps are UTC */
	b = put32(b, 0); /* sigfigs: always 0 */
	b = put32(b, PCAP_SNAPLEN);
	b = put32(b, PCAP_LINKTYPE_ETHERNET);
	p->fill = (uint32_t)(b - p->buf);
	return 0;
}

/*
 * Room for one record of incl bytes, its header written (orig_len is the
 * frame's length): where its bytes go, or NULL if the frame is not
 * captured (counted).  The caller copies incl bytes there, then commits.
 */
static uint8_t *stage(struct pcap *p, uint32_t incl, uint32_t orig)
{
	uint32_t rec = PCAP_REC_HDR + incl;
	uint64_t ns;
	uint8_t *b;

	if (p->stopped) {
		p->not_captured++;
		return NULL;
	}
	/* The cap counts what is in the file and what is on its way. */
	if (p->cap_bytes != 0 &&
	    p->file_bytes + p->fill + rec > p->cap_bytes) {
		p->stopped = true;
		p->not_captured++;
		LOG_INFO("pcap: file reached its cap of %llu bytes; capture "
			 "stopped", (unsigned long long)p->cap_bytes);
		return NULL;
	}
	if (CFG_PCAP_BUF - p->fill < rec) {
		pcap_flush(p); /* the one write this frame may cost */
		if (CFG_PCAP_BUF - p->fill < rec) {
			p->not_captured++;
			return NULL;
		}
	}
	/* pcap-savefile(5), "the per-packet header"; ts_sec is unsigned
	 * here, so it lasts until 2106. */
	ns = port_wall_ns();
	b = p->buf + p->fill;
	b = put32(b, (uint32_t)(ns / PORT_NS_PER_S));
	b = put32(b, (uint32_t)(ns % PORT_NS_PER_S / PORT_NS_PER_US));
	b = put32(b, incl);
	b = put32(b, orig);
	return b;
}

static void commit(struct pcap *p, uint32_t incl)
{
	p->fill += PCAP_REC_HDR + incl;
	p->captured++;
}

void pcap_frame(struct pcap *p, const struct net_frame *fr)
{
	uint32_t incl = fr->len < PCAP_SNAPLEN ? fr->len : PCAP_SNAPLEN;
	uint32_t got;
	uint8_t *b;

	if (p->fd < 0)
		return;
	b = stage(p, incl, fr->len);
	if (b == NULL)
		return;
	/* The caller's len is not trusted to stay inside the pieces: what
	 * they hold is what the record holds (its incl_len, 8 bytes back). */
	got = net_frame_gather(fr, b, incl);
	if (got < incl)
		put32(b - 8, got);
	commit(p, got);
}

void pcap_flush(struct pcap *p)
{
	long n;

	if (p->fd < 0 || p->fill == 0)
		return;
	n = port_file_write(p->fd, p->buf, p->fill);
	if (n < 0) {
		if (p->error == 0 && n != -PORT_EAGAIN && n != -PORT_EINTR)
			LOG_ERR("pcap: write failed (error %ld); frames are "
				"dropped from the capture while the buffer "
				"stays full", -n);
		p->error = (int)n;
		return;
	}
	p->error = 0;
	if ((unsigned long)n > p->fill) /* a port claiming more than asked */
		n = (long)p->fill;
	/* Keep the rest at the front: short writes are rare (a full disk),
	 * so the move is cheaper than a ring's wrap handling everywhere. */
	p->file_bytes += (uint64_t)n;
	p->fill -= (uint32_t)n;
	memmove(p->buf, p->buf + n, p->fill);
}

void pcap_close(struct pcap *p)
{
	if (p->fd < 0)
		return;
	/* Each round writes something or ends the loop, so it is bounded by
	 * the bytes staged. */
	while (p->fill > 0) {
		uint32_t before = p->fill;
		pcap_flush(p);
		if (p->fill == before)
			break;
	}
	if (p->fill > 0)
		LOG_ERR("pcap: %u staged bytes could not be written (error %d); "
			"the capture file ends early", (unsigned)p->fill,
			-p->error);
	port_fd_close(p->fd);
	p->fd = -1;
	p->fill = 0;
}
