/*
 * fuzz_util.c - the helpers of fuzz.h.
 */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app/fwd.h"
#include "core/dev/backend.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#endif

#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Leave a few slots of the fake's fd table unused: running out is the
 * fake's limit, not the core's. */
#define FD_BUDGET (FAKE_FD_SLOTS - 2)
#define RAM_PAGES (FAKE_RAM_SIZE / FAKE_PAGE)

static unsigned fds_made;
static uint64_t pages_used;
/* The fake's guest RAM array: the first memfd after fake_reset() starts
 * at its first byte. */
static uint8_t *ram_base;

uint8_t fz_u8(struct fz_in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);
	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

uint32_t fz_u32(struct fz_in *in)
{
	uint32_t lo = fz_u16(in);
	return lo | (uint32_t)fz_u16(in) << 16;
}

void fz_bytes(struct fz_in *in, void *dst, size_t len)
{
	size_t k = fz_left(in) < len ? fz_left(in) : len;

	if (k > 0)
		memcpy(dst, in->p + in->off, k);
	if (len > k)
		memset((uint8_t *)dst + k, 0, len - k);
	in->off += k;
}

void fz_begin(void)
{
	/* fake_reset() zeroes the RAM it handed out: it must be ours again */
	if (ram_base != NULL)
		UNPOISON(ram_base, FAKE_RAM_SIZE);
	fake_reset();
	fds_made = 0;
	pages_used = 0;
	/* memfds the core makes (GET_INFLIGHT_FD) come out of the budget
	 * too, addressable like ours */
	fake_mem_create = fz_memfd;
	if (ram_base == NULL) {
		int fd = fake_memfd(FAKE_PAGE);

		/* one look at where the array is, then start clean */
		if (fd < 0)
			abort();
		ram_base = fake_memfd_base(fd);
		fake_reset();
	}
	POISON(ram_base, FAKE_RAM_SIZE);
}

bool fz_fd_room(unsigned n)
{
	return fds_made + n <= FD_BUDGET;
}

void fz_fd_count(unsigned n)
{
	fds_made += n;
	FZ_CHECK(fds_made <= FD_BUDGET);
}

int fz_memfd(uint64_t size)
{
	uint64_t pages = (size + FAKE_PAGE - 1) / FAKE_PAGE;
	int fd;

	/* the fake puts a guard page after each memfd */
	if (size == 0 || !fz_fd_room(1) || pages + 1 > RAM_PAGES - pages_used)
		return -1;
	fd = fake_memfd(size);
	FZ_CHECK(fd >= 0);
	fds_made++;
	pages_used += pages + 1;
	UNPOISON(fake_memfd_base(fd), size);
	return fd;
}

int fz_memfd_alias(int fd)
{
	int a;

	if (!fz_fd_room(1))
		return -1;
	a = fake_memfd_alias(fd);
	FZ_CHECK(a >= 0);
	fds_made++;
	return a;
}

int fz_evt(void)
{
	int fd;

	if (!fz_fd_room(1))
		return -1;
	fd = fake_evt();
	FZ_CHECK(fd >= 0);
	fds_made++;
	return fd;
}

void fz_poison(const void *p, size_t len)
{
	POISON(p, len);
}

bool fz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FAKE_LOG_VERBOSE") != NULL;
	return v != 0;
}

void fz_check_addressable(const void *p, size_t len)
{
#ifdef FZ_ASAN
	FZ_CHECK(len == 0 || __asan_region_is_poisoned((void *)(uintptr_t)p,
						       len) == NULL);
#else
	(void)p;
	(void)len;
#endif
}

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr,
		"%s:%d: fuzz check failed: %s\n"
		"  fds open %u, mappings live %u, double closes %u, misuse %u\n"
		"  last core error: %s\n",
		file, line, what, fake_fd_open_count(), fake_maps_live(),
		fake_double_close, fake_misuse, fake_last_error());
	abort();
}

