/*
 * fe_echo.c - the front-end's default traffic: --frames test frames
 * (pkt_test_frame) out on TX, and each one that comes back on RX checked
 * byte for byte, in order; with --expect-none, none may come back.
 */
#include "core/dev/fe_priv.h"
#include "core/log.h"

static void echo_pump(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t cap;
	uint8_t *b;

	(void)now;
	while (f->sent < d->o.frames && (b = fe_tx_frame(d, &cap)) != NULL) {
		pkt_test_frame(b, d->o.size, f->sent);
		fe_tx_send(d, d->o.size);
	}
}

/* The frame that came back is the next one we sent, with a virtio-net
 * header of no offloads and one buffer (virtio 1.2 5.1.6.4). */
static bool echo_intact(struct fe_dev *d, const uint8_t *fr, uint32_t len)
{
	uint32_t hdr = (uint32_t)fe_hdr_len(d);
	const uint8_t *h = fr - hdr;

	if (len != hdr + d->o.size)
		return false;
	for (uint32_t i = 0; i < 10; i++)
		if (h[i] != 0)
			return false;
	if (hdr == 12 && (h[10] != 1 || h[11] != 0))
		return false;
	return pkt_test_frame_check(fr, d->o.size,
				    d->fe.received + d->fe.bad);
}

static void echo_rx(struct fe_dev *d, const uint8_t *fr, uint32_t flen,
		    uint32_t len)
{
	struct fe_state *f = &d->fe;
	bool ok = !d->o.expect_none && echo_intact(d, fr, len);

	LOG_TRACE(LOG_MESSAGES, "%s: frame %u came back: %u bytes, %s\n",
		  d->dev.name, f->received + f->bad, flen,
		  ok ? "intact" : "WRONG");
	if (ok) {
		f->received++;
		return;
	}
	if (d->o.expect_none && f->bad == 0)
		LOG_ERR("%s: frame %u came back, and --expect-none wants none: "
			"the back-end returns frames (is it --echo?)",
			d->dev.name, f->received + f->bad);
	else if (!d->o.expect_none && f->bad < 5)
		LOG_ERR("%s: frame %u came back wrong (length %u, expected %u)",
			d->dev.name, f->received + f->bad, len,
			(uint32_t)fe_hdr_len(d) + d->o.size);
	f->bad++;
}

/* Every frame sent and completed, and every one back (or, expecting
 * none, a quiet period over). */
static int echo_over(struct fe_dev *d, uint64_t now)
{
	struct fe_state *f = &d->fe;
	uint32_t n = d->o.frames;

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
		fe_finish(d, false, d->o.expect_none
					    ? "frames came back (--expect-none)"
					    : "frames came back wrong");
		return -PORT_EPROTO;
	}
	return 1;
}

static uint64_t echo_deadline(const struct fe_dev *d, uint64_t deadline)
{
	uint64_t g = d->fe.grace_end;

	return g != 0 && g < deadline ? g : deadline;
}

static void echo_print(const struct fe_dev *d, const char *result)
{
	LOG_OUT("%s: front-end: sent %u, completed %u, received %u intact, "
		 "%u wrong: %s\n", d->dev.name, d->fe.sent, d->fe.tx_done,
		 d->fe.received, d->fe.bad, result);
}

const struct fe_mode fe_echo_mode = {
	.pump = echo_pump,
	.rx = echo_rx,
	.over = echo_over,
	.deadline = echo_deadline,
	.print_stats = echo_print,
};
