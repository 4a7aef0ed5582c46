/*
 * net.c - Ethernet frames in and out: tap interfaces (/dev/net/tun) and
 * AF_PACKET sockets bound to an existing interface.  A packet socket
 * receives through a TPACKET_V3 ring mapped into our memory when the
 * kernel gives us one (see docs/design.md, "AF_PACKET: plain sockets or
 * mmap rings"), else through recvfrom(); it always sends with writev().
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port/linux/internal.h"
#include "port/port.h"

/* <linux/if_tun.h> is not among musl's headers; these are kernel ABI. */
#ifndef TUNSETIFF
#define TUNSETIFF _IOW('T', 202, int)
#endif
#ifndef IFF_TAP
#define IFF_TAP 0x0002
#endif
#ifndef IFF_NO_PI
#define IFF_NO_PI 0x1000
#endif
#ifndef IFF_MULTI_QUEUE
#define IFF_MULTI_QUEUE 0x0100
#endif
#ifndef IFF_VNET_HDR
#define IFF_VNET_HDR 0x4000
#endif
#ifndef TUNSETOFFLOAD
#define TUNSETOFFLOAD _IOW('T', 208, unsigned int)
#endif
#ifndef TUNSETVNETHDRSZ
#define TUNSETVNETHDRSZ _IOW('T', 216, int)
#endif
#define NET_TUN_F_CSUM 0x01
#define NET_TUN_F_TSO4 0x02
#define NET_TUN_F_TSO6 0x04
#define NET_TUN_F_TSO_ECN 0x08
#ifndef TUNSETQUEUE
#define TUNSETQUEUE _IOW('T', 217, int)
#endif
#ifndef IFF_ATTACH_QUEUE
#define IFF_ATTACH_QUEUE 0x0200
#endif
#ifndef IFF_DETACH_QUEUE
#define IFF_DETACH_QUEUE 0x0400
#endif
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

/*
 * TPACKET_V3 receive rings: kernel ABI (<linux/if_packet.h>, which musl
 * does not have).  The kernel fills blocks of frames; a block is ours
 * from when its status has TP_STATUS_USER (full, or older than the
 * retire timeout) until we store TP_STATUS_KERNEL in it again.
 */
#ifndef PACKET_RX_RING
#define PACKET_RX_RING 5
#endif
#ifndef PACKET_VERSION
#define PACKET_VERSION 10
#endif
#define NET_TPACKET_V1 0
#define NET_TPACKET_V3 2
#define NET_TP_STATUS_KERNEL 0u
#define NET_TP_STATUS_USER 1u

struct net_tp_req3 { /* struct tpacket_req3 */
	uint32_t block_size, block_nr, frame_size, frame_nr;
	uint32_t retire_blk_tov, sizeof_priv, feature_req_word;
};

struct net_tp_block { /* struct tpacket_block_desc, header v1 */
	uint32_t version, offset_to_priv;
	uint32_t block_status, num_pkts, offset_to_first_pkt, blk_len;
	uint64_t seq_num;
	uint32_t ts_first[2], ts_last[2];
};

struct net_tp_hdr { /* struct tpacket3_hdr */
	uint32_t next_offset, sec, nsec, snaplen, len, status;
	uint16_t mac, net;
	uint32_t rxhash, vlan_tci;
	uint16_t vlan_tpid, pad;
	uint8_t padding[8];
};

_Static_assert(sizeof(struct net_tp_req3) == 28, "tpacket_req3");
_Static_assert(sizeof(struct net_tp_block) == 48, "tpacket_block_desc");
_Static_assert(sizeof(struct net_tp_hdr) == 48, "tpacket3_hdr");

/* The frame's struct sockaddr_ll follows its header, 16-byte aligned
 * (TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) is 48). */
#define NET_TP_SLL_OFF 48u

/*
 * Ring geometry: 16 blocks of 128 KiB, 2 MiB per packet socket (about
 * what the 1 MiB SO_RCVBUF of the plain path lets queue).  A block holds
 * any frame up to 128 KiB less its header, and is a whole number of pages
 * for 4, 16 and 64 KiB pages.  A block that is not full is handed over
 * after NET_RING_TOV_MS: the most a frame waits in a quiet ring.
 */
