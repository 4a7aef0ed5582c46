/*
 * fwd.h - the forwarding plane: where the frames of a back-end go.
 *
 * Every frame a guest transmits, and every frame read from a tap or
 * AF_PACKET interface, comes here and goes where the device's mode says:
 * back to the guest (echo), to the hex dump, nowhere (sink), to the
 * bring-up responder, to the device's tap or packet interface, or into the
 * learning switch that joins devices and interfaces.  The capture file, if
 * any, sees every frame on every device and link it crosses, with its
 * direction (pcap.h).
 */
#ifndef CORE_FWD_H
#define CORE_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/dev/backend.h"
#include "core/net/l2sw.h"
#include "core/net/net.h"
#include "core/net/pcap.h"
#include "core/net/respond.h"

/* What a back-end does with the frames the guest transmits. */
enum fwd_action {
	ACT_ECHO,    /* back on the guest's RX queue of the same pair */
	ACT_DUMP,    /* hex dump, then drop */
	ACT_SINK,    /* count, then drop */
	ACT_RESPOND, /* answer ARP and ping for our address, drop the rest */
	ACT_LINK,    /* to and from a tap or AF_PACKET interface */
	ACT_SWITCH,  /* into the learning switch */
	ACT_GENERATE, /* sink, and fill the guest's RX with --size frames */
};

/* What the command line asked of a back-end's frames. */
struct fwd_opts {
	enum fwd_action action;
	struct respond_cfg resp; /* ACT_RESPOND: the address we answer for */
	int link;                /* ACT_LINK: index in the link table */
	uint32_t size;           /* ACT_GENERATE: bytes of a frame */
};

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

/* Queues one interface may have: a tap bridged to a device has one per
 * queue pair of the device (IFF_MULTI_QUEUE), so that each pair's frames
 * go in and come out on their own queue; anything else has one. */
#define FWD_LINK_QUEUES CFG_MAX_QUEUE_PAIRS

/* One tap or packet interface. */
struct link {
	enum link_kind kind;
	const char *name;
	int fd[FWD_LINK_QUEUES]; /* its queues: pair i's is fd[i] */
	unsigned nq;             /* of them open */
	/* attached (TUNSETQUEUE): queue 0, and those of the pairs the
	 * device's guest receives on (fwd_flush keeps them so) */
	bool attached[FWD_LINK_QUEUES];
	/* a tap bridged to a device: frames carry a virtio-net header with
	 * their offloads (IFF_VNET_HDR), and the kernel may hand us those
	 * the device's guest negotiated (PORT_TAP_OFF_*, fwd_flush) */
	bool vnet;
	unsigned offloads;
	int dev; /* index of the device it is bridged to; -1: a switch port */
	int pcap_if; /* its interface in the capture, or -1 */
	struct link_stats st;
};

#define FWD_LINK_BUF \
	(CFG_WITH_LINKS ? PORT_TAP_VNET_HDR_LEN + NET_GSO_FRAME_MAX : 1u)

/* A tap bridged to a device carries a virtio-net header on every frame
 * (struct link's vnet), known from how the link is set up. */
static inline bool fwd_link_vnet(const struct link *l)
{
	return CFG_WITH_LINKS && l->kind == LINK_TAP && l->dev >= 0;
}

/* Switch ports: device i is port i, link j is port CFG_MAX_DEVICES + j. */
#define FWD_LINK_PORT(j) ((uint16_t)(CFG_MAX_DEVICES + (j)))
/* Pieces of a frame written to a link at once (port_net_send's limit). */
#define FWD_IOV_MAX PORT_NET_IOV_MAX

struct fwd;

/* Device i of the table, as the plane sees it. */
struct fwd_port {
	struct fwd *f;
	struct be_dev *be; /* NULL: not a back-end (a front-end) */
	unsigned index;
	struct fwd_opts o;
	uint64_t dumped;   /* --dump: frames printed */
	int pcap_if;       /* its interface in the capture, or -1 */
	bool gen_busy;     /* --generate: the last batch found room for all */
};

struct fwd {
	struct fwd_port port[CFG_MAX_DEVICES];
	unsigned ndev;
	struct link link[CFG_MAX_LINKS > 0 ? CFG_MAX_LINKS : 1];
	unsigned nlinks;
	bool switching;
	struct l2sw sw;
	struct pcap *pcap; /* NULL: no capture */
	/* scratch (one thread): a frame read from a link, or gathered for
	 * the responder or the dump; the reply; a TX frame whose checksum
	 * the data path completes (net_dev_sink); --generate's frame; the
	 * pieces of a frame written to a link */
	uint8_t buf[CFG_FRAME_MAX];
	/* a frame read from a link: a tap's may be a 64 KiB GSO frame after
	 * its virtio-net header */
	uint8_t lbuf[FWD_LINK_BUF];
	uint8_t vnet[PORT_TAP_VNET_HDR_LEN]; /* one written to a link */
	uint8_t reply[CFG_FRAME_MAX];
	uint8_t flat[CFG_FRAME_MAX];
	uint8_t gen[CFG_FRAME_MAX];
	uint32_t gen_len;
	struct port_iov v[FWD_IOV_MAX];
};

/* Capture into p from now on (opened, nothing captured yet): every
 * back-end and link becomes one of its interfaces. */
void fwd_capture(struct fwd *f, struct pcap *p);

/* Open every link (tap or packet).  Negative after logging if one fails. */
int fwd_open(struct fwd *f);

/* Close the links. */
void fwd_close(struct fwd *f);

/* Device i is back-end be (NULL: a front-end), its frames going where o
 * says: the plane becomes its net_sink. */
void fwd_attach(struct fwd *f, unsigned i, struct be_dev *be,
		const struct fwd_opts *o);

/* The sources (--generate): fill the guests' RX rings.  True when one
 * found room for a whole batch and should run again at once. */
bool fwd_generate(struct fwd *f);

/* Queue k of link i is readable. */
void fwd_link_readable(struct fwd *f, unsigned i, unsigned k);

/* After a round of events: publish what was delivered to other devices,
 * write out the capture. */
void fwd_flush(struct fwd *f);

/* Device i lost its connection: the switch forgets what it learned there. */
void fwd_dev_gone(struct fwd *f, unsigned i);

/* One line of counters per link. */
void fwd_print_stats(const struct fwd *f);

#endif /* CORE_FWD_H */
