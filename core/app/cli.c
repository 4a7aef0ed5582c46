/*
 * cli.c - the command line.
 *
 *   vhost [defaults] DEVICE [its options] [DEVICE [its options]] ...
 *
 * Options before the first device are defaults for every device; options
 * after a device are that device's.  --switch, --pcap, --stats and -v are
 * for the whole process wherever they stand.
 */
#include "core/app/cli.h"

#include <string.h>

#include "core/app/about.h"
#include "core/log.h"

/* The board this binary was built for (the Makefile sets it). */
#ifndef VHOST_BOARD
#define VHOST_BOARD "custom"
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
	"%s"
	"\n"
	"What a back-end does with the frames its guest transmits:\n"
	"      --echo            return them on the guest's RX queue (default)\n"
	"      --dump            print them as hex, then drop them\n"
	"      --sink            count and drop\n"
	"      --generate        count and drop, and fill the guest's RX queue\n"
	"                        with --size B byte frames (42..%u, default\n"
	"                        60) at full rate\n"
	"%s%s%s";
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
	"      --no-protocol-features\n"
	"                        negotiate no protocol features (as the old\n"
	"                        sample app did)\n"
	"      --no-kick         give the back-end no kick fds (NOFD flag): it\n"
	"                        must poll the rings\n"
	"      --packed          use packed rings (VIRTIO_F_RING_PACKED)\n"
	"      --indirect        send each TX frame as an indirect table\n"
	"                        (VIRTIO_RING_F_INDIRECT_DESC)\n";
static const char usage_tail[] =
	"%s"
	"\n"
	"Whole process:\n"
	"%s"
	"      --stats SECS      print counters every SECS seconds\n"
	"  -v, --verbose         trace every vhost-user message\n"
	"  -h, --help            this text\n"
	"      --version         version, board, limits, features\n"
	"\n"
	"Signals: SIGINT/SIGTERM stop (counters printed, sockets removed),\n"
	"SIGUSR1 prints counters.  Exit status: 0 success, 1 failure, 2 usage.\n";
static const char usage_both[] =
	"\n"
	"Both:\n"
	"      --mac XX:XX:XX:XX:XX:XX   our MAC (default 52:54:00 + the IP's\n"
	"                        last three bytes)\n"
	"      --ip6 ADDR        also answer for this IPv6 address\n";
static const char usage_pcap[] =
	"      --pcap FILE       capture every frame, both directions (pcap)\n"
	"      --pcap-max MB     stop capturing at this file size (default 64)\n";

