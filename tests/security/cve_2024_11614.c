/*
 * cve_2024_11614.c - CVE-2024-11614: a checksum offload request with
 * csum_start at or past the end of the frame.  DPDK's vhost read the
 * frame from csum_start on to compute the checksum: past the buffer.
 *
 * With VIRTIO_NET_F_CSUM negotiated, csum_start and csum_offset are
 * checked against the frame: outside it the frame is bad (dropped,
 * counted, the connection kept); inside it the checksum is completed and
 * the frame comes back with it.
 */
#define _GNU_SOURCE
#include <string.h>

#include "tests/security/hostile.h"

#define CSUM VU_BIT(VIRTIO_NET_F_CSUM)

static void hdr_csum(uint8_t h[12], uint16_t start, uint16_t off)
{
	memset(h, 0, 12);
	h[0] = 1; /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	h[6] = (uint8_t)start;
	h[7] = (uint8_t)(start >> 8);
	h[8] = (uint8_t)off;
	h[9] = (uint8_t)(off >> 8);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	static const uint16_t bad[][2] = {
		{100, 0},      /* csum_start == len (the CVE) */
		{101, 0},      /* past it */
		{0xffff, 6},   /* far past */
		{90, 9},       /* the field past the end */
		{98, 1},       /* one byte of it past the end */
		{0xfff0, 0x20} /* start + offset wrap 16 bits */
	};
	uint8_t f[100], h12[12];
	uint32_t id, len;
	struct hf h;

	hf_frame(f, sizeof(f), 9);
	for (int packed = 0; packed < 2; packed++) {
		hf_scenario(packed ? "packed: hostile csum_start/csum_offset"
				   : "split: hostile csum_start/csum_offset");
		hf_setup(&h, path,
			 CSUM | (packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0), 0,
			 64);
		hf_rx_fill(&h, 8, 2048);
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			hdr_csum(h12, bad[i][0], bad[i][1]);
			hf_tx(&h, (uint16_t)i, f, sizeof(f), h12);
			HF_CHECK(hf_used(&h, 1, &id, &len, 5000) == 1,
				 "consumed");
		}
		HF_CHECK(hf_used(&h, 0, &id, &len, 300) == 0,
			 "none of them echoed");
		/* the counters are the device's, over both passes */
		HF_CHECK(hf_stats_have(packed ? "drops: bad 12" : "drops: bad 6"),
			 "six bad frames");

		hf_scenario("a checksum inside the frame is completed");
		{
			/* the sum over [20, 100) at 20 + 16, seeded 0 */
			uint32_t sum = 0;
			uint16_t want;

			f[36] = f[37] = 0;
			for (unsigned i = 20; i < 100; i += 2)
				sum += (uint32_t)f[i] << 8 | f[i + 1];
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			want = (uint16_t)~sum;
			if (want == 0)
				want = 0xffff;
			hdr_csum(h12, 20, 16);
			hf_tx(&h, 20, f, sizeof(f), h12);
			HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1,
				 "echoed");
			HF_CHECK(len == HF_HDR + sizeof(f), "its length");
			{
				const uint8_t *r =
					hf_ptr(&h, HF_RXBUF(id) + HF_HDR);
				HF_CHECK(r[36] == (uint8_t)(want >> 8) &&
						 r[37] == (uint8_t)want,
					 "the checksum completed");
				HF_CHECK(memcmp(r, f, 36) == 0 &&
						 memcmp(r + 38, f + 38, 62) == 0,
					 "the rest intact");
			}
		}
		HF_CHECK(hf_alive(&h), "served");
		hf_close(&h);
	}
	return 0;
}
