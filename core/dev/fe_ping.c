/*
 * fe_ping.c - the front-end's --ping traffic (see fe_ping.h).
 *
 * It behaves like a minimal host on the wire: it resolves the peer with
 * ARP (RFC 826, retried once a second), then keeps up to FE_PING_WINDOW
 * echo requests (RFC 792) outstanding and checks each reply in full:
 * addresses, checksums, id, sequence and payload.  Anything else that
 * arrives goes to the responder, so the peer can ARP for us and ping us.
 */
#include "core/dev/fe_ping.h"

#include <string.h>

#include "core/dev/fe_priv.h"
#include "core/log.h"
#include "core/net/pkt.h"
#include "core/net/respond.h"

#define FE_PING_WINDOW 32u
#define FE_PING_ID 0x7668u /* "vh" */
#define FE_ARP_TRIES 5u
#define NS_PER_S 1000000000ull

void fe_ping_pump(struct fe_dev *d, uint64_t now)
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
			fe_fail(d, "no ARP reply");
			return;
		}
		out = fe_tx_frame(d, &cap);
		n = out != NULL ? pkt_arp_request(out, cap, me->mac, me->ip4,
						  d->o.ping_ip)
				: 0;
		if (n > 0) {
			fe_tx_send(d, n);
			f->arp_sent++;
			f->arp_at = now + NS_PER_S;
		}
		return;
	}
	while (f->pings < d->o.frames &&
	       f->pings - f->received - f->bad < FE_PING_WINDOW &&
	       (out = fe_tx_frame(d, &cap)) != NULL) {
		n = pkt_icmp_echo(out, cap, me->mac, f->peer_mac, me->ip4,
				  d->o.ping_ip, FE_PING_ID, (uint16_t)f->pings,
				  d->o.size);
		if (n == 0)
			break;
		fe_tx_send(d, n);
		f->pings++;
	}
}

/* An IPv4 ICMP echo reply at all (then checked in full)? */
static bool is_echo_reply(const uint8_t *fr, uint32_t len)
{
	uint32_t ihl;

	if (len < 34 || pkt_get16(fr + 12) != 0x0800 || fr[23] != 1)
		return false;
	ihl = (fr[14] & 15u) * 4u;
	return 14 + ihl + 8 <= len && fr[14 + ihl] == 0;
}

void fe_ping_rx(struct fe_dev *d, const uint8_t *fr, uint32_t len)
{
	struct fe_state *f = &d->fe;
	const struct respond_cfg *me = &d->o.resp;
	const char *why = "not an echo reply";
	uint32_t n = 0, cap;
	uint8_t *out;

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
	if (f->have_peer && is_echo_reply(fr, len) &&
	    pkt_get16(fr + 14 + (fr[14] & 15u) * 4u + 4) == FE_PING_ID) {
		uint32_t seq = f->received + f->bad;
		if (pkt_check_icmp_echo_reply(fr, len, me->mac, f->peer_mac,
					      me->ip4, d->o.ping_ip,
					      FE_PING_ID, (uint16_t)seq,
					      d->o.size, &why)) {
			f->received++;
			if (d->dev.o.verbose)
				LOG_INFO("%s: echo reply %u: %u bytes, all "
					 "fields right\n", d->dev.name, seq, len);
		} else {
			if (f->bad < 5)
				LOG_ERR("%s: echo reply %u is wrong: %s",
					d->dev.name, seq, why);
			f->bad++;
		}
		return;
	}
	/* the answer is built straight in a TX buffer */
	out = fe_tx_frame(d, &cap);
	if (out != NULL)
		n = respond_frame(me, fr, len, out, cap);
	if (n > 0) {
		fe_tx_send(d, n);
		f->answered++;
		return;
	}
	f->ignored++;
}

int fe_ping_over(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	if ((d->o.ping && !f->have_peer) ||
	    f->received + f->bad < d->o.frames || f->tx_done < f->sent)
		return 0;
	if (f->bad > 0) {
		fe_fail(d, "echo replies came back wrong");
		return -PORT_EPROTO;
	}
	if (d->o.serve_secs > 0) {
		if (f->serve_end == 0)
			f->serve_end = now + d->o.serve_secs * NS_PER_S;
		if (now < f->serve_end)
			return 0;
	}
	return 1;
}

uint64_t fe_ping_deadline(const struct fe_dev *d)
{
	const struct fe_state *f = &d->fe;

	if (d->o.ping && !f->have_peer)
		return f->arp_at;
	if (f->serve_end != 0)
		return f->serve_end;
	return UINT64_MAX;
}
