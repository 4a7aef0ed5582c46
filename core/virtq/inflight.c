/*
 * inflight.c - the inflight region (see inflight.h): created, mapped and
 * unmapped for the device, cut into one part per queue, and the order in
 * which a restarted ring takes its chains again.  What a part holds is
 * kept by inflight_split.c and inflight_packed.c.
 */
#include "core/virtq/inflight.h"

#include <stddef.h>
#include <string.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/virtq/access.h"
#include "port/port.h"

#define INFLIGHT_ALIGN 64ull

uint64_t inflight_queue_bytes(bool packed, uint16_t queue_size)
{
	/* a header and an entry per descriptor: 16 bytes each for a split
	 * ring, 32 for a packed one (inflight_split.c, inflight_packed.c) */
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

VQ_SETUP
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
			"memory: %s", who, (unsigned long long)size, err_text(fd));
		return fd;
	}
	rc = port_mem_map(fd, size, &base);
	if (rc < 0) {
		LOG_ERR("%s: GET_INFLIGHT_FD: cannot map it: %s", who,
			err_text(rc));
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

VQ_SETUP
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
		LOG_ERR("%s: SET_INFLIGHT_FD: cannot map the region: %s",
			who, err_text(rc));
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

/* ---- a queue's part ----------------------------------------------------- */

VQ_SETUP
int inflight_part(struct inflight_q *iq, const struct inflight *inf,
		  unsigned qi, bool packed, uint32_t num, const char *name)
{
	uint8_t *part;
	uint16_t version, n;

	memset(iq, 0, sizeof(*iq));
	if (inf->base == NULL || qi >= inf->num_queues)
		return INFLIGHT_NONE;
	if (inf->packed != packed || num > inf->queue_size) {
		LOG_ERR("%s: inflight region is for %s rings of %u entries, the "
			"ring is %s with %u", name,
			inf->packed ? "packed" : "split", inf->queue_size,
			packed ? "packed" : "split", num);
		return -PORT_EPROTO;
	}
	part = inf->base + qi * inf->queue_bytes;
	/* both layouts: features (8 bytes), then version and desc_num */
	version = LOAD((uint16_t *)(void *)(part + 8));
	n = LOAD((uint16_t *)(void *)(part + 10));
	iq->region = part;
	iq->name = name;
	iq->num = (uint16_t)num;
	if (version == 0)
		return INFLIGHT_FRESH; /* a new region: it starts at the ring */
	if (version != INFLIGHT_VERSION || n != num) {
		LOG_ERR("%s: inflight region: version %u for %u entries, the "
			"ring has %u", name, version, n, num);
		return -PORT_EPROTO;
	}
	return INFLIGHT_RECOVER;
}

VQ_SETUP
int inflight_resubmit_add(struct inflight_q *iq, uint16_t i, uint64_t age)
{
	unsigned k;

	if (iq->nresubmit == VQ_SHADOW) {
		LOG_ERR("%s: inflight region marks more than %u chains in "
			"flight", iq->name, (unsigned)VQ_SHADOW);
		return -PORT_EPROTO;
	}
	/* insertion sort, oldest first: at most VQ_SHADOW entries */
	for (k = iq->nresubmit; k > 0 && iq->ages[k - 1] > age; k--) {
		iq->ages[k] = iq->ages[k - 1];
		iq->resubmit[k] = iq->resubmit[k - 1];
	}
	iq->ages[k] = age;
	iq->resubmit[k] = i;
	iq->nresubmit++;
	if (age >= iq->counter)
		iq->counter = age + 1;
	return 0;
}
