/*
 * ring_chain.c - hostile descriptor chains (the class of bugs behind most
 * vhost and virtio CVEs: loops, out-of-range indexes, indirect tables).
 *
 * Each is the guest's error, named in the log, and costs that ring only
 * (vhost-user.rst SET_VRING_ERR): the ring stops, its error fd is
 * signalled, the connection stays, and the ring serves again once the
 * front-end starts it again.  The chains: a chain that loops; a head or a next beyond the ring; an indirect table that
 * loops, nests, overflows its length or is not a whole number of
 * descriptors; an indirect descriptor with a next; avail->idx moving more
 * than the ring size; on packed rings a list longer than the ring and an
 * indirect descriptor inside a list.
 */
#define _GNU_SOURCE
#include <string.h>

#include "tests/security/hostile.h"

#define INDIRECT VU_BIT(VIRTIO_RING_F_INDIRECT_DESC)
#define PACKED VU_BIT(VIRTIO_F_RING_PACKED)

/* Descriptor i of TX written raw (split). */
static void d(struct hf *h, uint16_t i, uint64_t off, uint32_t len,
	      uint16_t flags, uint16_t next)
{
	hf_split_desc(h, 1)[i] = (struct vring_desc){HF_GPA + off, len, flags,
						     next};
}

/* The driver makes head available on TX and kicks. */
static void offer(struct hf *h, uint16_t head)
{
	struct vring_avail *av = hf_split_avail(h, 1);

	av->ring[h->avail[1] % h->num] = head;
	__atomic_store_n(&av->idx, ++h->avail[1], __ATOMIC_RELEASE);
	hf_kick(h, 1);
}

