/*
 * app.c - the `vhost` program: parse the command line into the static
 * device table, then run the one poll loop until a signal (back-ends) or
 * until every front-end has finished its run.
 *
 * The loop sleeps in port_poll until an fd is ready or the nearest
 * deadline any device asked for; it never wakes on a fixed tick.
 */
#include "core/app.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/config.h"
#include "core/dev.h"
#include "core/log.h"

#ifndef VHOST_VERSION
#define VHOST_VERSION "0.1"
#endif

/* Watched fds: a socket and a connection per device, and a kick or call fd
 * per queue. */
#define MAX_WATCH (CFG_MAX_DEVICES * (2 + CFG_MAX_QUEUES))

static struct vu_dev devs[CFG_MAX_DEVICES];
static struct port_pollfd pfd[MAX_WATCH];
static struct watch watches[MAX_WATCH];

static const char usage_text[] =
	"usage: vhost [options] -s PATH | -c PATH | -q PATH ...\n"
	"\n"
	"A vhost-user virtio-net back-end, and a front-end to test one.\n"
	"\n"
	"Devices (repeat for several, up to %u):\n"
	"  -s, --server PATH     back-end listening on unix socket PATH\n"
	"  -c, --client PATH     back-end connecting to PATH (retries until it\n"
	"                        appears, reconnects when the front-end goes)\n"
	"  -q, --frontend PATH   front-end connecting to a back-end on PATH\n"
	"      --listen          front-end listens on PATH instead (for -c)\n"
	"\n"
	"Back-end action for frames the guest transmits:\n"
	"      --echo            return each frame on the guest's RX queue "
	"(default)\n"
	"      --dump            print each frame as hex, then drop it\n"
	"      --sink            count and drop\n"
	"\n"
	"Front-end:\n"
	"      --frames N        frames to send (default 1000)\n"
	"      --size B          frame size in bytes, %u..%u (default 60)\n"
	"      --expect-none     pass only if nothing comes back (for --sink)\n"
	"      --no-protocol-features\n"
	"                        negotiate no protocol features (as the old\n"
	"                        sample app did)\n"
	"      --no-kick         give the back-end no kick fds (NOFD flag): it\n"
	"                        must poll the rings\n"
	"\n"
	"  -v, --verbose         trace every vhost-user message\n"
	"  -h, --help            this text\n"
	"      --version         print the version\n"
	"\n"
	"Signals: SIGINT/SIGTERM stop (counters printed, socket removed),\n"
	"SIGUSR1 prints counters.  Exit status: 0 success, 1 failure, 2 usage.\n";

struct cli {
	struct dev_opts dev[CFG_MAX_DEVICES];
	unsigned ndev;
	enum dev_action action;
	bool verbose, listen, expect_none, no_proto, no_kick;
	uint32_t frames, size;
};

static bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > 0xffffffffull)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static int usage_error(const char *what, const char *arg)
{
	LOG_ERR("%s%s%s (see vhost --help)", what, arg ? ": " : "",
		arg ? arg : "");
	return 2;
}

/* Long and short spellings of one option. */
static bool is(const char *a, const char *s, const char *l)
{
	return (s != NULL && strcmp(a, s) == 0) || strcmp(a, l) == 0;
}

