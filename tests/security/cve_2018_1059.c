/*
 * cve_2018_1059.c - CVE-2018-1059: a guest-physical range translated by
 * its start only.  DPDK's vhost checked that a descriptor's address was
 * in guest memory, not that all of [addr, addr + len) was, and read past
 * the region (an information leak from the back-end's memory).
 *
 * Every range the guest gives must lie whole inside guest memory: buffers
 * that start inside and end outside, on split and packed rings, on TX and
 * on RX; an indirect table that runs off the end; a buffer that wraps the
 * 64-bit space; ring areas that start inside and end outside.  Each is
 * named by a line in the log.  What the guest puts in a ring costs that
 * ring (it stops, its error fd is signalled, the connection stays); ring
 * areas the front-end gives are its violation, and the connection goes.
 */
#define _GNU_SOURCE
#include <string.h>

#include "tests/security/hostile.h"

static uint8_t frame[64];

/* A TX buffer that starts `inside` bytes before the end of memory. */
static void tx_past_end(const char *path, bool packed, uint32_t inside)
{
	struct hf h;
	struct hf_seg s = {HF_MEM - inside, 100, 0, false};

	hf_setup(&h, path, packed ? VU_BIT(VIRTIO_F_RING_PACKED) : 0, 0, 64);
	memcpy(hf_ptr(&h, HF_MEM - inside), frame, inside);
	hf_offer(&h, 1, 0, &s, 1);
	hf_kick(&h, 1);
	HF_CHECK(hf_ring_failed(&h, 1, 5000), "a TX buffer running past memory");
	hf_expect("is outside guest memory");
	hf_close(&h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	struct hf h;

	hf_frame(frame, sizeof(frame), 1);

	hf_scenario("split TX buffer: 60 bytes in memory, 40 past its end");
	tx_past_end(path, false, 60);
	hf_scenario("packed TX buffer: 1 byte in memory, 99 past its end");
	tx_past_end(path, true, 1);

	hf_scenario("RX buffer of the echo running past memory");
	hf_setup(&h, path, 0, 0, 64);
	{
		struct hf_seg s = {HF_MEM - 16, 2048, VRING_DESC_F_WRITE,
				   false};
		hf_offer(&h, 0, 0, &s, 1);
		hf_kick(&h, 0);
	}
	hf_tx(&h, 0, frame, sizeof(frame), NULL);
	HF_CHECK(hf_ring_failed(&h, 0, 5000),
		 "an RX buffer running past memory");
	hf_expect("dev0 q0: descriptor 0: guest address 0x");
	hf_expect("(length 2048) is outside guest memory");
	hf_close(&h);

	hf_scenario("a buffer that wraps 2^64");
	hf_setup(&h, path, 0, 0, 64);
	{
		struct hf_seg s = {0xffffffffffffff00ull, 0x200, 0, true};
		hf_offer(&h, 1, 0, &s, 1);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_ring_failed(&h, 1, 5000), "a buffer that wraps");
	hf_expect("wraps");
	hf_close(&h);

	hf_scenario("an indirect table whose end is past memory");
	hf_setup(&h, path, VU_BIT(VIRTIO_RING_F_INDIRECT_DESC), 0, 64);
	{
		struct hf_seg s = {HF_MEM - 16, 64, VRING_DESC_F_INDIRECT,
				   false};
		struct vring_desc *t = (void *)hf_ptr(&h, HF_MEM - 16);

		*t = (struct vring_desc){HF_GPA + HF_TXBUF(0), 72,
					 VRING_DESC_F_NEXT, 1};
		hf_offer(&h, 1, 0, &s, 1);
		hf_kick(&h, 1);
	}
	HF_CHECK(hf_ring_failed(&h, 1, 5000), "an indirect table past memory");
	hf_expect("(64 bytes) is outside guest memory");
	hf_close(&h);

	hf_scenario("a descriptor table of 256 that starts inside, ends outside");
	hf_open(&h, path);
	hf_memory(&h);
	hf_handshake(&h, 0, 0);
	{
		struct vu_state st = {1, 256};
		struct vu_addr a = {1, 0,
				    (uint64_t)(uintptr_t)hf_ptr(&h, HF_MEM - 0x800),
				    (uint64_t)(uintptr_t)hf_ptr(&h, HF_DEVICE(1)),
				    (uint64_t)(uintptr_t)hf_ptr(&h, HF_DRIVER(1)),
				    0};

		hf_send(&h, VU_SET_VRING_NUM, 0, &st, sizeof(st), NULL, 0);
		hf_send(&h, VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
	}
	HF_CHECK(hf_gone(&h, 5000), "a ring past memory");
	hf_expect("is not inside guest memory");
	hf_close(&h);

	hf_scenario("the same range inside memory is served");
	hf_setup(&h, path, 0, 0, 64);
	hf_rx_fill(&h, 4, 2048);
	hf_tx(&h, 0, frame, sizeof(frame), NULL);
	{
		uint32_t id, len;

		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1,
			 "the frame came back");
		HF_CHECK(len == HF_HDR + sizeof(frame), "its length");
		HF_CHECK(memcmp(hf_ptr(&h, HF_RXBUF(id) + HF_HDR), frame,
				sizeof(frame)) == 0,
			 "its bytes");
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);
	return 0;
}
