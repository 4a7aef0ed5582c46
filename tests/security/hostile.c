/*
 * hostile.c - the hostile front-end of tests/security/ (see hostile.h).
 */
#define _GNU_SOURCE
#include "tests/security/hostile.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

static const char *scenario = "";
/* Where the back-end's log stood when the scenario began: its lines, and
 * the expectations, are those after it. */
static long scenario_from;

void hf_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAILED [%s] ", scenario);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *log_path(void)
{
	const char *path = getenv("VHOST_LOG");

	HF_CHECK(path != NULL, "VHOST_LOG is the back-end's log");
	return path;
}

static long log_size(void)
{
	FILE *f = fopen(log_path(), "r");
	long n = 0;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (f != NULL)
		fclose(f);
	return n < 0 ? 0 : n;
}

/* Does a line of the log past offset `from` contain text (and, if prefix
 * is not NULL, start with it)? */
static bool log_has_since(long from, const char *text, const char *prefix)
{
	static char line[4096];
	bool found = false;
	FILE *f = fopen(log_path(), "r");

	if (f == NULL)
		return false;
	if (fseek(f, from, SEEK_SET) == 0)
		while (!found && fgets(line, sizeof(line), f) != NULL)
			found = strstr(line, text) != NULL &&
				(prefix == NULL ||
				 strncmp(line, prefix, strlen(prefix)) == 0);
	fclose(f);
	return found;
}

/* Named in the log since the scenario began, within 5 s (the back-end
 * writes its log once a round, after it drops a connection): an earlier
 * scenario's line does not count. */
void hf_expect(const char *text)
{
	printf("expect: %s\n", text);
	fflush(stdout);
	for (int i = 0; i < 100; i++) {
		if (log_has_since(scenario_from, text, NULL))
			return;
		usleep(50000);
	}
	hf_fail("not named in the back-end's log since the scenario began: %s",
		text);
}

void hf_scenario(const char *name)
{
	long a = log_size(), b;

	/* the last scenario's lines out first (up to 1 s of quiet waited
	 * for), so that they are not taken for this one's */
	for (int i = 0; i < 20; i++) {
		usleep(50000);
		b = log_size();
		if (b == a)
			break;
		a = b;
	}
	scenario_from = a;
	scenario = name;
	printf("scenario: %s\n", name);
	fflush(stdout);
}

