/*
 * inflight.c - inflight I/O tracking (see inflight.h), in the region
 * layouts vhost-user.rst gives for split and packed rings.
 */
#include "core/virtq/inflight.h"

#include <stddef.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

/* vhost-user.rst "Inflight I/O tracking": the shared layouts. */
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

struct packed_desc {
	uint8_t inflight;
	uint8_t padding;
	uint16_t next;
	uint16_t last;
	uint16_t num;
	uint64_t counter;
	uint16_t id;
	uint16_t flags;
	uint32_t len;
	uint64_t addr;
};

struct packed_region {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t free_head;
	uint16_t old_free_head;
	uint16_t used_idx;
	uint16_t old_used_idx;
	uint8_t used_wrap;
	uint8_t old_used_wrap;
	uint8_t padding[7];
	struct packed_desc desc[];
};

_Static_assert(sizeof(struct split_desc) == 16 &&
		       offsetof(struct split_region, desc) == 16,
	       "split inflight layout is 16 + 16 * n bytes");
_Static_assert(sizeof(struct packed_desc) == 32 &&
		       offsetof(struct packed_region, desc) == 32,
	       "packed inflight layout is 32 + 32 * n bytes");

#define INFLIGHT_VERSION 1
#define INFLIGHT_ALIGN 64ull

static struct split_region *split_of(const struct vq *vq)
{
	return (struct split_region *)(void *)vq->inflight->region;
}

static struct packed_region *packed_of(const struct vq *vq)
{
	return (struct packed_region *)(void *)vq->inflight->region;
}

uint64_t inflight_queue_bytes(bool packed, uint16_t queue_size)
{
	uint64_t b = packed ? 32ull + 32ull * queue_size
			    : 16ull + 16ull * queue_size;

	return (b + INFLIGHT_ALIGN - 1) & ~(INFLIGHT_ALIGN - 1);
}

/* The counts of a GET or SET: every queue of the region must be one of
 * ours, and of a size a ring can have (CVE-2021-3839). */
static int check_counts(const struct vu_inflight *r, const char *req,
			const char *who)
{
	if (r->num_queues == 0 || r->num_queues > CFG_MAX_QUEUES) {
		LOG_ERR("%s: %s for %u queues, the device has %u", who, req,
			r->num_queues, (unsigned)CFG_MAX_QUEUES);
		return -PORT_EINVAL;
	}
	if (r->queue_size == 0 || r->queue_size > CFG_QUEUE_SIZE_MAX) {
		LOG_ERR("%s: %s for rings of %u entries, at most %u", who, req,
			r->queue_size, (unsigned)CFG_QUEUE_SIZE_MAX);
		return -PORT_EINVAL;
	}
	return 0;
}

/* A fresh part (version 0: nothing was ever tracked in it) for the ring
 * as it is now: nothing in flight, the used position the ring's. */
static void init_part(uint8_t *part, const struct vq *vq)
{
	uint16_t num = (uint16_t)vq->num;

	if (!vq->packed) {
		struct split_region *r = (void *)part;

		memset(part, 0, 16 + 16ull * num);
		STORE(&r->used_idx, vq->used_idx);
		STORE(&r->desc_num, num);
		STORE(&r->version, (uint16_t)INFLIGHT_VERSION);
		return;
	}
	struct packed_region *r = (void *)part;

	memset(part, 0, 32 + 32ull * num);
	/* every entry on the free list */
	for (uint16_t i = 0; i < num; i++)
		STORE(&r->desc[i].next, (uint16_t)(i + 1));
	STORE(&r->used_idx, vq->used_idx);
	STORE(&r->old_used_idx, vq->used_idx);
	STORE(&r->used_wrap, (uint8_t)vq->used_wrap);
	STORE(&r->old_used_wrap, (uint8_t)vq->used_wrap);
	STORE(&r->desc_num, num);
	STORE(&r->version, (uint16_t)INFLIGHT_VERSION);
}

static void set_region(struct inflight *inf, void *base, uint64_t len,
		       uint64_t offset, const struct vu_inflight *r,
		       bool packed)
{
	inflight_unmap(inf); /* CVE-2020-10726: the old region goes */
	inf->map_base = base;
	inf->map_len = len;
	inf->base = (uint8_t *)base + offset;
	inf->queue_bytes = inflight_queue_bytes(packed, r->queue_size);
	inf->num_queues = r->num_queues;
	inf->queue_size = r->queue_size;
	inf->packed = packed;
}

