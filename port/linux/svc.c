/*
 * svc.c - what running as a system service needs of the OS (port.h,
 * FEATURES, CFG_WITH_SERVICE): the pid file, and the groups a socket may
 * be given.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "port/port.h"

int port_pid_file(const char *path, struct port_file_id *id)
{
	char buf[24];
	unsigned n = sizeof(buf);
	unsigned long pid = (unsigned long)getpid();
	struct stat st;
	ssize_t w;
	int fd, e;

	if (!path || !path[0] || !id)
		return -EINVAL;
	buf[--n] = '\n';
	do
		buf[--n] = (char)('0' + pid % 10);
	while ((pid /= 10) != 0);
	/* O_NOFOLLOW: a link planted in a shared directory cannot make a
	 * service that runs as root write somewhere else */
	do
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
					O_NOFOLLOW, 0644);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	do
		w = write(fd, buf + n, sizeof(buf) - n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)(sizeof(buf) - n) || fstat(fd, &st) < 0) {
		e = w < 0 ? errno : EIO;
		close(fd);
		unlink(path);
		return -e;
	}
	close(fd);
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	return 0;
}

/* Look name up in an /etc/group-style file ("name:password:gid:members"
 * lines), a chunk at a time: no line length limit, nothing allocated
 * (libc's getgrnam would allocate). */
static int group_in_file(int fd, const char *name, uint32_t *gid)
{
	char buf[512];
	unsigned field = 0;
	size_t pos = 0;
	bool same = true, digits = false;
	uint64_t g = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOENT;
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];

			if (ch == '\n') {
				field = 0;
				pos = 0;
				same = true;
				digits = false;
				g = 0;
			} else if (ch == ':') {
				if (field == 0)
					same = same && name[pos] == '\0';
				else if (field == 2 && same && digits)
					goto found;
				field++;
			} else if (field == 0) {
				same = same && name[pos] == ch;
				pos += name[pos] != '\0';
			} else if (field == 2) {
				digits = ch >= '0' && ch <= '9' && g <= 0xffffffffu;
				g = g * 10 + (uint64_t)(ch - '0');
				same = same && digits;
			}
		}
	}
found:
	if (g > 0xffffffffu)
		return -ERANGE;
	*gid = (uint32_t)g;
	return 0;
}

int port_group_id(const char *name, uint32_t *gid)
{
	uint64_t g = 0;
	const char *p;
	int fd, r;

	if (!name || !name[0] || !gid)
		return -EINVAL;
	for (p = name; *p >= '0' && *p <= '9' && g <= 0xffffffffu; p++)
		g = g * 10 + (uint64_t)(*p - '0');
	if (*p == '\0') {
		if (g > 0xffffffffu)
			return -ERANGE;
		*gid = (uint32_t)g;
		return 0;
	}
	/* Groups of /etc/group only: name service modules (LDAP, ...) are
	 * glibc's, and a static musl binary has none; a number works for
	 * those. */
	fd = open("/etc/group", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = group_in_file(fd, name, gid);
	close(fd);
	return r;
}
