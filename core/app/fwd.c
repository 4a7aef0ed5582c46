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

#include "core/err.h"
#include "core/log.h"
#include "core/net/pkt.h"

static int fwd_guest_frame(void *ctx, struct net_dev *from, unsigned pair,
			   const struct net_frame *fr);

/* Set-up, and what changes only when a guest comes, goes or renegotiates:
 * compiled for size, out of the frames' way. */
#define FWD_RARE __attribute__((cold))

/* A board whose devices have more than one queue pair (flows to steer). */
#define MULTI_PAIR (CFG_MAX_QUEUE_PAIRS > 1)

/*
 * Open link l's queues.  A tap bridged to a device gets one per queue
 * pair (IFF_MULTI_QUEUE; pair i's frames are written to queue i, and the
 * kernel hands a flow back on the queue its frames came in on), and a
 * virtio-net header on every frame (IFF_VNET_HDR), so that the guest's
 * offloads pass through it both ways; the kernel hands us none until the
 * guest has taken them (link_offloads).  A tap that exists without
 * multi-queue is used with the one queue it has.
 */
FWD_RARE static int link_open(struct link *l)
{
	bool multi = CFG_MAX_QUEUE_PAIRS > 1 && fwd_link_vnet(l);
	unsigned vnet = fwd_link_vnet(l) ? PORT_TAP_VNET_HDR : 0;
	int fd;

	l->vnet = fwd_link_vnet(l);
	l->offloads = 0;
	if (l->kind == LINK_PACKET)
		fd = port_packet_open(l->name);
	else
		fd = port_tap_open(l->name,
				   vnet | (multi ? PORT_TAP_MULTI_QUEUE : 0));
	if (fd == -PORT_EINVAL && multi) {
		LOG_WARN("tap %s exists without multi-queue: one queue for %u "
			 "queue pairs", l->name, (unsigned)CFG_MAX_QUEUE_PAIRS);
		multi = false;
		fd = port_tap_open(l->name, vnet);
	}
	if (fd >= 0 && vnet && port_tap_offload(fd, 0) < 0) {
		port_fd_close(fd);
		return -PORT_EINVAL;
	}
	while (fd >= 0) {
		l->attached[l->nq] = true;
		l->fd[l->nq++] = fd;
		if (!multi || l->nq == FWD_LINK_QUEUES)
			return 0;
		fd = port_tap_open(l->name, vnet | PORT_TAP_MULTI_QUEUE);
	}
	return fd;
}

/* The offloads the kernel may hand a tap's guest: those it negotiated
 * (GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN), none while no guest is there.
 * A frame read before the change carries what the guest did not take,
 * and net_rx_deliver drops it. */
FWD_RARE static void link_offloads(struct fwd *f, struct link *l)
{
	const struct fwd_port *p = &f->port[l->dev];
	unsigned want = 0, rx;

	if (p->be != NULL && p->be->dev.fd >= 0) {
		rx = net_offloads_rx(p->be->features);
		want = ((rx & NET_OFF_CSUM) ? PORT_TAP_OFF_CSUM : 0u) |
		       ((rx & NET_OFF_TSO4) ? PORT_TAP_OFF_TSO4 : 0u) |
		       ((rx & NET_OFF_TSO6) ? PORT_TAP_OFF_TSO6 : 0u) |
		       ((rx & NET_OFF_ECN) ? PORT_TAP_OFF_ECN : 0u);
	}
	if (want != l->offloads && port_tap_offload(l->fd[0], want) >= 0)
		l->offloads = want;
}

/*
 * A tap with a queue per pair keeps attached only queue 0 and the queues
 * of the pairs its device's guest receives on (TUNSETQUEUE): the kernel
 * spreads frames over the attached queues only, so those of a guest with
 * fewer pairs are not spread over queues whose frames would all go to
 * the same RX ring, where a flow read from two queues could arrive out
 * of order.  Called once a round; a change is a rare event (a guest's
 * rings enabled or stopped).
 */
