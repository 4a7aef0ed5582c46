/*
 * cve_2020_10725.c - CVE-2020-10725: zero-length descriptors and failed
 * translations on the packed ring's fast path.  DPDK's vhost translated a
 * batch of packed descriptors at once and used a failed (NULL) translation,
 * or took a zero length as a reason to skip a check.
 *
 * Here every packed descriptor is translated on its own, whatever its
 * length: a zero-length descriptor is taken and adds nothing (a chain of
 * nothing but them is a bad frame, dropped and counted); one of nonzero
 * length outside memory breaks the ring, also behind zero-length ones, as
 * does a zero-length indirect table: the ring stops and its error fd is
 * signalled, the connection stays.  On TX and on RX.
 */
#define _GNU_SOURCE
#include <string.h>

#include "tests/security/hostile.h"

#define PACKED VU_BIT(VIRTIO_F_RING_PACKED)
#define INDIRECT VU_BIT(VIRTIO_RING_F_INDIRECT_DESC)

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	uint8_t f[80];
	uint32_t id, len;
	struct hf h;

	hf_frame(f, sizeof(f), 7);

	hf_scenario("zero-length descriptors around a frame: served");
	hf_setup(&h, path, PACKED, 0, 64);
	hf_rx_fill(&h, 4, 2048);
	{
		struct hf_seg s[5] = {
			{0, 0, 0, true},               /* gpa 0, length 0 */
			{HF_TXBUF(0), HF_HDR, 0, false},
			{0xdeadbeef000ull, 0, 0, true}, /* nowhere, length 0 */
			{HF_TXBUF(0) + HF_HDR, sizeof(f), 0, false},
			{HF_MEM + 0x100000, 0, 0, false},
		};
		memset(hf_ptr(&h, HF_TXBUF(0)), 0, HF_HDR);
		memcpy(hf_ptr(&h, HF_TXBUF(0) + HF_HDR), f, sizeof(f));
		hf_offer(&h, 1, 0, s, 5);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1, "echoed");
	HF_CHECK(len == HF_HDR + sizeof(f) &&
			 memcmp(hf_ptr(&h, HF_RXBUF(id) + HF_HDR), f,
				sizeof(f)) == 0,
		 "echoed intact");
	HF_CHECK(hf_used(&h, 1, &id, &len, 5000) == 1 && id == 0,
		 "TX returned");

	hf_scenario("a chain of zero-length descriptors only: a bad frame");
	{
		struct hf_seg s[3] = {{0, 0, 0, true},
				      {0xffffffffffff0000ull, 0, 0, true},
				      {HF_TXBUF(1), 0, 0, false}};
		hf_offer(&h, 1, 1, s, 3);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_used(&h, 1, &id, &len, 5000) == 1 && id == 1,
		 "consumed");
	HF_CHECK(hf_used(&h, 0, &id, &len, 300) == 0, "nothing echoed");
	HF_CHECK(hf_stats_have("q1 (tx): frames 1 bytes 80 kicks"),
		 "one frame counted");
	HF_CHECK(hf_stats_have("drops: bad 1 oversize 0"), "one bad frame");
	HF_CHECK(hf_alive(&h), "the connection is kept");

	hf_scenario("an RX buffer of zero length: the frame is dropped");
	hf_close(&h);
	hf_setup(&h, path, PACKED, 0, 64);
	{
		struct hf_seg s = {HF_RXBUF(0), 0, VRING_DESC_F_WRITE, false};
		hf_offer(&h, 0, 0, &s, 1);
		hf_kick(&h, 0);
	}
	hf_tx(&h, 0, f, sizeof(f), NULL);
	HF_CHECK(hf_used(&h, 1, &id, &len, 5000) == 1, "TX consumed");
	HF_CHECK(hf_alive(&h), "the connection is kept");
	hf_close(&h);

	hf_scenario("a failed translation behind zero-length descriptors");
	hf_setup(&h, path, PACKED, 0, 64);
	{
		struct hf_seg s[3] = {{0, 0, 0, true},
				      {HF_TXBUF(0), 0, 0, false},
				      {HF_MEM + 0x1000, 64, 0, false}};
		hf_offer(&h, 1, 0, s, 3);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_ring_failed(&h, 1, 5000), "an address outside memory");
	hf_expect("is outside guest memory");
	hf_close(&h);

	hf_scenario("the same on RX");
	hf_setup(&h, path, PACKED, 0, 64);
	{
		struct hf_seg s[2] = {{HF_RXBUF(0), 0, VRING_DESC_F_WRITE, false},
				      {0x10ull, 2048, VRING_DESC_F_WRITE, true}};
		hf_offer(&h, 0, 0, s, 2);
		hf_kick(&h, 0);
	}
	hf_tx(&h, 0, f, sizeof(f), NULL);
	HF_CHECK(hf_ring_failed(&h, 0, 5000), "an RX address outside memory");
	hf_close(&h);

	hf_scenario("a zero-length indirect table");
	hf_setup(&h, path, PACKED | INDIRECT, 0, 64);
	{
		struct hf_seg s = {HF_TABLE(0), 0, VRING_DESC_F_INDIRECT, false};
		hf_offer(&h, 1, 0, &s, 1);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_ring_failed(&h, 1, 5000), "a zero-length table");
	hf_expect("indirect table of 0 bytes");
	hf_close(&h);

	hf_scenario("an indirect table of zero-length entries and a frame");
	hf_setup(&h, path, PACKED | INDIRECT, 0, 64);
	hf_rx_fill(&h, 2, 2048);
	{
		struct vring_packed_desc *t = (void *)hf_ptr(&h, HF_TABLE(0));
		struct hf_seg s = {HF_TABLE(0), 64, VRING_DESC_F_INDIRECT,
				   false};

		t[0] = (struct vring_packed_desc){0, 0, 0, 0};
		t[1] = (struct vring_packed_desc){HF_GPA + HF_TXBUF(0),
						  HF_HDR, 0, 0};
		t[2] = (struct vring_packed_desc){0x1234, 0, 0, 0};
		t[3] = (struct vring_packed_desc){
			HF_GPA + HF_TXBUF(0) + HF_HDR, sizeof(f), 0, 0};
		memset(hf_ptr(&h, HF_TXBUF(0)), 0, HF_HDR);
		memcpy(hf_ptr(&h, HF_TXBUF(0) + HF_HDR), f, sizeof(f));
		hf_offer(&h, 1, 0, &s, 1);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1 &&
			 len == HF_HDR + sizeof(f),
		 "echoed through the table");
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);
	return 0;
}
