/*
 * stats.h - the periodic counters as JSON (--stats-json): one object per
 * device and period, on one line, for programs to read.
 */
#ifndef CORE_APP_STATS_H
#define CORE_APP_STATS_H

#include <stdint.h>

#include "core/dev/dev.h"
#include "core/net/net.h"

/* A device's counters at the end of the last period. */
struct stats_prev {
	struct q_stats sum[2]; /* rx, tx */
	uint64_t at_ns;        /* when (port_now_ns) */
};

/* The period starts now: counters as they stand. */
void stats_start(const struct vu_dev *d, struct stats_prev *prev,
		 uint64_t now_ns);

/*
 * One object on one line (PORT_LOG_DATA), for device d, and the next
 * period starts:
 *
 *   {"time":1700000000.123456,"dev":"dev0","path":"/run/vm1.sock",
 *    "role":"back-end","connected":true,"connections":1,"bad_input":0,
 *    "interval":1.000,
 *    "rx":{"frames":N,"bytes":N,"kicks":N,"calls":N,"drop_bad":N,
 *          "drop_oversize":N,"drop_norx":N,"drop_disabled":N,
 *          "frames_per_s":R,"bytes_per_s":R},
 *    "tx":{...}}
 *
 * time: wall clock, seconds since 1970; interval: seconds since the last
 * object (or the start); the rates are over that interval, to three
 * decimals; rx is what the guest received (its RX queues), tx what it
 * sent; the counters (net.h Q_STATS) are totals since the start.
 */
void stats_json(const struct vu_dev *d, struct stats_prev *prev,
		uint64_t now_ns, uint64_t wall_ns);

#endif /* CORE_APP_STATS_H */