static unsigned count_in(const char *what)
{
	const char *pid = getenv("VHOST_PID");
	char path[64];
	unsigned n = 0;

	HF_CHECK(pid != NULL, "VHOST_PID is the back-end's pid");
	snprintf(path, sizeof(path), "/proc/%s/%s", pid, what);
	if (strcmp(what, "fd") == 0) {
		DIR *d = opendir(path);
		struct dirent *e;

		HF_CHECK(d != NULL, "the back-end's /proc/PID/fd");
		while ((e = readdir(d)) != NULL)
			n += e->d_name[0] != '.';
		closedir(d);
		return n;
	}
	FILE *f = fopen(path, "r");
	int c;

	HF_CHECK(f != NULL, "the back-end's /proc/PID/maps");
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Only the counters this SIGUSR1 prints, and only the attacked device's
 * (dev0, the first -s): not an earlier dump, not the bystander's. */
bool hf_stats_have(const char *text)
{
	const char *pid = getenv("VHOST_PID");
	long from = log_size();

	HF_CHECK(pid != NULL, "VHOST_PID is the back-end's pid");
	kill(atoi(pid), SIGUSR1);
	for (int i = 0; i < 100; i++) {
		if (log_has_since(from, text, "dev0 "))
			return true;
		usleep(50000);
	}
	fprintf(stderr, "not in dev0's counters: %s\n", text);
	return false;
}

unsigned hf_be_fds(void)
{
	return count_in("fd");
}

unsigned hf_be_maps(void)
{
	return count_in("maps");
}

/* ---- the connection ----------------------------------------------------- */

void hf_open(struct hf *h, const char *path)
{
	struct timespec pause = {0, 350 * 1000 * 1000};

	/* each scenario costs the back-end about three log lines, which it
	 * lets through at 10 a second after a burst: keep below that */
	nanosleep(&pause, NULL);
	hf_open_fast(h, path);
}

void hf_open_fast(struct hf *h, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(h, 0, sizeof(*h));
	h->path = path;
	h->memfd = -1;
	h->kick[0] = h->kick[1] = h->call[0] = h->call[1] = -1;
	h->err[0] = h->err[1] = -1;
	h->num = 64;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	h->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	HF_CHECK(h->sock >= 0, "socket");
	HF_CHECK(connect(h->sock, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		 "connect to the back-end");
}

void hf_close(struct hf *h)
{
	if (h->sock >= 0)
		close(h->sock);
	for (unsigned q = 0; q < 2; q++) {
		if (h->kick[q] >= 0)
			close(h->kick[q]);
		if (h->call[q] >= 0)
			close(h->call[q]);
		if (h->err[q] >= 0)
			close(h->err[q]);
	}
	if (h->mem != NULL)
		munmap(h->mem, HF_MEM);
	if (h->memfd >= 0)
		close(h->memfd);
	memset(h, 0, sizeof(*h));
	h->sock = h->memfd = -1;
}

int hf_send_raw(struct hf *h, const void *p, size_t len, const int *fds,
		int nfds)
{
	char ctl[CMSG_SPACE(32 * sizeof(int))];
	struct iovec iov = {(void *)p, len};
	struct msghdr mh = {0};

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	return sendmsg(h->sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

int hf_send(struct hf *h, uint32_t req, uint32_t flags, const void *p,
	    uint32_t size, const int *fds, int nfds)
{
	static uint8_t buf[12 + 4096];
	uint32_t hdr[3] = {req, flags | VU_VERSION, size};

	if (size > sizeof(buf) - 12)
		return -1;
	memcpy(buf, hdr, 12);
	if (size > 0)
		memcpy(buf + 12, p, size);
	return hf_send_raw(h, buf, 12 + size, fds, nfds);
}

/* Read exactly len bytes (with fds) within 5 s. */
static int read_full(struct hf *h, void *dst, size_t len, int *fds,
		     int *nfds)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {h->sock, POLLIN, 0};
		char ctl[CMSG_SPACE(8 * sizeof(int))];
		struct iovec iov = {(uint8_t *)dst + got, len - got};
		struct msghdr mh = {0};
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			return -1;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(h->sock, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
		     c = CMSG_NXTHDR(&mh, c)) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			if (c->cmsg_type != SCM_RIGHTS)
				continue;
			for (int i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
				if (fds != NULL && *nfds < 8)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
		got += (size_t)n;
	}
	return 0;
}

int hf_reply(struct hf *h, uint32_t req, void *p, uint32_t size, int *fds,
	     int *nfds)
{
	uint32_t hdr[3];
	static uint8_t body[4096];
	int dummy = 0;

	if (nfds == NULL)
		nfds = &dummy;
	*nfds = 0;
	if (read_full(h, hdr, 12, fds, nfds) < 0)
		return -1;
	if (hdr[0] != req || !(hdr[1] & VU_FLAG_REPLY) || hdr[2] > sizeof(body))
		hf_fail("reply to %u: got request %u flags 0x%x size %u", req,
			hdr[0], hdr[1], hdr[2]);
	if (hdr[2] > 0 && read_full(h, body, hdr[2], fds, nfds) < 0)
		return -1;
	if (p != NULL)
		memcpy(p, body, hdr[2] < size ? hdr[2] : size);
	return (int)hdr[2];
}

bool hf_gone(struct hf *h, int ms)
{
	struct pollfd p = {h->sock, POLLIN, 0};
	char b[256];

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = read(h->sock, b, sizeof(b));

		if (n <= 0)
			return true;
	}
	return false;
}

bool hf_ring_failed(struct hf *h, unsigned q, int ms)
{
	struct pollfd p = {h->err[q], POLLIN, 0};
	uint64_t n = 0;

	return h->err[q] >= 0 && poll(&p, 1, ms) == 1 &&
	       read(h->err[q], &n, 8) == 8 && n == 1 && hf_alive(h);
}

bool hf_alive(struct hf *h)
{
	uint64_t v = 0;

	return hf_send(h, VU_GET_FEATURES, 0, NULL, 0, NULL, 0) == 0 &&
	       hf_reply(h, VU_GET_FEATURES, &v, 8, NULL, NULL) == 8 &&
	       (v & VU_BIT(VIRTIO_F_VERSION_1));
}

/* ---- memory, handshake, rings ---------------------------------------------- */

void hf_memory(struct hf *h)
{
	h->memfd = memfd_create("hostile", MFD_CLOEXEC);
	HF_CHECK(h->memfd >= 0 && ftruncate(h->memfd, HF_MEM) == 0, "memfd");
	h->mem = mmap(NULL, HF_MEM, PROT_READ | PROT_WRITE, MAP_SHARED,
		      h->memfd, 0);
	HF_CHECK(h->mem != MAP_FAILED, "mmap");
}

uint8_t *hf_ptr(struct hf *h, uint64_t off)
{
	return h->mem + off;
}

static void send_ok(struct hf *h, uint32_t req, const void *p, uint32_t size,
		    const int *fds, int nfds)
{
	HF_CHECK(hf_send(h, req, 0, p, size, fds, nfds) == 0, "send");
}

void hf_handshake(struct hf *h, uint64_t extra, uint64_t proto)
{
	uint64_t offered = 0, f;
	struct {
		struct vu_memhdr h;
		struct vu_region r;
	} mt = {{1, 0}, {HF_GPA, HF_MEM, (uint64_t)(uintptr_t)h->mem, 0}};

	send_ok(h, VU_SET_OWNER, NULL, 0, NULL, 0);
	send_ok(h, VU_GET_FEATURES, NULL, 0, NULL, 0);
	HF_CHECK(hf_reply(h, VU_GET_FEATURES, &offered, 8, NULL, NULL) == 8,
		 "GET_FEATURES answered");
	f = VU_BIT(VIRTIO_F_VERSION_1) | VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES) |
	    extra;
	HF_CHECK((offered & f) == f, "the back-end offers the features");
	send_ok(h, VU_GET_PROTOCOL_FEATURES, NULL, 0, NULL, 0);
	HF_CHECK(hf_reply(h, VU_GET_PROTOCOL_FEATURES, &offered, 8, NULL,
			  NULL) == 8,
		 "GET_PROTOCOL_FEATURES answered");
	HF_CHECK((offered & proto) == proto,
		 "the back-end offers the protocol features");
	send_ok(h, VU_SET_PROTOCOL_FEATURES, &proto, 8, NULL, 0);
	send_ok(h, VU_SET_FEATURES, &f, 8, NULL, 0);
	h->features = f;
	h->proto = proto;
	h->packed = (f & VU_BIT(VIRTIO_F_RING_PACKED)) != 0;
	send_ok(h, VU_SET_MEM_TABLE, &mt, sizeof(mt), &h->memfd, 1);
}

void hf_ring(struct hf *h, unsigned q, uint32_t num)
{
	struct vu_state s = {q, num};
	struct vu_addr a = {q, 0, (uint64_t)(uintptr_t)hf_ptr(h, HF_DESC(q)),
			    (uint64_t)(uintptr_t)hf_ptr(h, HF_DEVICE(q)),
			    (uint64_t)(uintptr_t)hf_ptr(h, HF_DRIVER(q)), 0};
	uint64_t v = q;

	h->num = num;
	memset(hf_ptr(h, HF_DESC(q)), 0, 0x8000);
	h->avail[q] = h->used[q] = 0;
	h->avail_wrap[q] = h->used_wrap[q] = true;
	send_ok(h, VU_SET_VRING_NUM, &s, sizeof(s), NULL, 0);
	s.num = h->packed ? VQ_BASE_PACKED_INIT : 0;
	send_ok(h, VU_SET_VRING_BASE, &s, sizeof(s), NULL, 0);
	send_ok(h, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	h->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	HF_CHECK(h->call[q] >= 0 && h->kick[q] >= 0, "eventfd");
	send_ok(h, VU_SET_VRING_CALL, &v, 8, &h->call[q], 1);
	if (h->err[q] < 0)
		h->err[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	HF_CHECK(h->err[q] >= 0, "eventfd");
	send_ok(h, VU_SET_VRING_ERR, &v, 8, &h->err[q], 1);
	send_ok(h, VU_SET_VRING_KICK, &v, 8, &h->kick[q], 1);
	s.num = 1;
	send_ok(h, VU_SET_VRING_ENABLE, &s, sizeof(s), NULL, 0);
}

void hf_setup(struct hf *h, const char *path, uint64_t extra, uint64_t proto,
	      uint32_t num)
{
	hf_open(h, path);
	hf_memory(h);
	hf_handshake(h, extra, proto);
	hf_ring(h, 0, num);
	hf_ring(h, 1, num);
	HF_CHECK(hf_alive(h), "the back-end took the set-up");
}

void hf_kick(struct hf *h, unsigned q)
{
	uint64_t one = 1;

	HF_CHECK(write(h->kick[q], &one, 8) == 8, "kick");
}

/* ---- the guest ---------------------------------------------------------------- */

struct vring_desc *hf_split_desc(struct hf *h, unsigned q)
{
	return (struct vring_desc *)(void *)hf_ptr(h, HF_DESC(q));
}

struct vring_avail *hf_split_avail(struct hf *h, unsigned q)
{
	return (struct vring_avail *)(void *)hf_ptr(h, HF_DRIVER(q));
}

struct vring_packed_desc *hf_packed_desc(struct hf *h, unsigned q,
					 unsigned i)
{
	return (struct vring_packed_desc *)(void *)hf_ptr(h, HF_DESC(q)) + i;
}

static uint64_t seg_gpa(const struct hf_seg *s)
{
	return s->raw ? s->off : HF_GPA + s->off;
}

void hf_offer(struct hf *h, unsigned q, uint16_t id, const struct hf_seg *s,
	      unsigned n)
{
	if (!h->packed) {
		struct vring_desc *d = hf_split_desc(h, q);
		struct vring_avail *av = hf_split_avail(h, q);

		for (unsigned i = 0; i < n; i++) {
			uint16_t k = (uint16_t)((id + i) % h->num);

			d[k].addr = seg_gpa(&s[i]);
			d[k].len = s[i].len;
			d[k].flags = (uint16_t)(s[i].flags |
						(i + 1 < n ? VRING_DESC_F_NEXT : 0));
			d[k].next = (uint16_t)((id + i + 1) % h->num);
		}
		av->ring[h->avail[q] % h->num] = id;
		h->avail[q]++;
		STORE_RELEASE(&av->idx, h->avail[q]);
		return;
	}
	uint16_t first = h->avail[q], first_flags = 0;

	for (unsigned i = 0; i < n; i++) {
		struct vring_packed_desc *d = hf_packed_desc(h, q, h->avail[q]);
		uint16_t f = (uint16_t)(s[i].flags |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0) |
					(h->avail_wrap[q] ? VRING_PACKED_F_AVAIL
							  : VRING_PACKED_F_USED));

		d->addr = seg_gpa(&s[i]);
		d->len = s[i].len;
		d->id = id;
		if (i == 0)
			first_flags = f;
		else
			d->flags = f;
		if (++h->avail[q] == h->num) {
			h->avail[q] = 0;
			h->avail_wrap[q] = !h->avail_wrap[q];
		}
	}
	h->ndesc[q][id % 256] = (uint16_t)n;
	STORE_RELEASE(&hf_packed_desc(h, q, first)->flags, first_flags);
}

void hf_frame(uint8_t *out, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		out[i] = i < 6 ? 0xff : (uint8_t)(seed + i * 13u);
}

void hf_tx(struct hf *h, uint16_t slot, const uint8_t *frame, uint32_t len,
	   const uint8_t *hdr)
{
	uint8_t *b = hf_ptr(h, HF_TXBUF(slot));
	struct hf_seg s = {HF_TXBUF(slot), HF_HDR + len, 0, false};

	if (hdr != NULL)
		memcpy(b, hdr, HF_HDR);
	else
		memset(b, 0, HF_HDR);
	memcpy(b + HF_HDR, frame, len);
	hf_offer(h, 1, slot, &s, 1);
	hf_kick(h, 1);
}

void hf_rx_fill(struct hf *h, unsigned n, uint32_t size)
{
	for (unsigned i = 0; i < n; i++) {
		struct hf_seg s = {HF_RXBUF(i), size, VRING_DESC_F_WRITE, false};

		hf_offer(h, 0, (uint16_t)i, &s, 1);
	}
	hf_kick(h, 0);
}

int hf_used(struct hf *h, unsigned q, uint32_t *id, uint32_t *len, int ms)
{
	for (int waited = 0; waited <= ms; waited++) {
		if (!h->packed) {
			struct vring_used *u =
				(struct vring_used *)(void *)hf_ptr(h, HF_DEVICE(q));

			if (LOAD_ACQUIRE(&u->idx) != h->used[q]) {
				struct vring_used_elem *e =
					&u->ring[h->used[q] % h->num];
				*id = e->id;
				*len = e->len;
				h->used[q]++;
				return 1;
			}
		} else {
			struct vring_packed_desc *d =
				hf_packed_desc(h, q, h->used[q]);
			uint16_t f = LOAD_ACQUIRE(&d->flags);
			bool a = f & VRING_PACKED_F_AVAIL, u = f & VRING_PACKED_F_USED;

			if (a == h->used_wrap[q] && u == h->used_wrap[q]) {
				uint32_t n;

				*id = d->id;
				*len = d->len;
				n = h->ndesc[q][*id % 256];
				if (n == 0)
					n = 1;
				n += h->used[q];
				if (n >= h->num) {
					n -= h->num;
					h->used_wrap[q] = !h->used_wrap[q];
				}
				h->used[q] = (uint16_t)n;
				return 1;
			}
		}
		usleep(1000);
	}
	return 0;
}
