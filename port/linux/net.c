/*
 * net.c - Ethernet frames in and out: tap interfaces (/dev/net/tun) and
 * AF_PACKET sockets bound to an existing interface.
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
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20 */
#endif

/* Most pieces one frame may be sent in (port.h). */
#define NET_IOV_MAX 64
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

int port_tap_open(const char *name)
{
	struct ifreq ifr;
	int fd, r, e;

	r = fill_ifname(&ifr, name);
	if (r < 0)
		return r;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	do
		fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	/* Creates the interface (CAP_NET_ADMIN) or attaches to an existing
	 * tap of that name; EINVAL if that name is some other kind. */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	note_fd(fd, false);
	return fd;
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
	/* Room for bursts; capped by net.core.rmem_max, and the default is
	 * only slower, not wrong, so a failure is ignored. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

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
	close(fd);
	return -e;
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
	if (fd < 0)
		return -EBADF;
	if (!buf && len)
		return -EINVAL;
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
	struct iovec v[NET_IOV_MAX];
	ssize_t r;

	if (n == 0 || n > NET_IOV_MAX || !iov)
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
