/*
 * cli.c - the command line.
 *
 *   vhost [defaults] DEVICE [its options] [DEVICE [its options]] ...
 *
 * Options before the first device are defaults for every device; options
 * after a device are that device's.  --switch, --pcap, --stats, --pid-file
 * and -v are for the whole process wherever they stand.  Every long option
 * also takes its value as --opt=value, the form of vhost-user.rst
 * "Backend program conventions" (--socket-path=PATH, --fd=FDNUM).
 */
#include "core/app/cli.h"

#include <string.h>

#include "core/app/about.h"
#include "core/err.h"
#include "core/log.h"

/* The board this binary was built for (the Makefile sets it). */
#ifndef VHOST_BOARD
#define VHOST_BOARD "custom"
#endif

/* The deepest -v built (config.h). */
#if CFG_LOG_TRACE == 1
#define TRACE_MAX_OPT "-v"
#elif CFG_LOG_TRACE == 2
#define TRACE_MAX_OPT "-vv"
#else
#define TRACE_MAX_OPT "-vvv"
#endif

/* --help: the pieces of the parts a board may leave out (config.h) go
 * into the %s of the three texts below, so that it shows what is built. */
static const char usage_head[] =
	"usage: vhost [options] DEVICE [options] [DEVICE [options]] ...\n"
	"\n"
	"A vhost-user virtio-net back-end%s.\n"
	"Options before the first device apply to all; after one, to it.\n"
	"\n"
	"Devices (up to %u):\n"
	"  -s, --server PATH     back-end listening on unix socket PATH\n"
	"  -c, --client PATH     back-end connecting to PATH (retries until it\n"
	"                        appears, reconnects when the front-end goes)\n"
	"      --socket-path PATH  the same as -s\n"
	"      --fd N            back-end on socket fd N that we were given\n"
	"                        (systemd): listening, or connected\n"
	"%s%s"
	"\n"
	"What a back-end does with the frames its guest transmits:\n"
	"      --echo            return them on the guest's RX queue (default)\n"
	"      --dump            print them as hex, then drop them\n"
	"      --sink            count and drop\n"
	"      --generate        count and drop, and fill the guest's RX queue\n"
	"                        with --size B byte frames (42..%u, default\n"
	"                        60) at full rate\n"
	"%s%s%s";
static const char usage_sock[] =
	"      --socket-mode MODE    mode of the socket files we make (0660)\n"
	"      --socket-group GROUP  their group (kvm): who may connect\n";
static const char usage_fe_devices[] =
	"  -q, --frontend PATH   front-end connecting to a back-end on PATH\n"
	"      --listen          front-end listens on PATH instead (for -c)\n";
static const char usage_respond[] =
	"      --respond IP[/N]  answer ARP and ping (and IPv6 neighbour\n"
	"                        solicitation and ping6 with --ip6) for IP\n";
static const char usage_links[] =
	"      --tap NAME        bridge to tap interface NAME (created if needed)\n"
	"      --packet IFNAME   bridge to existing interface IFNAME (AF_PACKET)\n";
static const char usage_switch[] =
	"      --switch          an L2 learning switch between all back-ends\n"
	"                        (and every --tap/--packet): whole process\n";
static const char usage_fe[] =
	"\n"
	"Front-end:\n"
	"      --frames N        frames to send (default 1000)\n"
	"      --size B          frame size in bytes, %u..%u (default 60); with\n"
	"                        --ping, the ICMP payload size (default 56)\n"
	"      --expect-none     pass only if nothing comes back (for --sink)\n"
	"      --ping IP         ARP for IP, then N pings; check every reply\n"
	"      --respond IP[/N]  our own address: answer ARP and ping for it\n"
	"      --serve SECS      keep answering that long after the run\n"
	"      --timeout SECS    fail after SECS s of no progress (default 10)\n"
	"      --no-protocol-features\n"
	"                        negotiate no protocol features (as the old\n"
	"                        sample app did)\n"
	"      --no-kick         give the back-end no kick fds (NOFD flag): it\n"
	"                        must poll the rings\n"
	"      --packed          use packed rings (VIRTIO_F_RING_PACKED)\n"
	"      --indirect        send each TX frame as an indirect table\n"
	"                        (VIRTIO_RING_F_INDIRECT_DESC)\n"
	"      --queues N        N queue pairs (VIRTIO_NET_F_MQ if N > 1)\n"
	"      --[no-]event-idx  VIRTIO_RING_F_EVENT_IDX on or off (if offered)\n"
	"      --mtu N           VIRTIO_NET_F_MTU and NET_SET_MTU N\n";
