/*
 * test_port_log.c - the Linux port's log output (port/linux/log.c) against
 * libc's own snprintf as the oracle.
 *
 * port_log formats with a small formatter of its own (no floating point,
 * so libc's printf engine stays out of the static binary).  Every
 * conversion the core uses is printed both ways and compared byte for
 * byte: stdout is redirected into a pipe, flushed, and read back.  Also:
 * the error prefix, the newline a caller left out, and a line cut at the
 * buffer's end ending in "...".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port/port.h"
#include "tests/unit/check.h"

static int pipe_fd[2];
static int saved_stdout, saved_stderr;
static char got[8192];

/* Route stdout and stderr into one pipe. */
static void capture_begin(void)
{
	if (pipe(pipe_fd) != 0)
		return;
	fcntl(pipe_fd[0], F_SETFL, O_NONBLOCK);
	fcntl(pipe_fd[1], F_SETPIPE_SZ, 1 << 20);
	saved_stdout = dup(STDOUT_FILENO);
	saved_stderr = dup(STDERR_FILENO);
	dup2(pipe_fd[1], STDOUT_FILENO);
	dup2(pipe_fd[1], STDERR_FILENO);
}

/* Everything written since capture_begin, NUL-terminated in got. */
static const char *capture_end(void)
{
	ssize_t n;

	port_log_flush();
	dup2(saved_stdout, STDOUT_FILENO);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stdout);
	close(saved_stderr);
	close(pipe_fd[1]);
	n = read(pipe_fd[0], got, sizeof(got) - 1);
	close(pipe_fd[0]);
	got[n > 0 ? n : 0] = '\0';
	return got;
}

/* One info line through port_log and through snprintf: equal? */
#define SAME(...)                                                   \
	do {                                                        \
		char w_[1024];                                      \
		snprintf(w_, sizeof(w_) - 1, __VA_ARGS__);          \
		strcat(w_, "\n");                                   \
		capture_begin();                                    \
		port_log(PORT_LOG_INFO, __VA_ARGS__);               \
		check_note(#__VA_ARGS__);                           \
		CHECK_STR_EQ(capture_end(), w_);                    \
	} while (0)

static void test_conversions(void)
{
	SAME("plain text");
	SAME("%s and %s", "one", "two");
	SAME("[%8s] [%-8s] [%.3s]", "ab", "cd", "truncated");
	SAME("%u %u %u", 0u, 7u, 4294967295u);
	SAME("%d %d %d %d", 0, -1, 2147483647, (int)-2147483647 - 1);
	SAME("%i %5d %-5d| %05d %05d", 42, -42, 42, 42, -42);
	SAME("%ld %ld", 123456789012L, -123456789012L);
	SAME("%lu %zu", 18446744073709551615ul, (size_t)99);
	SAME("%llu %llu", 0ull, 18446744073709551615ull);
	SAME("%lld %lld", -9223372036854775807ll - 1, 9223372036854775807ll);
	SAME("%x %X %02x %04x %08x", 0xabcu, 0xabcu, 5u, 0x1fu, 0xdeadbeefu);
	SAME("0x%016llx 0x%llx", 0x1234ull, 0xffffffffffffffffull);
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("100%% of %s", "it");
	SAME("%p", (void *)0x1000);
}

static void test_lines(void)
{
	static char big[5000];
	const char *s;

	/* errors: the prefix, and the newline added */
	capture_begin();
	port_log(PORT_LOG_ERR, "dev%u: bad thing", 3u);
	CHECK_STR_EQ(capture_end(), "vhost: error: dev3: bad thing\n");
	capture_begin();
	port_log(PORT_LOG_WARN, "careful\n");
	CHECK_STR_EQ(capture_end(), "vhost: warning: careful\n");
	/* an unknown conversion comes out as it stands */
	capture_begin();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	port_log(PORT_LOG_INFO, "a %q b");
#pragma GCC diagnostic pop
	CHECK_STR_EQ(capture_end(), "a %q b\n");
	/* a line longer than the buffer is cut and marked */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_begin();
	port_log(PORT_LOG_INFO, "%s", big);
	s = capture_end();
	CHECK(strlen(s) < sizeof(big));
	CHECK(strlen(s) > 4000);
	CHECK(strcmp(s + strlen(s) - 4, "...\n") == 0);
}

int main(void)
{
	RUN(test_conversions);
	RUN(test_lines);
	return check_summary("test_port_log");
}
