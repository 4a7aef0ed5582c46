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

/* Make what we added visible, and kick queue q if the back-end wants it
 * (virtio 1.2 2.7.13.4). */
void fe_kick(struct fe_dev *d, unsigned q, struct vqd *r)
{
	if (vqd_publish(r) && d->q[q].kick_fd >= 0) {
		port_evt_signal(d->q[q].kick_fd);
		d->q[q].st.kicks++;
	}
}

uint8_t *fe_tx_frame(struct fe_dev *d, uint32_t *cap)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);

	if (f->n_tx_free == 0)
		return NULL;
	*cap = f->buf_size - hdr;
	return fe_ptr(d, tx_buf_off(d, f->tx_free[f->n_tx_free - 1])) + hdr;
}

void fe_tx_send(struct fe_dev *d, uint32_t len)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	uint16_t s = f->tx_free[--f->n_tx_free];

	/* the header: no offloads (virtio 1.2 5.1.6) */
	memset(fe_ptr(d, tx_buf_off(d, s)), 0, hdr);
	tx_frame_desc(d, s)->len = len;
	f->tx_out[s] = true;
	vqd_add(&f->txq, (uint16_t)(2 * s));
	f->sent++;
	f->tx_added = true;
	d->q[1].st.frames++;
	d->q[1].st.bytes += len;
}

/* Put frames on TX while there are slots and frames to send. */
int fe_pump(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;

	d->mode->pump(d, now);
	if (f->tx_added)
		fe_kick(d, 1, &f->txq);
	f->tx_added = false;
	return 0;
}

/* Take what the back-end returned on both queues. */
int fe_reap(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t id, len;
	bool progress = false, reposted = false;
	uint32_t hdr, flen;
	int rc;

	while ((rc = vqd_get_used(&f->txq, &id, &len)) != 0) {
		/* a slot offered and not yet returned (returned twice, or
		 * never offered, is a back-end's bug the run must not pass) */
		if (rc < 0 || id >= FE_NUM || (id & 1) || !f->tx_out[id / 2] ||
		    f->n_tx_free >= FE_TX_SLOTS || f->tx_done >= f->sent) {
			LOG_ERR("%s: back-end returned TX id %u, not one we "
				"offered", d->dev.name, id);
			fe_finish(d, false, "bad used element on TX");
			return -PORT_EPROTO;
		}
		f->tx_out[id / 2] = false;
		f->tx_free[f->n_tx_free++] = (uint16_t)(id / 2);
		f->tx_done++;
		progress = true;
	}
	while ((rc = vqd_get_used(&f->rxq, &id, &len)) != 0) {
		if (rc < 0 || id >= FE_NUM) {
			LOG_ERR("%s: back-end returned RX id %u >= %u",
				d->dev.name, id, FE_NUM);
			fe_finish(d, false, "bad used element on RX");
			return -PORT_EPROTO;
		}
		hdr = (uint32_t)fe_hdr_len(d);
		flen = len >= hdr ? len - hdr : 0; /* len is the back-end's */
		if (flen > f->buf_size - hdr)
			flen = 0; /* claims more than the buffer: ignore */
		d->q[0].st.frames++;
		d->q[0].st.bytes += flen;
		d->mode->rx(d, fe_ptr(d, rx_buf_off(d, id)) + hdr, flen, len);
		/* the same buffer goes straight back on the ring */
		vqd_add(&f->rxq, (uint16_t)id);
		reposted = true;
		progress = true;
	}
	if (reposted)
		fe_kick(d, 0, &f->rxq);
	if (progress) {
		f->deadline = now + fe_timeout_ns(d);
		fe_pump(d, now);
	}
	return 0;
}