FWD_RARE static void link_queues(struct fwd *f, struct link *l)
{
	const struct fwd_port *p = &f->port[l->dev];
	bool up = p->be != NULL && p->be->dev.fd >= 0;

	for (unsigned k = 1; CFG_WITH_LINKS && k < l->nq; k++) {
		bool want = up && net_rx_usable(&p->be->net, k);

		if (want != l->attached[k] && port_tap_queue(l->fd[k], want) >= 0)
			l->attached[k] = want;
	}
}

int fwd_open(struct fwd *f)
{
	if (CFG_WITH_SWITCH)
		sw_init(&f->sw, (uint64_t)CFG_SWITCH_AGE_MS * PORT_NS_PER_MS);
	for (unsigned i = 0; CFG_WITH_LINKS && i < f->nlinks; i++) {
		struct link *l = &f->link[i];
		int fd;

		l->nq = 0;
		fd = link_open(l);
		if (fd < 0) {
			LOG_ERR("cannot open %s %s: %s%s",
				l->kind == LINK_TAP ? "tap" : "interface",
				l->name, err_text(fd),
				fd == -PORT_ENOENT || fd == -PORT_ENODEV
					? ": no such interface"
					: "");
			fwd_close(f);
			return fd;
		}
		l->pcap_if = -1;
		if (l->dev >= 0)
			LOG_INFO("%s %s: bridged to dev%d (%u queue%s)\n",
				 l->kind == LINK_TAP ? "tap" : "packet", l->name,
				 l->dev, l->nq, l->nq > 1 ? "s" : "");
		else
			LOG_INFO("%s %s: a switch port\n",
				 l->kind == LINK_TAP ? "tap" : "packet", l->name);
	}
	return 0;
}

void fwd_close(struct fwd *f)
{
	for (unsigned i = 0; i < f->nlinks; i++) {
		for (unsigned k = 0; k < f->link[i].nq; k++)
			port_fd_close(f->link[i].fd[k]);
		f->link[i].nq = 0;
	}
}

void fwd_attach(struct fwd *f, unsigned i, struct be_dev *be,
		const struct fwd_opts *o)
{
	struct fwd_port *p = &f->port[i];

	p->f = f;
	p->be = be;
	p->index = i;
	p->o = *o;
	p->pcap_if = -1;
	if (be != NULL) {
		struct net_sink sink = {fwd_guest_frame, p};
		net_dev_sink(&be->net, &sink, f->flat);
		/* a tap with a virtio-net header takes the guest's offloads
		 * as they are, and hands it its own */
		if (o->action == ACT_LINK && fwd_link_vnet(&f->link[o->link]))
			be_offer_offloads(be);
	}
}

void fwd_capture(struct fwd *f, struct pcap *p)
{
	if (!CFG_WITH_PCAP)
		return;
	f->pcap = p;
	for (unsigned i = 0; i < f->ndev; i++)
		if (f->port[i].be != NULL)
			f->port[i].pcap_if = pcap_iface(
				p, f->port[i].be->dev.name,
				f->port[i].be->dev.o.path);
	for (unsigned j = 0; j < f->nlinks; j++)
		f->link[j].pcap_if = pcap_iface(
			p, f->link[j].name,
			f->link[j].kind == LINK_TAP ? "tap" : "AF_PACKET");
}

/* Capture one frame crossing interface iface (no-op without --pcap). */
static void capture(const struct fwd *f, int iface, enum pcap_dir dir,
		    const struct net_frame *fr)
{
	if (CFG_WITH_PCAP && f->pcap != NULL)
		pcap_frame(f->pcap, iface, dir, fr);
}

/* Every frame a guest receives goes through here, and is captured. */
static int deliver(struct fwd_port *p, unsigned pair,
		   const struct net_frame *fr)
{
	int r = net_rx_deliver(&p->be->net, pair, fr);

	if (r == NET_DELIVERED)
		capture(p->f, p->pcap_if, PCAP_OUT, fr);
	return r;
}