static const char usage_tail[] =
	"%s"
	"\n"
	"Whole process:\n"
	"%s"
	"      --stats SECS      print counters every SECS seconds\n"
	"%s"
	"      --stats-json      ... as JSON lines (other lines to stderr)\n"
	"  -v, --verbose         trace messages (-vv rings, -vvv descriptors)\n"
	"      --quiet           errors only\n"
	"      --log-prefix syslog  priorities for journald: \"<3>\" etc.\n"
	"  -h, --help            this text\n"
	"      --version         version, board, limits, features\n"
	"      --print-capabilities  what the back-end offers, as JSON\n"
	"\n"
	"Signals: SIGINT, SIGTERM, SIGHUP stop (counters printed, sockets\n"
	"removed), SIGUSR1 prints counters.  Exit status: 0 success, 1 failed,\n"
	"2 bad command line, 3 could not start.\n";
static const char usage_pid[] =
	"      --pid-file PATH   write our process id to PATH\n";
static const char usage_both[] =
	"\n"
	"Both:\n"
	"      --mac XX:XX:XX:XX:XX:XX   our MAC (default 52:54:00 + the IP's\n"
	"                        last three bytes)\n"
	"      --ip6 ADDR        also answer for this IPv6 address\n";
static const char usage_pcap[] =
	"      --pcap FILE       capture every frame on every device and link,\n"
	"                        with its direction (pcapng; -: stdout)\n"
	"      --pcap-max MB     stop capturing at this file size (default 64)\n";

static void usage(void)
{
	LOG_OUT(usage_head,
		 CFG_WITH_FRONTEND ? ", and a front-end to test one" : "",
		 (unsigned)CFG_MAX_DEVICES,
		 CFG_WITH_FRONTEND ? usage_fe_devices : "",
		 CFG_WITH_SERVICE ? usage_sock : "", (unsigned)CFG_FRAME_MAX,
		 CFG_WITH_RESPOND ? usage_respond : "",
		 CFG_WITH_LINKS ? usage_links : "",
		 CFG_WITH_SWITCH ? usage_switch : "");
	if (CFG_WITH_FRONTEND)
		LOG_OUT(usage_fe, 42u, (unsigned)CFG_FRAME_MAX);
	LOG_OUT(usage_tail, CFG_WITH_RESPOND ? usage_both : "",
		 CFG_WITH_PCAP ? usage_pcap : "", CFG_WITH_SERVICE ? usage_pid : "");
}

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

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	if (s == NULL || strlen(s) != 17)
		return false;
	for (unsigned i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return !(mac[0] & 1); /* a unicast address */
}

static const char see_help[] = " (see vhost --help)";

static int usage_error(const char *what, const char *arg)
{
	LOG_ERR("%s%s%s%s", what, arg ? ": " : "", arg ? arg : "", see_help);
	return 2;
}

/* A usage error whose line needs numbers: logged, and 2. */
#define USAGE_ERR(fmt, ...) \
	(port_log(PORT_LOG_ERR, fmt "%s", __VA_ARGS__, see_help), 2)

/* The options of the parts this board leaves out (config.h), one after
 * the other: each is refused, before anything parses it. */
