/*
 * port_fake.c - the fake port the unit tests link instead of port/linux/.
 *
 * Every function of port/port.h is here (the link proves it), each with the
 * contract port.h gives, plus the checks a test wants: an fd closed twice,
 * an fd that is not ours, a mapping longer than its file, an unmap of
 * something never mapped.  Static storage only, like the core.
 */
#include "tests/fake/port_fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- state ------------------------------------------------------------- */

struct fake_fd {
	uint8_t kind; /* enum fake_kind; FAKE_FREE = slot unused */
	bool open;
	/* FAKE_SOCK */
	bool eof;
	/* FAKE_EVT */
	uint64_t count;
	/* FAKE_MEMFD */
	uint8_t *mem;
	uint64_t size;
	bool unmappable;
	/* FAKE_LISTEN: sockets the next accepts return */
	int pending[4];
	unsigned npending;
	/* FAKE_NET: interface name, tap or packet, sends blocked, frames
	 * sent; FAKE_FILE: path */
	char name[64];
	bool packet;
	bool multi; /* a tap queue opened with PORT_TAP_MULTI_QUEUE */
	bool vnet;  /* ... with PORT_TAP_VNET_HDR */
	bool detached; /* port_tap_queue(fd, false) */
	unsigned offloads; /* port_tap_offload */
	bool blocked;
	unsigned net_sent;
	/* FAKE_FILE: its bytes are file_bytes[start, start + len) */
	uint32_t start;
	uint32_t len;
	uint32_t max_per_write;
	int write_error;
};

/* One inbound write of the peer. */
struct fake_chunk {
	int fd;
	uint32_t start; /* in chunk_bytes */
	uint32_t len;
	uint32_t off; /* received so far */
	int fds[FAKE_CHUNK_FDS];
	unsigned nfds;
	bool fds_given; /* handed to the receiver (or closed) */
};

/* One frame queued inbound, or logged outbound; the bytes are in the
 * parallel *_bytes array (not cleared by fake_reset, never read past len). */
struct fake_frame {
	bool used;
	int fd;
	uint32_t seq; /* inbound: push order; outbound: index on fd */
	uint32_t len;
};

#define FAKE_ENAMETOOLONG 36

#define FAKE_CHUNKS 1024
#define FAKE_CHUNK_BYTES (64u << 10)
#define FAKE_MAPS 64

struct fake_map {
	void *addr;
	uint64_t len;
	bool live;
	bool faulted; /* fake_mem_fault, until port_mem_faulted */
};

static struct fake_fd fd_tab[FAKE_FD_SLOTS];
static unsigned fd_used;

static struct fake_chunk chunks[FAKE_CHUNKS];
static unsigned n_chunks;
static uint8_t chunk_bytes[FAKE_CHUNK_BYTES];
static uint32_t chunk_bytes_used;

static struct fake_sent sent_log[FAKE_SENT_MAX];
static unsigned sent_n; /* messages sent; the last FAKE_SENT_MAX are kept */
static const struct fake_sent sent_none;

static _Alignas(FAKE_PAGE) uint8_t ram[FAKE_RAM_SIZE];
static size_t ram_used;

static struct fake_map maps[FAKE_MAPS];

static struct fake_frame net_in[FAKE_NET_QUEUE];
static uint8_t net_in_bytes[FAKE_NET_QUEUE][FAKE_NET_FRAME_MAX];
static uint32_t net_in_seq;
static struct fake_frame net_out[FAKE_NET_SENT_MAX];
static uint8_t net_out_bytes[FAKE_NET_SENT_MAX][FAKE_NET_FRAME_MAX];
static unsigned net_out_n; /* frames logged; the last FAKE_NET_SENT_MAX kept */

static uint8_t file_bytes[FAKE_FILE_BYTES];
static uint32_t file_used; /* start of the next file's bytes */
static int file_last = -1;

static unsigned sig_raised;
static char last_err[1024];
static char last_info[1024];
static char last_warn[1024];
static char last_debug[1024];
static char last_data[2048];
static char last_tag[64];
static unsigned err_count, warn_count, info_count, debug_count, data_count;

unsigned fake_double_close;
unsigned fake_misuse;
unsigned fake_recv_calls;
long fake_send_error;
int fake_connect_error;
int fake_listen_error;
unsigned fake_unlinks;
int fake_unlink_result;
struct port_sock_perm fake_sock_perm;
unsigned fake_maps_made;
uint64_t fake_now;
uint64_t fake_wall_ns;
int fake_net_open_error;
int fake_file_create_error;
int fake_stdout_error;
int fake_log_stdout;
bool fake_log_syslog;
unsigned fake_file_write_calls;
int fake_poll_result;
unsigned fake_poll_calls;

