/*
 * sock.c - unix stream sockets carrying vhost-user messages and their fds
 * (SCM_RIGHTS).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "port/port.h"

/* Most fds one message may carry; vhost-user itself needs 8 at most. */
#define SOCK_MAX_FDS 16
#define SOCK_BACKLOG 16
/* Longest a send or connect may block on a peer that does not drain. */
#define SOCK_WAIT_MS 1000

/* Control buffer, aligned for struct cmsghdr, with room for one fd more
 * than a message may carry: an over-full set is then seen as such even
 * where MSG_CTRUNC is not reported (qemu-user drops it). */
union sock_cmsg {
	char buf[CMSG_SPACE((SOCK_MAX_FDS + 1) * sizeof(int))];
	struct cmsghdr align;
};

static int fill_addr(struct sockaddr_un *sa, socklen_t *salen, const char *path)
{
	size_t n;

	if (!path || !path[0])
		return -EINVAL; /* "" would mean an abstract or autobound name */
	n = strlen(path);
	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n + 1);
	*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* Milliseconds left until deadline (port_now_ns time), 0 if passed. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = port_now_ns();

	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Wait for POLLOUT with a plain poll(): the handled signals stay blocked,
 * so a stop request is seen by the main loop after this returns. */
static int wait_out(int fd, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int ms = ms_left(deadline);
		int r;

		if (ms == 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, ms);
		if (r > 0)
			return 0; /* writable, or an error the next call reports */
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int port_sock_listen(const char *path)
{
	struct sockaddr_un sa;
	socklen_t salen;
	struct stat st;
	int fd, r, e;

	r = fill_addr(&sa, &salen, path);
	if (r < 0)
		return r;
	/* A socket file left by an earlier run would make bind fail with
	 * EADDRINUSE; anything else at that path is not ours to delete. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0)
		goto fail;
	if (listen(fd, SOCK_BACKLOG) < 0) {
		e = errno;
		unlink(path); /* do not leave a file nobody listens behind */
		close(fd);
		return -e;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

int port_sock_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			return fd;
		/* ECONNABORTED: that client gave up while queued; look for the
		 * next one rather than report an error of the listener. */
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int port_sock_connect(const char *path)
{
	uint64_t deadline = port_now_ns() + SOCK_WAIT_MS * 1000000ull;
	struct sockaddr_un sa;
	socklen_t salen;
	int fd, r, e, err;

	r = fill_addr(&sa, &salen, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		socklen_t elen = sizeof(err);

		if (connect(fd, (struct sockaddr *)&sa, salen) == 0 ||
		    errno == EISCONN)
			return fd;
		e = errno;
		if (e == EAGAIN) {
			/* Unix sockets: the listener's backlog is full and the
			 * socket is still unconnected (poll would say POLLOUT
			 * at once), so sleep briefly and try connect again. */
			if (ms_left(deadline) == 0)
				break;
			poll(NULL, 0, 10);
			continue;
		}
		if (e != EINPROGRESS && e != EALREADY && e != EINTR)
			break; /* ENOENT, ECONNREFUSED, ...: nobody listens */
		/* In progress (not done by Linux for unix sockets, but allowed
		 * by POSIX): wait, check the outcome, then let the next
		 * connect() confirm it with EISCONN. */
		r = wait_out(fd, deadline);
		if (r < 0) {
			e = r == -ETIMEDOUT ? EAGAIN : -r;
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
			e = errno;
			break;
		}
		if (err) {
			e = err;
			break;
		}
	}
	close(fd);
	return -e;
}

/* Close every fd of every SCM_RIGHTS message in msg. */
static void close_all_fds(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

long port_sock_recv(int fd, void *buf, size_t len, int *fds, unsigned *nfds,
		    unsigned max_fds)
{
	union sock_cmsg cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c;
	unsigned got = 0;
	ssize_t r;

	if (nfds)
		*nfds = 0;
	/* len 0 could not tell "no data" from end of stream. */
	if (!buf || len == 0 || (max_fds && (!fds || !nfds)))
		return -EINVAL;
	do
		r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;

	/* Count first, store after: on too many fds, or fds the kernel had
	 * to drop for lack of room (MSG_CTRUNC), the whole set is worthless
	 * and every one received must be closed so none leaks. */
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			got += (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	if (got > max_fds || got > SOCK_MAX_FDS ||
	    (msg.msg_flags & MSG_CTRUNC)) {
		close_all_fds(&msg);
		return -EMSGSIZE;
	}
	got = 0;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++)
			memcpy(&fds[got++], CMSG_DATA(c) + i * sizeof(int),
			       sizeof(int));
	}
	if (nfds)
		*nfds = got;
	return (long)r;
}

long port_sock_send(int fd, const void *buf, size_t len, const int *fds,
		    unsigned nfds)
{
	uint64_t deadline = port_now_ns() + SOCK_WAIT_MS * 1000000ull;
	union sock_cmsg cbuf;
	const char *p = buf;
	size_t done = 0;

	/* Fds ride on bytes on a stream socket: none can go without one. */
	if (nfds > SOCK_MAX_FDS || (nfds && (!fds || len == 0)) ||
	    (len && !buf))
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c = (struct cmsghdr *)cbuf.buf;

		memset(&cbuf, 0, sizeof(cbuf));
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = (socklen_t)CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (done < len) {
		struct iovec iov = {.iov_base = (void *)(p + done),
				    .iov_len = len - done};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t r;

		/* The fds go with the first sendmsg that moves any bytes: one
		 * that failed with EAGAIN sent none of them either. */
		if (done == 0 && nfds) {
			msg.msg_control = cbuf.buf;
			msg.msg_controllen =
				(socklen_t)CMSG_SPACE(nfds * sizeof(int));
		}
		r = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r >= 0) {
			done += (size_t)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		/* A peer that has not drained for a whole second is stuck;
		 * the stream may now hold part of a message, so the caller
		 * must drop the connection (hence not -EAGAIN). */
		r = wait_out(fd, deadline);
		if (r < 0)
			return r;
	}
	return (long)done;
}

int port_sock_unlink(const char *path)
{
	if (!path)
		return -EINVAL;
	return unlink(path) < 0 ? -errno : 0;
}