static const char parts_out[] =
#if !CFG_WITH_FRONTEND
	"-q\0--frontend\0--listen\0--frames\0--expect-none\0--ping\0"
	"--serve\0--timeout\0--no-protocol-features\0--no-kick\0--packed\0"
	"--indirect\0--queues\0--event-idx\0--no-event-idx\0--mtu\0"
#endif
#if !CFG_WITH_RESPOND
	"--respond\0--ip6\0--mac\0"
#endif
#if !CFG_WITH_LINKS
	"--tap\0--packet\0"
#endif
#if !CFG_WITH_SWITCH
	"--switch\0"
#endif
#if !CFG_WITH_PCAP
	"--pcap\0--pcap-max\0"
#endif
#if !CFG_WITH_SERVICE
	"--pid-file\0--socket-mode\0--socket-group\0"
#endif
	"";

/* 2 after saying so if option a belongs to a part left out, else 0. */
static int part_check(const char *a)
{
	if (sizeof(parts_out) == 1)
		return 0; /* everything built: nothing to look up */
	for (const char *p = parts_out; *p != '\0'; p += strlen(p) + 1) {
		if (strcmp(a, p) == 0) {
			LOG_ERR("%s: not in this build (board " VHOST_BOARD ")",
				a);
			return 2;
		}
	}
	return 0;
}

/* The logs' options (whole process); see log.h for the levels.  Returns
 * the arguments used (1 or 2), 0 if a is none of them, or minus a usage
 * error status. */
static int log_option(struct cli *c, const char *a, const char *val,
		      bool *quiet)
{
	unsigned n = 1;

	while (a[0] == '-' && a[n] == 'v')
		n++;
	if (n > 1 && a[n] == '\0') { /* -v, -vv, -vvv */
		c->verbosity += (int)n - 1;
		return 1;
	}
	if (strcmp(a, "--verbose") == 0) {
		c->verbosity++;
		return 1;
	}
	if (strcmp(a, "--quiet") == 0) {
		*quiet = true;
		return 1;
	}
	if (strcmp(a, "--stats-json") == 0) {
		c->stats_json = true;
		return 1;
	}
	if (strcmp(a, "--log-prefix") != 0)
		return 0;
	c->log_syslog = val != NULL && strcmp(val, "syslog") == 0;
	if (!c->log_syslog && (val == NULL || strcmp(val, "none") != 0))
		return -usage_error("expected syslog or none after",
				    "--log-prefix");
	return 2;
}

/* Long and short spellings of one option. */
static bool is(const char *a, const char *s, const char *l)
{
	return (s != NULL && strcmp(a, s) == 0) || strcmp(a, l) == 0;
}

/* Options being parsed for one device, or for the defaults. */
struct target {
	struct cli_dev *o;
	int dev;          /* its index, or -1 for the defaults */
	bool *action_set; /* an action was chosen explicitly */
	bool *mac_set;    /* --mac was given */
};

static int add_link(struct cli *c, enum link_kind kind, const char *name,
		    int dev)
{
	if (name == NULL || name[0] == '\0')
		return usage_error("expected an interface name after",
				   kind == LINK_TAP ? "--tap" : "--packet");
	/* (the table has one entry even with CFG_MAX_LINKS 0, never used) */
	if (!CFG_WITH_LINKS || c->nlinks >= sizeof(c->link_dev) /
						  sizeof(c->link_dev[0]))
		return USAGE_ERR("too many --tap/--packet: board " VHOST_BOARD
				 " takes %u", (unsigned)CFG_MAX_LINKS);
	c->link_kind[c->nlinks] = kind;
	c->link_name[c->nlinks] = name;
	c->link_dev[c->nlinks] = dev;
	c->nlinks++;
	return 0;
}

/* The octal mode of --socket-mode: 1 to 0777 (no set-id or sticky bits,
 * which mean nothing on a socket). */
static bool parse_mode(const char *s, uint32_t *mode)
{
	uint32_t m = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '7' || m > 0777)
			return false;
		m = m * 8 + (uint32_t)(*s - '0');
	}
	*mode = m;
	return m != 0 && m <= 0777;
}