void fake_reset(void)
{
	memset(fd_tab, 0, sizeof(fd_tab));
	fd_used = 0;
	memset(chunks, 0, sizeof(chunks));
	n_chunks = 0;
	chunk_bytes_used = 0;
	memset(sent_log, 0, sizeof(sent_log));
	sent_n = 0;
	memset(ram, 0, ram_used);
	ram_used = 0;
	memset(maps, 0, sizeof(maps));
	memset(net_in, 0, sizeof(net_in));
	net_in_seq = 0;
	memset(net_out, 0, sizeof(net_out));
	net_out_n = 0;
	memset(file_bytes, 0, file_used);
	file_used = 0;
	file_last = -1;
	sig_raised = 0;
	last_err[0] = last_info[0] = last_warn[0] = last_debug[0] = last_data[0] = '\0';
	last_tag[0] = '\0';
	err_count = warn_count = info_count = debug_count = data_count = 0;
	fake_stdout_error = 0;
	fake_log_stdout = 0;
	fake_log_syslog = false;
	fake_double_close = 0;
	fake_misuse = 0;
	fake_recv_calls = 0;
	fake_send_error = 0;
	fake_connect_error = 0;
	fake_listen_error = 0;
	fake_unlinks = 0;
	fake_unlink_result = 0;
	memset(&fake_sock_perm, 0, sizeof(fake_sock_perm));
	fake_maps_made = 0;
	fake_now = 0;
	fake_wall_ns = 0;
	fake_net_open_error = 0;
	fake_file_create_error = 0;
	fake_file_write_calls = 0;
	fake_poll_result = 0;
	fake_poll_calls = 0;
	fake_unmap_hook = NULL;
}

/* ---- fd table ------------------------------------------------------------ */

static struct fake_fd *slot(int fd)
{
	if (fd < FAKE_FD_BASE || fd >= FAKE_FD_BASE + (int)fd_used)
		return NULL;
	return &fd_tab[fd - FAKE_FD_BASE];
}

/* The slot of an open fd of that kind, or NULL (a misuse by the caller). */
static struct fake_fd *open_slot(int fd, enum fake_kind kind)
{
	struct fake_fd *f = slot(fd);

	if (f == NULL || !f->open || f->kind != kind) {
		fake_misuse++;
		return NULL;
	}
	return f;
}

int fake_fd_new(enum fake_kind kind)
{
	struct fake_fd *f;

	if (fd_used >= FAKE_FD_SLOTS || kind == FAKE_FREE) {
		fake_misuse++;
		return -PORT_ENOSPC;
	}
	f = &fd_tab[fd_used];
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->open = true;
	return FAKE_FD_BASE + (int)fd_used++;
}

bool fake_fd_is_open(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->open;
}

unsigned fake_fd_open_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fd_used; i++)
		n += fd_tab[i].open;
	return n;
}

enum fake_kind fake_fd_kind(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f ? (enum fake_kind)f->kind : FAKE_FREE;
}

/* The kernel closes the fds still in flight on a socket that is closed. */
static void drop_in_flight(int fd)
{
	for (unsigned i = 0; i < n_chunks; i++) {
		struct fake_chunk *c = &chunks[i];

		if (c->fd != fd || c->fds_given)
			continue;
		for (unsigned k = 0; k < c->nfds; k++)
			port_fd_close(c->fds[k]);
		c->fds_given = true;
	}
}

void port_fd_close(int fd)
{
	struct fake_fd *f;

	if (fd < 0)
		return; /* port.h: a negative fd is ignored */
	f = slot(fd);
	if (f == NULL) {
		fake_misuse++;
		return;
	}
	if (!f->open) {
		fake_double_close++;
		return;
	}
	f->open = false;
	if (f->kind == FAKE_SOCK)
		drop_in_flight(fd);
	if (f->kind == FAKE_NET) /* the kernel drops what nobody read */
		for (unsigned i = 0; i < FAKE_NET_QUEUE; i++)
			if (net_in[i].used && net_in[i].fd == fd)
				net_in[i].used = false;
}

int port_fd_size(int fd, uint64_t *size)
{
	struct fake_fd *f = slot(fd);

	if (f == NULL || !f->open || size == NULL) {
		fake_misuse++;
		return -PORT_EBADF;
	}
	/* fstat of a socket or an eventfd says 0 bytes */
	*size = f->kind == FAKE_MEMFD ? f->size
		: f->kind == FAKE_FILE ? f->len
				       : 0;
	return 0;
}