int inflight_create(struct inflight *inf, const struct vu_inflight *req,
		    bool packed, struct vu_inflight *reply, const char *who)
{
	uint64_t size;
	void *base = NULL;
	int fd, rc;

	rc = check_counts(req, "GET_INFLIGHT_FD", who);
	if (rc < 0)
		return rc;
	size = inflight_queue_bytes(packed, req->queue_size) * req->num_queues;
	fd = port_mem_create("vhost-inflight", size);
	if (fd < 0) {
		LOG_ERR("%s: GET_INFLIGHT_FD: cannot create %llu bytes of shared "
			"memory (error %d)", who, (unsigned long long)size, -fd);
		return fd;
	}
	rc = port_mem_map(fd, size, &base);
	if (rc < 0) {
		LOG_ERR("%s: GET_INFLIGHT_FD: cannot map it (error %d)", who,
			-rc);
		port_fd_close(fd);
		return rc;
	}
	/* zeroed (a new memfd): each part is set up when its ring starts,
	 * for the ring's own size and position */
	set_region(inf, base, size, 0, req, packed);
	memset(reply, 0, sizeof(*reply));
	reply->mmap_size = size;
	reply->mmap_offset = 0;
	reply->num_queues = req->num_queues;
	reply->queue_size = req->queue_size;
	return fd;
}

int inflight_map(struct inflight *inf, int fd, const struct vu_inflight *req,
		 bool packed, const char *who)
{
	uint64_t need, end, fsize = 0;
	void *base = NULL;
	int rc;

	rc = check_counts(req, "SET_INFLIGHT_FD", who);
	if (rc < 0)
		return rc;
	need = inflight_queue_bytes(packed, req->queue_size) * req->num_queues;
	if (req->mmap_size < need) {
		LOG_ERR("%s: SET_INFLIGHT_FD: %llu bytes cannot hold %u queues "
			"of %u entries (%llu bytes)", who,
			(unsigned long long)req->mmap_size, req->num_queues,
			req->queue_size, (unsigned long long)need);
		return -PORT_EINVAL;
	}
	end = req->mmap_offset + req->mmap_size;
	if (end < req->mmap_offset || end > (uint64_t)SIZE_MAX ||
	    (req->mmap_offset & (INFLIGHT_ALIGN - 1))) {
		LOG_ERR("%s: SET_INFLIGHT_FD: offset 0x%llx + size 0x%llx wraps "
			"or is not 64-byte aligned", who,
			(unsigned long long)req->mmap_offset,
			(unsigned long long)req->mmap_size);
		return -PORT_ERANGE;
	}
	rc = port_fd_size(fd, &fsize);
	if (rc == 0 && fsize < end) {
		LOG_ERR("%s: SET_INFLIGHT_FD: region needs 0x%llx bytes of its "
			"fd, the file has 0x%llx", who,
			(unsigned long long)end, (unsigned long long)fsize);
		return -PORT_ERANGE;
	}
	if (rc == 0)
		rc = port_mem_map(fd, end, &base);
	if (rc < 0) {
		LOG_ERR("%s: SET_INFLIGHT_FD: cannot map the region (error %d)",
			who, -rc);
		return rc;
	}
	set_region(inf, base, end, req->mmap_offset, req, packed);
	return 0;
}

void inflight_unmap(struct inflight *inf)
{
	if (inf->map_base != NULL)
		port_mem_unmap(inf->map_base, inf->map_len);
	memset(inf, 0, sizeof(*inf));
}

/* ---- recovery when a ring starts ----------------------------------------- */

/* Add entry i, of age `age`, to the resubmission list, oldest first. */
static int resubmit_add(struct vq *vq, struct inflight_q *iq, uint16_t i,
			uint64_t age)
{
	static uint64_t ages[VQ_SHADOW]; /* of the entries listed so far */
	unsigned k;

	if (iq->nresubmit == VQ_SHADOW) {
		LOG_ERR("%s: inflight region marks more than %u chains in "
			"flight", vq->name, (unsigned)VQ_SHADOW);
		return -PORT_EPROTO;
	}
	/* insertion sort: at most VQ_SHADOW entries */
	for (k = iq->nresubmit; k > 0 && ages[k - 1] > age; k--) {
		ages[k] = ages[k - 1];
		iq->resubmit[k] = iq->resubmit[k - 1];
	}
	ages[k] = age;
	iq->resubmit[k] = i;
	iq->nresubmit++;
	if (age >= iq->counter)
		iq->counter = age + 1;
	return 0;
}