/* Who may connect to the socket files we make (--socket-mode,
 * --socket-group): as dev_option. */
static int sock_option(struct cli_dev *o, const char *a, const char *val)
{
	struct port_sock_perm *p = &o->conn.perm;
	int rc;

	if (!CFG_WITH_SERVICE)
		return 0;
	if (is(a, NULL, "--socket-mode")) {
		if (!parse_mode(val, &p->mode))
			return -USAGE_ERR("--socket-mode: expected an octal mode "
					  "from 1 to 0777 (as 0660), got %s",
					  val ? val : "nothing");
		return 2;
	}
	if (is(a, NULL, "--socket-group")) {
		if (val == NULL || val[0] == '\0')
			return -usage_error("expected a group name or number "
					    "after", a);
		rc = port_group_id(val, &p->gid);
		if (rc < 0)
			return -USAGE_ERR("--socket-group %s: %s", val,
					  rc == -PORT_ENOENT
						  ? "no such group"
						  : err_text(rc));
		p->set_gid = true;
		return 2;
	}
	return 0;
}

/* One option that applies to a device (or to the defaults).  Returns the
 * arguments it used (1 or 2), 0 if it is not a device option, or minus a
 * usage error status.  *default_link notes a --tap/--packet given before
 * any device. */
static int dev_option(struct cli *c, const struct target *t, const char *a,
		      const char *val, int *default_link)
{
	struct cli_dev *o = t->o;
	static const struct {
		const char *name;
		enum fwd_action act;
	} acts[] = {{"--echo", ACT_ECHO},
		    {"--dump", ACT_DUMP},
		    {"--sink", ACT_SINK},
		    {"--generate", ACT_GENERATE}};

	for (unsigned k = 0; k < sizeof(acts) / sizeof(acts[0]); k++) {
		if (strcmp(a, acts[k].name) == 0) {
			o->fwd.action = acts[k].act;
			*t->action_set = true;
			return 1;
		}
	}
	/* (part_check refused the options of a part left out; the tests of
	 * CFG_WITH_* let the compiler drop their parsers) */
	if (is(a, NULL, "--size") ||
	    (CFG_WITH_FRONTEND &&
	     (is(a, NULL, "--frames") || is(a, NULL, "--serve") ||
	      is(a, NULL, "--queues") || is(a, NULL, "--mtu")))) {
		uint32_t *dst = a[2] == 'f'   ? &o->fe.frames
				: a[3] == 'i' ? &o->fe.size
				: a[2] == 'q' ? &o->fe.pairs
				: a[2] == 'm' ? &o->fe.mtu
					      : &o->fe.serve_secs;
		if (!parse_u32(val, dst))
			return -usage_error("expected a number after", a);
		if (a[3] == 'i')
			o->size_set = true;
		return 2;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--expect-none")) {
		o->fe.expect_none = true;
		return 1;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--no-protocol-features")) {
		o->fe.no_proto = true;
		return 1;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--no-kick")) {
		o->fe.no_kick = true;
		return 1;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--packed")) {
		o->fe.packed = true;
		return 1;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--indirect")) {
		o->fe.indirect = true;
		return 1;
	}
	if (CFG_WITH_FRONTEND &&
	    (is(a, NULL, "--event-idx") || is(a, NULL, "--no-event-idx"))) {
		o->fe.event_idx = a[2] == 'e' ? FE_ON : FE_OFF;
		return 1;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--listen")) {
		o->fe_listen = true;
		return 1;
	}
	if (CFG_WITH_RESPOND && is(a, NULL, "--respond")) {
		struct respond_cfg *r = &o->fwd.resp;
		if (!respond_parse_ip4(val, r->ip4, &r->prefix))
			return -usage_error("expected IPv4[/prefix] after "
					    "--respond, got", val ? val : "");
		o->respond = true;
		if (!*t->mac_set)
			respond_mac_from_ip4(r->ip4, r->mac);
		if (!*t->action_set) {
			o->fwd.action = ACT_RESPOND;
			*t->action_set = true;
		}
		return 2;
	}
	if (CFG_WITH_RESPOND && is(a, NULL, "--ip6")) {
		if (!respond_parse_ip6(val, o->fwd.resp.ip6))
			return -usage_error("expected an IPv6 address after "
					    "--ip6, got", val ? val : "");
		o->fwd.resp.has_ip6 = true;
		return 2;
	}
	if (CFG_WITH_RESPOND && is(a, NULL, "--mac")) {
		if (!parse_mac(val, o->fwd.resp.mac))
			return -usage_error("expected a unicast MAC "
					    "XX:XX:XX:XX:XX:XX after --mac, got",
					    val ? val : "");
		*t->mac_set = true;
		return 2;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--ping")) {
		uint8_t prefix;
		if (!respond_parse_ip4(val, o->fe.ping_ip, &prefix))
			return -usage_error("expected an IPv4 address after "
					    "--ping, got", val ? val : "");
		o->fe.ping = true;
		return 2;
	}
	if (CFG_WITH_LINKS && (is(a, NULL, "--tap") || is(a, NULL, "--packet"))) {
		enum link_kind k = a[2] == 't' ? LINK_TAP : LINK_PACKET;
		int rc;
		if (t->dev < 0) { /* before any device */
			if (*default_link >= 0)
				return -usage_error("one --tap/--packet before "
						    "the devices at most", a);
			*default_link = (int)c->nlinks;
			rc = add_link(c, k, val, -1);
		} else {
			if (*t->action_set && o->fwd.action == ACT_LINK)
				return -usage_error("one --tap/--packet per "
						    "device", a);
			o->fwd.action = ACT_LINK;
			o->fwd.link = (int)c->nlinks;
			*t->action_set = true;
			rc = add_link(c, k, val, t->dev);
		}
		return rc != 0 ? -rc : 2;
	}
	if (CFG_WITH_FRONTEND && is(a, NULL, "--timeout")) {
		if (!parse_u32(val, &o->fe.timeout_secs) ||
		    o->fe.timeout_secs == 0)
			return -usage_error("expected a positive number of "
					    "seconds after", a);
		return 2;
	}
	return sock_option(o, a, val);
}


