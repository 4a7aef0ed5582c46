/*
 * l2sw.h - the MAC table of an L2 learning switch (IEEE 802.1D-2004 7.8:
 * learning, 7.9: the filtering database and its ageing).
 *
 * A frame's source address teaches the table which port it lives behind;
 * its destination address is looked up to pick one port, or none (flood).
 * The table is fixed-size and set-associative: a hash of the MAC picks a
 * bucket of SW_WAYS entries, so learning and lookup cost O(SW_WAYS) per
 * frame whatever the guests send.  A full bucket evicts its least recently
 * seen entry.  The source addresses come from guests and are not trusted:
 * the worst a guest flooding random (or colliding) source MACs can do is
 * evict entries, which makes frames to them flood until they are learned
 * again -- delivery stays correct, nothing grows.
 */
#ifndef CORE_L2SW_H
#define CORE_L2SW_H

#include <stdint.h>

#include "core/config.h"

#define SW_PORT_NONE 0xffffu

/* Ways per bucket; CFG_SWITCH_MACS (a power of two, at least 4) is split
 * into CFG_SWITCH_MACS / SW_WAYS buckets, also a power of two. */
#define SW_WAYS 4u
#define SW_BUCKETS (CFG_SWITCH_MACS / SW_WAYS)

struct sw_entry {
	uint8_t mac[6];
	uint16_t port; /* SW_PORT_NONE: the entry is free */
	uint64_t seen; /* ns, when mac last appeared as a source */
};

struct l2sw {
	struct sw_entry t[CFG_SWITCH_MACS]; /* bucket b: t[b*SW_WAYS ..] */
	uint64_t age_ns;                    /* 0: entries never age */
	uint64_t learned; /* new entries made */
	uint64_t moved;   /* a known MAC seen on another port */
	uint64_t aged;    /* entries dropped for not being seen in age_ns */
	uint64_t evicted; /* live entries pushed out of a full bucket */
};

/* An empty table: entries unseen for more than age_ns nanoseconds are
 * forgotten (0: never).  Counters zero. */
void sw_init(struct l2sw *s, uint64_t age_ns);

/*
 * Learn that src lives behind port (port != SW_PORT_NONE), seen at time now
 * (ns, monotonic).  Only unicast sources are learned: a source with the group
 * bit set (802.3 3.2.3: never valid as a source) and the all-zero MAC are
 * ignored.  A known MAC seen on another port moves there (counted in moved).
 */
void sw_learn(struct l2sw *s, const uint8_t src[6], uint16_t port,
	      uint64_t now);

/*
 * The port behind dst, or SW_PORT_NONE when the frame must flood: dst is
 * broadcast or multicast (group bit), unknown, or aged out (not seen for
 * more than age_ns; such an entry is dropped here and counted in aged).
 */
uint16_t sw_lookup(struct l2sw *s, const uint8_t dst[6], uint64_t now);

/* Forget every address learned on port (its device disconnected, so frames
 * to those MACs must flood until they show up again elsewhere). */
void sw_forget_port(struct l2sw *s, uint16_t port);

/* Entries learned and not aged out at time now. */
unsigned sw_count(const struct l2sw *s, uint64_t now);

/* The bucket (0 .. SW_BUCKETS-1) mac falls in: for tests and diagnostics. */
unsigned sw_bucket(const uint8_t mac[6]);

#endif /* CORE_L2SW_H */