/* Write a frame to link l (pieces straight from the guest's buffers), on
 * the queue of `pair` where it has one per pair. */
static void link_send(struct fwd *f, struct link *l, unsigned pair,
		      const struct net_frame *fr)
{
	struct port_iov *v = f->v;
	uint32_t skip = fr->skip, left = fr->len;
	unsigned n = 0;
	long r;

	if (!CFG_WITH_LINKS)
		return;
	if (l->vnet) {
		/* the frame's offloads, for the kernel to complete (virtio
		 * 1.2 5.1.6; num_buffers is RX's and stays 0) */
		memset(f->vnet, 0, sizeof(f->vnet));
		if (fr->hdr != NULL)
			net_hdr_put(fr->hdr, f->vnet);
		v[n].base = f->vnet;
		v[n++].len = sizeof(f->vnet);
	}
	for (unsigned i = 0; i < fr->n && left > 0 && n < FWD_IOV_MAX; i++) {
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
	if (pair >= l->nq || !l->attached[pair])
		pair = 0;
	r = left == 0 ? port_net_send(l->fd[pair], v, n) : -PORT_EINVAL;
	if (r < 0) {
		l->st.drop_tx++;
		return;
	}
	capture(f, l->pcap_if, PCAP_OUT, fr);
	l->st.tx_frames++;
	l->st.tx_bytes += fr->len;
}

/* Deliver to a device that is not the one the frame came from, on the
 * pair its flow goes to (net_rx_pair; head: its first n bytes): a full RX
 * ring drops the frame (it must not hold up the sender). */
static void to_device(struct fwd_port *t, const struct net_frame *fr,
		      const uint8_t *head, uint32_t n)
{
	unsigned pair;

	if (t->be == NULL || t->be->dev.fd < 0)
		return;
	pair = net_rx_pair(&t->be->net, head, n);
	if (deliver(t, pair, fr) == NET_FULL)
		t->be->q[2 * pair].st.drop_norx++;
}

/* The learning switch (flood unknown and group destinations, never back
 * out of the ingress port). */
static void switch_frame(struct fwd *f, uint16_t in,
			 const struct net_frame *fr, uint64_t now)
{
	uint8_t head[NET_FLOW_BYTES];
	uint32_t n;
	uint16_t out;

	if (!CFG_WITH_SWITCH)
		return;
	n = net_frame_gather(fr, head, sizeof(head));
	if (n < 12)
		return;
	sw_learn(&f->sw, head + 6, in, now);
	out = sw_lookup(&f->sw, head, now);
	if (out != SW_PORT_NONE) {
		if (out == in)
			return; /* the destination is where it came from */
		if (out < CFG_MAX_DEVICES) {
			if (out < f->ndev)
				to_device(&f->port[out], fr, head, n);
		} else if ((unsigned)out - CFG_MAX_DEVICES < f->nlinks) {
			link_send(f, &f->link[out - CFG_MAX_DEVICES], 0, fr);
		}
		return;
	}
	for (unsigned i = 0; i < f->ndev; i++)
		if (i != in && f->port[i].o.action == ACT_SWITCH)
			to_device(&f->port[i], fr, head, n);
	for (unsigned j = 0; j < f->nlinks; j++)
		if (FWD_LINK_PORT(j) != in && f->link[j].dev < 0)
			link_send(f, &f->link[j], 0, fr);
}

/* The responder: gather the frame, answer it on the same device. */
static int respond(struct fwd_port *p, unsigned pair,
		   const struct net_frame *fr)
{
	struct fwd *f = p->f;
	struct net_frame reply;
	struct vq_iov rv;
	uint32_t n;
	int r;

	if (!CFG_WITH_RESPOND)
		return NET_DROPPED;
	n = net_frame_gather(fr, f->buf, sizeof(f->buf));
	n = respond_frame(&p->o.resp, f->buf, n, f->reply, sizeof(f->reply));
	if (n == 0)
		return NET_DROPPED;
	net_frame_flat(&reply, &rv, f->reply, n);
	r = deliver(p, pair, &reply);
	if (r == NET_FULL)
		p->be->q[2 * pair].st.drop_norx++;
	return NET_DELIVERED;
}

/* `--dump`: the frame as hex, 16 bytes a line, like the sample app's
 * "chunks:" output. */
static void dump_frame(struct fwd_port *p, const struct net_frame *fr)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *b = p->f->buf;
	uint32_t len = net_frame_gather(fr, b, sizeof(p->f->buf));
	char line[16 * 3 + 1];

	LOG_OUT("%s: frame %llu, %u bytes:\n", p->be->dev.name,
		 (unsigned long long)p->dumped++, fr->len);
	for (uint32_t off = 0; off < len; off += 16) {
		uint32_t k = len - off < 16 ? len - off : 16;

		for (uint32_t j = 0; j < k; j++) {
			line[3 * j] = hex[b[off + j] >> 4];
			line[3 * j + 1] = hex[b[off + j] & 15];
			line[3 * j + 2] = ' ';
		}
		line[3 * k - 1] = '\0';
		LOG_OUT("%s:   %04x: %s\n", p->be->dev.name, off, line);
	}
}