/* argv into c->args, each --opt=value split in two: the name copied into
 * c->names, the value left where it is (and marked, so that an option
 * that takes none is refused rather than its value read as an option).
 * Returns the count, or minus a usage error status. */
static int split_args(struct cli *c, int argc, char **argv)
{
	size_t used = 0;
	int n = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = NULL;
		size_t len = 0;

		if (i > 0 && a[0] == '-' && a[1] == '-')
			for (eq = a; *eq != '\0' && *eq != '='; eq++)
				len++;
		if (eq != NULL && *eq == '\0')
			eq = NULL;

		if (n + 2 > CLI_ARGS_MAX || used + len + 1 > CLI_NAMES_MAX)
			return -USAGE_ERR("more than %u arguments",
					  CLI_ARGS_MAX - 1);
		if (eq == NULL) {
			c->args[n++] = a;
			continue;
		}
		memcpy(c->names + used, a, len);
		c->names[used + len] = '\0';
		c->args[n++] = c->names + used;
		used += len + 1;
		c->split_val[n] = true;
		c->args[n++] = eq + 1;
	}
	return n;
}

/* A device option, -s/-c/-q/--socket-path PATH or --fd N: the next
 * device, from the defaults.  Returns 2, or minus a usage error status. */
static int new_device(struct cli *c, struct target *t, const char *a,
		      const char *val)
{
	unsigned n = c->ndev;
	struct cli_dev *o = &c->dev[n];
	bool fd = strcmp(a, "--fd") == 0;
	size_t len = val != NULL ? strlen(val) : 0;
	uint32_t num = 0;

	if (len == 0 || (fd && (!parse_u32(val, &num) || len > 10 ||
				num > 0x7fffffffu)))
		return -usage_error(fd ? "expected a file descriptor number "
					 "after --fd"
				       : "expected a socket path after",
				    fd ? val : a);
	if (n == CFG_MAX_DEVICES)
		return -USAGE_ERR("too many devices: board " VHOST_BOARD
				  " takes %u", (unsigned)CFG_MAX_DEVICES);
	/* the kernel's limit, found here rather than at bind time */
	if (!fd && len > PORT_SOCK_PATH_MAX)
		return -USAGE_ERR("%s: %u bytes, a unix socket path takes %u",
				  val, (unsigned)len,
				  (unsigned)PORT_SOCK_PATH_MAX);
	*o = c->def;
	o->how = a;
	o->conn.path = val;
	o->role = is(a, "-q", "--frontend") ? DEV_FRONTEND : DEV_BACKEND;
	o->conn.listen = is(a, "-s", "--server") ||
			 is(a, NULL, "--socket-path");
	if (fd) {
		/* its name in messages: "fd 3" */
		memcpy(o->label, "fd ", 3);
		memcpy(o->label + 3, val, len + 1);
		o->conn.path = o->label;
		o->conn.inherited = true;
		o->conn.fd = (int)num;
	}
	c->action_set[n] = c->action_set[CFG_MAX_DEVICES];
	c->mac_set[n] = c->mac_set[CFG_MAX_DEVICES];
	t->o = o;
	t->dev = (int)n;
	t->action_set = &c->action_set[n];
	t->mac_set = &c->mac_set[n];
	c->ndev++;
	return 2;
}

