/*
 * cve_2022_2132.c - CVE-2022-2132: descriptor chains shorter than the
 * virtio-net header, or with the header split across descriptors.
 * DPDK's vhost assumed the header was in one piece and read or wrote it
 * as such, past the buffer.
 *
 * A TX chain too short for the header and an Ethernet header is a bad
 * frame: dropped, counted, the connection kept.  A header split across
 * any number of descriptors, on TX and on RX (num_buffers included), on
 * split and packed rings, is read and written piece by piece, and the
 * frame comes back intact.
 */
#define _GNU_SOURCE
#include <string.h>

#include "tests/security/hostile.h"

static void run(const char *path, bool packed)
{
	uint8_t f[60];
	uint32_t id, len;
	struct hf h;

	hf_frame(f, sizeof(f), 3);
	hf_setup(&h, path,
		 VU_BIT(VIRTIO_NET_F_MRG_RXBUF) |
			 (packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0),
		 0, 64);
	hf_scenario(packed ? "packed: runts" : "split: runts");
	{
		/* 4 bytes; the header only; header and 13 bytes of frame */
		struct hf_seg a = {HF_TXBUF(0), 4, 0, false};
		struct hf_seg b = {HF_TXBUF(1), HF_HDR, 0, false};
		struct hf_seg c[2] = {{HF_TXBUF(2), 6, 0, false},
				      {HF_TXBUF(2) + 6, 6 + 13, 0, false}};

		hf_offer(&h, 1, 0, &a, 1);
		hf_offer(&h, 1, 1, &b, 1);
		hf_offer(&h, 1, 2, c, 2);
		hf_kick(&h, 1);
		for (unsigned i = 0; i < 3; i++)
			HF_CHECK(hf_used(&h, 1, &id, &len, 5000) == 1,
				 "a runt is consumed");
	}
	/* the counters are the device's, over both runs */
	HF_CHECK(hf_stats_have(packed ? "drops: bad 6" : "drops: bad 3"),
		 "three bad frames counted");
	HF_CHECK(hf_alive(&h), "the connection is kept");

	hf_scenario(packed ? "packed: headers in pieces"
			   : "split: headers in pieces");
	{
		/* TX: the 12-byte header one byte a descriptor, then the
		 * frame; RX: buffers of 3, 5, 2 and 2048 bytes in one chain
		 * (the header split three ways) */
		struct hf_seg tx[13], rx[4] = {
			{HF_RXBUF(0), 3, VRING_DESC_F_WRITE, false},
			{HF_RXBUF(1), 5, VRING_DESC_F_WRITE, false},
			{HF_RXBUF(2), 2, VRING_DESC_F_WRITE, false},
			{HF_RXBUF(3), 2048, VRING_DESC_F_WRITE, false}};
		uint8_t *b = hf_ptr(&h, HF_TXBUF(10));
		uint8_t got[12 + 60];

		memset(b, 0, HF_HDR);
		memcpy(b + HF_HDR, f, sizeof(f));
		for (unsigned i = 0; i < 12; i++)
			tx[i] = (struct hf_seg){HF_TXBUF(10) + i, 1, 0, false};
		tx[12] = (struct hf_seg){HF_TXBUF(10) + 12, sizeof(f), 0, false};
		memset(hf_ptr(&h, HF_RXBUF(0)), 0xee, 0x2000);
		hf_offer(&h, 0, 10, rx, 4);
		hf_kick(&h, 0);
		hf_offer(&h, 1, 20, tx, 13);
		hf_kick(&h, 1);
		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1, "echoed");
		HF_CHECK(id == 10 && len == HF_HDR + sizeof(f), "one buffer");
		memcpy(got, hf_ptr(&h, HF_RXBUF(0)), 3);
		memcpy(got + 3, hf_ptr(&h, HF_RXBUF(1)), 5);
		memcpy(got + 8, hf_ptr(&h, HF_RXBUF(2)), 2);
		memcpy(got + 10, hf_ptr(&h, HF_RXBUF(3)), 2 + sizeof(f));
		HF_CHECK(got[10] == 1 && got[11] == 0,
			 "num_buffers 1, split over two descriptors");
		for (unsigned i = 0; i < 10; i++)
			HF_CHECK(got[i] == 0, "a clean header");
		HF_CHECK(memcmp(got + 12, f, sizeof(f)) == 0,
			 "the frame intact");
		HF_CHECK(hf_ptr(&h, HF_RXBUF(3))[2 + sizeof(f)] == 0xee,
			 "nothing written past it");
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";

	run(path, false);
	run(path, true);
	return 0;
}