#define NET_RING_BLOCK (128u << 10)
#define NET_RING_BLOCKS 16u
#define NET_RING_BYTES ((size_t)NET_RING_BLOCK * NET_RING_BLOCKS)
#define NET_RING_FRAME 2048u /* only for the kernel's arithmetic in V3 */
#define NET_RING_TOV_MS 1u
/* Packet sockets that can have a ring at once; more get the plain path. */
#define NET_RING_MAX 16
/* 0 (make EXTRA_CFLAGS=-DNET_PACKET_RING=0): never a ring, always the
 * plain path, for the lower latency of quiet traffic (docs/design.md). */
#ifndef NET_PACKET_RING
#define NET_PACKET_RING 1
#endif

/* Outgoing frames skipped per receive call before giving up for now (the
 * fd stays readable, so the caller comes back). */
#define NET_SKIP_MAX 64
/* Socket receive buffer asked for; the kernel caps it at rmem_max. */
#define NET_RCVBUF (1 << 20)
/* Fds whose kind (tap or packet socket) is remembered; a larger fd is
 * probed with recvfrom() on every receive instead. */
#define NET_FD_BITS 1024

/*
 * Set for a packet socket opened here, clear for a tap opened here.  A
 * number reused by another kind of fd is never passed to port_net_recv
 * unless it came from port_tap_open or port_packet_open again, which set
 * the bit anew; a stale bit still works (ENOTSOCK falls back to readv).
 */
static unsigned char pkt_fd_bits[NET_FD_BITS / 8];

/* The receive ring of one packet socket; base NULL: entry unused. */
struct net_ring {
	uint8_t *base;
	int fd;
	uint32_t blk;  /* the block read next */
	uint32_t left; /* frames of it not yet read; 0: not taken yet */
	uint32_t off;  /* offset in it of the next of them */
};

static struct net_ring rings[NET_RING_MAX];
static unsigned rings_used;

/*
 * Where a tap frame longer than the caller's buffer spills: tun's read
 * returns only what fit, so without room past buf a cut frame could not
 * be told from one of exactly len bytes.  The largest tap frame (MTU
 * 65535, Ethernet header, VLAN tag) fits in len + this for any len >= 64.
 */
static unsigned char tap_spill[65536];

static void note_fd(int fd, bool packet)
{
	unsigned char bit;

	if (fd < 0 || fd >= NET_FD_BITS)
		return;
	bit = (unsigned char)(1u << (fd % 8));
	if (packet)
		pkt_fd_bits[fd / 8] |= bit;
	else
		pkt_fd_bits[fd / 8] &= (unsigned char)~bit;
}

/* May fd be a packet socket (so worth a recvfrom)? */
static bool maybe_packet(int fd)
{
	if (fd >= NET_FD_BITS)
		return true; /* unknown: probe */
	return (pkt_fd_bits[fd / 8] >> (fd % 8)) & 1u;
}

static struct net_ring *ring_of(int fd)
{
	if (rings_used == 0)
		return NULL;
	for (unsigned i = 0; i < NET_RING_MAX; i++)
		if (rings[i].base && rings[i].fd == fd)
			return &rings[i];
	return NULL;
}

/* fd is being closed: unmap the receive ring it may have. */
static void net_fd_release(int fd)
{
	struct net_ring *r = ring_of(fd);

	if (!r)
		return;
	(void)munmap(r->base, NET_RING_BYTES);
	r->base = NULL;
	rings_used--;
}

/*
 * Give fd (a packet socket, not yet bound) a receive ring.  1: done; 0:
 * no ring (the kernel, or qemu-user, refused, or all NET_RING_MAX are in
 * use): fd stays a plain socket; -errno: fd is neither, give it up.
 */
static int ring_setup(int fd)
{
	struct net_tp_req3 req = {
		.block_size = NET_RING_BLOCK,
		.block_nr = NET_RING_BLOCKS,
		.frame_size = NET_RING_FRAME,
		.frame_nr = NET_RING_BLOCKS * (NET_RING_BLOCK / NET_RING_FRAME),
		.retire_blk_tov = NET_RING_TOV_MS,
	};
	struct net_ring *r = NULL;
	int v = NET_TPACKET_V3;
	void *p;

	if (!NET_PACKET_RING)
		return 0;
	for (unsigned i = 0; i < NET_RING_MAX && !r; i++)
		if (!rings[i].base)
			r = &rings[i];
	if (!r)
		return 0;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		return 0;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		goto plain;
	p = mmap(NULL, NET_RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	if (p == MAP_FAILED) {
		/* A ring of no blocks takes the ring away again. */
		memset(&req, 0, sizeof(req));
		if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req,
			       sizeof(req)) < 0)
			return -errno;
		goto plain;
	}
	r->base = p;
	r->fd = fd;
	r->blk = r->left = r->off = 0;
	rings_used++;
	fd_close_hook = net_fd_release;
	return 1;