/* ---- sockets --------------------------------------------------------------- */

int fake_sock(void)
{
	return fake_fd_new(FAKE_SOCK);
}

int fake_sock_push(int fd, const void *bytes, size_t len, const int *fds,
		   unsigned nfds)
{
	struct fake_chunk *c;

	if (open_slot(fd, FAKE_SOCK) == NULL)
		return -PORT_EBADF;
	/* a stream socket carries no fds without a byte */
	if (len == 0 || bytes == NULL || nfds > FAKE_CHUNK_FDS ||
	    (nfds > 0 && fds == NULL) || n_chunks >= FAKE_CHUNKS ||
	    len > FAKE_CHUNK_BYTES - chunk_bytes_used) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	c = &chunks[n_chunks++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->start = chunk_bytes_used;
	c->len = (uint32_t)len;
	memcpy(chunk_bytes + chunk_bytes_used, bytes, len);
	chunk_bytes_used += (uint32_t)len;
	for (unsigned i = 0; i < nfds; i++)
		c->fds[i] = fds[i];
	c->nfds = nfds;
	return 0;
}

void fake_sock_eof(int fd)
{
	struct fake_fd *f = open_slot(fd, FAKE_SOCK);

	if (f != NULL)
		f->eof = true;
}

size_t fake_sock_pending(int fd)
{
	size_t n = 0;

	for (unsigned i = 0; i < n_chunks; i++)
		if (chunks[i].fd == fd)
			n += chunks[i].len - chunks[i].off;
	return n;
}

/*
 * Like recvmsg on a Linux unix stream socket: bytes of consecutive chunks
 * are glued, but a chunk's fds come only with its own first byte (the read
 * stops before a chunk with fds if it already has bytes, and right after
 * taking fds).  Never more than len bytes.
 */
long port_sock_recv(int fd, void *buf, size_t len, int *fds, unsigned *nfds,
		    unsigned max_fds)
{
	uint8_t *out = buf;
	size_t done = 0;

	if (nfds != NULL)
		*nfds = 0;
	if (open_slot(fd, FAKE_SOCK) == NULL)
		return -PORT_EBADF;
	if (buf == NULL || len == 0 || (max_fds && (fds == NULL || nfds == NULL))) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	fake_recv_calls++;
	for (unsigned i = 0; i < n_chunks && done < len; i++) {
		struct fake_chunk *c = &chunks[i];
		bool took_fds = false;
		size_t k;

		if (c->fd != fd || c->off == c->len)
			continue;
		if (c->nfds > 0 && !c->fds_given) {
			if (done > 0)
				break;
			c->fds_given = true;
			if (c->nfds > max_fds) {
				/* port.h: every fd received is closed; the bytes
				 * that came with them are gone too */
				for (unsigned f = 0; f < c->nfds; f++)
					port_fd_close(c->fds[f]);
				k = c->len - c->off;
				c->off += (uint32_t)(k < len ? k : len);
				return -PORT_EMSGSIZE;
			}
			for (unsigned f = 0; f < c->nfds; f++)
				fds[f] = c->fds[f];
			*nfds = c->nfds;
			took_fds = true;
		}
		k = c->len - c->off;
		if (k > len - done)
			k = len - done;
		memcpy(out + done, chunk_bytes + c->start + c->off, k);
		c->off += (uint32_t)k;
		done += k;
		if (took_fds)
			break;
	}
	if (done > 0)
		return (long)done;
	return slot(fd)->eof ? 0 : -PORT_EAGAIN;
}

long port_sock_send(int fd, const void *buf, size_t len, const int *fds,
		    unsigned nfds)
{
	struct fake_sent *s;
	size_t body;

	if (open_slot(fd, FAKE_SOCK) == NULL)
		return -PORT_EBADF;
	if (len == 0 || buf == NULL || nfds > FAKE_CHUNK_FDS ||
	    (nfds > 0 && fds == NULL)) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	if (fake_send_error < 0)
		return fake_send_error;
	s = &sent_log[sent_n % FAKE_SENT_MAX];
	memset(s, 0, sizeof(*s));
	s->sock = fd;
	s->len = len;
	if (len >= VU_HDR_SIZE) {
		memcpy(&s->hdr, buf, VU_HDR_SIZE);
		body = len - VU_HDR_SIZE;
		if (body > sizeof(s->p.bytes))
			body = sizeof(s->p.bytes);
		memcpy(s->p.bytes, (const uint8_t *)buf + VU_HDR_SIZE, body);
	} else {
		memcpy(s->p.bytes, buf, len);
	}
	for (unsigned i = 0; i < nfds; i++)
		s->fds[i] = fds[i];
	s->nfds = nfds;
	sent_n++;
	return (long)len;
}

unsigned fake_sent_count(void)
{
	return sent_n;
}

const struct fake_sent *fake_sent(unsigned i)
{
	unsigned first = sent_n > FAKE_SENT_MAX ? sent_n - FAKE_SENT_MAX : 0;

	if (i < first || i >= sent_n)
		return &sent_none;
	return &sent_log[i % FAKE_SENT_MAX];
}

const struct fake_sent *fake_sent_last(void)
{
	return sent_n ? fake_sent(sent_n - 1) : &sent_none;
}

void fake_sent_clear(void)
{
	memset(sent_log, 0, sizeof(sent_log));
	sent_n = 0;
}

int port_sock_listen(const char *path, const struct port_sock_perm *perm,
		     struct port_file_id *id)
{
	if (path == NULL || path[0] == '\0' || id == NULL)
		return -PORT_EINVAL;
	if (fake_listen_error < 0)
		return fake_listen_error;
	if (perm != NULL)
		fake_sock_perm = *perm;
	id->dev = 1;
	id->ino = 1000 + (uint64_t)fd_used;
	return fake_fd_new(FAKE_LISTEN);
}

int port_sock_adopt(int fd)
{
	struct fake_fd *f = slot(fd);

	if (f == NULL || !f->open)
		return -PORT_EBADF;
	if (f->kind == FAKE_LISTEN)
		return 1;
	return f->kind == FAKE_SOCK ? 0 : -PORT_ENOTSOCK;
}

int fake_listen_pending(int lfd)
{
	struct fake_fd *f = open_slot(lfd, FAKE_LISTEN);
	int s;

	if (f == NULL || f->npending >= sizeof(f->pending) / sizeof(f->pending[0]))
		return -PORT_EINVAL;
	s = fake_sock();
	if (s >= 0)
		f->pending[f->npending++] = s;
	return s;
}

int port_sock_accept(int lfd)
{
	struct fake_fd *f = open_slot(lfd, FAKE_LISTEN);
	int s;

	if (f == NULL)
		return -PORT_EBADF;
	if (f->npending == 0)
		return -PORT_EAGAIN;
	s = f->pending[0];
	f->npending--;
	memmove(f->pending, f->pending + 1, f->npending * sizeof(f->pending[0]));
	return s;
}

int port_sock_connect(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return -PORT_EINVAL;
	if (fake_connect_error < 0)
		return fake_connect_error;
	return fake_sock();
}

int port_unlink_ours(const char *path, const struct port_file_id *id)
{
	if (path == NULL || id == NULL)
		return -PORT_EINVAL;
	fake_unlinks++;
	return fake_unlink_result;
}

/* ---- eventfds -------------------------------------------------------------- */

int fake_evt(void)
{
	return fake_fd_new(FAKE_EVT);
}

uint64_t fake_evt_count(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_EVT ? f->count : 0;
}

int port_evt_create(void)
{
	return fake_evt();
}

/* As the Linux port decides (port/linux/evt.c): an eventfd, or what a
 * platform without eventfds would send, a pipe or a socket, is taken; a
 * regular file (a memfd, a capture file) or a device (a tap's
 * /dev/net/tun) would read as endless kicks and is refused.  A packet
 * fd is a socket. */
int port_evt_adopt(int fd)
{
	const struct fake_fd *f = slot(fd);

	if (f == NULL || !f->open) {
		fake_misuse++;
		return -PORT_EBADF;
	}
	switch (f->kind) {
	case FAKE_EVT:
	case FAKE_SOCK:
	case FAKE_LISTEN:
		return 0;
	case FAKE_NET:
		return f->packet ? 0 : -PORT_EINVAL;
	default:
		return -PORT_EINVAL;
	}
}

/* A peer may hand any fd where an eventfd belongs: a kernel writes 8
 * bytes into a memfd or a socket (its owner's business) and reads 0
 * bytes from a memfd or a socket whose writer is gone.  The fake does the
 * same for those kinds; others are misuse. */
static bool evt_like(const struct fake_fd *f)
{
	return f != NULL && f->open &&
	       (f->kind == FAKE_MEMFD || f->kind == FAKE_SOCK);
}

int port_evt_signal(int fd)
{
	struct fake_fd *f = slot(fd);

	if (evt_like(f))
		return 0;
	f = open_slot(fd, FAKE_EVT);
	if (f == NULL)
		return -PORT_EBADF;
	f->count++;
	return 0;
}

int port_evt_drain(int fd, uint64_t *count)
{
	struct fake_fd *f = slot(fd);

	if (evt_like(f))
		return -PORT_EPROTO;
	f = open_slot(fd, FAKE_EVT);
	if (f == NULL || count == NULL)
		return -PORT_EBADF;
	*count = f->count;
	f->count = 0;
	return 0;
}

/* ---- shared memory -------------------------------------------------------- */

int fake_memfd(uint64_t size)
{
	uint64_t pages = (size + FAKE_PAGE - 1) / FAKE_PAGE;
	int fd;

	/* one guard page after each, so no two memfds touch in our memory */
	if (size == 0 || pages + 1 > (FAKE_RAM_SIZE - ram_used) / FAKE_PAGE) {
		fake_misuse++;
		return -PORT_ENOMEM;
	}
	fd = fake_fd_new(FAKE_MEMFD);
	if (fd < 0)
		return fd;
	slot(fd)->mem = ram + ram_used;
	slot(fd)->size = size;
	ram_used += (size_t)(pages + 1) * FAKE_PAGE;
	return fd;
}

int fake_memfd_alias(int fd)
{
	const struct fake_fd *f = slot(fd);
	int a;

	if (f == NULL || f->kind != FAKE_MEMFD) {
		fake_misuse++;
		return -PORT_EBADF;
	}
	a = fake_fd_new(FAKE_MEMFD);
	if (a < 0)
		return a;
	slot(a)->mem = slot(fd)->mem;
	slot(a)->size = slot(fd)->size;
	return a;
}

void fake_memfd_set_mappable(int fd, bool ok)
{
	struct fake_fd *f = slot(fd);

	if (f == NULL || f->kind != FAKE_MEMFD) {
		fake_misuse++;
		return;
	}
	f->unmappable = !ok;
}

uint8_t *fake_memfd_base(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_MEMFD ? f->mem : NULL;
}

unsigned fake_maps_live(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FAKE_MAPS; i++)
		n += maps[i].live;
	return n;
}