void fz_check_clean(void)
{
	FZ_CHECK(fake_fd_open_count() == 0);
	FZ_CHECK(fake_maps_live() == 0);
	FZ_CHECK(fake_double_close == 0);
	FZ_CHECK(fake_misuse == 0);
}

bool fz_in_table(const struct mem_table *t, const void *p, uint64_t len)
{
	const uint8_t *b = p;

	for (unsigned i = 0; i < t->n; i++) {
		const struct mem_region *r = &t->r[i];

		if (b >= r->host && (uint64_t)(b - r->host) <= r->size &&
		    len <= r->size - (uint64_t)(b - r->host))
			return true;
	}
	return false;
}

void fz_check_dev(const struct be_dev *d)
{
	FZ_CHECK(fake_double_close == 0);
	FZ_CHECK(fake_misuse == 0);
	/* the table's mappings, the log's and the inflight region's, and
	 * no other (mem_next is empty between requests) */
	FZ_CHECK(d->mem_next.n == 0);
	FZ_CHECK(fake_maps_live() == d->mem.n + (d->dlog.map_base != NULL) +
					     (d->inflight.map_base != NULL));
	for (unsigned q = 0; q < CFG_MAX_QUEUES; q++) {
		const struct vu_queue *vq = &d->q[q];

		if (!vq->attached)
			continue;
		/* no ring left pointing into a table that was unmapped */
		FZ_CHECK(vq->num != 0 && vq->ring.num == vq->num);
		if (vq->ring.packed) {
			FZ_CHECK(fz_in_table(&d->mem, vq->ring.p.pdesc,
					  VRING_PACKED_BYTES(vq->num)));
			FZ_CHECK(fz_in_table(&d->mem, vq->ring.p.driver_evt,
					  VRING_EVENT_BYTES));
			FZ_CHECK(fz_in_table(&d->mem, vq->ring.p.device_evt,
					  VRING_EVENT_BYTES));
			continue;
		}
		FZ_CHECK(fz_in_table(&d->mem, vq->ring.s.desc,
				  VRING_DESC_BYTES(vq->num)));
		FZ_CHECK(fz_in_table(&d->mem, vq->ring.s.avail,
				  VRING_AVAIL_BYTES(vq->num)));
		FZ_CHECK(fz_in_table(&d->mem, vq->ring.s.used,
				  VRING_USED_BYTES(vq->num)));
	}
	if (d->dev.fd < 0) {
		/* after a disconnect only the listening socket is open */
		FZ_CHECK(fake_fd_open_count() == (d->dev.lfd >= 0 ? 1u : 0u));
		FZ_CHECK(d->mem.n == 0);
		FZ_CHECK(d->dlog.map_base == NULL);
		FZ_CHECK(d->inflight.map_base == NULL);
	}
}

void fz_dev_open(struct be_dev *d)
{
	static struct fwd fw;
	struct dev_opts o = {.path = "/fuzz", .listen = true};
	struct fwd_opts fo = {.action = ACT_ECHO};

	FZ_CHECK(be_open(d, 0, &o) == 0);
	fw.ndev = 1;
	fwd_attach(&fw, 0, d, &fo); /* echo, as the program would */
	fz_fd_count(1);
	d->dev.fd = fake_sock();
	FZ_CHECK(d->dev.fd >= 0);
	fz_fd_count(1);
}

bool fz_dev_reconnect(struct be_dev *d)
{
	struct watch w = {&d->dev, d->dev.gen, W_LISTEN, 0, 0};

	if (d->dev.fd >= 0)
		return true;
	if (!fz_fd_room(1))
		return false;
	FZ_CHECK(fake_listen_pending(d->dev.lfd) >= 0);
	fz_fd_count(1);
	dev_event(&w, PORT_POLLIN, 0);
	FZ_CHECK(d->dev.fd >= 0);
	return true;
}
