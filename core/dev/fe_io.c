/*
 * fe_io.c - the front-end's rings at run time: TX slots, frames out,
 * used elements back, kicks, and the end of the run.  What the frames
 * are, and what is checked of those that come back, is the mode's
 * (fe_echo.c, fe_ping.c).  The back-end is not trusted: every used
 * element is checked against what was offered.
 */
#include <string.h>

#include "core/dev/fe_priv.h"
#include "core/log.h"

void fe_finish(struct fe_dev *d, bool ok, const char *why)
{
	if (d->dev.finished)
		return;
	d->dev.finished = true;
	d->dev.exit_code = ok ? 0 : 1;
	if (!ok)
		LOG_ERR("%s: front-end failed: %s", d->dev.name, why);
}

/* Make what we added to queue q visible, and kick it if the back-end
 * wants it (virtio 1.2 2.7.13.4, 2.8.21.3). */
void fe_kick(struct fe_dev *d, unsigned q)
{
	if (vqd_publish(fe_ring(d, q)) && d->q[q].kick_fd >= 0) {
		port_evt_signal(d->q[q].kick_fd);
		d->q[q].st.kicks++;
	}
}

uint8_t *fe_tx_frame(struct fe_dev *d, unsigned p, uint32_t *cap)
{
	struct fe_pair *pp = &d->fe.pair[p];
	uint32_t hdr = (uint32_t)fe_hdr_len(d);

	if (pp->n_tx_free == 0)
		return NULL;
	*cap = d->fe.buf_size - hdr;
	return fe_ptr(d, tx_buf_off(d, p, pp->tx_free[pp->n_tx_free - 1])) +
	       hdr;
}

void fe_tx_send(struct fe_dev *d, unsigned p, uint32_t len)
{
	struct fe_pair *pp = &d->fe.pair[p];
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	uint16_t s = pp->tx_free[--pp->n_tx_free];

	/* the header: no offloads (virtio 1.2 5.1.6) */
	memset(fe_ptr(d, tx_buf_off(d, p, s)), 0, hdr);
	tx_frame_desc(d, p, s)->len = len;
	pp->tx_out[s] = true;
	vqd_add(&pp->txq, (uint16_t)(2 * s));
	pp->sent++;
	pp->tx_added = true;
	d->fe.sent++;
	d->q[2 * p + 1].st.frames++;
	d->q[2 * p + 1].st.bytes += len;
}

/* Put frames on TX while there are slots and frames to send. */
int fe_pump(struct fe_dev *d, uint64_t now)
{
	d->mode->pump(d, now);
	for (unsigned p = 0; p < fe_pairs(d); p++) {
		if (d->fe.pair[p].tx_added)
			fe_kick(d, 2 * p + 1);
		d->fe.pair[p].tx_added = false;
	}
	return 0;
}

/* Take what the back-end returned on both queues of pair p. */
int fe_reap(struct fe_dev *d, unsigned p, uint64_t now)
{
	struct fe_pair *pp = &d->fe.pair[p];
	uint32_t id, len;
	bool progress = false, reposted = false, more;
	uint32_t hdr, flen;
	int rc;

again:
	while ((rc = vqd_get_used(&pp->txq, &id, &len)) != 0) {
		/* a slot offered and not yet returned (returned twice, or
		 * never offered, is a back-end's bug the run must not pass) */
		if (rc < 0 || id >= FE_NUM || (id & 1) || !pp->tx_out[id / 2] ||
		    pp->n_tx_free >= FE_TX_SLOTS || pp->tx_done >= pp->sent) {
			LOG_ERR("%s: back-end returned TX id %u on pair %u, not "
				"one we offered", d->dev.name, id, p);
			fe_finish(d, false, "bad used element on TX");
			return -PORT_EPROTO;
		}
		pp->tx_out[id / 2] = false;
		pp->tx_free[pp->n_tx_free++] = (uint16_t)(id / 2);
		pp->tx_done++;
		d->fe.tx_done++;
		progress = true;
	}
	while ((rc = vqd_get_used(&pp->rxq, &id, &len)) != 0) {
		if (rc < 0 || id >= FE_NUM) {
			LOG_ERR("%s: back-end returned RX id %u >= %u on pair %u",
				d->dev.name, id, FE_NUM, p);
			fe_finish(d, false, "bad used element on RX");
			return -PORT_EPROTO;
		}
		hdr = (uint32_t)fe_hdr_len(d);
		flen = len >= hdr ? len - hdr : 0; /* len is the back-end's */
		if (flen > d->fe.buf_size - hdr)
			flen = 0; /* claims more than the buffer: ignore */
		d->q[2 * p].st.frames++;
		d->q[2 * p].st.bytes += flen;
		d->mode->rx(d, p, fe_ptr(d, rx_buf_off(d, p, id)) + hdr, flen,
			    len);
		/* the same buffer goes straight back on the ring */
		vqd_add(&pp->rxq, (uint16_t)id);
		reposted = true;
		progress = true;
	}
	/* calls wanted again (with EVENT_IDX, at the next used element of
	 * each ring: both rings, whatever the first says), and what came in
	 * meanwhile taken too */
	more = vqd_calls_on(&pp->txq);
	more = vqd_calls_on(&pp->rxq) || more;
	if (more)
		goto again;
	if (reposted)
		fe_kick(d, 2 * p);
	if (progress) {
		d->fe.deadline = now + fe_timeout_ns(d);
		fe_pump(d, now);
	}
	return 0;
}
