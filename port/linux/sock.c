/*
 * sock.c - unix stream sockets carrying vhost-user messages and their fds
 * (SCM_RIGHTS).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
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

/* -PORT_ENODIR for an ENOENT whose cause is the directory of path (a
 * socket that is not there yet leaves its directory there), else -e. */
static int path_error(const char *path, int e)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	size_t n = 0;

	/* (fill_addr has checked the length) */
	for (size_t i = 0; path[i] != '\0'; i++)
		if (path[i] == '/')
			n = i == 0 ? 1 : i; /* "/x": "/" */
	if (e != ENOENT || n == 0)
		return -e; /* (no slash: the current directory, which exists) */
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (lstat(dir, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return -PORT_ENODIR;
	return -e;
}

/* Does something accept connections on the socket file at sa?  1 yes, 0
 * no (a stale file: nobody listens), negative if we cannot tell. */
static int sock_live(const struct sockaddr_un *sa, socklen_t salen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r, e;

	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, salen);
	e = errno;
	close(fd);
	if (r == 0 || e == EAGAIN || e == EINPROGRESS)
		return 1; /* accepted, or queued behind a full backlog */
	return e == ECONNREFUSED ? 0 : -e;
}

int port_sock_listen(const char *path, const struct port_sock_perm *perm,
		     struct port_file_id *id)
{
	struct sockaddr_un sa;
	socklen_t salen;
	struct stat st;
	int fd, r, e;

	r = fill_addr(&sa, &salen, path);
	if (r < 0)
		return r;
	/* A socket file left by an earlier run would make bind fail with
	 * EADDRINUSE, and is removed; one that a running back-end listens on
	 * is never taken from it; anything else at that path is not ours to
	 * delete. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		r = sock_live(&sa, salen);
		if (r != 0)
			return r > 0 ? -EADDRINUSE : r;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0) {
		e = errno;
		close(fd);
		return path_error(path, e);
	}
	/* Who may connect is settled before anyone can: the file is not
	 * listened on yet. */
	if ((perm && perm->mode != 0 && chmod(path, perm->mode) < 0) ||
	    (perm && perm->set_gid && chown(path, (uid_t)-1, perm->gid) < 0) ||
	    lstat(path, &st) < 0 || listen(fd, SOCK_BACKLOG) < 0) {
		e = errno;
		unlink(path); /* do not leave a file nobody listens behind */
		close(fd);
		return -e;
	}
	if (id) {
		id->dev = (uint64_t)st.st_dev;
		id->ino = (uint64_t)st.st_ino;
	}
	return fd;
}

int port_sock_adopt(int fd)
{
	/* vhost-user runs over unix stream sockets (vhost-user.rst
	 * "Communication"): the domain and the type, then whether it
	 * listens */
	static const int opt[3] = {SO_DOMAIN, SO_TYPE, SO_ACCEPTCONN};
	static const int want[2] = {AF_UNIX, SOCK_STREAM};
	static const int wrong[2] = {EAFNOSUPPORT, EPROTOTYPE};
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int v = 0, flags;

	/* (getsockopt tells a closed fd, EBADF, and a file, ENOTSOCK) */
	for (unsigned i = 0; i < 3; i++) {
		socklen_t vlen = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, opt[i], &v, &vlen) < 0)
			return -errno;
		if (i < 2 && v != want[i])
			return -wrong[i];
	}
	/* not listening: it must be connected to a peer (else ENOTCONN) */
	if (!v && getpeername(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return v ? 1 : 0;
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
			break; /* ENOENT, ECONNREFUSED, ...: see below */
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
	/* Tell what may clear from what will not (port.h): Linux refuses a
	 * connection to a file that is no socket as it does to a socket
	 * nobody listens on. */
	if (e == ECONNREFUSED) {
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			return -ENOTSOCK;
	}
	return path_error(path, e);
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

int port_unlink_ours(const char *path, const struct port_file_id *id)
{
	struct stat st;

	if (!path || !id)
		return -EINVAL;
	if (lstat(path, &st) < 0)
		return -errno;
	/* A second back-end that took the path over (ours was stale to it,
	 * or someone removed ours) keeps its file. */
	if ((uint64_t)st.st_dev != id->dev || (uint64_t)st.st_ino != id->ino)
		return -EEXIST;
	return unlink(path) < 0 ? -errno : 0;
}