int (*fake_mem_create)(uint64_t size);

int port_mem_create(const char *name, uint64_t size)
{
	int fd;

	(void)name;
	if (fake_mem_create == NULL)
		return fake_memfd(size);
	fd = fake_mem_create(size);
	return fd >= 0 ? fd : -PORT_ENOMEM;
}

int port_mem_map(int fd, uint64_t len, void **addr)
{
	struct fake_fd *f = open_slot(fd, FAKE_MEMFD);

	if (f == NULL)
		return -PORT_EBADF;
	if (addr == NULL || len == 0)
		return -PORT_EINVAL;
	/* A real mmap would succeed and SIGBUS on first touch past the end of
	 * the file: here the core must have checked port_fd_size first. */
	if (len > f->size) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	if (f->unmappable)
		return -PORT_ENOMEM;
	for (unsigned i = 0; i < FAKE_MAPS; i++) {
		if (!maps[i].live) {
			maps[i].addr = f->mem;
			maps[i].len = len;
			maps[i].live = true;
			maps[i].faulted = false;
			fake_maps_made++;
			*addr = f->mem;
			return 0;
		}
	}
	fake_misuse++;
	return -PORT_ENOMEM;
}

static uint64_t mem_faults;

void fake_mem_fault(const void *p)
{
	for (unsigned i = 0; i < FAKE_MAPS; i++) {
		const uint8_t *a = maps[i].addr;

		if (maps[i].live && (const uint8_t *)p >= a &&
		    (const uint8_t *)p < a + maps[i].len) {
			maps[i].faulted = true;
			mem_faults++;
			return;
		}
	}
	fake_misuse++;
}

