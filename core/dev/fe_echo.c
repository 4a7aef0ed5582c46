/*
 * fe_echo.c - the front-end's default traffic: --frames test frames
 * (pkt_test_frame) out on TX, spread over the queue pairs, and each one
 * that comes back on RX checked byte for byte, in order, on the pair it
 * went out on; with --expect-none, none may come back.
 */
#include "core/dev/fe_priv.h"
#include "core/log.h"

/* Frames of the run that go out on pair p: test frames p, p + n, p + 2n
 * ... of n pairs, so that every pair carries its share. */
static uint32_t pair_frames(const struct fe_dev *d, unsigned p)
{
	uint32_t n = fe_pairs(d);

	return d->o.frames > p ? (d->o.frames - p + n - 1) / n : 0;
}

/* Test frame number k of pair p. */
static uint32_t pair_seq(const struct fe_dev *d, unsigned p, uint32_t k)
{
	return p + k * fe_pairs(d);
}

static void echo_pump(struct fe_dev *d, uint64_t now)
{
	uint32_t cap;
	uint8_t *b;

	(void)now;
	for (unsigned p = 0; p < fe_pairs(d); p++) {
		struct fe_pair *pp = &d->fe.pair[p];

		while (pp->sent < pair_frames(d, p) &&
		       (b = fe_tx_frame(d, p, &cap)) != NULL) {
			pkt_test_frame(b, d->o.size, pair_seq(d, p, pp->sent));
			fe_tx_send(d, p, d->o.size);
		}
	}
}

/* The frame that came back on pair p is the next one sent on p, with a
 * virtio-net header of no offloads and one buffer (virtio 1.2 5.1.6.4):
 * an echo returns a frame on the pair it came from, in order. */
static bool echo_intact(struct fe_dev *d, unsigned p, const uint8_t *fr,
			uint32_t len)
{
	const struct fe_pair *pp = &d->fe.pair[p];
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
				    pair_seq(d, p, pp->received + pp->bad));
}

static void echo_rx(struct fe_dev *d, unsigned p, const uint8_t *fr,
		    uint32_t flen, uint32_t len)
{
	struct fe_state *f = &d->fe;
	struct fe_pair *pp = &f->pair[p];
	bool ok = !d->o.expect_none && echo_intact(d, p, fr, len);

	LOG_TRACE(LOG_MESSAGES, "%s: frame %u came back on pair %u: %u bytes, "
		  "%s\n", d->dev.name, pair_seq(d, p, pp->received + pp->bad),
		  p, flen, ok ? "intact" : "WRONG");
	if (ok) {
		pp->received++;
		f->received++;
		return;
	}
	if (d->o.expect_none && f->bad == 0)
		LOG_ERR("%s: frame %u came back, and --expect-none wants none: "
			"the back-end returns frames (is it --echo?)",
			d->dev.name, pair_seq(d, p, pp->received + pp->bad));
	else if (!d->o.expect_none && f->bad < 5)
		LOG_ERR("%s: frame %u came back wrong on pair %u (length %u, "
			"expected %u)", d->dev.name,
			pair_seq(d, p, pp->received + pp->bad), p, len,
			(uint32_t)fe_hdr_len(d) + d->o.size);
	pp->bad++;
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
