/*
 * pcap.h - a capture file writer that never stalls the data path.
 *
 * The file is pcapng (draft-ietf-opsawg-pcapng, "PCAP Next Generation
 * Dump File Format"), which tcpdump, tshark and Wireshark read: a Section
 * Header Block (section 4.1), then an Interface Description Block (4.2)
 * for each place frames cross (a device's guest, a tap or AF_PACKET
 * interface), then one Enhanced Packet Block (4.3) per frame and
 * interface it crossed, naming the interface and carrying the direction
 * in its epb_flags: inbound when vhost received the frame there (the
 * guest transmitted it, or it was read from the interface), outbound
 * when vhost sent it there.  So a frame the switch takes from one guest
 * to another is in the file twice, once in on the first and once out on
 * the second, as a capture on a bridge's ports would have it.  Blocks
 * are in host byte order (the section header's byte-order magic says
 * which); time stamps are in nanoseconds (if_tsresol 9).
 *
 * Blocks are copied into a staging buffer owned by the caller's struct
 * and written to the file in large writes: by pcap_flush (the loop calls
 * it before it sleeps) and when the buffer fills.  A block is staged
 * whole or not at all, so the file never holds part of one followed by
 * another.  When the file cannot keep up (the buffer stays full) or the
 * size cap is reached, frames are dropped from the capture and counted,
 * never waited for.
 */
#ifndef CORE_PCAP_H
#define CORE_PCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

struct net_frame;

#define PCAPNG_SHB 0x0a0d0d0au      /* block types (section 4) */
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER 0x1a2b3c4du
#define PCAPNG_LINKTYPE_ETHERNET 1u
#define PCAPNG_EPB_INBOUND 1u       /* epb_flags bits 0-1 (4.3.1) */
#define PCAPNG_EPB_OUTBOUND 2u
/* An EPB's bytes besides the frame's: 28 of header, 8 of epb_flags, 4
 * of opt_endofopt, 4 of trailing length. */
#define PCAPNG_EPB_OVERHEAD 44u
/* Longest frame kept in a block: 65535, or less if a board's staging
 * buffer could not hold a block that long (the IDBs say which). */
#define PCAP_SNAPLEN                                              \
	(CFG_PCAP_BUF - PCAPNG_EPB_OVERHEAD - 3 < 65535u ?        \
		 (uint32_t)(CFG_PCAP_BUF - PCAPNG_EPB_OVERHEAD - 3) : \
		 65535u)
/* Longest interface name or description written (bytes). */
#define PCAP_TEXT_MAX 256u

/* The direction of a frame on an interface (see above). */
enum pcap_dir {
	PCAP_IN = PCAPNG_EPB_INBOUND,
	PCAP_OUT = PCAPNG_EPB_OUTBOUND,
};

struct pcap {
	int fd;                /* -1 when not capturing */
	uint32_t nifaces;      /* interfaces described so far */
	uint64_t cap_bytes;    /* stop capturing when the file would grow past
	                          this (0 = no cap) */
	uint64_t file_bytes;   /* written to the file so far */
	uint64_t captured;     /* frames in the file (or staged) */
	uint64_t not_captured; /* frames dropped: cap reached, or the file
	                          could not keep up */
	bool stopped;          /* the cap was reached: no frame is taken any
	                          more (a capture with holes would mislead) */
	int error;             /* the last write's error (negative), or 0 */
	uint32_t fill;         /* bytes staged */
	uint8_t buf[CFG_PCAP_BUF];
};

/* Not capturing (fd -1), counters zero.  For a struct that may never be
 * opened: pcap_frame and pcap_flush then do nothing. */
void pcap_init(struct pcap *p);

/*
 * Create (or truncate) the file at path, or take standard output for
 * path "-" (port_file_stdout), and stage the section header.  cap_bytes
 * limits the file's size, headers included (0: no limit; else at least
 * the section header's 44 bytes).  On failure logs one error line, leaves
 * p not capturing (fd -1) and returns a negative errno.
 */
int pcap_open(struct pcap *p, const char *path, uint64_t cap_bytes);

/*
 * Describe an interface: name (if_name, such as "dev0" or "tap0") and
 * description (if_description), each cut to PCAP_TEXT_MAX bytes.  Returns
 * its id for pcap_frame (0, 1, ... in order), or -1 when not capturing
 * or when it does not fit the cap (the capture then stops).  All
 * interfaces are described before the first frame.
 */
int pcap_iface(struct pcap *p, const char *name, const char *description);

/*
 * Stage one frame (net.h: the bytes [skip, skip+len) of its pieces) as
 * crossing interface `iface` in direction dir, timestamped with
 * port_wall_ns().  The captured length is cut to PCAP_SNAPLEN (and to
 * what the pieces hold); the original length is len.  If the buffer has
 * no room it is flushed first (one write at most); if there is still no
 * room, or the frame would take the file past the cap, the frame is
 * counted in not_captured.  Does nothing when p is not capturing or
 * iface is not one pcap_iface returned.
 */
void pcap_frame(struct pcap *p, int iface, enum pcap_dir dir,
		const struct net_frame *fr);

/*
 * Write what is staged, in one write.  What a short or failed write did
 * not take stays staged for the next flush (an error is kept in p->error
 * and logged once when it first appears).
 */
void pcap_flush(struct pcap *p);

/* Flush everything staged (writing while the file takes bytes), then close
 * the file.  Bytes that could not be written are reported in one error
 * line.  The counters stay for the final statistics. */
void pcap_close(struct pcap *p);

#endif /* CORE_PCAP_H */
