/*
 * cli.h - the command line, parsed into plain data (no side effects).
 */
#ifndef CORE_CLI_H
#define CORE_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/dev/dev.h"
#include "core/dev/frontend.h"
#include "core/app/fwd.h"

enum dev_kind {
	DEV_BACKEND,
	DEV_FRONTEND,
};

/* What the command line asked of one device: its role, its connection,
 * and the options of that role (a front-end's run, a back-end's frames). */
struct cli_dev {
	enum dev_kind role;
	struct dev_opts conn;
	struct fe_opts fe;
	struct fwd_opts fwd;
	/* as given, before cli_parse settles the above */
	bool respond;   /* --respond: fwd.resp holds our address */
	bool size_set;  /* --size given (else a default per mode) */
	bool fe_listen; /* --listen (front-end only) */
	const char *how; /* the option that made it: "-s", "--fd", ... */
	char label[16];  /* an inherited socket's name: "fd 3" */
};

/* argv as cli_parse reads it: every --opt=value split in two (the
 * back-end conventions' form), the names copied here. */
#define CLI_ARGS_MAX 256
#define CLI_NAMES_MAX 1024

/* Options that only some devices take (cli.c): for each, the first one
 * given in a scope, to refuse where it does not apply. */
enum cli_need {
	NEED_FE,       /* a front-end */
	NEED_BE,       /* a back-end */
	NEED_SOCKFILE, /* a socket file that we create */
	NEED_FRAMES,   /* frames of --size: a front-end, or --generate */
	CLI_NEEDS
};

struct cli {
	struct cli_dev dev[CFG_MAX_DEVICES];
	unsigned ndev;
	/* links: kind, name and the device they are bridged to (or -1) */
	enum link_kind link_kind[CFG_MAX_LINKS > 0 ? CFG_MAX_LINKS : 1];
	const char *link_name[CFG_MAX_LINKS > 0 ? CFG_MAX_LINKS : 1];
	int link_dev[CFG_MAX_LINKS > 0 ? CFG_MAX_LINKS : 1];
	unsigned nlinks;
	bool switching;
	const char *pcap;
	uint64_t pcap_max; /* bytes, 0: no cap */
	uint32_t stats_secs;
	/* logs (log.h, port.h): how much, how marked, counters as JSON */
	int verbosity;     /* LOG_QUIET .. LOG_RINGS */
	bool log_syslog;   /* sd-daemon(3) priorities before lines */
	bool stats_json;
	const char *pid_file;
	/* while parsing: the options before the first device (the defaults
	 * of all), and per device (the last entry: the defaults) whether an
	 * action or --mac was given explicitly */
	struct cli_dev def;
	bool action_set[CFG_MAX_DEVICES + 1];
	bool mac_set[CFG_MAX_DEVICES + 1];
	/* per scope (the same indexes): the action given in it, and the
	 * first option of each need */
	const char *act_opt[CFG_MAX_DEVICES + 1];
	const char *need[CFG_MAX_DEVICES + 1][CLI_NEEDS];
	const char *args[CLI_ARGS_MAX];
	bool split_val[CLI_ARGS_MAX]; /* args[k] came after an '=' */
	char names[CLI_NAMES_MAX];
};

/* Parse argv.  Returns 0, 2 after logging a usage error, or -1 when
 * --help, --version or --print-capabilities was printed. */
int cli_parse(struct cli *c, int argc, char **argv);

#endif /* CORE_CLI_H */