/* Options that only some devices take, or that are an action (what a
 * back-end does with its guest's frames: one per device, or one before
 * the devices for all): each is its need (enum cli_need) as a digit (past
 * the needs: none), '+' if it is an action, then its name. */
static const char need_opts[] =
#if CFG_WITH_FRONTEND
	"0 --frames\0" "0 --expect-none\0" "0 --ping\0" "0 --serve\0"
	"0 --no-protocol-features\0" "0 --no-kick\0" "0 --packed\0"
	"0 --indirect\0" "0 --listen\0" "0 --timeout\0"
#endif
#if CFG_WITH_SERVICE
	"2 --socket-mode\0" "2 --socket-group\0"
#endif
	"1+--echo\0" "1+--dump\0" "1+--sink\0" "1+--generate\0" "1+--tap\0"
	"1+--packet\0" "3 --size\0" "4+--respond\0";

/* (the needs that cannot arise without a part need no words) */
static const char *const need_what[CLI_NEEDS] = {
	CFG_WITH_FRONTEND ? "a front-end (-q)" : "",
	CFG_WITH_FRONTEND ? "a back-end" : "",
	CFG_WITH_SERVICE ? "a socket file we make (-s, --socket-path, --listen)"
			 : "",
	"a front-end or --generate",
};

/* Note option a of scope s (a device, or CFG_MAX_DEVICES: the defaults):
 * what it needs, and its action.  2 (said) if it is a second action. */
static int note_option(struct cli *c, unsigned s, const char *a)
{
	const char *p = need_opts;

	while (*p != '\0' && strcmp(a, p + 2) != 0)
		p += strlen(p) + 1;
	if (*p == '\0')
		return 0;
	if (p[0] < '0' + CLI_NEEDS && c->need[s][p[0] - '0'] == NULL)
		c->need[s][p[0] - '0'] = a;
	/* (--tap or --packet before the devices may be a switch port:
	 * cli_parse) */
	if (p[1] != '+' || (s == CFG_MAX_DEVICES && p[0] == '1' &&
			    (a[2] == 't' || a[2] == 'p')))
		return 0;
	if (c->act_opt[s] != NULL)
		return USAGE_ERR("%s and %s: one action per device",
				 c->act_opt[s], a);
	c->act_opt[s] = a;
	return 0;
}