uint64_t port_mem_faults(void)
{
	return mem_faults;
}

int port_mem_faulted(void *addr)
{
	for (unsigned i = 0; i < FAKE_MAPS; i++) {
		if (maps[i].live && maps[i].addr == addr && maps[i].faulted) {
			maps[i].faulted = false;
			return 1;
		}
	}
	return 0;
}

void (*fake_unmap_hook)(const void *addr, uint64_t len);

int port_mem_unmap(void *addr, uint64_t len)
{
	for (unsigned i = 0; i < FAKE_MAPS; i++) {
		if (maps[i].live && maps[i].addr == addr && maps[i].len == len) {
			if (fake_unmap_hook != NULL)
				fake_unmap_hook(addr, len);
			maps[i].live = false;
			return 0;
		}
	}
	fake_misuse++; /* never mapped, already unmapped, or another length */
	return -PORT_EINVAL;
}

/* ---- network interfaces ------------------------------------------------------ */

/* Like the Linux port: "" and names with '%' are refused, and so are names
 * that do not fit IFNAMSIZ (16). */
static int net_open(const char *name, bool packet)
{
	struct fake_fd *f;
	size_t n;
	int fd;

	if (name == NULL || name[0] == '\0' || strchr(name, '%') != NULL)
		return -PORT_EINVAL;
	n = strlen(name);
	if (n >= 16)
		return -FAKE_ENAMETOOLONG;
	if (fake_net_open_error < 0)
		return fake_net_open_error;
	fd = fake_fd_new(FAKE_NET);
	if (fd < 0)
		return fd;
	f = slot(fd);
	memcpy(f->name, name, n + 1);
	f->packet = packet;
	return fd;
}

