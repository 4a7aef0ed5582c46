/*
 * test_port_log.c - the Linux port's log output (port/linux/log.c) against
 * libc's own snprintf as the oracle.
 *
 * port_log formats with a small formatter of its own (no floating point,
 * so libc's printf engine stays out of the static binary).  Every
 * conversion the core uses is printed both ways and compared byte for
 * byte: stdout is redirected into a pipe, flushed, and read back.  Also:
 * the error prefix, the newline a caller left out, and a line cut at the
 * buffer's end ending in "...".  Then where lines go (port_log_setup:
 * stdout for data only, or for nothing) and how they are marked: the
 * sd-daemon(3) priority and the device's tag on every line.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
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

/* ---- two streams ---------------------------------------------------------- */

static int out_pipe[2], err_pipe[2];
static char got_out[8192], got_err[8192];

static void split_begin(void)
{
	if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
		return;
	saved_stdout = dup(STDOUT_FILENO);
	saved_stderr = dup(STDERR_FILENO);
	dup2(out_pipe[1], STDOUT_FILENO);
	dup2(err_pipe[1], STDERR_FILENO);
}

static void drain(int *p, char *buf, size_t cap)
{
	ssize_t n;

	close(p[1]);
	n = read(p[0], buf, cap - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
}

/* What went to stdout and stderr since split_begin: got_out, got_err. */
static void split_end(void)
{
	port_log_flush();
	dup2(saved_stdout, STDOUT_FILENO);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stdout);
	close(saved_stderr);
	drain(out_pipe, got_out, sizeof(got_out));
	drain(err_pipe, got_err, sizeof(got_err));
}

static void vlog(enum port_log_level level, const char *tag,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	port_vlog(level, tag, fmt, ap);
	va_end(ap);
}

static void test_prefixes(void)
{
	/* every line marked with its priority; empty lines left out */
	port_log_setup(PORT_STDOUT_TEXT, true);
	split_begin();
	port_log(PORT_LOG_INFO, "one\n\ntwo");
	port_log(PORT_LOG_ERR, "dev0: bad\nsecond line");
	port_log(PORT_LOG_WARN, "careful");
	vlog(PORT_LOG_DEBUG, "dev1", "Cmd: X (0x1)\nFlags: 0x%x\n\n", 9u);
	port_log(PORT_LOG_DATA, "{\"a\":1}");
	split_end();
	CHECK_STR_EQ(got_out, "<6>one\n<6>two\n"
			      "<7>dev1: Cmd: X (0x1)\n<7>dev1: Flags: 0x9\n"
			      "<6>{\"a\":1}\n");
	CHECK_STR_EQ(got_err, "<3>vhost: error: dev0: bad\n<3>second line\n"
			      "<4>vhost: warning: careful\n");
	/* unmarked: the tag alone, and the blank line between messages
	 * stays blank */
	port_log_setup(PORT_STDOUT_TEXT, false);
	split_begin();
	vlog(PORT_LOG_DEBUG, "dev1", "Cmd: X (0x1)\nFlags: 0x%x\n\n", 9u);
	vlog(PORT_LOG_INFO, NULL, "plain\n");
	split_end();
	CHECK_STR_EQ(got_out, "dev1: Cmd: X (0x1)\ndev1: Flags: 0x9\n\nplain\n");
	CHECK_STR_EQ(got_err, "");
}

static void test_routing(void)
{
	/* --stats-json: stdout has the data lines only */
	port_log_setup(PORT_STDOUT_DATA, false);
	split_begin();
	port_log(PORT_LOG_INFO, "info");
	port_log(PORT_LOG_DATA, "{}");
	port_log(PORT_LOG_DEBUG, "trace");
	port_log(PORT_LOG_ERR, "bad");
	port_log(PORT_LOG_DATA, "[]");
	split_end();
	CHECK_STR_EQ(got_out, "{}\n[]\n");
	CHECK_STR_EQ(got_err, "info\ntrace\nvhost: error: bad\n");
	/* --pcap -: stdout has nothing of ours */
	port_log_setup(PORT_STDOUT_NONE, false);
	split_begin();
	port_log(PORT_LOG_INFO, "info");
	port_log(PORT_LOG_DATA, "{}");
	port_log(PORT_LOG_ERR, "bad");
	split_end();
	CHECK_STR_EQ(got_out, "");
	CHECK_STR_EQ(got_err, "info\n{}\nvhost: error: bad\n");
	port_log_setup(PORT_STDOUT_TEXT, false);
}

int main(void)
{
	RUN(test_conversions);
	RUN(test_lines);
	RUN(test_prefixes);
	RUN(test_routing);
	return check_summary("test_port_log");
}
