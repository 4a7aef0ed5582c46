/*
 * fe_frames.c - the front-end's test traffic: frames out on TX, and every
 * frame that comes back on RX checked byte for byte (or, for --ping and
 * --respond, handed to fe_ping.c).  The back-end is not trusted: every
 * used element is checked against what was offered.
 */
#include <string.h>

#include "core/dev/fe_ping.h"
#include "core/dev/fe_priv.h"
#include "core/log.h"

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
	uint32_t cap;
	uint8_t *b;

	if (d->o.host)
		fe_ping_pump(d, now);
	else
		while (f->sent < d->o.frames &&
		       (b = fe_tx_frame(d, &cap)) != NULL) {
			pkt_test_frame(b, d->o.size, f->sent);
			fe_tx_send(d, d->o.size);
		}
	if (f->tx_added)
		fe_kick(d, 1, &f->txq);
	f->tx_added = false;
	return 0;
}

/* Check one frame that came back on RX buffer id. */
static bool fe_check_rx(struct fe_dev *d, uint32_t id, uint32_t len)
{
	struct fe_state *f = &d->fe;
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	const uint8_t *b = fe_ptr(d, rx_buf_off(d, id));
	uint32_t seq = f->received + f->bad;

	if (len != hdr + d->o.size)
		return false;
	/* header: no offloads, and one buffer (5.1.6.4) */
	for (uint32_t i = 0; i < 10; i++)
		if (b[i] != 0)
			return false;
	if (hdr == 12 && (b[10] != 1 || b[11] != 0))
		return false;
	return pkt_test_frame_check(b + hdr, d->o.size, seq);
}

/* Take what the back-end returned on both queues. */
static int fe_reap(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t id, len;
	bool progress = false, reposted = false, ok;
	uint32_t hdr, flen;
	int rc;

	while ((rc = vqd_get_used(&f->txq, &id, &len)) != 0) {
		if (rc < 0 || id >= FE_NUM || (id & 1) ||
		    f->n_tx_free >= FE_TX_SLOTS || f->tx_done >= f->sent) {
			LOG_ERR("%s: back-end returned TX id %u, not one we "
				"offered", d->dev.name, id);
			fe_finish(d, false, "bad used element on TX");
			return -PORT_EPROTO;
		}
		f->tx_free[f->n_tx_free++] = (uint16_t)(id / 2);
		f->tx_done++;
		progress = true;
	}
	while ((rc = vqd_get_used(&f->rxq, &id, &len)) != 0) {
		if (rc < 0 || id >= FE_NUM) {
			LOG_ERR("%s: back-end returned RX id %u >= %u", d->dev.name,
				id, FE_NUM);
			fe_finish(d, false, "bad used element on RX");
			return -PORT_EPROTO;
		}
		hdr = (uint32_t)fe_hdr_len(d);
		flen = len >= hdr ? len - hdr : 0; /* len is the back-end's */
		if (flen > f->buf_size - hdr)
			flen = 0; /* claims more than the buffer: ignore */
		if (d->o.host) {
			d->q[0].st.frames++;
			d->q[0].st.bytes += flen;
			fe_ping_rx(d, fe_ptr(d, rx_buf_off(d, id)) + hdr, flen);
			vqd_add(&f->rxq, (uint16_t)id);
			reposted = true;
			progress = true;
			continue;
		}
		ok = !d->o.expect_none && fe_check_rx(d, id, len);
		if (d->dev.o.verbose)
			LOG_INFO("%s: frame %u came back: %u bytes, %s\n",
				 d->dev.name, f->received + f->bad, flen,
				 ok ? "intact" : "WRONG");
		d->q[0].st.frames++;
		d->q[0].st.bytes += flen;
		if (ok) {
			f->received++;
		} else {
			if (f->bad < 5)
				LOG_ERR("%s: frame %u came back wrong (length "
					"%u, expected %u)", d->dev.name,
					f->received + f->bad, len,
					(uint32_t)fe_hdr_len(d) + d->o.size);
			f->bad++;
		}
		/* the same buffer goes straight back on the ring */
		vqd_add(&f->rxq, (uint16_t)id);
		reposted = true;
		progress = true;
	}
	if (reposted)
		fe_kick(d, 0, &f->rxq);
	if (progress) {
		f->deadline = now + FE_TIMEOUT_NS;
		fe_pump(d, now);
	}
	return 0;
}

/* Is the run complete?  1 when the rings should now be stopped
 * (GET_VRING_BASE, sent by fe_advance), 0 not yet, <0 failed. */
int fe_run_over(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t n = d->o.frames;

	if (f->stopping)
		return 0;
	if (d->o.host) {
		int r = fe_ping_over(d, now);
		if (r > 0)
			f->stopping = true;
		return r;
	}
	if (f->tx_done < n)
		return 0;
	if (d->o.expect_none) {
		if (f->grace_end == 0) {
			f->grace_end = now + FE_GRACE_NS;
			return 0;
		}
		if (now < f->grace_end)
			return 0;
	} else if (f->received + f->bad < n) {
		return 0;
	}
	if (f->bad > 0) {
		fe_finish(d, false, "frames came back wrong");
		return -PORT_EPROTO;
	}
	f->stopping = true;
	return 1;
}

int fe_on_call(struct fe_dev *d, uint64_t now)
{
	int rc;

	if (!d->fe.running || d->fe.stopping)
		return 0;
	rc = fe_reap(d, now);
	if (rc == 0)
		rc = fe_run_over(d, now);
	return rc > 0 ? fe_advance(d, now) : rc;
}