static void usage(void)
{
	LOG_INFO(usage_head,
		 CFG_WITH_FRONTEND ? ", and a front-end to test one" : "",
		 (unsigned)CFG_MAX_DEVICES,
		 CFG_WITH_FRONTEND ? usage_fe_devices : "",
		 (unsigned)CFG_FRAME_MAX,
		 CFG_WITH_RESPOND ? usage_respond : "",
		 CFG_WITH_LINKS ? usage_links : "",
		 CFG_WITH_SWITCH ? usage_switch : "");
	if (CFG_WITH_FRONTEND)
		LOG_INFO(usage_fe, 42u, (unsigned)CFG_FRAME_MAX);
	LOG_INFO(usage_tail, CFG_WITH_RESPOND ? usage_both : "",
		 CFG_WITH_PCAP ? usage_pcap : "");
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

static int usage_error(const char *what, const char *arg)
{
	LOG_ERR("%s%s%s (see vhost --help)", what, arg ? ": " : "",
		arg ? arg : "");
	return 2;
}

/* The options of the parts a board may leave out (config.h).  Each is
 * refused when its part is not in the build, before anything parses it. */
static const struct {
	const char *opt;
	bool built;
} part_opts[] = {
	{"-q", CFG_WITH_FRONTEND},
	{"--frontend", CFG_WITH_FRONTEND},
	{"--listen", CFG_WITH_FRONTEND},
	{"--frames", CFG_WITH_FRONTEND},
	{"--expect-none", CFG_WITH_FRONTEND},
	{"--ping", CFG_WITH_FRONTEND},
	{"--serve", CFG_WITH_FRONTEND},
	{"--no-protocol-features", CFG_WITH_FRONTEND},
	{"--no-kick", CFG_WITH_FRONTEND},
	{"--packed", CFG_WITH_FRONTEND},
	{"--indirect", CFG_WITH_FRONTEND},
	{"--respond", CFG_WITH_RESPOND},
	{"--ip6", CFG_WITH_RESPOND},
	{"--mac", CFG_WITH_RESPOND},
	{"--tap", CFG_WITH_LINKS},
	{"--packet", CFG_WITH_LINKS},
	{"--switch", CFG_WITH_SWITCH},
	{"--pcap", CFG_WITH_PCAP},
	{"--pcap-max", CFG_WITH_PCAP},
};

/* 2 after saying so if option a belongs to a part left out, else 0. */
static int part_check(const char *a)
{
	/* everything built: nothing to look up (and no table in the binary) */
	if (CFG_WITH_FRONTEND && CFG_WITH_RESPOND && CFG_WITH_LINKS &&
	    CFG_WITH_SWITCH && CFG_WITH_PCAP)
		return 0;
	for (unsigned k = 0; k < sizeof(part_opts) / sizeof(part_opts[0]);
	     k++) {
		if (!part_opts[k].built && strcmp(a, part_opts[k].opt) == 0) {
			LOG_ERR("%s: not in this build (board " VHOST_BOARD ")",
				a);
			return 2;
		}
	}
	return 0;
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
		return usage_error("too many --tap/--packet for this board "
				   "(CFG_MAX_LINKS)", NULL);
	c->link_kind[c->nlinks] = kind;
	c->link_name[c->nlinks] = name;
	c->link_dev[c->nlinks] = dev;
	c->nlinks++;
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
	if (is(a, NULL, "--frames") || is(a, NULL, "--size") ||
	    is(a, NULL, "--serve")) {
		uint32_t *dst = a[2] == 'f'   ? &o->fe.frames
				: a[3] == 'i' ? &o->fe.size
					      : &o->fe.serve_secs;
		if (!parse_u32(val, dst))
			return -usage_error("expected a number after", a);
		if (a[3] == 'i')
			o->size_set = true;
		return 2;
	}
	if (is(a, NULL, "--expect-none")) {
		o->fe.expect_none = true;
		return 1;
	}
	if (is(a, NULL, "--no-protocol-features")) {
		o->fe.no_proto = true;
		return 1;
	}
	if (is(a, NULL, "--no-kick")) {
		o->fe.no_kick = true;
		return 1;
	}
	if (is(a, NULL, "--packed")) {
		o->fe.packed = true;
		return 1;
	}
	if (is(a, NULL, "--indirect")) {
		o->fe.indirect = true;
		return 1;
	}
	if (is(a, NULL, "--listen")) {
		o->fe_listen = true;
		return 1;
	}
	/* (part_check refused these if their part is left out; the tests of
	 * CFG_WITH_* let the compiler drop the responder's parsers too) */
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
	if (is(a, NULL, "--mac")) {
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
	if (is(a, NULL, "--tap") || is(a, NULL, "--packet")) {
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
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	struct cli_dev *def = &c->def;
	bool *action_set = c->action_set, *mac_set = c->mac_set;
	struct target t;
	bool verbose = false;
	int default_link = -1;

	memset(c, 0, sizeof(*c));
	def->fwd.action = ACT_ECHO;
	def->fe.frames = 1000;
	def->fe.size = 60;
	def->fwd.link = -1;
	t.o = def;
	t.dev = -1;
	t.action_set = &action_set[CFG_MAX_DEVICES];
	t.mac_set = &mac_set[CFG_MAX_DEVICES];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int used = part_check(a);

		if (used != 0)
			return used;
		if (is(a, "-h", "--help")) {
			usage();
			return -1;
		} else if (is(a, NULL, "--version")) {
			about_version();
			return -1;
		} else if (is(a, "-v", "--verbose")) {
			verbose = true;
			continue;
		} else if (is(a, NULL, "--switch")) {
			c->switching = true;
			continue;
		} else if (is(a, NULL, "--pcap")) {
			if (val == NULL || val[0] == '\0')
				return usage_error("expected a file after", a);
			c->pcap = val;
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
			   is(a, "-q", "--frontend")) {
			unsigned n = c->ndev;
			if (val == NULL || val[0] == '\0')
				return usage_error("expected a socket path after",
						   a);
			if (n == CFG_MAX_DEVICES)
				return usage_error("too many devices for this "
						   "board (CFG_MAX_DEVICES)",
						   NULL);
			c->dev[n] = *def;
			c->dev[n].conn.path = val;
			c->dev[n].role = (a[1] == 'q' || a[2] == 'f')
						 ? DEV_FRONTEND
						 : DEV_BACKEND;
			c->dev[n].conn.listen =
				a[1] == 's' || (a[1] == '-' && a[2] == 's');
			action_set[n] = action_set[CFG_MAX_DEVICES];
			mac_set[n] = mac_set[CFG_MAX_DEVICES];
			t.o = &c->dev[n];
			t.dev = (int)n;
			t.action_set = &action_set[n];
			t.mac_set = &mac_set[n];
			c->ndev++;
			i++;
			continue;
		}
		used = dev_option(c, &t, a, val, &default_link);
		if (used < 0)
			return -used;
		if (used == 0)
			return usage_error("unknown option", a);
		i += used - 1;
	}
	if (c->ndev == 0)
		return usage_error("no device: give -s, -c or -q", NULL);
	/* what is for the whole process */
	for (unsigned i = 0; i < c->ndev; i++) {
		struct cli_dev *o = &c->dev[i];
		o->conn.verbose = verbose;
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
			continue;
		}
		if (c->switching && !action_set[i])
			o->fwd.action = ACT_SWITCH;
		o->fwd.size = o->fe.size;
		if (o->fwd.action == ACT_GENERATE &&
		    (o->fe.size < 42 || o->fe.size > CFG_FRAME_MAX))
			return usage_error("--generate needs --size from 42 to "
					   "CFG_FRAME_MAX", o->conn.path);
		if (o->fwd.action == ACT_RESPOND && !o->respond)
			return usage_error("--respond needs an address",
					   o->conn.path);
	}
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
		c->link_dev[j] = (int)last;
		c->dev[last].fwd.action = ACT_LINK;
		c->dev[last].fwd.link = (int)j;
	}
	return 0;
}