int port_tap_open(const char *name, unsigned flags)
{
	int fd = net_open(name, false);

	if (fd >= 0) {
		slot(fd)->multi = (flags & PORT_TAP_MULTI_QUEUE) != 0;
		slot(fd)->vnet = (flags & PORT_TAP_VNET_HDR) != 0;
	}
	return fd;
}

int port_tap_offload(int fd, unsigned offloads)
{
	struct fake_fd *f = open_slot(fd, FAKE_NET);

	if (f == NULL || f->packet || !f->vnet ||
	    (offloads & ~(PORT_TAP_OFF_CSUM | PORT_TAP_OFF_TSO4 |
			  PORT_TAP_OFF_TSO6 | PORT_TAP_OFF_ECN))) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	f->offloads = offloads;
	return 0;
}

unsigned fake_net_offloads(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET ? f->offloads : 0;
}

bool fake_net_is_vnet(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET && f->vnet;
}

int port_packet_open(const char *ifname)
{
	return net_open(ifname, true);
}

const char *fake_net_name(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET ? f->name : "";
}

int port_tap_queue(int fd, bool attach)
{
	struct fake_fd *f = open_slot(fd, FAKE_NET);

	if (f == NULL || f->packet || !f->multi)
		return -PORT_EINVAL;
	f->detached = !attach;
	return 0;
}

bool fake_net_is_detached(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET && f->detached;
}

bool fake_net_is_multi(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET && f->multi;
}

bool fake_net_is_packet(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET && f->packet;
}

void fake_net_push(int fd, const void *frame, uint32_t len)
{
	if (open_slot(fd, FAKE_NET) == NULL)
		return;
	if (frame == NULL || len == 0 || len > FAKE_NET_FRAME_MAX) {
		fake_misuse++;
		return;
	}
	for (unsigned i = 0; i < FAKE_NET_QUEUE; i++) {
		struct fake_frame *q = &net_in[i];

		if (q->used)
			continue;
		q->used = true;
		q->fd = fd;
		q->seq = net_in_seq++;
		q->len = len;
		memcpy(net_in_bytes[i], frame, len);
		return;
	}
	fake_misuse++; /* queue full: the test pushed too much */
}

unsigned fake_net_pending(int fd)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FAKE_NET_QUEUE; i++)
		n += net_in[i].used && net_in[i].fd == fd;
	return n;
}

long port_net_recv(int fd, void *buf, uint32_t len)
{
	struct fake_frame *first = NULL;
	unsigned at = 0;

	if (open_slot(fd, FAKE_NET) == NULL)
		return -PORT_EBADF;
	if ((buf == NULL && len > 0) || slot(fd)->detached) {
		fake_misuse++; /* Linux: EBADFD on a detached tap queue */
		return -PORT_EINVAL;
	}
	for (unsigned i = 0; i < FAKE_NET_QUEUE; i++) {
		struct fake_frame *q = &net_in[i];

		if (q->used && q->fd == fd && (first == NULL || q->seq < first->seq)) {
			first = q;
			at = i;
		}
	}
	if (first == NULL)
		return -PORT_EAGAIN;
	/* port.h: cut to len, the full length returned */
	if (len > 0)
		memcpy(buf, net_in_bytes[at], first->len < len ? first->len : len);
	first->used = false;
	return (long)first->len;
}

