/*
 * test_l2sw.c - the learning switch's MAC table (core/l2sw.c).
 *
 * 802.1D 7.8/7.9 as the table implements it: unicast sources are learned
 * (group-bit and all-zero sources never), lookups of group, unknown or aged
 * destinations flood, a MAC seen on another port moves, a disconnected
 * port's MACs are forgotten.  The table is bounded: a flood of random
 * source MACs, or of MACs chosen to collide in one bucket, only evicts
 * (least recently seen first) and never grows the table or touches other
 * buckets.
 */
#include <stdbool.h>
#include <string.h>

#include "core/net/l2sw.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

static struct l2sw sw;

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x01};
static const uint8_t mac_b[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x02};
static const uint8_t mac_c[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x03};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[6] = {0};

/* A locally administered unicast MAC (02:...) numbered i. */
static void mac_n(uint8_t m[6], uint32_t i)
{
	m[0] = 0x02;
	m[1] = 0x00;
	m[2] = (uint8_t)(i >> 24);
	m[3] = (uint8_t)(i >> 16);
	m[4] = (uint8_t)(i >> 8);
	m[5] = (uint8_t)i;
}

/* The first n MACs mac_n(i), i >= *next, that fall in bucket b.  With a
 * hash worth the name that takes about n * SW_BUCKETS tries; the bound
 * turns a hash that ignores the varying octets into a failure, not a
 * hang. */
static bool macs_in_bucket(uint8_t out[][6], unsigned n, unsigned b,
			   uint32_t *next)
{
	uint32_t limit = *next + n * SW_BUCKETS * 64u;
	unsigned k = 0;

	for (; k < n && *next < limit; (*next)++) {
		mac_n(out[k], *next);
		if (sw_bucket(out[k]) == b)
			k++;
	}
	return CHECK_EQ_U(k, n);
}

/* xorshift64 (Marsaglia 2003): a fixed seed makes the flood repeatable. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every entry in use holds a unicast, non-zero MAC on a real port, and
 * learned - (aged + evicted + forgotten) is what the table holds. */
static void check_table_sane(unsigned forgotten)
{
	unsigned used = 0;
	bool bad = false;

	for (unsigned i = 0; i < CFG_SWITCH_MACS; i++) {
		const struct sw_entry *e = &sw.t[i];
		if (e->port == SW_PORT_NONE)
			continue;
		used++;
		if ((e->mac[0] & 1u) || memcmp(e->mac, mac_zero, 6) == 0)
			bad = true;
	}
	CHECK(!bad);
	CHECK(used <= CFG_SWITCH_MACS);
	CHECK_EQ_U(sw.learned - sw.aged - sw.evicted - forgotten, used);
}

static void test_learn_lookup(void)
{
	sw_init(&sw, 0);
	CHECK_EQ_U(sw_count(&sw, 0), 0);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 0), SW_PORT_NONE);

	sw_learn(&sw, mac_a, 1, 10);
	sw_learn(&sw, mac_b, 2, 20);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 30), 1);
	CHECK_EQ_U(sw_lookup(&sw, mac_b, 30), 2);
	/* unknown: flood */
	CHECK_EQ_U(sw_lookup(&sw, mac_c, 30), SW_PORT_NONE);
	CHECK_EQ_U(sw_count(&sw, 30), 2);
	CHECK_EQ_U(sw.learned, 2);
	CHECK_EQ_U(sw.moved + sw.aged + sw.evicted, 0);
	/* seen again on the same port: a refresh, not a new entry */
	sw_learn(&sw, mac_a, 1, 40);
	CHECK_EQ_U(sw.learned, 2);
	CHECK_EQ_U(sw.moved, 0);
	CHECK_EQ_U(sw_count(&sw, 40), 2);
	/* port 0 is a port like any other */
	sw_learn(&sw, mac_c, 0, 50);
	CHECK_EQ_U(sw_lookup(&sw, mac_c, 50), 0);
	check_table_sane(0);
}

/* Group destinations always flood; group and zero sources are not
 * learned (802.3 3.2.3: a source address has the group bit 0). */
