/*
 * test_log.c - the rate limit of the lines a peer can cause (core/log.c),
 * with the fake port's clock.
 *
 * A device's scope lets CFG_LOG_BURST lines through at once, then
 * CFG_LOG_RATE a second; what it holds back is counted and said in one
 * warning when lines flow again.  Devices do not share a limit, and lines
 * outside any device's scope (start-up) are never held back.
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

int main(void)
{
	RUN(test_burst_then_rate);
	RUN(test_scopes);
	return check_summary("test_log");
}
