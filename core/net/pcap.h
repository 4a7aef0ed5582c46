/*
 * pcap.h - a capture file writer that never stalls the data path.
 *
 * The classic libpcap format (pcap-savefile(5); draft-ietf-opsawg-pcap,
 * "File Header" and "Packet Record"): a 24-byte file header (magic 0xa1b2c3d4 written in
 * host byte order, so a reader learns the byte order from it; version 2.4;
 * snaplen; LINKTYPE_ETHERNET 1), then per frame a 16-byte record header
 * (ts_sec, ts_usec, incl_len, orig_len) and incl_len bytes.
 *
 * Frames are copied into a staging buffer owned by the caller's struct and
 * written to the file in large writes: by pcap_flush (the loop calls it
 * before it sleeps) and when the buffer fills.  A frame is staged whole or
 * not at all, so the file never holds part of a record followed by another
 * one.  When the file cannot keep up (the buffer stays full) or the size
 * cap is reached, frames are dropped from the capture and counted, never
 * waited for.
 */
#ifndef CORE_PCAP_H
#define CORE_PCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

struct net_frame;

#define PCAP_MAGIC 0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_VERSION_MAJOR 2u
#define PCAP_VERSION_MINOR 4u
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
/* Longest frame kept in a record: 65535, or less if a board's staging
 * buffer could not hold a record that long (the header says which). */
#define PCAP_SNAPLEN                                   \
	(CFG_PCAP_BUF - PCAP_REC_HDR < 65535u ?        \
		 (uint32_t)(CFG_PCAP_BUF - PCAP_REC_HDR) : \
		 65535u)

struct pcap {
	int fd;                /* -1 when not capturing */
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
 * Create (or truncate) the file at path and stage the file header.
 * cap_bytes limits the file's size, headers included (0: no limit; else at
 * least PCAP_FILE_HDR).  On failure logs one error line, leaves p not
 * capturing (fd -1) and returns a negative errno.
 */
int pcap_open(struct pcap *p, const char *path, uint64_t cap_bytes);

/*
 * Stage one frame (net.h: the bytes [skip, skip+len) of its pieces),
 * timestamped with port_wall_ns().  incl_len is cut to PCAP_SNAPLEN (and to
 * what the pieces hold); orig_len is len.  If the buffer has no room it is
 * flushed first (one write at most); if there is still no room, or the
 * frame would take the file past the cap, the frame is counted in
 * not_captured.  Does nothing when p is not capturing.
 */
void pcap_frame(struct pcap *p, const struct net_frame *fr);

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
