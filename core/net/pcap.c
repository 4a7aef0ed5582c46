/*
 * pcap.c - pcapng capture files, staged and written in bulk (see pcap.h;
 * the section numbers are draft-ietf-opsawg-pcapng's).
 */
#include "core/net/pcap.h"

#include <string.h>

#include "core/net/net.h"
#include "core/log.h"
#include "port/port.h"

/* The section header: 28 bytes, shb_userappl "vhost" (12), the end of
 * options (4). */
#define SHB_BYTES 44u

_Static_assert(CFG_PCAP_BUF >= SHB_BYTES + PCAPNG_EPB_OVERHEAD + 64,
	       "CFG_PCAP_BUF must hold the section header and a minimal block");
_Static_assert(CFG_PCAP_BUF <= 0x7fffffffu,
	       "CFG_PCAP_BUF must fit one write (below 2 GiB)");

/* Fields are host byte order (the reader checks the byte-order magic);
 * the buffer has no alignment, hence memcpy. */
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

/* Bytes n takes padded to 32 bits (3.1: every block and option is). */
static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* An option (3.5): code, length, the value padded with zeros. */
static uint8_t *put_opt(uint8_t *b, uint16_t code, const void *v,
			uint32_t len)
{
	b = put16(b, code);
	b = put16(b, (uint16_t)len);
	memcpy(b, v, len);
	memset(b + len, 0, pad4(len) - len);
	return b + pad4(len);
}

void pcap_init(struct pcap *p)
{
	p->fd = -1;
	p->nifaces = 0;
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
	bool out = strcmp(path, "-") == 0;
	uint8_t *b;
	int fd;

	pcap_init(p);
	if (cap_bytes != 0 && cap_bytes < SHB_BYTES) {
		LOG_ERR("pcap: %s: a cap of %llu bytes cannot hold the %u-byte "
			"section header", path, (unsigned long long)cap_bytes,
			SHB_BYTES);
		return -PORT_EINVAL;
	}
	fd = out ? port_file_stdout() : port_file_create(path);
	if (fd < 0) {
		if (fd == -PORT_ENOTTY)
			LOG_ERR("pcap: stdout is a terminal: pipe it to a reader "
				"(| tcpdump -r -, | wireshark -k -i -)");
		else
			LOG_ERR("pcap: cannot create %s (error %d)", path, -fd);
		return fd;
	}
	p->fd = fd;
	p->cap_bytes = cap_bytes;
	/* 4.1: no section length (-1): the file is written as it goes */
	b = put32(p->buf, PCAPNG_SHB);
	b = put32(b, SHB_BYTES);
	b = put32(b, PCAPNG_BYTE_ORDER);
	b = put16(b, 1); /* version 1.0 */
	b = put16(b, 0);
	b = put32(b, 0xffffffffu);
	b = put32(b, 0xffffffffu);
	b = put_opt(b, 4, "vhost", 5); /* shb_userappl */
	b = put32(b, 0);               /* opt_endofopt */
	b = put32(b, SHB_BYTES);
	p->fill = (uint32_t)(b - p->buf);
	return 0;
}

/* Room for a block of n bytes (staged: the caller writes it, then adds n
 * to fill), or NULL: the cap is reached (capture stops for good) or the
 * file cannot keep up. */
static uint8_t *room(struct pcap *p, uint32_t n)
{
	if (p->stopped)
		return NULL;
	/* The cap counts what is in the file and what is on its way. */
	if (p->cap_bytes != 0 && p->file_bytes + p->fill + n > p->cap_bytes) {
		p->stopped = true;
		LOG_INFO("pcap: file reached its cap of %llu bytes; capture "
			 "stopped", (unsigned long long)p->cap_bytes);
		return NULL;
	}
	if (CFG_PCAP_BUF - p->fill < n) {
		pcap_flush(p); /* the one write this block may cost */
		if (CFG_PCAP_BUF - p->fill < n)
			return NULL;
	}
	return p->buf + p->fill;
}

static uint32_t text_len(const char *s)
{
	uint32_t n = 0;

	while (s[n] != '\0' && n < PCAP_TEXT_MAX)
		n++;
	return n;
}

int pcap_iface(struct pcap *p, const char *name, const char *description)
{
	static const uint8_t tsresol = 9; /* nanoseconds (4.2, if_tsresol) */
	uint32_t nl = text_len(name), dl = text_len(description);
	uint32_t len = 20 + 4 + pad4(nl) + 4 + pad4(dl) + 8 + 4;
	uint8_t *b;

	if (p->fd < 0)
		return -1;
	b = room(p, len);
	if (b == NULL)
		return -1;
	b = put32(b, PCAPNG_IDB);
	b = put32(b, len);
	b = put16(b, PCAPNG_LINKTYPE_ETHERNET);
	b = put16(b, 0);
	b = put32(b, PCAP_SNAPLEN);
	b = put_opt(b, 2, name, nl);        /* if_name */
	b = put_opt(b, 3, description, dl); /* if_description */
	b = put_opt(b, 9, &tsresol, 1);     /* if_tsresol */
	b = put32(b, 0);                    /* opt_endofopt */
	put32(b, len);
	p->fill += len;
	return (int)p->nifaces++;
}

void pcap_frame(struct pcap *p, int iface, enum pcap_dir dir,
		const struct net_frame *fr)
{
	uint32_t incl = fr->len < PCAP_SNAPLEN ? fr->len : PCAP_SNAPLEN;
	uint32_t got, len;
	uint64_t ns;
	uint8_t *b, *blk;

	if (p->fd < 0 || iface < 0 || (uint32_t)iface >= p->nifaces)
		return;
	blk = room(p, PCAPNG_EPB_OVERHEAD + pad4(incl));
	if (blk == NULL) {
		p->not_captured++;
		return;
	}
	/* The caller's len is not trusted to stay inside the pieces: what
	 * they hold is what the block holds. */
	got = net_frame_gather(fr, blk + 28, incl);
	len = PCAPNG_EPB_OVERHEAD + pad4(got);
	ns = port_wall_ns();
	b = put32(blk, PCAPNG_EPB);
	b = put32(b, len);
	b = put32(b, (uint32_t)iface);
	b = put32(b, (uint32_t)(ns >> 32)); /* 4.3: high, then low */
	b = put32(b, (uint32_t)ns);
	b = put32(b, got);     /* captured length */
	b = put32(b, fr->len); /* original length */
	memset(b + got, 0, pad4(got) - got);
	b += pad4(got);
	b = put16(b, 2); /* epb_flags (4.3.1): the direction */
	b = put16(b, 4);
	b = put32(b, (uint32_t)dir);
	b = put32(b, 0); /* opt_endofopt */
	put32(b, len);
	p->fill += len;
	p->captured++;
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
	/* Keep the rest at the front: short writes are rare (a full disk,
	 * a slow reader on a pipe), so the move is cheaper than a ring's
	 * wrap handling everywhere. */
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
		struct port_pollfd w = {p->fd, PORT_POLLOUT, 0};

		pcap_flush(p);
		/* a pipe's reader (--pcap -) gets a second to catch up */
		if (p->fill == before && p->error == -PORT_EAGAIN &&
		    port_poll(&w, 1, (int64_t)PORT_NS_PER_S) > 0)
			continue;
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