static void test_group_and_zero(void)
{
	static const uint8_t mcast_v4[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t mcast_v6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t group_odd[6] = {0x53, 0x54, 0x00, 0x12, 0x34, 0x01};

	sw_init(&sw, 0);
	sw_learn(&sw, mac_bcast, 1, 1);
	sw_learn(&sw, mcast_v4, 1, 1);
	sw_learn(&sw, mcast_v6, 1, 1);
	sw_learn(&sw, group_odd, 1, 1);
	sw_learn(&sw, mac_zero, 1, 1);
	CHECK_EQ_U(sw_count(&sw, 1), 0);
	CHECK_EQ_U(sw.learned, 0);
	CHECK_EQ_U(sw_lookup(&sw, mac_bcast, 2), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, mcast_v4, 2), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, mcast_v6, 2), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, group_odd, 2), SW_PORT_NONE);
	/* the zero MAC is never a known destination, even though a free
	 * entry's mac field is zero */
	CHECK_EQ_U(sw_lookup(&sw, mac_zero, 2), SW_PORT_NONE);
	/* SW_PORT_NONE is not a port to learn on (a caller's bug; ignored
	 * in release builds) */
#ifndef DEBUG
	sw_learn(&sw, mac_a, SW_PORT_NONE, 3);
	CHECK_EQ_U(sw_count(&sw, 3), 0);
#endif
	check_table_sane(0);
}

static void test_move(void)
{
	sw_init(&sw, 0);
	sw_learn(&sw, mac_a, 1, 1);
	sw_learn(&sw, mac_a, 3, 2);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 2), 3);
	CHECK_EQ_U(sw.moved, 1);
	CHECK_EQ_U(sw.learned, 1);
	CHECK_EQ_U(sw_count(&sw, 2), 1);
	/* seen again where it now is: not another move */
	sw_learn(&sw, mac_a, 3, 3);
	CHECK_EQ_U(sw.moved, 1);
	/* and back */
	sw_learn(&sw, mac_a, 1, 4);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 4), 1);
	CHECK_EQ_U(sw.moved, 2);
	check_table_sane(0);
}

static void test_ageing(void)
{
	sw_init(&sw, 1000);
	sw_learn(&sw, mac_a, 1, 0);
	sw_learn(&sw, mac_b, 2, 0);
	/* exactly age_ns old: still learned ("older than" ages) */
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 1000), 1);
	CHECK_EQ_U(sw_count(&sw, 1000), 2);
	/* b keeps talking, a does not */
	sw_learn(&sw, mac_b, 2, 900);
	CHECK_EQ_U(sw_count(&sw, 1001), 1);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 1001), SW_PORT_NONE);
	CHECK_EQ_U(sw.aged, 1);
	/* dropped, not just hidden: a second lookup counts nothing */
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 1002), SW_PORT_NONE);
	CHECK_EQ_U(sw.aged, 1);
	CHECK_EQ_U(sw_lookup(&sw, mac_b, 1500), 2);
	CHECK_EQ_U(sw_lookup(&sw, mac_b, 1901), SW_PORT_NONE);
	CHECK_EQ_U(sw.aged, 2);
	CHECK_EQ_U(sw_count(&sw, 1901), 0);
	check_table_sane(0);

	/* an aged entry seen again (before any lookup dropped it) is learned
	 * afresh, on its new port, without counting a move */
	sw_learn(&sw, mac_c, 1, 2000);
	sw_learn(&sw, mac_c, 2, 3001);
	CHECK_EQ_U(sw.aged, 3);
	CHECK_EQ_U(sw.moved, 0);
	CHECK_EQ_U(sw_lookup(&sw, mac_c, 3001), 2);
	check_table_sane(0);

	/* a clock that runs backwards does not make entries look ancient */
	CHECK_EQ_U(sw_lookup(&sw, mac_c, 5), 2);

	/* age 0: never */
	sw_init(&sw, 0);
	sw_learn(&sw, mac_a, 4, 1);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, ~0ull), 4);
	CHECK_EQ_U(sw_count(&sw, ~0ull), 1);
}