static int recover_split(struct vq *vq, struct inflight_q *iq)
{
	struct split_region *r = (void *)iq->region;
	uint16_t used = vq->used_idx, ridx = LOAD(&r->used_idx);

	/* The last batch was published but not yet unmarked: unmark it. */
	if (ridx != used) {
		uint16_t n = (uint16_t)(used - ridx);
		uint16_t h = LOAD(&r->last_batch_head);

		for (uint16_t k = 0; k < n && k < vq->num && h < vq->num; k++) {
			STORE(&r->desc[h].inflight, (uint8_t)0);
			h = LOAD(&r->desc[h].next);
		}
		STORE(&r->used_idx, used);
	}
	for (uint16_t i = 0; i < vq->num; i++) {
		uint64_t age = LOAD(&r->desc[i].counter);

		if (LOAD(&r->desc[i].inflight) != 0 &&
		    resubmit_add(vq, iq, i, age) < 0)
			return -PORT_EPROTO;
	}
	/* As QEMU's libvhost-user: what is in flight was taken in order
	 * after what was used, whatever base the front-end remembered. */
	vq->last_avail = (uint16_t)(used + iq->nresubmit);
	vq->avail_idx = vq->last_avail;
	return 0;
}

static int recover_packed(struct vq *vq, struct inflight_q *iq)
{
	struct packed_region *r = (void *)iq->region;
	uint16_t used = LOAD(&r->used_idx), old_used = LOAD(&r->old_used_idx);
	uint16_t fh;
	bool wrap;

	if (used >= vq->num || old_used >= vq->num) {
		LOG_ERR("%s: inflight region: used index %u or %u past the ring",
			vq->name, used, old_used);
		return -PORT_EPROTO;
	}
	/* A batch half marked used: if its first descriptor no longer looks
	 * available, the driver has it, so the batch stands. */
	if (used != old_used) {
		bool ow = LOAD(&r->old_used_wrap) != 0;
		uint16_t avail = ow ? VRING_PACKED_F_AVAIL : VRING_PACKED_F_USED;
		uint16_t f = LE16(LOAD(&vq->pdesc[old_used].flags)) &
			     (VRING_PACKED_F_AVAIL | VRING_PACKED_F_USED);

		if (f != avail) {
			STORE(&r->old_free_head, LOAD(&r->free_head));
			STORE(&r->old_used_idx, used);
			STORE(&r->old_used_wrap, LOAD(&r->used_wrap));
		}
	}
	/* roll back anything half done */
	fh = LOAD(&r->old_free_head);
	STORE(&r->free_head, fh);
	STORE(&r->used_idx, LOAD(&r->old_used_idx));
	STORE(&r->used_wrap, LOAD(&r->old_used_wrap));
	/* what is on the free list is not in flight */
	for (uint16_t k = 0; k < vq->num && fh < vq->num; k++) {
		STORE(&r->desc[fh].inflight, (uint8_t)0);
		fh = LOAD(&r->desc[fh].next);
	}
	used = LOAD(&r->used_idx);
	wrap = LOAD(&r->used_wrap) != 0;
	if (used >= vq->num) {
		LOG_ERR("%s: inflight region: used index %u past the ring",
			vq->name, used);
		return -PORT_EPROTO;
	}
	vq->used_idx = used;
	vq->used_wrap = wrap;
	vq->last_avail = used;
	vq->avail_wrap = wrap;
	for (uint16_t i = 0; i < vq->num; i++) {
		uint64_t age = LOAD(&r->desc[i].counter);
		uint16_t n = LOAD(&r->desc[i].num);

		if (LOAD(&r->desc[i].inflight) == 0)
			continue;
		if (n == 0 || n > vq->num ||
		    resubmit_add(vq, iq, i, age) < 0) {
			LOG_ERR("%s: inflight region: entry %u is not a chain",
				vq->name, i);
			return -PORT_EPROTO;
		}
		/* taken in order after what was used */
		vq_wrap_add(&vq->last_avail, &vq->avail_wrap, n, vq->num);
	}
	return 0;
}

