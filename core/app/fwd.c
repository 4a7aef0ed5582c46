/*
 * fwd.c - the forwarding plane (see fwd.h).
 *
 * A frame is never queued here: it is delivered at once or dropped and
 * counted, so no device, guest or interface can make another one wait or
 * grow our memory.  The one exception is echo into a full RX ring, where
 * the frame simply stays in the guest's own TX ring (net.c).
 *
 * The switch, the responder, links and the capture are each reached only
 * behind their CFG_WITH_* test (config.h), so that a board that leaves
 * one out links none of its code.
 */
#include "core/app/fwd.h"

#include <string.h>

#include "core/net/iov.h"
#include "core/log.h"
#include "core/net/respond.h"

int fwd_open(struct fwd *f)
{
	if (CFG_WITH_SWITCH)
		sw_init(&f->sw, (uint64_t)CFG_SWITCH_AGE_MS * PORT_NS_PER_MS);
	for (unsigned i = 0; CFG_WITH_LINKS && i < f->nlinks; i++) {
		struct link *l = &f->link[i];
		int fd = l->kind == LINK_TAP ? port_tap_open(l->name)
					     : port_packet_open(l->name);
		if (fd < 0) {
			LOG_ERR("cannot open %s %s (error %d)%s",
				l->kind == LINK_TAP ? "tap" : "interface",
				l->name, -fd,
				fd == -PORT_ENOENT || fd == -PORT_ENODEV
					? ": no such interface"
					: "");
			fwd_close(f);
			return fd;
		}
		l->fd = fd;
		if (l->dev >= 0)
			LOG_INFO("%s %s: bridged to dev%d\n",
				 l->kind == LINK_TAP ? "tap" : "packet", l->name,
				 l->dev);
		else
			LOG_INFO("%s %s: a switch port\n",
				 l->kind == LINK_TAP ? "tap" : "packet", l->name);
	}
	return 0;
}

void fwd_close(struct fwd *f)
{
	for (unsigned i = 0; i < f->nlinks; i++) {
		port_fd_close(f->link[i].fd);
		f->link[i].fd = -1;
	}
}

void fwd_capture(const struct vu_dev *d, const struct net_frame *fr)
{
	if (CFG_WITH_PCAP && d->fwd != NULL && d->fwd->pcap != NULL)
		pcap_frame(d->fwd->pcap, fr->iov, fr->n, fr->skip, fr->len);
}

/* Write a frame to link l (pieces straight from the guest's buffers). */
static void link_send(struct link *l, const struct net_frame *fr)
{
	/* one thread: not on the stack */
	static struct port_iov v[PORT_NET_IOV_MAX];
	uint32_t skip = fr->skip, left = fr->len;
	unsigned n = 0;
	long r;

	if (!CFG_WITH_LINKS)
		return;
	for (unsigned i = 0; i < fr->n && left > 0 && n < PORT_NET_IOV_MAX;
	     i++) {
		uint32_t k = fr->iov[i].len;
		if (skip >= k) {
			skip -= k;
			continue;
		}
		k -= skip;
		if (k > left)
			k = left;
		v[n].base = fr->iov[i].base + skip;
		v[n].len = k;
		n++;
		left -= k;
		skip = 0;
	}
	r = left == 0 ? port_net_send(l->fd, v, n) : -PORT_EINVAL;
	if (r < 0) {
		l->st.drop_tx++;
		return;
	}
	l->st.tx_frames++;
	l->st.tx_bytes += fr->len;
}

/* Deliver to a device that is not the one the frame came from: a full RX
 * ring drops the frame (it must not hold up the sender). */
static void to_device(struct vu_dev *t, const struct net_frame *fr)
{
	int r;

	if (t->fd < 0 || t->o.role != DEV_BACKEND)
		return;
	r = net_rx_deliver(t, 0, fr);
	if (r == NET_FULL) {
		t->q[0].st.drop_norx++;
	} else if (r < 0) {
		t->broken = true; /* its RX ring is bad: dev_tick drops it */
	}
}

/* The learning switch (flood unknown and group destinations, never back
 * out of the ingress port). */
static void switch_frame(struct fwd *f, uint16_t in,
			 const struct net_frame *fr, uint64_t now)
{
	uint8_t eth[12];
	struct vq_iov one = {eth, sizeof(eth)};
	struct iov_cur dst, src;
	uint16_t out;

	if (!CFG_WITH_SWITCH)
		return;
	iov_cur_init(&dst, &one, 1);
	iov_cur_init(&src, fr->iov, fr->n);
	iov_skip(&src, fr->skip);
	if (iov_copy(&dst, &src, sizeof(eth)) != sizeof(eth))
		return;
	sw_learn(&f->sw, eth + 6, in, now);
	out = sw_lookup(&f->sw, eth, now);
	if (out != SW_PORT_NONE) {
		if (out == in)
			return; /* the destination is where it came from */
		if (out < CFG_MAX_DEVICES) {
			if (out < f->ndev)
				to_device(&f->dev[out], fr);
		} else if ((unsigned)out - CFG_MAX_DEVICES < f->nlinks) {
			link_send(&f->link[out - CFG_MAX_DEVICES], fr);
		}
		return;
	}
	for (unsigned i = 0; i < f->ndev; i++)
		if (i != in && f->dev[i].o.action == ACT_SWITCH)
			to_device(&f->dev[i], fr);
	for (unsigned j = 0; j < f->nlinks; j++)
		if (FWD_LINK_PORT(j) != in && f->link[j].dev < 0)
			link_send(&f->link[j], fr);
}

