/*
 * fwd.h - the forwarding plane: where the frames of a back-end go.
 *
 * Every frame a guest transmits, and every frame read from a tap or
 * AF_PACKET interface, comes here and goes where the device's mode says:
 * back to the guest (echo), to the hex dump, nowhere (sink), to the
 * bring-up responder, to the device's tap or packet interface, or into the
 * learning switch that joins devices and interfaces.  The capture file, if
 * any, sees every frame in both directions.
 */
#ifndef CORE_FWD_H
#define CORE_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/dev/dev.h"
#include "core/net/l2sw.h"
#include "core/net/net.h"
#include "core/net/pcap.h"

enum link_kind {
	LINK_TAP,    /* /dev/net/tun, IFF_TAP */
	LINK_PACKET, /* AF_PACKET on an existing interface */
};

struct link_stats {
	uint64_t rx_frames; /* read from the interface */
	uint64_t rx_bytes;
	uint64_t tx_frames; /* written to the interface */
	uint64_t tx_bytes;
	uint64_t drop_norx;     /* no guest RX buffer for a frame read */
	uint64_t drop_tx;       /* the interface would not take a frame */
	uint64_t drop_oversize; /* read frame larger than CFG_FRAME_MAX */
};

/* One tap or packet interface. */
struct link {
	enum link_kind kind;
	const char *name;
	int fd;
	int dev; /* index of the device it is bridged to; -1: a switch port */
	struct link_stats st;
};

/* Switch ports: device i is port i, link j is port CFG_MAX_DEVICES + j. */
#define FWD_LINK_PORT(j) ((uint16_t)(CFG_MAX_DEVICES + (j)))

struct fwd {
	struct vu_dev *dev; /* the device table */
	unsigned ndev;
	struct link link[CFG_MAX_LINKS > 0 ? CFG_MAX_LINKS : 1];
	unsigned nlinks;
	bool switching;
	struct l2sw sw;
	struct pcap *pcap; /* NULL: no capture */
	/* scratch: a frame read from a link, or gathered for the responder */
	uint8_t buf[CFG_FRAME_MAX];
	uint8_t reply[CFG_FRAME_MAX];
};

/* Open every link (tap or packet).  Negative after logging if one fails. */
int fwd_open(struct fwd *f);

/* Close the links. */
void fwd_close(struct fwd *f);

/* A frame the guest of d transmitted on `pair`; seq numbers it for the
 * dump.  Returns NET_FULL only when the frame should wait (echo into a
 * full RX ring); negative when a guest ring is broken. */
int fwd_guest_frame(struct vu_dev *d, unsigned pair,
		    const struct net_frame *fr, uint64_t seq);

/* Link i is readable. */
void fwd_link_readable(struct fwd *f, unsigned i);

/* After a round of events: publish what was delivered to other devices,
 * write out the capture. */
void fwd_flush(struct fwd *f);

/* Device d lost its connection: the switch forgets what it learned there. */
void fwd_dev_gone(struct fwd *f, const struct vu_dev *d);

/* Capture one frame seen at device d (no-op without --pcap). */
void fwd_capture(const struct vu_dev *d, const struct net_frame *fr);

/* One line of counters per link. */
void fwd_print_stats(const struct fwd *f);

#endif /* CORE_FWD_H */