int inflight_attach(struct vq *vq, struct inflight_q *iq,
		    const struct inflight *inf, unsigned qi)
{
	uint8_t *part;
	uint16_t version, num;

	vq->inflight = NULL;
	memset(iq, 0, sizeof(*iq));
	if (inf->base == NULL || qi >= inf->num_queues)
		return 0;
	if (inf->packed != vq->packed || vq->num > inf->queue_size) {
		LOG_ERR("%s: inflight region is for %s rings of %u entries, the "
			"ring is %s with %u", vq->name,
			inf->packed ? "packed" : "split", inf->queue_size,
			vq->packed ? "packed" : "split", vq->num);
		return -PORT_EPROTO;
	}
	part = inf->base + qi * inf->queue_bytes;
	version = LOAD((uint16_t *)(void *)(part + 8));
	num = LOAD((uint16_t *)(void *)(part + 10));
	iq->region = part;
	iq->packed = vq->packed;
	iq->num = (uint16_t)vq->num;
	if (version == 0) {
		/* a new region: it starts where the ring is */
		init_part(part, vq);
		vq->inflight = iq;
		return 0;
	}
	if (version != INFLIGHT_VERSION || num != vq->num) {
		LOG_ERR("%s: inflight region: version %u for %u entries, the "
			"ring has %u", vq->name, version, num, vq->num);
		return -PORT_EPROTO;
	}
	vq->inflight = iq;
	if ((vq->packed ? recover_packed(vq, iq) : recover_split(vq, iq)) < 0) {
		vq->inflight = NULL;
		return -PORT_EPROTO;
	}
	if (iq->nresubmit > 0)
		LOG_PEER("%s: %u chains in flight before the restart are taken "
			 "again\n", vq->name, iq->nresubmit);
	return 0;
}

/* ---- tracking while the ring runs ------------------------------------------ */

void inflight_mark(const struct vq *vq, struct vq_mark *m)
{
	m->resubmit = vq->inflight->pos;
	m->popped = vq->inflight->npopped;
	m->track = vq->packed ? LOAD(&packed_of(vq)->old_free_head)
			      : LOAD(&split_of(vq)->last_batch_head);
}

void inflight_rewind(struct vq *vq, const struct vq_mark *m)
{
	struct inflight_q *iq = vq->inflight;

	iq->pos = m->resubmit;
	if (vq->packed) {
		struct packed_region *r = packed_of(vq);
		uint16_t e = m->track, end = LOAD(&r->free_head);

		/* the entries taken since go back on the free list, no
		 * longer in flight (the walk bounded: the list is shared) */
		for (uint32_t k = 0; k < vq->num && e != end && e < vq->num;
		     k++) {
			STORE(&r->desc[e].inflight, (uint8_t)0);
			e = LOAD(&r->desc[e].next);
		}
		STORE(&r->free_head, m->track);
		STORE(&r->old_free_head, m->track);
		return;
	}
	struct split_region *r = split_of(vq);

	STORE(&r->last_batch_head, m->track);
	/* the heads taken since, as we recorded them (not as the guest's
	 * avail ring may say by now) */
	for (uint16_t k = m->popped; k < iq->npopped; k++)
		STORE(&r->desc[iq->popped[k]].inflight, (uint8_t)0);
	iq->npopped = m->popped;
}

/* A packed chain as the region recorded it, from head entry e. */
static int packed_chain(struct vq *vq, const struct mem_table *mem,
			struct vq_chain *c, uint16_t e)
{
	struct packed_region *r = packed_of(vq);
	uint16_t n = LOAD(&r->desc[e].num), k = e, id = 0;
	struct chain_walk w;

	/* read again from shared memory: checked again (it becomes the
	 * number of slots the used element skips) */
	if (n == 0 || n > vq->num) {
		LOG_ERR("%s: inflight region: entry %u is a chain of %u "
			"descriptors", vq->name, e, n);
		return -PORT_EPROTO;
	}
	chain_begin(&w, vq->name, vq->num, vq->indirect, mem, c);
	for (uint16_t j = 0; j < n; j++) {
		const struct packed_desc *d;
		uint16_t flags;
		int rc;

		if (k >= vq->num) {
			LOG_ERR("%s: inflight region: chain at entry %u runs off "
				"the table", vq->name, e);
			return -PORT_EPROTO;
		}
		d = &r->desc[k];
		flags = LOAD(&d->flags);
		id = LOAD(&d->id);
		rc = chain_packed(&w, k, LOAD(&d->addr), LOAD(&d->len), flags);
		if (rc < 0)
			return rc;
		k = LOAD(&d->next);
	}
	c->head = id;
	return 0;
}

int inflight_pop_resubmit(struct vq *vq, const struct mem_table *mem,
			  struct vq_chain *c)
{
	struct inflight_q *iq = vq->inflight;
	uint16_t e;
	int rc;