/* Returns 0, 2 on a usage error, or -1 when --help/--version was served. */
static int parse(struct cli *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->action = ACT_ECHO;
	c->frames = 1000;
	c->size = 60;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		enum dev_role role;
		bool listen;

		if (is(a, "-h", "--help")) {
			LOG_INFO(usage_text, (unsigned)CFG_MAX_DEVICES, 42u,
				 (unsigned)CFG_FRAME_MAX);
			return -1;
		} else if (is(a, NULL, "--version")) {
			LOG_INFO("vhost " VHOST_VERSION "\n");
			return -1;
		} else if (is(a, "-v", "--verbose")) {
			c->verbose = true;
		} else if (is(a, NULL, "--echo")) {
			c->action = ACT_ECHO;
		} else if (is(a, NULL, "--dump")) {
			c->action = ACT_DUMP;
		} else if (is(a, NULL, "--sink")) {
			c->action = ACT_SINK;
		} else if (is(a, NULL, "--listen")) {
			c->listen = true;
		} else if (is(a, NULL, "--expect-none")) {
			c->expect_none = true;
		} else if (is(a, NULL, "--no-protocol-features")) {
			c->no_proto = true;
		} else if (is(a, NULL, "--no-kick")) {
			c->no_kick = true;
		} else if (is(a, NULL, "--frames") || is(a, NULL, "--size")) {
			uint32_t *dst = a[2] == 'f' ? &c->frames : &c->size;
			if (!parse_u32(val, dst))
				return usage_error("expected a number after", a);
			i++;
		} else if (is(a, "-s", "--server") || is(a, "-c", "--client") ||
			   is(a, "-q", "--frontend")) {
			role = (a[1] == 'q' || a[2] == 'f') ? DEV_FRONTEND
							    : DEV_BACKEND;
			listen = a[1] == 's' || (a[1] == '-' && a[2] == 's');
			if (val == NULL || val[0] == '\0')
				return usage_error("expected a socket path after",
						   a);
			if (c->ndev == CFG_MAX_DEVICES)
				return usage_error("too many devices for this "
						   "board, at most CFG_MAX_DEVICES",
						   NULL);
			c->dev[c->ndev].path = val;
			c->dev[c->ndev].role = role;
			c->dev[c->ndev].listen = listen;
			c->ndev++;
			i++;
		} else {
			return usage_error("unknown option", a);
		}
	}
	if (c->ndev == 0)
		return usage_error("no device: give -s, -c or -q", NULL);
	for (unsigned i = 0; i < c->ndev; i++) {
		struct dev_opts *o = &c->dev[i];
		o->action = c->action;
		o->verbose = c->verbose;
		o->frames = c->frames;
		o->size = c->size;
		o->expect_none = c->expect_none;
		o->no_proto = c->no_proto;
		o->no_kick = c->no_kick;
		if (o->role == DEV_FRONTEND)
			o->listen = c->listen;
	}
	return 0;
}

/* One pass of the loop: wait, then serve what is ready. */
static void loop_once(unsigned ndev)
{
	uint64_t now = port_now_ns(), deadline = UINT64_MAX;
	int64_t timeout;
	unsigned n = 0;
	int r;

	for (unsigned i = 0; i < ndev; i++)
		n += dev_watch(&devs[i], pfd + n, watches + n, MAX_WATCH - n,
			       &deadline, now);
	if (deadline == UINT64_MAX)
		timeout = -1;
	else
		timeout = deadline <= now ? 0 : (int64_t)(deadline - now);
	port_log_flush();
	r = port_poll(pfd, n, timeout);
	now = port_now_ns();
	for (unsigned i = 0; r > 0 && i < n; i++)
		if (pfd[i].revents)
			dev_event(&watches[i], pfd[i].revents, now);
	for (unsigned i = 0; i < ndev; i++)
		dev_tick(&devs[i], now);
}

int app_main(int argc, char **argv)
{
	static struct cli cli;
	unsigned nfe = 0, opened = 0;
	int rc = parse(&cli, argc, argv);

	if (rc != 0) {
		port_log_flush();
		return rc < 0 ? 0 : rc;
	}
	if (port_sig_init() < 0) {
		LOG_ERR("cannot install signal handlers");
		return 1;
	}
	for (; opened < cli.ndev; opened++) {
		if (dev_open(&devs[opened], opened, &cli.dev[opened]) < 0) {
			rc = 1;
			break;
		}
		nfe += cli.dev[opened].role == DEV_FRONTEND;
	}
	while (rc == 0) {
		unsigned sig = port_sig_take(), done = 0;

		if (sig & PORT_SIG_STATS)
			for (unsigned i = 0; i < opened; i++)
				dev_print_stats(&devs[i]);
		if (sig & PORT_SIG_STOP) {
			LOG_INFO("vhost: stopping\n");
			break;
		}
		for (unsigned i = 0; i < opened; i++)
			done += devs[i].o.role == DEV_FRONTEND &&
				devs[i].finished;
		if (nfe > 0 && done == nfe)
			break;
		loop_once(opened);
	}
	for (unsigned i = 0; i < opened; i++) {
		dev_print_stats(&devs[i]);
		if (devs[i].o.role == DEV_FRONTEND &&
		    (!devs[i].finished || devs[i].exit_code != 0))
			rc = 1;
		dev_close(&devs[i]);
	}
	port_log_flush();
	return rc;
}