long port_net_send(int fd, const struct port_iov *iov, unsigned n)
{
	struct fake_fd *f = open_slot(fd, FAKE_NET);
	struct fake_frame *o;
	uint8_t *out;
	uint32_t total = 0;

	if (f == NULL)
		return -PORT_EBADF;
	if (n == 0 || n > 64 || iov == NULL || f->detached) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		if ((iov[i].base == NULL && iov[i].len > 0) ||
		    iov[i].len > FAKE_NET_FRAME_MAX - total) {
			fake_misuse++;
			return iov[i].base == NULL ? -PORT_EINVAL : -PORT_EMSGSIZE;
		}
		total += iov[i].len;
	}
	if (f->blocked)
		return -PORT_EAGAIN;
	o = &net_out[net_out_n % FAKE_NET_SENT_MAX];
	out = net_out_bytes[net_out_n % FAKE_NET_SENT_MAX];
	o->used = true;
	o->fd = fd;
	o->seq = f->net_sent++;
	o->len = total;
	total = 0;
	for (unsigned i = 0; i < n; i++) {
		if (iov[i].len > 0)
			memcpy(out + total, iov[i].base, iov[i].len);
		total += iov[i].len;
	}
	net_out_n++;
	return (long)total;
}

unsigned fake_net_sent_count(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_NET ? f->net_sent : 0;
}

const uint8_t *fake_net_sent(int fd, unsigned i, uint32_t *len)
{
	if (len != NULL)
		*len = 0;
	for (unsigned k = 0; k < FAKE_NET_SENT_MAX; k++) {
		const struct fake_frame *o = &net_out[k];

		if (o->used && o->fd == fd && o->seq == i) {
			if (len != NULL)
				*len = o->len;
			return net_out_bytes[k];
		}
	}
	return NULL;
}

void fake_net_block(int fd, bool full)
{
	struct fake_fd *f = slot(fd);

	if (f == NULL || f->kind != FAKE_NET) {
		fake_misuse++;
		return;
	}
	f->blocked = full;
}

/* ---- files ----------------------------------------------------------------------- */

int port_file_stdout(void)
{
	if (fake_stdout_error < 0)
		return fake_stdout_error;
	return port_file_create("<stdout>");
}

int port_file_create(const char *path)
{
	struct fake_fd *f;
	size_t n;
	int fd;

	if (path == NULL || path[0] == '\0')
		return -PORT_EINVAL;
	if (fake_file_create_error < 0)
		return fake_file_create_error;
	fd = fake_fd_new(FAKE_FILE);
	if (fd < 0)
		return fd;
	f = slot(fd);
	n = strlen(path);
	if (n >= sizeof(f->name))
		n = sizeof(f->name) - 1; /* recorded cut; the file is made */
	memcpy(f->name, path, n);
	f->name[n] = '\0';
	f->start = file_used;
	file_last = fd;
	return fd;
}

int fake_file_last(void)
{
	return file_last;
}

const char *fake_file_path(int fd)
{
	const struct fake_fd *f = slot(fd);

	return f != NULL && f->kind == FAKE_FILE ? f->name : "";
}

long port_file_write(int fd, const void *buf, uint32_t len)
{
	struct fake_fd *f = open_slot(fd, FAKE_FILE);
	uint32_t room;

	if (f == NULL)
		return -PORT_EBADF;
	fake_file_write_calls++;
	if (buf == NULL && len > 0) {
		fake_misuse++;
		return -PORT_EINVAL;
	}
	if (f->write_error != 0)
		return f->write_error < 0 ? f->write_error : -f->write_error;
	if (f->max_per_write > 0 && len > f->max_per_write)
		len = f->max_per_write;
	/* only the newest file sits at the end of the buffer and can grow */
	room = fd == file_last ? FAKE_FILE_BYTES - (f->start + f->len) : 0;
	if (len > room) {
		if (room == 0)
			return -PORT_ENOSPC;
		len = room;
	}
	if (len > 0)
		memcpy(file_bytes + f->start + f->len, buf, len);
	f->len += len;
	file_used = f->start + f->len;
	return (long)len;
}

const uint8_t *fake_file_data(int fd, uint32_t *len)
{
	const struct fake_fd *f = slot(fd);

	if (f == NULL || f->kind != FAKE_FILE) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = f->len;
	return file_bytes + f->start;
}

void fake_file_limit(int fd, uint32_t max_per_write, int error)
{
	struct fake_fd *f = slot(fd);

	if (f == NULL || f->kind != FAKE_FILE) {
		fake_misuse++;
		return;
	}
	f->max_per_write = max_per_write;
	f->write_error = error;
}

/* ---- poll, time, signals ---------------------------------------------------- */

