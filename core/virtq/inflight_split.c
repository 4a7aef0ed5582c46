/*
 * inflight_split.c - a split ring's part of the inflight region
 * (vhost-user.rst "Inflight I/O tracking", the split layout): an entry per
 * descriptor index, marked while the chain with that head is taken and not
 * yet published, and a list of the last batch so that one published but
 * not yet unmarked can be finished after a restart.
 */
#include "core/virtq/inflight.h"

#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

/* The functions below copy iq->num before they store into the region: a
 * store through a uint16_t pointer could be to it, for all the compiler
 * knows, and it would read it again after each. */

struct split_desc {
	uint8_t inflight;
	uint8_t padding[5];
	uint16_t next;
	uint64_t counter;
};

struct split_region {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t last_batch_head;
	uint16_t used_idx;
	struct split_desc desc[];
};

_Static_assert(sizeof(struct split_desc) == 16 &&
		       offsetof(struct split_region, desc) == 16,
	       "split inflight layout is 16 + 16 * n bytes");

static struct split_region *split_of(const struct inflight_q *iq)
{
	return (struct split_region *)(void *)iq->region;
}

VQ_SETUP
int inflight_split_start(struct inflight_q *iq, bool fresh, uint16_t used,
			 uint16_t *avail)
{
	const uint16_t num = iq->num;
	struct split_region *r = split_of(iq);
	uint16_t ridx;

	if (fresh) {
		memset(iq->region, 0, 16 + 16ull * num);
		STORE(&r->used_idx, used);
		STORE(&r->desc_num, num);
		STORE(&r->version, (uint16_t)INFLIGHT_VERSION);
		return 0;
	}
	/* The last batch was published but not yet unmarked: unmark it. */
	ridx = LOAD(&r->used_idx);
	if (ridx != used) {
		uint16_t n = (uint16_t)(used - ridx);
		uint16_t h = LOAD(&r->last_batch_head);

		for (uint16_t k = 0; k < n && k < num && h < num;
		     k++) {
			STORE(&r->desc[h].inflight, (uint8_t)0);
			h = LOAD(&r->desc[h].next);
		}
		STORE(&r->used_idx, used);
	}
	for (uint16_t i = 0; i < num; i++) {
		uint64_t age = LOAD(&r->desc[i].counter);

		if (LOAD(&r->desc[i].inflight) != 0 &&
		    inflight_resubmit_add(iq, i, age) < 0)
			return -PORT_EPROTO;
	}
	/* As QEMU's libvhost-user: what is in flight was taken in order
	 * after what was used, whatever base the front-end remembered. */
	*avail = (uint16_t)(used + iq->nresubmit);
	return 0;
}

void inflight_split_popped(struct inflight_q *iq, uint16_t head)
{
	struct split_desc *d = &split_of(iq)->desc[head];

	if (iq->npopped < VQ_SHADOW)
		iq->popped[iq->npopped++] = head;
	STORE(&d->counter, iq->counter++);
	STORE(&d->inflight, (uint8_t)1);
}

void inflight_split_pushed(struct inflight_q *iq, uint16_t k, uint16_t track)
{
	struct split_region *r = split_of(iq);

	if (k < VQ_SHADOW)
		iq->batch[k] = track;
	STORE(&r->desc[track].next, LOAD(&r->last_batch_head));
	STORE(&r->last_batch_head, track);
}

void inflight_split_published(struct inflight_q *iq, uint16_t n,
			      uint16_t used)
{
	struct split_region *r = split_of(iq);

	for (uint16_t k = 0; k < n && k < VQ_SHADOW; k++)
		STORE(&r->desc[iq->batch[k]].inflight, (uint8_t)0);
	STORE(&r->used_idx, used);
	iq->npopped = 0;
}

uint16_t inflight_split_batch_head(const struct inflight_q *iq)
{
	return LOAD(&split_of(iq)->last_batch_head);
}

void inflight_split_rewind(struct inflight_q *iq, uint16_t batch_head,
			   uint16_t popped)
{
	struct split_region *r = split_of(iq);

	STORE(&r->last_batch_head, batch_head);
	/* the heads taken since, as we recorded them (not as the guest's
	 * avail ring may say by now) */
	for (uint16_t k = popped; k < iq->npopped; k++)
		STORE(&r->desc[iq->popped[k]].inflight, (uint8_t)0);
	iq->npopped = popped;
}