/* The sink of every back-end (net.h struct net_sink): a frame its guest
 * transmitted on `pair` (or SEND_RARP announced for it). */
static int fwd_guest_frame(void *ctx, struct net_dev *from, unsigned pair,
			   const struct net_frame *fr)
{
	struct fwd_port *p = ctx;
	struct fwd *f = p->f;

	capture(f, p->pcap_if, PCAP_IN, fr);
	switch (p->o.action) {
	case ACT_ECHO:
		return deliver(p, pair, fr);
	case ACT_DUMP:
		dump_frame(p, fr);
		return NET_DELIVERED;
	case ACT_RESPOND:
		return respond(p, pair, fr);
	case ACT_LINK:
		/* a flow's frames come back on the pair they left on: the
		 * kernel's doing with a queue per pair, ours with one */
		if (CFG_WITH_LINKS && MULTI_PAIR && f->link[p->o.link].nq == 1)
			net_flow_learn(from, pair, fr);
		link_send(f, &f->link[p->o.link], pair, fr);
		return NET_DELIVERED;
	case ACT_SWITCH:
		if (CFG_WITH_SWITCH && MULTI_PAIR)
			net_flow_learn(from, pair, fr);
		switch_frame(f, (uint16_t)p->index, fr, port_now_ns());
		return NET_DELIVERED;
	case ACT_SINK:
	case ACT_GENERATE:
	default:
		return NET_DELIVERED;
	}
}

/* `--generate`: fill a guest's RX rings with one fixed frame, a batch at
 * a time, for as long as they have buffers (the bench's "rx" direction).
 * A full ring waits for the guest's RX kick, which ends the loop's wait. */
static void generate(struct fwd_port *p)
{
	struct fwd *f = p->f;
	struct be_dev *be = p->be;
	struct vq_iov one;
	struct net_frame fr;

	p->gen_busy = false;
	if (be == NULL || be->dev.fd < 0)
		return;
	if (f->gen_len != p->o.size) { /* built once */
		pkt_test_frame(f->gen, p->o.size, 0);
		f->gen_len = p->o.size;
	}
	net_frame_flat(&fr, &one, f->gen, f->gen_len);
	for (unsigned pair = 0; pair < CFG_MAX_QUEUE_PAIRS; pair++) {
		const struct vu_queue *rx = &be->q[2 * pair];
		unsigned k;

		if (!net_queue_ready(rx) || !net_queue_enabled(rx))
			continue;
		for (k = 0; k < CFG_BATCH; k++) {
			if (deliver(p, pair, &fr) != NET_DELIVERED)
				break;
		}
		if (k == CFG_BATCH)
			p->gen_busy = true;
	}
}

bool fwd_generate(struct fwd *f)
{
	bool again = false;

	for (unsigned i = 0; i < f->ndev; i++) {
		if (f->port[i].o.action != ACT_GENERATE)
			continue;
		generate(&f->port[i]);
		again |= f->port[i].gen_busy;
	}
	return again;
}