plain:
	v = NET_TPACKET_V1;
	(void)setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v));
	return 0;
}

/* Copy an interface name into ifr, checked: "" and names with '%' (which
 * the kernel would turn into a name of its own choosing) are refused. */
static int fill_ifname(struct ifreq *ifr, const char *name)
{
	size_t n;

	if (!name || !name[0] || strchr(name, '%'))
		return -EINVAL;
	n = strnlen(name, IFNAMSIZ);
	if (n >= IFNAMSIZ)
		return -ENAMETOOLONG;
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, name, n); /* NUL from the memset */
	return 0;
}

int port_tap_open(const char *name, unsigned flags)
{
	struct ifreq ifr;
	int fd, r, e, hdr_len = PORT_TAP_VNET_HDR_LEN;

	r = fill_ifname(&ifr, name);
	if (r < 0)
		return r;
	/* With IFF_MULTI_QUEUE each TUNSETIFF attaches one more queue (of
	 * up to 256) to the interface; EINVAL if it has none. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI |
			((flags & PORT_TAP_MULTI_QUEUE) ? IFF_MULTI_QUEUE : 0) |
			((flags & PORT_TAP_VNET_HDR) ? IFF_VNET_HDR : 0);
	do
		fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	/* Creates the interface (CAP_NET_ADMIN) or attaches to an existing
	 * tap of that name; EINVAL if that name is some other kind. */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ((flags & PORT_TAP_VNET_HDR) &&
	     ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)) {
		e = errno;
		close(fd);
		return -e;
	}
	net_fd_release(fd); /* a stale entry of a number closed elsewhere */
	note_fd(fd, false);
	return fd;
}

int port_tap_offload(int fd, unsigned offloads)
{
	unsigned long f = ((offloads & PORT_TAP_OFF_CSUM) ? NET_TUN_F_CSUM : 0) |
			  ((offloads & PORT_TAP_OFF_TSO4) ? NET_TUN_F_TSO4 : 0) |
			  ((offloads & PORT_TAP_OFF_TSO6) ? NET_TUN_F_TSO6 : 0) |
			  ((offloads & PORT_TAP_OFF_ECN) ? NET_TUN_F_TSO_ECN : 0);

	return ioctl(fd, TUNSETOFFLOAD, f) < 0 ? -errno : 0;
}

int port_tap_queue(int fd, bool attach)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	return ioctl(fd, TUNSETQUEUE, &ifr) < 0 ? -errno : 0;
}