static void test_forget_port(void)
{
	sw_init(&sw, 0);
	sw_learn(&sw, mac_a, 1, 1);
	sw_learn(&sw, mac_b, 1, 1);
	sw_learn(&sw, mac_c, 2, 1);
	sw_forget_port(&sw, 7); /* nobody there */
	CHECK_EQ_U(sw_count(&sw, 1), 3);
	sw_forget_port(&sw, 1);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 2), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, mac_b, 2), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, mac_c, 2), 2);
	CHECK_EQ_U(sw_count(&sw, 2), 1);
	CHECK_EQ_U(sw.aged + sw.evicted, 0);
	check_table_sane(2);
	/* forgetting SW_PORT_NONE does not touch free entries' meaning */
	sw_forget_port(&sw, SW_PORT_NONE);
	CHECK_EQ_U(sw_count(&sw, 2), 1);
	/* a forgotten MAC is learned again where it shows up next */
	sw_learn(&sw, mac_a, 3, 3);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, 3), 3);
	CHECK_EQ_U(sw.moved, 0);
}

/* A full bucket evicts its least recently seen entry; an aged one goes
 * before any live one. */
static void test_bucket_eviction(void)
{
	uint8_t m[SW_WAYS + 1][6], other[1][6];
	uint32_t next = 1;
	unsigned b;

	sw_init(&sw, 0);
	b = sw_bucket(mac_a);
	if (!macs_in_bucket(m, SW_WAYS + 1, b, &next) ||
	    !macs_in_bucket(other, 1, (b + 1) % SW_BUCKETS, &next))
		return;
	for (unsigned k = 0; k < SW_WAYS + 1; k++)
		CHECK_EQ_U(sw_bucket(m[k]), b);

	sw_learn(&sw, other[0], 9, 1);
	for (unsigned k = 0; k < SW_WAYS; k++)
		sw_learn(&sw, m[k], (uint16_t)k, 10 + k);
	CHECK_EQ_U(sw_count(&sw, 20), SW_WAYS + 1);
	CHECK_EQ_U(sw.evicted, 0);
	/* m[0] speaks again: now m[1] is the least recently seen */
	sw_learn(&sw, m[0], 0, 20);
	sw_learn(&sw, m[SW_WAYS], 7, 21);
	CHECK_EQ_U(sw.evicted, 1);
	CHECK_EQ_U(sw_lookup(&sw, m[1], 22), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, m[0], 22), 0);
	for (unsigned k = 2; k < SW_WAYS; k++)
		CHECK_EQ_U(sw_lookup(&sw, m[k], 22), k);
	CHECK_EQ_U(sw_lookup(&sw, m[SW_WAYS], 22), 7);
	CHECK_EQ_U(sw_lookup(&sw, other[0], 22), 9);
	CHECK_EQ_U(sw_count(&sw, 22), SW_WAYS + 1);
	check_table_sane(0);

	/* with ageing: an aged entry makes room, counted as aged (the
	 * address left), not as an eviction (the table was too small) */
	sw_init(&sw, 100);
	sw_learn(&sw, m[0], 1, 50); /* ages after 150 */
	for (unsigned k = 1; k < SW_WAYS; k++)
		sw_learn(&sw, m[k], 1, 60); /* still learned at 160 */
	sw_learn(&sw, m[SW_WAYS], 2, 160);
	CHECK_EQ_U(sw.evicted, 0);
	CHECK_EQ_U(sw.aged, 1);
	CHECK_EQ_U(sw_lookup(&sw, m[0], 160), SW_PORT_NONE);
	CHECK_EQ_U(sw_lookup(&sw, m[SW_WAYS], 160), 2);
	CHECK_EQ_U(sw_count(&sw, 160), SW_WAYS);
	check_table_sane(0);
}

/* Addresses that differ only in their last octets (one vendor's NICs)
 * spread over the buckets instead of piling into a few. */
static void test_spread(void)
{
	uint8_t m[6] = {0x52, 0x54, 0x00, 0x12, 0x00, 0x00};
	unsigned used[SW_BUCKETS] = {0}, nonempty = 0;

	sw_init(&sw, 0);
	for (unsigned i = 0; i < CFG_SWITCH_MACS; i++) {
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		used[sw_bucket(m)]++;
		sw_learn(&sw, m, 1, i + 1u);
	}
	for (unsigned b = 0; b < SW_BUCKETS; b++)
		nonempty += used[b] != 0;
	/* A Poisson(SW_WAYS) spread keeps about 80% of them; the bound only
	 * catches a hash that ignores the octets that vary. */
	CHECK(sw_count(&sw, ~0ull) > CFG_SWITCH_MACS / 2);
	CHECK(nonempty > SW_BUCKETS * 3 / 4);
	check_table_sane(0);
}