	if (iq->pos >= iq->nresubmit)
		return 0;
	e = iq->resubmit[iq->pos];
	rc = vq->packed ? packed_chain(vq, mem, c, e)
			: vq_split_chain(vq, mem, c, e);
	if (rc < 0)
		return rc;
	c->track = e;
	iq->pos++;
	return 1;
}

void inflight_popped(struct vq *vq, struct vq_chain *c)
{
	struct inflight_q *iq = vq->inflight;

	if (vq->packed)
		return; /* recorded descriptor by descriptor, c->track set */
	struct split_desc *d = &split_of(vq)->desc[c->head];

	c->track = c->head;
	if (iq->npopped < VQ_SHADOW)
		iq->popped[iq->npopped++] = c->head;
	STORE(&d->counter, iq->counter++);
	STORE(&d->inflight, (uint8_t)1);
}

void inflight_pushed(struct vq *vq, const struct vq_chain *c)
{
	struct split_region *r;
	uint16_t k;

	if (vq->packed)
		return; /* the shadow element keeps c->track */
	r = split_of(vq);
	/* the element just pushed is number (used_idx - published) - 1;
	 * vq_push_room keeps that below VQ_SHADOW */
	k = (uint16_t)(vq->used_idx - vq->published - 1);
	if (k < VQ_SHADOW)
		vq->inflight->batch[k] = c->track;
	STORE(&r->desc[c->track].next, LOAD(&r->last_batch_head));
	STORE(&r->last_batch_head, c->track);
}

int inflight_packed_desc(struct vq *vq, uint64_t addr, uint32_t len,
			 uint16_t id, uint16_t flags, bool head, bool last)
{
	struct packed_region *r = packed_of(vq);
	uint16_t ofh = LOAD(&r->old_free_head), fh = LOAD(&r->free_head);
	struct packed_desc *d;

	if (ofh >= vq->num || fh >= vq->num) {
		LOG_ERR("%s: inflight region: free list broken (entry %u)",
			vq->name, ofh >= vq->num ? ofh : fh);
		return -PORT_EPROTO;
	}
	if (head) {
		STORE(&r->desc[ofh].num, (uint16_t)0);
		STORE(&r->desc[ofh].counter, vq->inflight->counter++);
		STORE(&r->desc[ofh].inflight, (uint8_t)1);
	}
	if (last)
		STORE(&r->desc[ofh].last, fh);
	STORE(&r->desc[ofh].num, (uint16_t)(LOAD(&r->desc[ofh].num) + 1));
	d = &r->desc[fh];
	STORE(&d->addr, addr);
	STORE(&d->len, len);
	STORE(&d->flags, flags);
	STORE(&d->id, id);
	fh = LOAD(&d->next);
	STORE(&r->free_head, fh);
	if (last)
		STORE(&r->old_free_head, fh);
	return ofh; /* the chain's entry, for its used element */
}

void inflight_packed_freeing(struct vq *vq, uint16_t used_idx, bool wrap)
{
	struct packed_region *r = packed_of(vq);

	for (unsigned k = 0; k < vq->nshadow; k++) {
		uint16_t e = vq->shadow[k].track, last;

		if (e >= vq->num)
			continue;
		last = LOAD(&r->desc[e].last);
		if (last < vq->num)
			STORE(&r->desc[last].next, LOAD(&r->free_head));
		STORE(&r->free_head, e);
	}
	STORE(&r->used_idx, used_idx);
	STORE(&r->used_wrap, (uint8_t)wrap);
}

void inflight_published(struct vq *vq)
{
	struct inflight_q *iq = vq->inflight;

	if (vq->packed) {
		struct packed_region *r = packed_of(vq);

		for (unsigned k = 0; k < vq->nshadow; k++)
			if (vq->shadow[k].track < vq->num)
				STORE(&r->desc[vq->shadow[k].track].inflight,
				      (uint8_t)0);
		STORE(&r->old_free_head, LOAD(&r->free_head));
		STORE(&r->old_used_idx, LOAD(&r->used_idx));
		STORE(&r->old_used_wrap, LOAD(&r->used_wrap));
		return;
	}
	struct split_region *r = split_of(vq);
	uint16_t n = (uint16_t)(vq->used_idx - vq->published);

	for (uint16_t k = 0; k < n && k < VQ_SHADOW; k++)
		STORE(&r->desc[iq->batch[k]].inflight, (uint8_t)0);
	STORE(&r->used_idx, vq->used_idx);
	iq->npopped = 0;
}