int port_packet_open(const char *ifname)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int fd, r, e, one = 1, rcvbuf = NET_RCVBUF;

	r = fill_ifname(&ifr, ifname);
	if (r < 0)
		return r;
	/* Protocol 0: the socket takes no frames until bind() names both the
	 * protocol and the interface, so none from another interface can be
	 * queued in between (a socket made with ETH_P_ALL would get them). */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		goto fail; /* ENODEV: no such interface */
	/* Our own frames must not come back to us (a loop through the
	 * switch).  Older kernels lack the option: port_net_recv drops
	 * PACKET_OUTGOING frames itself in any case. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0 &&
	    errno != ENOPROTOOPT)
		goto fail;
	net_fd_release(fd); /* a stale entry of a number closed elsewhere */
	r = ring_setup(fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	/* Without a ring, room for bursts in the socket buffer; capped by
	 * net.core.rmem_max, and the default is only slower, not wrong, so a
	 * failure is ignored. */
	if (r == 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	note_fd(fd, true);
	return fd;
fail:
	e = errno;
	net_fd_release(fd);
	close(fd);
	return -e;
}

/* Hand r's current block back to the kernel and go on to the next. */
static void ring_next_block(struct net_ring *r, struct net_tp_block *b)
{
	/* Release: our reads of the block are done before the kernel may
	 * write it again. */
	__atomic_store_n(&b->block_status, NET_TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	r->left = 0;
	r->blk = (r->blk + 1) % NET_RING_BLOCKS;
}

/*
 * One frame from a packet socket's ring, like packet_recv: skipping
 * outgoing ones, cut to len, its full length returned.  A block goes
 * back to the kernel as soon as its last frame has been copied out.
 */
static long ring_recv(struct net_ring *r, void *buf, uint32_t len)
{
	for (unsigned i = 0; i < NET_SKIP_MAX; i++) {
		uint8_t *blk = r->base + (size_t)r->blk * NET_RING_BLOCK;
		struct net_tp_block *b = (struct net_tp_block *)(void *)blk;
		const struct net_tp_hdr *h;
		const struct sockaddr_ll *sll;
		uint32_t off, snap, full, n;
		bool outgoing;

		if (r->left == 0) {
			if (!(__atomic_load_n(&b->block_status,
					      __ATOMIC_ACQUIRE) &
			      NET_TP_STATUS_USER))
				return -EAGAIN;
			r->left = b->num_pkts;
			r->off = b->offset_to_first_pkt;
			if (r->left == 0) {
				ring_next_block(r, b);
				continue;
			}
		}
		/* The kernel's offsets, checked all the same: a frame that
		 * would reach past its block ends the block. */
		off = r->off;
		if (off > NET_RING_BLOCK - NET_TP_SLL_OFF - sizeof(*sll)) {
			ring_next_block(r, b);
			continue;
		}
		h = (const struct net_tp_hdr *)(const void *)(blk + off);
		sll = (const struct sockaddr_ll *)(const void *)(blk + off +
								 NET_TP_SLL_OFF);
		snap = h->snaplen;
		full = h->len;
		if (h->mac > NET_RING_BLOCK - off ||
		    snap > NET_RING_BLOCK - off - h->mac) {
			ring_next_block(r, b);
			continue;
		}
		outgoing = sll->sll_pkttype == PACKET_OUTGOING;
		n = snap < len ? snap : len;
		if (!outgoing && n)
			memcpy(buf, blk + off + h->mac, n);
		r->left--;
		r->off = off + h->next_offset;
		if (r->left == 0)
			ring_next_block(r, b);
		if (outgoing)
			continue;
		/* The ring cuts only frames longer than a block, which no
		 * Ethernet frame is; should one fit buf but not the ring, it
		 * shows as too long for buf, so the caller drops it rather
		 * than take the cut frame for a whole one. */
		if (snap < full && full <= len)
			return (long)len + 1;
		return (long)full;
	}
	return -EAGAIN;
}

/* One frame from a packet socket, skipping those we (or anyone on this
 * host) sent; MSG_TRUNC makes the full length come back. */
static long packet_recv(int fd, void *buf, uint32_t len)
{
	for (unsigned i = 0; i < NET_SKIP_MAX; i++) {
		struct sockaddr_ll sll;
		socklen_t slen = sizeof(sll);
		ssize_t r;

		do
			r = recvfrom(fd, buf, len, MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&sll, &slen);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (slen >= offsetof(struct sockaddr_ll, sll_pkttype) +
				    sizeof(sll.sll_pkttype) &&
		    sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		return (long)r;
	}
	return -EAGAIN;
}

/* One frame from a tap: tun hands out whole frames, cut to the buffer
 * given; the spill area makes a cut one show as longer than len. */
static long tap_recv(int fd, void *buf, uint32_t len)
{
	struct iovec iov[2] = {
		{.iov_base = buf, .iov_len = len},
		{.iov_base = tap_spill, .iov_len = sizeof(tap_spill)},
	};
	ssize_t r;

	do
		r = readv(fd, iov, 2);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (long)r;
}

long port_net_recv(int fd, void *buf, uint32_t len)
{
	struct net_ring *ring;

	if (fd < 0)
		return -EBADF;
	if (!buf && len)
		return -EINVAL;
	ring = ring_of(fd);
	if (ring)
		return ring_recv(ring, buf, len);
	if (maybe_packet(fd)) {
		long r = packet_recv(fd, buf, len);

		if (r != -ENOTSOCK)
			return r;
		note_fd(fd, false);
	}
	return tap_recv(fd, buf, len);
}

long port_net_send(int fd, const struct port_iov *iov, unsigned n)
{
	struct iovec v[PORT_NET_IOV_MAX];
	ssize_t r;

	if (n == 0 || n > PORT_NET_IOV_MAX || !iov)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (!iov[i].base && iov[i].len)
			return -EINVAL;
		v[i].iov_base = (void *)iov[i].base;
		v[i].iov_len = iov[i].len;
	}
	/* One writev is one frame on a tap and on a bound packet socket
	 * alike (all or nothing: never a partial frame). */
	do
		r = writev(fd, v, (int)n);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		return (long)r;
	/* A full socket buffer or device queue: the caller drops the frame
	 * and counts it, as a switch would. */
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return -EAGAIN;
	return -errno;
}