/* The responder: gather the frame, answer it on the same device. */
static int respond(struct vu_dev *d, unsigned pair,
		   const struct net_frame *fr)
{
	struct fwd *f = d->fwd;
	struct vq_iov one = {f->buf, sizeof(f->buf)};
	struct iov_cur dst, src;
	struct net_frame reply;
	struct vq_iov rv;
	uint32_t n;
	int r;

	if (!CFG_WITH_RESPOND)
		return NET_DROPPED;
	iov_cur_init(&dst, &one, 1);
	iov_cur_init(&src, fr->iov, fr->n);
	iov_skip(&src, fr->skip);
	n = iov_copy(&dst, &src, fr->len);
	n = respond_frame(&d->o.resp, f->buf, n, f->reply, sizeof(f->reply));
	if (n == 0)
		return NET_DROPPED;
	net_frame_flat(&reply, &rv, f->reply, n);
	r = net_rx_deliver(d, pair, &reply);
	if (r == NET_FULL)
		d->q[2 * pair].st.drop_norx++;
	return r < 0 ? r : NET_DELIVERED;
}

int fwd_guest_frame(struct vu_dev *d, unsigned pair,
		    const struct net_frame *fr, uint64_t seq)
{
	struct fwd *f = d->fwd;

	fwd_capture(d, fr);
	switch (d->o.action) {
	case ACT_ECHO:
		return net_rx_deliver(d, pair, fr);
	case ACT_DUMP:
		net_dump_frame(d, fr, seq);
		return NET_DELIVERED;
	case ACT_RESPOND:
		return respond(d, pair, fr);
	case ACT_LINK:
		link_send(&f->link[d->o.link], fr);
		return NET_DELIVERED;
	case ACT_SWITCH:
		switch_frame(f, (uint16_t)d->index, fr, port_now_ns());
		return NET_DELIVERED;
	case ACT_SINK:
	case ACT_GENERATE:
	default:
		return NET_DELIVERED;
	}
}

void fwd_link_readable(struct fwd *f, unsigned i)
{
	struct link *l = &f->link[i];
	uint64_t now = port_now_ns();

	if (!CFG_WITH_LINKS)
		return;
	/* A bounded batch: a flood on one interface cannot starve the loop.
	 * What the guest has no room for is dropped, never queued. */
	for (unsigned k = 0; k < CFG_BATCH; k++) {
		long n = port_net_recv(l->fd, f->buf, sizeof(f->buf));
		struct vq_iov one;
		struct net_frame fr;

		if (n < 0)
			return;
		if (n > (long)sizeof(f->buf)) {
			l->st.drop_oversize++;
			continue;
		}
		if (n < (long)NET_ETH_HLEN)
			continue;
		l->st.rx_frames++;
		l->st.rx_bytes += (uint64_t)n;
		net_frame_flat(&fr, &one, f->buf, (uint32_t)n);
		if (l->dev < 0) {
			switch_frame(f, FWD_LINK_PORT(i), &fr, now);
			continue;
		}
		struct vu_dev *d = &f->dev[l->dev];
		int r = d->fd >= 0 ? net_rx_deliver(d, 0, &fr) : NET_DROPPED;
		if (r == NET_FULL || (r == NET_DROPPED && d->fd < 0))
			l->st.drop_norx++;
		else if (r < 0)
			d->broken = true;
	}
}

void fwd_flush(struct fwd *f)
{
	for (unsigned i = 0; i < f->ndev; i++)
		if (f->dev[i].fd >= 0 && f->dev[i].o.role == DEV_BACKEND)
			net_rx_flush(&f->dev[i]);
	if (CFG_WITH_PCAP && f->pcap != NULL)
		pcap_flush(f->pcap);
}

void fwd_dev_gone(struct fwd *f, const struct vu_dev *d)
{
	if (CFG_WITH_SWITCH && f->switching)
		sw_forget_port(&f->sw, (uint16_t)d->index);
}

void fwd_print_stats(const struct fwd *f)
{
	for (unsigned i = 0; CFG_WITH_LINKS && i < f->nlinks; i++) {
		const struct link *l = &f->link[i];
		LOG_INFO("%s %s: rx %llu frames %llu bytes, tx %llu frames %llu "
			 "bytes, drops: no-rx %llu tx %llu oversize %llu\n",
			 l->kind == LINK_TAP ? "tap" : "packet", l->name,
			 (unsigned long long)l->st.rx_frames,
			 (unsigned long long)l->st.rx_bytes,
			 (unsigned long long)l->st.tx_frames,
			 (unsigned long long)l->st.tx_bytes,
			 (unsigned long long)l->st.drop_norx,
			 (unsigned long long)l->st.drop_tx,
			 (unsigned long long)l->st.drop_oversize);
	}
	if (CFG_WITH_SWITCH && f->switching)
		LOG_INFO("switch: %u addresses learned, %llu learned in all, "
			 "%llu moved, %llu aged, %llu evicted\n",
			 sw_count(&f->sw, port_now_ns()),
			 (unsigned long long)f->sw.learned,
			 (unsigned long long)f->sw.moved,
			 (unsigned long long)f->sw.aged,
			 (unsigned long long)f->sw.evicted);
	if (CFG_WITH_PCAP && f->pcap != NULL)
		LOG_INFO("capture: %llu frames captured, %llu not captured\n",
			 (unsigned long long)f->pcap->captured,
			 (unsigned long long)f->pcap->not_captured);
}