/* A guest sending from random source MACs: the table fills and stays
 * full, entries are evicted and counted, and a host that keeps talking
 * stays learned. */
static void test_random_flood(void)
{
	const unsigned frames = 20000;
	uint8_t m[6];
	uint64_t now = 1;

	sw_init(&sw, 0);
	sw_learn(&sw, mac_a, 1, now);
	for (unsigned i = 0; i < frames; i++) {
		uint64_t r = next_rand();
		for (unsigned k = 0; k < 6; k++)
			m[k] = (uint8_t)(r >> (8 * k));
		m[0] &= 0xfe; /* the guest's hostile frames are unicast... */
		m[0] |= 0x02;  /* ...and never all-zero */
		sw_learn(&sw, m, 2, ++now);
		/* the legitimate host sends a frame every few of the attacker's:
		 * at most SW_WAYS-1 newer entries can reach its bucket */
		if (i % (SW_WAYS - 1) == 0)
			sw_learn(&sw, mac_a, 1, ++now);
		if (i % 1000 == 0)
			CHECK(sw_count(&sw, now) <= CFG_SWITCH_MACS);
	}
	CHECK_EQ_U(sw_count(&sw, now), CFG_SWITCH_MACS);
	CHECK(sw.evicted >= frames - CFG_SWITCH_MACS);
	CHECK_EQ_U(sw_lookup(&sw, mac_a, now), 1);
	check_table_sane(0);
}

/* The worst a guest can aim: every source MAC in one bucket.  Only that
 * bucket churns; the other buckets' entries are untouched, and a host in
 * the attacked bucket that speaks at least once per SW_WAYS-1 attacker
 * frames survives.  One that goes quiet is evicted (and its frames
 * flood: correct, just not private). */
static void test_colliding_flood(void)
{
	static uint8_t m[64][6];
	uint8_t victim[1][6], quiet[1][6];
	uint32_t next = 1000;
	unsigned b = sw_bucket(mac_a), other_live, moved_away = 0;
	uint64_t now = 1;

	sw_init(&sw, 0);
	if (!macs_in_bucket(victim, 1, b, &next) ||
	    !macs_in_bucket(quiet, 1, b, &next) ||
	    !macs_in_bucket(m, 64, b, &next))
		return;
	/* fill every other bucket a little */
	for (uint32_t i = 0; i < 4 * CFG_SWITCH_MACS; i++) {
		uint8_t x[6];
		mac_n(x, 0x01000000u + i);
		if (sw_bucket(x) != b)
			sw_learn(&sw, x, 3, now);
	}
	other_live = sw_count(&sw, now);
	sw_learn(&sw, victim[0], 1, ++now);
	sw_learn(&sw, quiet[0], 1, ++now);
	for (unsigned r = 0; r < 10; r++)
		for (unsigned i = 0; i < 64; i++) {
			sw_learn(&sw, m[i], 2, ++now);
			if (i % (SW_WAYS - 1) == 0)
				sw_learn(&sw, victim[0], 1, ++now);
		}
	CHECK_EQ_U(sw_lookup(&sw, victim[0], now), 1);
	CHECK_EQ_U(sw_lookup(&sw, quiet[0], now), SW_PORT_NONE);
	CHECK_EQ_U(other_live, CFG_SWITCH_MACS - SW_WAYS);
	CHECK_EQ_U(sw_count(&sw, now), other_live + SW_WAYS);
	/* the other buckets: still full of port 3's entries */
	for (unsigned i = 0; i < CFG_SWITCH_MACS; i++)
		if (i / SW_WAYS != b && sw.t[i].port != 3)
			moved_away++;
	CHECK_EQ_U(moved_away, 0);
	check_table_sane(0);
}

int main(void)
{
	fake_reset();
	RUN(test_learn_lookup);
	RUN(test_group_and_zero);
	RUN(test_move);
	RUN(test_ageing);
	RUN(test_forget_port);
	RUN(test_bucket_eviction);
	RUN(test_spread);
	RUN(test_random_flood);
	RUN(test_colliding_flood);
	return check_summary("test_l2sw");
}
