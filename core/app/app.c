/*
 * app.c - the `vhost` program: the static device table, the forwarding
 * plane, and the one poll loop, which runs until a signal (back-ends) or
 * until every front-end has finished its run.
 *
 * The loop sleeps in port_poll until an fd is ready or the nearest
 * deadline any device asked for; it never wakes on a fixed tick.
 */
#include "core/app/app.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/app/cli.h"
#include "core/app/stats.h"
#include "core/config.h"
#include "core/dev/backend.h"
#include "core/dev/dev.h"
#include "core/dev/frontend.h"
#include "core/app/fwd.h"
#include "core/err.h"
#include "core/log.h"

/* Watched fds: a socket and a connection per device, a kick or call fd per
 * queue, and the links' queues. */
#define MAX_WATCH \
	(CFG_MAX_DEVICES * (2 + CFG_MAX_QUEUES) + CFG_MAX_LINKS * FWD_LINK_QUEUES)
/* --pcap-max default */
#define PCAP_MAX_DEFAULT (64ull << 20)

/* One entry per device, of the role it plays: its connection (dev) comes
 * first in both. */
static union dev_slot {
	struct vu_dev dev;
	struct be_dev be;
	struct fe_dev fe;
} devs[CFG_MAX_DEVICES];
static struct cli cli; /* the command line, as parsed */
static struct fwd fwd;
static struct pcap pcap;
static struct port_pollfd pfd[MAX_WATCH];
static uint64_t faults_seen; /* port_mem_faults() when last looked at */
static struct watch watches[MAX_WATCH];
static unsigned gen_seen[CFG_MAX_DEVICES]; /* devs[i].gen, last looked at */
static struct stats_prev stats_prev[CFG_MAX_DEVICES]; /* --stats-json */

static bool gen_again; /* fwd_generate wants to run again at once */
static struct port_file_id pid_id; /* the --pid-file we wrote */

/* One pass of the loop: wait, then serve what is ready. */
static void loop_once(unsigned ndev, uint64_t stats_at)
{
	uint64_t now = port_now_ns(), deadline = stats_at;
	int64_t timeout;
	unsigned n = 0;
	int r;

	for (unsigned i = 0; i < ndev; i++)
		n += dev_watch(&devs[i].dev, pfd + n, watches + n,
			       MAX_WATCH - n, &deadline, now);
	if (gen_again)
		deadline = now; /* a generator had room for more */
	for (unsigned j = 0; j < fwd.nlinks; j++) {
		for (unsigned k = 0; k < fwd.link[j].nq && n < MAX_WATCH; k++) {
			if (!fwd.link[j].attached[k])
				continue; /* polls as an error until attached */
			pfd[n].fd = fwd.link[j].fd[k];
			pfd[n].events = PORT_POLLIN;
			watches[n].dev = NULL;
			watches[n].kind = W_LINK;
			watches[n].q = (uint8_t)j;
			watches[n++].sub = (uint8_t)k;
		}
	}
	if (deadline == UINT64_MAX)
		timeout = -1;
	else
		timeout = deadline <= now ? 0 : (int64_t)(deadline - now);
	port_log_flush();
	r = port_poll(pfd, n, timeout);
	now = port_now_ns();
	/* What a device's peer causes is logged under that device's rate
	 * limit (log.h). */
	for (unsigned i = 0; r > 0 && i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (watches[i].kind == W_LINK) {
			fwd_link_readable(&fwd, watches[i].q, watches[i].sub);
			continue;
		}
		log_scope(&watches[i].dev->loglim);
		dev_event(&watches[i], pfd[i].revents, now);
		log_scope(NULL);
	}
	for (unsigned i = 0; i < ndev; i++) {
		log_scope(&devs[i].dev.loglim);
		dev_tick(&devs[i].dev, now);
		log_scope(NULL);
	}
	/* A peer shrank a file under our mapping (port.h): its device goes.
	 * Only a back-end maps what its peer gave. */
	if (port_mem_faults() != faults_seen) {
		faults_seen = port_mem_faults();
		for (unsigned i = 0; i < ndev; i++) {
			if (devs[i].dev.role != &be_role)
				continue;
			log_scope(&devs[i].dev.loglim);
			be_memory_check(&devs[i].be);
			log_scope(NULL);
		}
	}
	/* A device lost its connection this round: the switch forgets what
	 * it learned there (before the next round's frames). */
	for (unsigned i = 0; i < ndev; i++) {
		if (devs[i].dev.gen != gen_seen[i]) {
			gen_seen[i] = devs[i].dev.gen;
			fwd_dev_gone(&fwd, i);
		}
	}
	gen_again = fwd_generate(&fwd);
	fwd_flush(&fwd);
}

static void print_stats(unsigned ndev, bool detail)
{
	for (unsigned i = 0; i < ndev; i++) {
		if (detail)
			dev_print_stats(&devs[i].dev);
		else
			dev_print_line(&devs[i].dev);
	}
	fwd_print_stats(&fwd);
}

/* --stats: a line per device (and link), or a JSON object per device. */
static void print_period(unsigned ndev)
{
	uint64_t now = port_now_ns(), wall = port_wall_ns();

	if (!cli.stats_json) {
		print_stats(ndev, false);
		return;
	}
	for (unsigned i = 0; i < ndev; i++)
		stats_json(&devs[i].dev, &stats_prev[i], now, wall);
}

/* Close the devices (and their socket files), the capture, the links. */
static void close_all(unsigned ndev)
{
	for (unsigned i = 0; i < ndev; i++)
		dev_close(&devs[i].dev);
	if (CFG_WITH_PCAP && fwd.pcap != NULL)
		pcap_close(&pcap);
	fwd_close(&fwd);
}