static void failed(struct hf *h, const char *expect)
{
	HF_CHECK(hf_ring_failed(h, 1, 5000), expect);
	hf_expect(expect);
	hf_close(h);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	struct vring_desc *t;
	struct hf h;

	hf_scenario("a chain that loops onto itself");
	hf_setup(&h, path, 0, 0, 64);
	d(&h, 0, HF_TXBUF(0), 64, VRING_DESC_F_NEXT, 1);
	d(&h, 1, HF_TXBUF(1), 64, VRING_DESC_F_NEXT, 0);
	offer(&h, 0);
	failed(&h, "chain from head 0 loops (more than 64 descriptors)");

	hf_scenario("a head beyond the ring");
	hf_setup(&h, path, 0, 0, 64);
	offer(&h, 64);
	failed(&h, "head 64 >= queue size 64");

	hf_scenario("a next beyond the ring");
	hf_setup(&h, path, 0, 0, 64);
	d(&h, 3, HF_TXBUF(0), 8, VRING_DESC_F_NEXT, 0xffff);
	offer(&h, 3);
	failed(&h, "next 65535 >= queue size 64");

	hf_scenario("avail->idx a ring and one ahead");
	hf_setup(&h, path, 0, 0, 64);
	__atomic_store_n(&hf_split_avail(&h, 1)->idx, 65, __ATOMIC_RELEASE);
	hf_kick(&h, 1);
	failed(&h, "avail index jumped from 0 to 65");

	hf_scenario("indirect descriptors not negotiated");
	hf_setup(&h, path, 0, 0, 64);
	d(&h, 0, HF_TABLE(0), 32, VRING_DESC_F_INDIRECT, 0);
	offer(&h, 0);
	failed(&h, "VIRTIO_RING_F_INDIRECT_DESC was not negotiated");

	struct {
		const char *name, *expect;
		uint32_t len;
		struct vring_desc e[3];
	} tables[] = {
		{"an indirect table that loops", "indirect table loops", 48,
		 {{HF_GPA + HF_TXBUF(0), 8, VRING_DESC_F_NEXT, 1},
		  {HF_GPA + HF_TXBUF(0), 8, VRING_DESC_F_NEXT, 2},
		  {HF_GPA + HF_TXBUF(0), 8, VRING_DESC_F_NEXT, 0}}},
		{"an indirect table inside a table", "tables do not nest", 32,
		 {{HF_GPA + HF_TXBUF(0), 8, VRING_DESC_F_NEXT, 1},
		  {HF_GPA + HF_TABLE(0), 32, VRING_DESC_F_INDIRECT, 0}}},
		{"a next past the table's end",
		 "next 2 is past the table's 2 descriptors", 32,
		 {{HF_GPA + HF_TXBUF(0), 8, VRING_DESC_F_NEXT, 2},
		  {HF_GPA + HF_TXBUF(0), 8, 0, 0}}},
		{"a table of 40 bytes", "indirect table of 40 bytes", 40,
		 {{HF_GPA + HF_TXBUF(0), 8, 0, 0}}},
		{"a table larger than the ring",
		 "indirect table of 1040 bytes", 16 * 65,
		 {{HF_GPA + HF_TXBUF(0), 8, 0, 0}}},
	};
	for (unsigned k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
		hf_scenario(tables[k].name);
		hf_setup(&h, path, INDIRECT, 0, 64);
		t = (struct vring_desc *)(void *)hf_ptr(&h, HF_TABLE(0));
		memcpy(t, tables[k].e, sizeof(tables[k].e));
		d(&h, 0, HF_TABLE(0), tables[k].len, VRING_DESC_F_INDIRECT, 0);
		offer(&h, 0);
		failed(&h, tables[k].expect);
	}

	hf_scenario("an indirect descriptor with a next");
	hf_setup(&h, path, INDIRECT, 0, 64);
	d(&h, 0, HF_TABLE(0), 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	d(&h, 1, HF_TXBUF(0), 8, 0, 0);
	offer(&h, 0);
	failed(&h, "is indirect and has a next");

	hf_scenario("packed: a list longer than the ring");
	hf_setup(&h, path, PACKED, 0, 16);
	{
		struct hf_seg s[16];

		for (unsigned i = 0; i < 16; i++)
			s[i] = (struct hf_seg){HF_TXBUF(0), 8, 0, false};
		hf_offer(&h, 1, 0, s, 16);
		/* ... whose last descriptor goes on */
		hf_packed_desc(&h, 1, 15)->flags |= VRING_DESC_F_NEXT;
		hf_kick(&h, 1);
	}
	failed(&h, "is longer than the ring (16 descriptors)");

	hf_scenario("packed: an indirect descriptor inside a list");
	hf_setup(&h, path, PACKED | INDIRECT, 0, 16);
	{
		struct hf_seg s[2] = {{HF_TXBUF(0), 8, 0, false},
				      {HF_TABLE(0), 16, VRING_DESC_F_INDIRECT,
				       false}};
		hf_offer(&h, 1, 0, s, 2);
		hf_kick(&h, 1);
	}
	failed(&h, "indirect descriptor in a list of several");

	hf_scenario("a failed ring, started again, serves");
	hf_setup(&h, path, 0, 0, 64);
	offer(&h, 64);
	HF_CHECK(hf_ring_failed(&h, 1, 5000), "the ring failed");
	{
		struct vu_state st = {1, 0};
		uint8_t f[60];
		uint32_t id, len;

		HF_CHECK(hf_send(&h, VU_GET_VRING_BASE, 0, &st, sizeof(st),
				 NULL, 0) == 0 &&
				 hf_reply(&h, VU_GET_VRING_BASE, &st, sizeof(st),
					  NULL, NULL) == sizeof(st),
			 "GET_VRING_BASE answered");
		HF_CHECK(st.num == 0, "stopped where it stood: the bad head "
				      "not taken");
		hf_ring(&h, 1, 64); /* the guest's ring afresh, from 0 */
		hf_rx_fill(&h, 1, 2048);
		hf_frame(f, sizeof(f), 6);
		hf_tx(&h, 0, f, sizeof(f), NULL);
		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1 &&
				 len == HF_HDR + sizeof(f) &&
				 memcmp(hf_ptr(&h, HF_RXBUF(id) + HF_HDR), f,
					sizeof(f)) == 0,
			 "echoed intact after the restart");
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);

	hf_scenario("a good indirect chain is served");
	hf_setup(&h, path, INDIRECT, 0, 64);
	hf_rx_fill(&h, 2, 2048);
	{
		uint8_t f[60];
		uint32_t id, len;

		hf_frame(f, sizeof(f), 5);
		memset(hf_ptr(&h, HF_TXBUF(0)), 0, HF_HDR);
		memcpy(hf_ptr(&h, HF_TXBUF(0) + HF_HDR), f, sizeof(f));
		t = (struct vring_desc *)(void *)hf_ptr(&h, HF_TABLE(0));
		t[0] = (struct vring_desc){HF_GPA + HF_TXBUF(0), HF_HDR,
					   VRING_DESC_F_NEXT, 1};
		t[1] = (struct vring_desc){HF_GPA + HF_TXBUF(0) + HF_HDR,
					   sizeof(f), 0, 0};
		d(&h, 0, HF_TABLE(0), 32, VRING_DESC_F_INDIRECT, 0);
		offer(&h, 0);
		HF_CHECK(hf_used(&h, 0, &id, &len, 5000) == 1 &&
				 len == HF_HDR + sizeof(f) &&
				 memcmp(hf_ptr(&h, HF_RXBUF(id) + HF_HDR), f,
					sizeof(f)) == 0,
			 "echoed intact");
	}
	HF_CHECK(hf_alive(&h), "served");
	hf_close(&h);
	return 0;
}