/* What a device takes of the needs (1 << enum cli_need). */
static unsigned dev_takes(const struct cli_dev *o)
{
	bool fe = o->role == DEV_FRONTEND;

	return (fe ? 1u << NEED_FE : 1u << NEED_BE) |
	       (unsigned)(o->conn.listen && !o->conn.inherited)
		       << NEED_SOCKFILE |
	       (unsigned)(fe || o->fwd.action == ACT_GENERATE) << NEED_FRAMES;
}

/* Every option applies where it was given: to its device, or (before the
 * devices, s == ndev) to one device at least.  And no two devices listen
 * on one socket.  0, or a usage error status. */
static int check_devices(const struct cli *c)
{
	unsigned any = 0;

	for (unsigned i = 0; i < c->ndev; i++)
		any |= dev_takes(&c->dev[i]);
	for (unsigned s = 0; s <= c->ndev; s++) {
		const struct cli_dev *o = &c->dev[s];
		unsigned takes = s < c->ndev ? dev_takes(o) : any;

		for (unsigned k = 0; k < CLI_NEEDS; k++) {
			const char *opt = c->need[s < c->ndev ? s
							   : CFG_MAX_DEVICES][k];
			if (opt != NULL && !(takes >> k & 1))
				return USAGE_ERR("%s is for %s, not %s", opt,
						 need_what[k],
						 s < c->ndev ? o->conn.path
							     : "these devices");
		}
		for (unsigned j = 0; j < s && s < c->ndev; j++) {
			const struct dev_opts *x = &o->conn, *y = &c->dev[j].conn;
			if (x->inherited == y->inherited &&
			    (x->inherited ? x->fd == y->fd
					  : x->listen && y->listen &&
						    strcmp(x->path, y->path) == 0))
				return USAGE_ERR("%s: the same socket twice",
						 x->path);
		}
	}
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	struct cli_dev *def = &c->def;
	bool *action_set = c->action_set, *mac_set = c->mac_set;
	const char *const *av = c->args;
	struct target t;
	bool quiet = false;
	int default_link = -1;

	memset(c, 0, sizeof(*c));
	/* vhost-user.rst "Backend program conventions": other options and
	 * arguments are ignored */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--print-capabilities") == 0) {
			about_capabilities();
			return -1;
		}
	}
	argc = split_args(c, argc, argv);
	if (argc < 0)
		return -argc;
	def->fwd.action = ACT_ECHO;
	def->fe.frames = 1000;
	def->fe.size = 60;
	def->fe.pairs = 1;
	def->fe.timeout_secs = 10;
	def->fwd.link = -1;
	t.o = def;
	t.dev = -1;
	t.action_set = &action_set[CFG_MAX_DEVICES];
	t.mac_set = &mac_set[CFG_MAX_DEVICES];
	for (int i = 1; i < argc; i++) {
		const char *a = av[i];
		const char *val = i + 1 < argc ? av[i + 1] : NULL;
		int used;

		if (c->split_val[i])
			return USAGE_ERR("%s takes no value (got %s=%s)",
					 av[i - 1], av[i - 1], a);
		used = part_check(a);
		if (used != 0)
			return used;
		if (is(a, "-h", "--help")) {
			usage();
			return -1;
		} else if (is(a, NULL, "--version")) {
			about_version();
			return -1;
		} else if ((used = log_option(c, a, val, &quiet)) != 0) {
			if (used < 0)
				return -used;
			i += used - 1;
			continue;
		} else if (is(a, NULL, "--switch")) {
			c->switching = true;
			continue;
		} else if (is(a, NULL, "--pcap") ||
			   (CFG_WITH_SERVICE && is(a, NULL, "--pid-file"))) {
			if (val == NULL || val[0] == '\0')
				return usage_error("expected a file after", a);
			if (a[3] == 'c')
				c->pcap = val;
			else
				c->pid_file = val;
			i++;
			continue;
		} else if (is(a, NULL, "--pcap-max") || is(a, NULL, "--stats")) {
			uint32_t v;
			if (!parse_u32(val, &v) || v == 0)
				return usage_error("expected a positive number "
						   "after", a);
			if (a[2] == 'p')
				c->pcap_max = (uint64_t)v << 20;
			else
				c->stats_secs = v;
			i++;
			continue;
		} else if (is(a, "-s", "--server") || is(a, "-c", "--client") ||
			   is(a, "-q", "--frontend") ||
			   is(a, NULL, "--socket-path") || is(a, NULL, "--fd")) {
			used = new_device(c, &t, a, val);
			if (used < 0)
				return -used;
			i++;
			continue;
		}
		used = dev_option(c, &t, a, val, &default_link);
		if (used < 0)
			return -used;
		if (used == 0)
			return usage_error("unknown option", a);
		if (note_option(c, t.dev < 0 ? CFG_MAX_DEVICES : (unsigned)t.dev,
				a) != 0)
			return 2;
		i += used - 1;
	}
	if (c->ndev == 0)
		return usage_error("no device: give -s, -c, -q, --socket-path "
				   "or --fd", NULL);
	if (quiet && c->verbosity > 0)
		return usage_error("--quiet and -v contradict each other", NULL);
	if (quiet)
		c->verbosity = LOG_QUIET;
	if (c->verbosity > CFG_LOG_TRACE)
		return usage_error("this build traces up to " TRACE_MAX_OPT
				   " (board " VHOST_BOARD ")", NULL);
	if (c->stats_json && c->stats_secs == 0)
		c->stats_secs = 1;
	/* what is for the whole process */
	for (unsigned i = 0; i < c->ndev; i++) {
		struct cli_dev *o = &c->dev[i];
		if (o->role == DEV_FRONTEND) {
			o->conn.listen = o->fe_listen;
			o->fe.host = o->respond;
			o->fe.resp = o->fwd.resp;
			if (o->fe.host && !o->fe.ping)
				o->fe.frames = 0; /* it only answers */
			if (o->fe.ping && !o->size_set)
				o->fe.size = 56;
			if (o->fe.ping && !o->respond)
				return usage_error("--ping needs our own "
						   "address: add --respond IP",
						   o->conn.path);
			/* the board's limits, found before anything starts */
			if (CFG_WITH_FRONTEND &&
			    fe_opts_check(&o->fe, o->conn.path) < 0)
				return 2;
			continue;
		}
		if (c->switching && !action_set[i])
			o->fwd.action = ACT_SWITCH;
		o->fwd.size = o->fe.size;
		if (o->fwd.action == ACT_GENERATE &&
		    (o->fe.size < 42 || o->fe.size > CFG_FRAME_MAX))
			return USAGE_ERR("%s: --generate needs --size from 42 "
					 "to %u", o->conn.path,
					 (unsigned)CFG_FRAME_MAX);
		if (o->fwd.action == ACT_RESPOND && !o->respond)
			return usage_error("--respond needs an address",
					   o->conn.path);
	}
	if (check_devices(c) != 0)
		return 2;
	if (default_link >= 0 && !c->switching) {
		/* before the devices, without --switch: the one back-end's */
		unsigned j = (unsigned)default_link, nbe = 0, last = 0;
		for (unsigned i = 0; i < c->ndev; i++)
			if (c->dev[i].role == DEV_BACKEND) {
				nbe++;
				last = i;
			}
		if (nbe != 1)
			return usage_error("which device is the interface for? "
					   "put it after that -s/-c",
					   c->link_name[j]);
		if (c->act_opt[last] != NULL ||
		    c->act_opt[CFG_MAX_DEVICES] != NULL)
			return USAGE_ERR("%s and the interface %s before the "
					 "devices: one action per device, "
					 "which one?",
					 c->act_opt[last] != NULL
						 ? c->act_opt[last]
						 : c->act_opt[CFG_MAX_DEVICES],
					 c->link_name[j]);
		c->link_dev[j] = (int)last;
		c->dev[last].fwd.action = ACT_LINK;
		c->dev[last].fwd.link = (int)j;
	}
	return 0;
}
