/*
 * fe_ping.c - the front-end as a small host (--respond, and --ping): ARP
 * for the peer, then echo requests checked field by field, while
 * answering ARP and ping for our own address like a small host would.
 *
 * It behaves like a minimal host on the wire: it resolves the peer with
 * ARP (RFC 826, retried once a second), then keeps up to FE_PING_WINDOW
 * echo requests (RFC 792) outstanding and checks each reply in full:
 * addresses, checksums, id, sequence and payload.  Anything else that
 * arrives goes to the responder, so the peer can ARP for us and ping us.
 */
#include <string.h>

#include "core/dev/fe_priv.h"
#include "core/log.h"
#include "core/net/pkt.h"
#include "core/net/respond.h"

#define FE_PING_WINDOW 32u
#define FE_PING_ID 0x7668u /* "vh" */
#define FE_ARP_TRIES 5u

static void ping_pump(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	const struct respond_cfg *me = &d->o.resp;
	uint32_t n, cap;
	uint8_t *out;

	if (!d->o.ping)
		return; /* only answering */
	if (!f->have_peer) {
		if (now < f->arp_at)
			return;
		if (f->arp_sent >= FE_ARP_TRIES) {
			LOG_ERR("%s: no ARP reply from %u.%u.%u.%u after %u "
				"requests", d->dev.name, d->o.ping_ip[0],
				d->o.ping_ip[1], d->o.ping_ip[2],
				d->o.ping_ip[3], FE_ARP_TRIES);
			fe_finish(d, false, "no ARP reply");
			return;
		}
		out = fe_tx_frame(d, 0, &cap);
		n = out != NULL ? pkt_arp_request(out, cap, me->mac, me->ip4,
						  d->o.ping_ip)
				: 0;
		if (n > 0) {
			fe_tx_send(d, 0, n);
			f->arp_sent++;
			f->arp_at = now + PORT_NS_PER_S;
		}
		return;
	}
	/* request k goes out on pair k % pairs: its reply must come back
	 * there (the responder answers on the pair of the request) */
	while (f->pings < d->o.frames &&
	       f->pings - f->received - f->bad < FE_PING_WINDOW &&
	       (out = fe_tx_frame(d, f->pings % fe_pairs(d), &cap)) != NULL) {
		n = pkt_icmp_echo(out, cap, me->mac, f->peer_mac, me->ip4,
				  d->o.ping_ip, FE_PING_ID, (uint16_t)f->pings,
				  d->o.size);
		if (n == 0)
			break;
		fe_tx_send(d, f->pings % fe_pairs(d), n);
		f->pings++;
	}
}

static void ping_rx(struct fe_dev *d, unsigned p, const uint8_t *fr,
		    uint32_t len, uint32_t raw_len)
{
	struct fe_state *f = &d->fe;
	struct fe_pair *pp = &f->pair[p];
	const struct respond_cfg *me = &d->o.resp;
	const char *why = "not an echo reply";
	uint32_t n = 0, cap;
	uint8_t *out;

	(void)raw_len;
	if (d->o.ping && !f->have_peer &&
	    pkt_check_arp_reply(fr, len, me->mac, me->ip4, d->o.ping_ip,
				f->peer_mac, NULL)) {
		f->have_peer = true;
		LOG_INFO("%s: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x\n",
			 d->dev.name, d->o.ping_ip[0], d->o.ping_ip[1],
			 d->o.ping_ip[2], d->o.ping_ip[3], f->peer_mac[0],
			 f->peer_mac[1], f->peer_mac[2], f->peer_mac[3],
			 f->peer_mac[4], f->peer_mac[5]);
		return;
	}
	if (f->have_peer && pkt_icmp4_echo_id(fr, len, PKT_ICMP_ECHO_REPLY) ==
				    FE_PING_ID) {
		/* the next reply of this pair, in order */
		uint32_t seq = p + (pp->received + pp->bad) * fe_pairs(d);
		if (pkt_check_icmp_echo_reply(fr, len, me->mac, f->peer_mac,
					      me->ip4, d->o.ping_ip,
					      FE_PING_ID, (uint16_t)seq,
					      d->o.size, &why)) {
			pp->received++;
			f->received++;
			LOG_TRACE(LOG_MESSAGES, "%s: echo reply %u on pair %u: "
				  "%u bytes, all fields right\n", d->dev.name,
				  seq, p, len);
		} else {
			if (f->bad < 5)
				LOG_ERR("%s: echo reply %u on pair %u is wrong: "
					"%s", d->dev.name, seq, p, why);
			pp->bad++;
			f->bad++;
		}
		return;
	}
	/* the answer is built straight in a TX buffer of the same pair */
	out = fe_tx_frame(d, p, &cap);
	if (out != NULL)
		n = respond_frame(me, fr, len, out, cap);
	if (n > 0) {
		fe_tx_send(d, p, n);
		f->answered++;
		return;
	}
	f->ignored++;
}

static int ping_over(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	if ((d->o.ping && !f->have_peer) ||
	    f->received + f->bad < d->o.frames || f->tx_done < f->sent)
		return 0;
	if (f->bad > 0) {
		fe_finish(d, false, "echo replies came back wrong");
		return -PORT_EPROTO;
	}
	if (d->o.serve_secs > 0) {
		if (f->serve_end == 0)
			f->serve_end = now + d->o.serve_secs * PORT_NS_PER_S;
		if (now < f->serve_end)
			return 0;
	}
	return 1;
}

/* The next ARP retry, or the end of --serve (which outlasts the
 * time-out: answering is the point). */
static uint64_t ping_deadline(const struct fe_dev *d, uint64_t deadline)
{
	const struct fe_state *f = &d->fe;
	uint64_t t = UINT64_MAX;

	if (d->o.ping && !f->have_peer)
		t = f->arp_at;
	else if (f->serve_end != 0)
		t = f->serve_end;
	return f->serve_end != 0 || t < deadline ? t : deadline;
}

static void ping_print(const struct fe_dev *d, const char *result)
{
	LOG_OUT("%s: front-end: pings sent %u, replies intact %u, wrong %u; "
		 "requests to us answered %u, other frames %u: %s\n",
		 d->dev.name, d->fe.pings, d->fe.received, d->fe.bad,
		 d->fe.answered, d->fe.ignored, result);
}

const struct fe_mode fe_ping_mode = {
	.pump = ping_pump,
	.rx = ping_rx,
	.over = ping_over,
	.deadline = ping_deadline,
	.print_stats = ping_print,
};
