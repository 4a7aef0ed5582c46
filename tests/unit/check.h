/*
 * check.h - the whole unit-test framework (STYLE.md "Tests without a
 * framework"): a few macros that count, and print what failed.
 *
 * Each test program is one translation unit: it includes this once, runs
 * its cases with RUN(), and returns check_summary("test_x") from main().
 *
 *   CHECK(cond)             counts; on failure prints file:line and cond
 *   CHECK_EQ_U(a, b)        unsigned compare, prints both values in hex too
 *   CHECK_EQ_I(a, b)        signed compare (return codes: -PORT_EPROTO ...)
 *   CHECK_STR_HAS(s, part)  s contains part (error lines name the problem)
 *   CHECK_STR_EQ(s, want)   s equals want
 *   RUN(fn)                 runs a case; a case that checks nothing fails
 *   check_note(text)        names the sub-case in later failure lines
 *   check_skipped(name, why)  what main() returns when the whole program
 *                           cannot run here (exit 77: tests/run.sh reports
 *                           a skip, never a pass)
 *
 * Every CHECK* evaluates to 1 if it held, so a test can stop before it
 * would dereference what a failed check returned:
 *   if (!CHECK(p != NULL)) return;
 *
 * Plain C11 and stdio only, so the same test runs natively and under
 * qemu-aarch64 unchanged.
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned check_n;      /* checks made */
static unsigned check_failed; /* of which failed */
static const char *check_case = "";
static const char *check_sub = "";

/* Where a failure happened: "file:line: [case/sub] ". */
static inline void check_where(const char *file, int line)
{
	fprintf(stderr, "%s:%d: [%s%s%s] ", file, line, check_case,
		check_sub[0] ? "/" : "", check_sub);
}

static inline int check_report(int ok, const char *file, int line,
			       const char *expr)
{
	check_n++;
	if (!ok) {
		check_failed++;
		check_where(file, line);
		fprintf(stderr, "CHECK(%s) failed\n", expr);
	}
	return ok;
}

static inline int check_eq_u(unsigned long long a, unsigned long long b,
			     const char *ea, const char *eb, const char *file,
			     int line)
{
	check_n++;
	if (a != b) {
		check_failed++;
		check_where(file, line);
		fprintf(stderr, "%s == %s failed: %llu (0x%llx) != %llu (0x%llx)\n",
			ea, eb, a, a, b, b);
		return 0;
	}
	return 1;
}

static inline int check_eq_i(long long a, long long b, const char *ea,
			     const char *eb, const char *file, int line)
{
	check_n++;
	if (a != b) {
		check_failed++;
		check_where(file, line);
		fprintf(stderr, "%s == %s failed: %lld != %lld\n", ea, eb, a, b);
		return 0;
	}
	return 1;
}

static inline int check_str_has(const char *s, const char *part,
				const char *es, const char *file, int line)
{
	check_n++;
	if (s == NULL || strstr(s, part) == NULL) {
		check_failed++;
		check_where(file, line);
		fprintf(stderr, "%s does not contain \"%s\": \"%s\"\n", es, part,
			s ? s : "(null)");
		return 0;
	}
	return 1;
}

static inline int check_str_eq(const char *s, const char *want,
			       const char *es, const char *file, int line)
{
	check_n++;
	if (s == NULL || strcmp(s, want) != 0) {
		check_failed++;
		check_where(file, line);
		fprintf(stderr, "%s is \"%s\", expected \"%s\"\n", es,
			s ? s : "(null)", want);
		return 0;
	}
	return 1;
}

#define CHECK(cond) check_report((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
#define CHECK_EQ_U(a, b)                                                     \
	check_eq_u((unsigned long long)(a), (unsigned long long)(b), #a, #b, \
		   __FILE__, __LINE__)
#define CHECK_EQ_I(a, b) \
	check_eq_i((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_STR_HAS(s, part) \
	check_str_has((s), (part), #s, __FILE__, __LINE__)
#define CHECK_STR_EQ(s, want) \
	check_str_eq((s), (want), #s, __FILE__, __LINE__)

static inline void check_note(const char *sub)
{
	check_sub = sub ? sub : "";
}

/* Run one case.  A case that made no check is itself a failure: a test
 * that asserts nothing proves nothing. */
static inline void check_run(void (*fn)(void), const char *name)
{
	unsigned before = check_n;

	check_case = name;
	check_sub = "";
	fn();
	if (check_n == before) {
		check_n++;
		check_failed++;
		fprintf(stderr, "[%s] made no check\n", name);
	}
	check_case = "";
	check_sub = "";
}
#define RUN(fn) check_run(fn, #fn)

/* One line, then the exit status: 0 only if checks ran and none failed. */
static inline int check_summary(const char *name)
{
	printf("%s: %u checks, %u failed\n", name, check_n, check_failed);
	fflush(stdout);
	return check_failed == 0 && check_n > 0 ? 0 : 1;
}

/* The exit status of a program that did not run (automake's convention). */
#define CHECK_SKIPPED 77

/* Nothing could be checked here (a resource the machine does not have):
 * one line saying why, and the status run.sh counts as a skip.  Only for
 * a program that made no check: a part of a program that cannot run is
 * a program of its own. */
static inline int check_skipped(const char *name, const char *why)
{
	if (check_n > 0) {
		printf("%s: %u checks made, then skipped (%s): a failure\n",
		       name, check_n, why);
		return 1;
	}
	printf("%s: skipped: %s\n", name, why);
	fflush(stdout);
	return CHECK_SKIPPED;
}

#endif /* TESTS_UNIT_CHECK_H */