/* Open the links, the capture and the devices.  Returns how many devices
 * were opened, or -1 (everything opened is closed again). */
static int open_all(const struct cli *c)
{
	unsigned i;

	fwd.ndev = c->ndev;
	fwd.nlinks = c->nlinks;
	fwd.switching = c->switching;
	for (unsigned j = 0; j < c->nlinks; j++) {
		fwd.link[j].kind = c->link_kind[j];
		fwd.link[j].name = c->link_name[j];
		fwd.link[j].dev = c->link_dev[j];
		fwd.link[j].nq = 0;
	}
	if (fwd_open(&fwd) < 0)
		return -1;
	/* (CFG_WITH_PCAP: without it, pcap.c is not even built) */
	if (CFG_WITH_PCAP && c->pcap != NULL) {
		if (pcap_open(&pcap, c->pcap,
			      c->pcap_max ? c->pcap_max : PCAP_MAX_DEFAULT) < 0) {
			fwd_close(&fwd);
			return -1;
		}
	}
	for (i = 0; i < c->ndev; i++) {
		const struct cli_dev *o = &c->dev[i];
		bool fe = o->role == DEV_FRONTEND;
		/* (without CFG_WITH_FRONTEND the command line has no -q, and
		 * the front-end's files are not built) */
		int rc = CFG_WITH_FRONTEND && fe
				 ? fe_open(&devs[i].fe, i, &o->conn, &o->fe)
				 : be_open(&devs[i].be, i, &o->conn);

		if (rc < 0) {
			close_all(i);
			return -1;
		}
		fwd_attach(&fwd, i, fe ? NULL : &devs[i].be, &o->fwd);
	}
	/* the capture's interfaces: every back-end, then every link */
	if (CFG_WITH_PCAP && c->pcap != NULL)
		fwd_capture(&fwd, &pcap);
	return (int)i;
}

int app_main(int argc, char **argv)
{
	unsigned nfe = 0, ndev;
	uint64_t stats_at = UINT64_MAX;
	int rc = cli_parse(&cli, argc, argv);

	if (rc != 0) {
		port_log_flush();
		return rc < 0 ? 0 : rc;
	}
	/* stdout carries the capture (--pcap -) or the JSON (--stats-json)
	 * alone when asked to; every other line goes to stderr then */
	log_level = cli.verbosity;
	port_log_setup(CFG_WITH_PCAP && cli.pcap != NULL &&
				       strcmp(cli.pcap, "-") == 0
			       ? PORT_STDOUT_NONE
		       : cli.stats_json ? PORT_STDOUT_DATA
					: PORT_STDOUT_TEXT,
		       cli.log_syslog);
	if (port_sig_init() < 0) {
		LOG_ERR("cannot install signal handlers");
		return 1;
	}
	rc = open_all(&cli);
	if (rc < 0) {
		port_log_flush();
		return 3; /* could not start (app.h) */
	}
	ndev = (unsigned)rc;
	/* written once every socket listens: whoever waits for the file
	 * (an init script) may connect at once */
	if (CFG_WITH_SERVICE && cli.pid_file != NULL) {
		rc = port_pid_file(cli.pid_file, &pid_id);
		if (rc < 0) {
			LOG_ERR("--pid-file %s: %s", cli.pid_file,
				err_text(rc));
			close_all(ndev);
			port_log_flush();
			return 3;
		}
	}
	rc = 0;
	for (unsigned i = 0; i < ndev; i++)
		nfe += cli.dev[i].role == DEV_FRONTEND;
	if (cli.stats_secs)
		stats_at = port_now_ns() + cli.stats_secs * PORT_NS_PER_S;
	for (unsigned i = 0; cli.stats_json && i < ndev; i++)
		stats_start(&devs[i].dev, &stats_prev[i], port_now_ns());
	for (;;) {
		unsigned sig = port_sig_take(), done = 0;

		if (sig & PORT_SIG_STATS)
			print_stats(ndev, true);
		if (sig & PORT_SIG_STOP) {
			LOG_INFO("vhost: stopping\n");
			break;
		}
		if (port_now_ns() >= stats_at) {
			print_period(ndev);
			stats_at += cli.stats_secs * PORT_NS_PER_S;
		}
		for (unsigned i = 0; i < ndev; i++)
			done += cli.dev[i].role == DEV_FRONTEND &&
				devs[i].dev.finished;
		if (nfe > 0 && done == nfe)
			break;
		/* back-ends end only by a signal, unless every device is
		 * done: the connection of --fd over, a peer that cannot
		 * come back (dev.c) */
		for (unsigned i = done = 0; i < ndev; i++)
			done += devs[i].dev.finished;
		if (done == ndev)
			break;
		loop_once(ndev, stats_at);
	}
	/* the counters at the end are for the operator, not asked for */
	if (log_level >= LOG_NORMAL)
		print_stats(ndev, true);
	for (unsigned i = 0; i < ndev; i++)
		if (devs[i].dev.exit_code != 0 ||
		    (cli.dev[i].role == DEV_FRONTEND && !devs[i].dev.finished))
			rc = 1;
	close_all(ndev);
	if (CFG_WITH_SERVICE && cli.pid_file != NULL &&
	    port_unlink_ours(cli.pid_file, &pid_id) == -PORT_EEXIST)
		LOG_WARN("--pid-file %s: no longer the file we wrote: left in "
			 "place", cli.pid_file);
	port_log_flush();
	return rc;
}
