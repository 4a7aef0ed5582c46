/*
 * stats.c - --stats-json (see stats.h).
 *
 * JSON (RFC 8259) without floating point: decimals are printed as whole
 * and fractional parts, and the one string that is not ours (the socket
 * path) is escaped here.  The counters are net.h's X-macro list, so a new
 * counter shows up in the JSON by itself.
 */
#include "core/app/stats.h"

#include <stdarg.h>
#include <stddef.h>

#include "core/log.h"

/* The longest line: a unix socket path (108 bytes at most), each byte
 * escaped in 6, and about 30 numbers of at most 24 characters. */
#define LINE_JSON_MAX (6 * 108 + 1200)

/* Each counter: its name and where it is in struct q_stats. */
static const struct {
	const char *name;
	uint8_t off;
} counters[] = {
#define Q_STAT_ENTRY(n) {#n, offsetof(struct q_stats, n)},
	Q_STATS(Q_STAT_ENTRY)
#undef Q_STAT_ENTRY
};

/* The line being built (one thread: static). */
static char line[LINE_JSON_MAX];
static size_t line_len;

/* Append to the line; what does not fit is cut (it always fits:
 * LINE_JSON_MAX). */
__attribute__((format(printf, 1, 2))) static void add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_len += port_vformat(line + line_len, sizeof(line) - line_len,
				 fmt, ap);
	va_end(ap);
	if (line_len >= sizeof(line))
		line_len = sizeof(line) - 1;
}

/*
 * s as a JSON string.  RFC 8259 section 7: '"', '\' and control
 * characters escaped.  A byte of 0x80 and up becomes \u00XX: a path need
 * not be UTF-8 and JSON must be, so each such byte reads as the Latin-1
 * character of its value (lossless: encoding the string as Latin-1 gives
 * the bytes back).
 */
static void add_str(const char *s)
{
	add("\"");
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f)
			add("\\u%04x", ch);
		else if (ch == '"' || ch == '\\')
			add("\\%c", ch);
		else
			add("%c", ch);
	}
	add("\"");
}

/* Thousandths of `delta` per second over dt_ms milliseconds (dt_ms > 0).
 * Exact below 1.8e13 a period; above, whole units a second. */
static uint64_t per_s_milli(uint64_t delta, uint64_t dt_ms)
{
	if (delta <= UINT64_MAX / 1000000u)
		return delta * 1000000u / dt_ms;
	return delta / dt_ms * 1000000u;
}

void stats_start(const struct vu_dev *d, struct stats_prev *prev,
		 uint64_t now_ns)
{
	dev_stats_sum(d, prev->sum);
	prev->at_ns = now_ns;
}

void stats_json(const struct vu_dev *d, struct stats_prev *prev,
		uint64_t now_ns, uint64_t wall_ns)
{
	uint64_t dt_ms = (now_ns - prev->at_ns) / PORT_NS_PER_MS;
	struct q_stats s[2];

	if (dt_ms == 0)
		dt_ms = 1;
	dev_stats_sum(d, s);
	line_len = 0;
	add("{\"time\":%llu.%06llu,\"dev\":\"%s\",\"path\":",
	    (unsigned long long)(wall_ns / PORT_NS_PER_S),
	    (unsigned long long)(wall_ns % PORT_NS_PER_S / PORT_NS_PER_US),
	    d->name);
	add_str(d->o.path != NULL ? d->o.path : "");
	add(",\"role\":\"%s\",\"connected\":%s,\"connections\":%llu,"
	    "\"bad_input\":%llu,\"interval\":%llu.%03llu",
	    d->role->name, d->fd >= 0 ? "true" : "false",
	    (unsigned long long)d->connections,
	    (unsigned long long)d->violations,
	    (unsigned long long)(dt_ms / 1000),
	    (unsigned long long)(dt_ms % 1000));
	for (unsigned k = 0; k < 2; k++) {
		uint64_t f = per_s_milli(s[k].frames - prev->sum[k].frames,
					 dt_ms);
		uint64_t b = per_s_milli(s[k].bytes - prev->sum[k].bytes,
					 dt_ms);

		add(",\"%s\":{", k == 0 ? "rx" : "tx");
		for (unsigned i = 0; i < sizeof(counters) / sizeof(counters[0]);
		     i++) {
			const uint64_t *v = (const uint64_t *)(const void *)
				((const char *)&s[k] + counters[i].off);
			add("\"%s\":%llu,", counters[i].name,
			    (unsigned long long)*v);
		}
		add("\"frames_per_s\":%llu.%03llu,\"bytes_per_s\":%llu.%03llu}",
		    (unsigned long long)(f / 1000),
		    (unsigned long long)(f % 1000),
		    (unsigned long long)(b / 1000),
		    (unsigned long long)(b % 1000));
	}
	port_log(PORT_LOG_DATA, "%s}\n", line);
	prev->sum[0] = s[0];
	prev->sum[1] = s[1];
	prev->at_ns = now_ns;
}