int port_poll(struct port_pollfd *fds, unsigned n, int64_t timeout_ns)
{
	(void)timeout_ns;
	fake_poll_calls++;
	for (unsigned i = 0; i < n; i++)
		fds[i].revents = 0;
	return fake_poll_result;
}

uint64_t port_now_ns(void)
{
	return fake_now;
}

uint64_t port_wall_ns(void)
{
	return fake_wall_ns;
}

int port_sig_init(void)
{
	return 0;
}

void fake_raise(unsigned bits)
{
	sig_raised |= bits;
}

unsigned port_sig_take(void)
{
	unsigned b = sig_raised;

	sig_raised = 0;
	return b;
}

/* ---- log -------------------------------------------------------------------- */

void port_vlog(enum port_log_level level, const char *tag, const char *fmt,
	       va_list ap)
{
	static char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (level == PORT_LOG_ERR) {
		memcpy(last_err, line, sizeof(last_err));
		err_count++;
	} else if (level == PORT_LOG_WARN) {
		memcpy(last_warn, line, sizeof(last_warn));
		warn_count++;
	} else if (level == PORT_LOG_DEBUG) {
		memcpy(last_debug, line, sizeof(last_debug));
		snprintf(last_tag, sizeof(last_tag), "%s", tag ? tag : "");
		debug_count++;
	} else if (level == PORT_LOG_DATA) {
		memcpy(last_data, line, sizeof(last_data));
		data_count++;
	} else {
		memcpy(last_info, line, sizeof(last_info));
		info_count++;
	}
	if (getenv("FAKE_LOG_VERBOSE") != NULL) {
		size_t n = strlen(line);
		fprintf(stderr, "%s%s%s%s%s",
			level == PORT_LOG_ERR    ? "vhost: error: "
			: level == PORT_LOG_WARN ? "vhost: warning: "
						 : "",
			tag ? tag : "", tag ? ": " : "",
			line, n > 0 && line[n - 1] == '\n' ? "" : "\n");
	}
}

void port_log(enum port_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(level, NULL, fmt, ap);
	va_end(ap);
}

size_t port_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, cap, fmt, ap);

	return n < 0 ? 0 : (size_t)n;
}

void port_log_setup(enum port_log_stdout out, bool syslog_prefix)
{
	fake_log_stdout = out;
	fake_log_syslog = syslog_prefix;
}

const char *port_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == PORT_ENODIR)
		return "its directory does not exist";
	return strerror(err);
}

int port_pid_file(const char *path, struct port_file_id *id)
{
	if (path == NULL || id == NULL)
		return -PORT_EINVAL;
	id->dev = 1;
	id->ino = 1;
	return 0;
}

/* Groups: a number, or the one name fake_group (gid fake_gid). */
int port_group_id(const char *name, uint32_t *gid)
{
	char *end;
	unsigned long v;

	if (name == NULL || name[0] == '\0' || gid == NULL)
		return -PORT_EINVAL;
	if (strcmp(name, "fakegroup") == 0) {
		*gid = 4242;
		return 0;
	}
	v = strtoul(name, &end, 10);
	if (*end != '\0' || name[0] < '0' || name[0] > '9' || v > 0xffffffffu)
		return -PORT_ENOENT;
	*gid = (uint32_t)v;
	return 0;
}

void port_log_flush(void)
{
}

const char *fake_last_error(void)
{
	return last_err;
}

const char *fake_last_info(void)
{
	return last_info;
}

const char *fake_last_warning(void)
{
	return last_warn;
}

unsigned fake_error_count(void)
{
	return err_count;
}

unsigned fake_warn_count(void)
{
	return warn_count;
}

void fake_log_clear(void)
{
	last_err[0] = last_info[0] = last_warn[0] = last_debug[0] = last_data[0] = '\0';
	last_tag[0] = '\0';
}

const char *fake_last_debug(void)
{
	return last_debug;
}

const char *fake_last_tag(void)
{
	return last_tag;
}

const char *fake_last_data(void)
{
	return last_data;
}

unsigned fake_info_count(void)
{
	return info_count;
}

unsigned fake_debug_count(void)
{
	return debug_count;
}

unsigned fake_data_count(void)
{
	return data_count;
}

#ifdef VHOST_FAULTS
/* make FAULTS=1: the ring code's fault points (core/virtq/fault.h) only
 * count here; the unit tests never die of them. */
uint64_t fake_faults[PORT_FAULT_POINTS];

void port_fault(enum port_fault_point point)
{
	fake_faults[point]++;
}
#endif
