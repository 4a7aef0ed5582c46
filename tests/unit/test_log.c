/*
 * test_log.c - the rate limit of the lines a peer can cause (core/log.c),
 * with the fake port's clock.
 *
 * A device's scope lets CFG_LOG_BURST lines through at once, then
 * CFG_LOG_RATE a second; what it holds back is counted and said in one
 * warning when lines flow again.  Devices do not share a limit, and lines
 * outside any device's scope (start-up) are never held back.  The level
 * (--quiet, -v, -vv, -vvv) lets through what it says and no more; a line
 * --quiet drops costs no token.
 */
#include <string.h>

#include "core/log.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

#define NS_PER_S 1000000000ull

static struct log_limit a = {.who = "dev0"}, b = {.who = "dev1"};

/* Send n error lines in the current scope; how many got out. */
static unsigned flood(unsigned n)
{
	unsigned before = fake_error_count();

	for (unsigned i = 0; i < n; i++)
		LOG_ERR("dev0: bad thing %u", i);
	return fake_error_count() - before;
}

static void test_burst_then_rate(void)
{
	fake_reset();
	fake_now = 5 * NS_PER_S;
	log_scope(&a);
	CHECK_EQ_U(flood(1000), CFG_LOG_BURST);
	CHECK_EQ_U(a.suppressed, 1000 - CFG_LOG_BURST);
	CHECK_EQ_U(fake_warn_count(), 0);
	/* a second later: CFG_LOG_RATE more, the first of them after one
	 * warning that says what was held back */
	fake_now += NS_PER_S;
	fake_log_clear();
	CHECK_EQ_U(flood(1000), CFG_LOG_RATE);
	CHECK_EQ_U(fake_warn_count(), 1);
	{
		/* and the number it says is what was held back */
		char want[96];

		snprintf(want, sizeof(want),
			 "dev0: %u lines held back (rate limit of %u a second)",
			 1000u - CFG_LOG_BURST, (unsigned)CFG_LOG_RATE);
		CHECK_STR_EQ(fake_last_warning(), want);
	}
	CHECK_EQ_U(a.suppressed, 1000 - CFG_LOG_RATE);
	/* the next warning counts only what was held back since */
	fake_now += NS_PER_S;
	CHECK_EQ_U(flood(1), 1);
	CHECK_EQ_U(fake_warn_count(), 2);
	{
		char want[96];

		snprintf(want, sizeof(want),
			 "dev0: %u lines held back (rate limit of %u a second)",
			 1000u - CFG_LOG_RATE, (unsigned)CFG_LOG_RATE);
		CHECK_STR_EQ(fake_last_warning(), want);
	}
	CHECK_EQ_U(a.suppressed, 0);
	/* a long quiet time refills the burst, no more */
	fake_now += 3600 * NS_PER_S;
	CHECK_EQ_U(flood(1000), CFG_LOG_BURST);
	/* the limit covers LOG_PEER and LOG_WARN lines as well */
	fake_now += 3600 * NS_PER_S;
	for (unsigned i = 0; i < 2 * CFG_LOG_BURST; i++)
		LOG_WARN("dev0: careful");
	CHECK_EQ_U(a.suppressed, CFG_LOG_BURST);
	log_scope(NULL);
}

static void test_scopes(void)
{
	fake_reset();
	fake_now = 100 * NS_PER_S;
	a = (struct log_limit){.who = "dev0"};
	b = (struct log_limit){.who = "dev1"};
	log_scope(&a);
	CHECK_EQ_U(flood(500), CFG_LOG_BURST);
	/* another device is not silenced by the first one's flood */
	log_scope(&b);
	CHECK_EQ_U(flood(3), 3);
	/* the operator's own lines are never held back */
	log_scope(NULL);
	CHECK_EQ_U(flood(500), 500);
	CHECK_EQ_U(a.suppressed, 500 - CFG_LOG_BURST);
	CHECK_EQ_U(b.suppressed, 0);
}

static void test_levels(void)
{
	fake_reset();
	fake_now = 200 * NS_PER_S;
	a = (struct log_limit){.who = "dev0"};
	log_scope(&a);
	/* --quiet: errors, and what was asked for */
	log_level = LOG_QUIET;
	for (unsigned i = 0; i < 100; i++) {
		LOG_PEER("dev0: connected\n");
		LOG_WARN("dev0: careful");
		LOG_INFO("dev0: listening\n");
		LOG_TRACE(LOG_MESSAGES, "dev0: trace\n");
	}
	CHECK_EQ_U(fake_info_count() + fake_warn_count() + fake_debug_count(), 0);
	CHECK_EQ_U(a.suppressed, 0); /* dropped, not held back */
	CHECK_EQ_U(flood(1), 1);     /* the burst is still whole */
	LOG_OUT("dev0: counters\n");
	CHECK_EQ_U(fake_info_count(), 1);
	CHECK_STR_HAS(fake_last_info(), "counters");
	/* the default: no trace */
	log_level = LOG_NORMAL;
	LOG_PEER("dev0: connected\n");
	LOG_INFO("dev0: listening\n");
	LOG_TRACE(LOG_MESSAGES, "dev0: trace\n");
	log_trace(LOG_MESSAGES, "dev0", "Cmd: X\n");
	CHECK_EQ_U(fake_info_count(), 3);
	CHECK_EQ_U(fake_debug_count(), 0);
	/* -v: the messages; -vv: and states; -vvv: and rings, each as
	 * deep as the board builds (CFG_LOG_TRACE) */
	for (int lv = LOG_MESSAGES; lv <= LOG_RINGS; lv++) {
		unsigned before = fake_debug_count();

		check_note(lv == 1 ? "-v" : lv == 2 ? "-vv" : "-vvv");
		log_level = lv;
		LOG_TRACE(LOG_MESSAGES, "dev0: one\n");
		LOG_TRACE(LOG_STATES, "dev0: two\n");
		LOG_TRACE(LOG_RINGS, "dev0: three\n");
		CHECK_EQ_U(fake_debug_count() - before,
			   (unsigned)(lv < CFG_LOG_TRACE ? lv : CFG_LOG_TRACE));
	}
	check_note(NULL);
	/* the trace's own lines carry the device's name as their tag */
	log_level = LOG_MESSAGES;
	fake_log_clear();
	log_trace(LOG_MESSAGES, "dev3", "Cmd: %s\n", "VHOST_USER_SET_OWNER");
	CHECK_STR_EQ(fake_last_tag(), "dev3");
	CHECK_STR_HAS(fake_last_debug(), "Cmd: VHOST_USER_SET_OWNER");
	log_trace(LOG_STATES, "dev3", "Cmd: deeper\n");
	CHECK_STR_HAS(fake_last_debug(), "SET_OWNER");
	log_level = LOG_NORMAL;
	log_scope(NULL);
}

int main(void)
{
	RUN(test_burst_then_rate);
	RUN(test_scopes);
	RUN(test_levels);
	return check_summary("test_log");
}