void fwd_link_readable(struct fwd *f, unsigned i, unsigned k)
{
	struct link *l = &f->link[i];
	uint32_t vnet = l->vnet ? PORT_TAP_VNET_HDR_LEN : 0;
	uint64_t now = port_now_ns();

	if (!CFG_WITH_LINKS || k >= l->nq || !l->attached[k])
		return;
	/* A bounded batch: a flood on one interface cannot starve the loop.
	 * What the guest has no room for is dropped, never queued. */
	for (unsigned b = 0; b < CFG_BATCH; b++) {
		long n = port_net_recv(l->fd[k], f->lbuf, sizeof(f->lbuf));
		struct vq_iov one;
		struct net_frame fr;
		struct net_hdr h;

		if (n < 0)
			return;
		if (n > (long)sizeof(f->lbuf)) {
			l->st.drop_oversize++;
			continue;
		}
		if (n < (long)(vnet + PKT_ETH_HLEN))
			continue;
		l->st.rx_frames++;
		l->st.rx_bytes += (uint64_t)n - vnet;
		net_frame_flat(&fr, &one, f->lbuf + vnet, (uint32_t)n - vnet);
		if (vnet) {
			/* the kernel's offloads, checked against what the
			 * guest took when it is delivered */
			net_hdr_get(&h, f->lbuf);
			if (!net_hdr_plain(&h))
				fr.hdr = &h;
		}
		if (l->dev < 0) {
			switch_frame(f, FWD_LINK_PORT(i), &fr, now);
			continue;
		}
		struct fwd_port *p = &f->port[l->dev];
		bool up = p->be != NULL && p->be->dev.fd >= 0;
		int r = NET_DROPPED;
		if (up) {
			/* queue k is pair k's, while the guest receives there */
			unsigned pair = l->nq > 1 && net_rx_usable(&p->be->net, k)
						? k
						: net_rx_pair(&p->be->net, fr.iov->base,
							      fr.len);
			r = deliver(p, pair, &fr);
		}
		if (r == NET_FULL || (r == NET_DROPPED && !up))
			l->st.drop_norx++;
	}
}

void fwd_flush(struct fwd *f)
{
	for (unsigned j = 0; CFG_WITH_LINKS && j < f->nlinks; j++) {
		if (f->link[j].nq > 1)
			link_queues(f, &f->link[j]);
		if (f->link[j].vnet)
			link_offloads(f, &f->link[j]);
	}
	for (unsigned i = 0; i < f->ndev; i++)
		if (f->port[i].be != NULL && f->port[i].be->dev.fd >= 0)
			be_flush(f->port[i].be);
	if (CFG_WITH_PCAP && f->pcap != NULL)
		pcap_flush(f->pcap);
}

void fwd_dev_gone(struct fwd *f, unsigned i)
{
	if (CFG_WITH_SWITCH && f->switching)
		sw_forget_port(&f->sw, (uint16_t)i);
}

void fwd_print_stats(const struct fwd *f)
{
	for (unsigned i = 0; CFG_WITH_LINKS && i < f->nlinks; i++) {
		const struct link *l = &f->link[i];
		LOG_OUT("%s %s: rx %llu frames %llu bytes, tx %llu frames %llu "
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
		LOG_OUT("switch: %u addresses learned, %llu learned in all, "
			 "%llu moved, %llu aged, %llu evicted\n",
			 sw_count(&f->sw, port_now_ns()),
			 (unsigned long long)f->sw.learned,
			 (unsigned long long)f->sw.moved,
			 (unsigned long long)f->sw.aged,
			 (unsigned long long)f->sw.evicted);
	if (CFG_WITH_PCAP && f->pcap != NULL)
		LOG_OUT("capture: %llu frames captured, %llu not captured\n",
			 (unsigned long long)f->pcap->captured,
			 (unsigned long long)f->pcap->not_captured);
}
