/*
 * l2sw.c - the learning switch's MAC table: a set-associative hash table
 * with least-recently-seen eviction and ageing.
 */
#include "core/net/l2sw.h"

#include <stdbool.h>
#include <string.h>

#include "core/log.h"

_Static_assert(SW_BUCKETS >= 1 && (SW_BUCKETS & (SW_BUCKETS - 1)) == 0,
	       "CFG_SWITCH_MACS / SW_WAYS must be a power of two");

/* The group (I/G) bit, first bit on the wire of the first octet (802.3
 * 3.2.3): set for multicast and broadcast destinations; a source has it 0. */
static bool is_group(const uint8_t mac[6])
{
	return (mac[0] & 1u) != 0;
}

static bool is_zero(const uint8_t mac[6])
{
	return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

/*
 * MurmurHash3's 64-bit finalizer (fmix64): every input bit reaches every
 * output bit, so MACs that differ only in their last octets (one vendor's
 * NICs, QEMU's 52:54:00:...) still spread over all buckets.  It has no key:
 * a guest that picks colliding source MACs can only churn one bucket, which
 * is no worse than flooding random ones (see l2sw.h).
 */
unsigned sw_bucket(const uint8_t mac[6])
{
	uint64_t k = 0;

	for (unsigned i = 0; i < 6; i++)
		k = k << 8 | mac[i];
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return (unsigned)(k & (SW_BUCKETS - 1));
}

static struct sw_entry *bucket(struct l2sw *s, const uint8_t mac[6])
{
	return &s->t[sw_bucket(mac) * SW_WAYS];
}

/* Not seen for more than age_ns.  A time before `seen` (a caller mixing
 * clocks) counts as fresh rather than wrapping to "very old". */
static bool is_aged(const struct l2sw *s, const struct sw_entry *e,
		    uint64_t now)
{
	return s->age_ns != 0 && now > e->seen && now - e->seen > s->age_ns;
}

static bool is_free(const struct sw_entry *e)
{
	return e->port == SW_PORT_NONE;
}

static void drop(struct sw_entry *e)
{
	memset(e->mac, 0, sizeof(e->mac));
	e->port = SW_PORT_NONE;
	e->seen = 0;
}

void sw_init(struct l2sw *s, uint64_t age_ns)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < CFG_SWITCH_MACS; i++)
		s->t[i].port = SW_PORT_NONE;
	s->age_ns = age_ns;
}

void sw_learn(struct l2sw *s, const uint8_t src[6], uint16_t port,
	      uint64_t now)
{
	struct sw_entry *b, *victim = NULL;

	CORE_ASSERT(port != SW_PORT_NONE);
	if (is_group(src) || is_zero(src) || port == SW_PORT_NONE)
		return;
	b = bucket(s, src);
	for (unsigned w = 0; w < SW_WAYS; w++) {
		struct sw_entry *e = &b[w];
		if (is_free(e) || memcmp(e->mac, src, 6) != 0)
			continue;
		if (is_aged(s, e, now)) {
			/* Gone and back: a fresh entry, as if lookup had
			 * dropped it first. */
			s->aged++;
			s->learned++;
		} else if (e->port != port) {
			s->moved++;
		}
		e->port = port;
		e->seen = now;
		return;
	}
	/* A new MAC: a free way, else an aged one, else the least recently
	 * seen live one (802.1D 7.9: the filtering database may be full; the
	 * frames to whoever is evicted flood until it is learned again). */
	for (unsigned w = 0; w < SW_WAYS && victim == NULL; w++)
		if (is_free(&b[w]))
			victim = &b[w];
	for (unsigned w = 0; w < SW_WAYS && victim == NULL; w++)
		if (is_aged(s, &b[w], now)) {
			victim = &b[w];
			s->aged++;
		}
	if (victim == NULL) {
		victim = &b[0];
		for (unsigned w = 1; w < SW_WAYS; w++)
			if (b[w].seen < victim->seen)
				victim = &b[w];
		s->evicted++;
	}
	memcpy(victim->mac, src, 6);
	victim->port = port;
	victim->seen = now;
	s->learned++;
}

uint16_t sw_lookup(struct l2sw *s, const uint8_t dst[6], uint64_t now)
{
	struct sw_entry *b;

	if (is_group(dst)) /* broadcast is all ones: a group address too */
		return SW_PORT_NONE;
	b = bucket(s, dst);
	for (unsigned w = 0; w < SW_WAYS; w++) {
		struct sw_entry *e = &b[w];
		if (is_free(e) || memcmp(e->mac, dst, 6) != 0)
			continue;
		if (is_aged(s, e, now)) {
			drop(e);
			s->aged++;
			return SW_PORT_NONE;
		}
		return e->port;
	}
	return SW_PORT_NONE;
}

void sw_forget_port(struct l2sw *s, uint16_t port)
{
	for (unsigned i = 0; i < CFG_SWITCH_MACS; i++)
		if (!is_free(&s->t[i]) && s->t[i].port == port)
			drop(&s->t[i]);
}

unsigned sw_count(const struct l2sw *s, uint64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CFG_SWITCH_MACS; i++)
		if (!is_free(&s->t[i]) && !is_aged(s, &s->t[i], now))
			n++;
	return n;
}
