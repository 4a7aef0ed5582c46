/*
 * test_cli.c - the command line (core/cli.c): options before the first
 * device are defaults, options after a device are its own, and the
 * process-wide ones (--switch, --pcap, --stats, -v) hold wherever they
 * stand.  Every mistake is a usage error (2) with a line naming it, and
 * so is an option of a part the board leaves out (config.h); the cases
 * of such parts run only where they are built.  The back-end conventions
 * of vhost-user.rst (--socket-path, --fd, --print-capabilities, and the
 * --opt=value form of every long option), options given where they do
 * not apply, two actions for one device, one path for two devices, and
 * limits found before anything starts.
 */
#include <stdio.h>
#include <string.h>

#include "core/app/cli.h"
#include "tests/fake/port_fake.h"
#include "tests/unit/check.h"

static struct cli c;

/* Parse a NULL-terminated list of arguments (argv[0] added). */
static int parse(const char *const *args)
{
	static char *argv[64];
	int argc = 1;

	argv[0] = (char *)"vhost";
	for (; args[argc - 1] != NULL && argc < 63; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	fake_reset();
	fake_log_clear();
	return cli_parse(&c, argc, argv);
}

static void test_sample_app_flags(void)
{
	const char *a[] = {"-s", "/tmp/a.sock", NULL};
	const char *b[] = {"-c", "/tmp/a.sock", "-v", NULL};
	const char *q[] = {"-q", "/tmp/a.sock", "--frames", "10", "--size",
			   "100", NULL};

	CHECK_EQ_I(parse(a), 0);
	CHECK_EQ_U(c.ndev, 1);
	CHECK(c.dev[0].role == DEV_BACKEND && c.dev[0].conn.listen);
	CHECK(c.dev[0].fwd.action == ACT_ECHO); /* the sample app's default */
	CHECK_EQ_I(parse(b), 0);
	CHECK(c.dev[0].role == DEV_BACKEND && !c.dev[0].conn.listen);
	CHECK_EQ_I(c.verbosity, 1);
	if (!CFG_WITH_FRONTEND)
		return;
	CHECK_EQ_I(parse(q), 0);
	CHECK(c.dev[0].role == DEV_FRONTEND && !c.dev[0].conn.listen);
	CHECK_EQ_U(c.dev[0].fe.frames, 10);
	CHECK_EQ_U(c.dev[0].fe.size, 100);
}

static void test_defaults_then_own(void)
{
	/* --sink before the devices is everyone's; --dump after dev1 only */
	const char *a[] = {"--sink", "-s", "/a", "-s", "/b", "--dump",
			   "-s", "/c", NULL};

	CHECK_EQ_I(parse(a), 0);
	CHECK_EQ_U(c.ndev, 3);
	CHECK(c.dev[0].fwd.action == ACT_SINK);
	CHECK(c.dev[1].fwd.action == ACT_DUMP);
	CHECK(c.dev[2].fwd.action == ACT_SINK);
}

static void test_switch_anywhere(void)
{
	/* the issue's own example: --switch after the last device */
	const char *a[] = {"-s", "/run/vm1.sock", "-s", "/run/vm2.sock",
			   "--switch", NULL};
	/* an explicit mode keeps a device out of the switch */
	const char *b[] = {"-s", "/a", "-s", "/b", "--respond", "192.0.2.1",
			   "--switch", NULL};

	CHECK_EQ_I(parse(a), 0);
	CHECK(c.switching);
	CHECK(c.dev[0].fwd.action == ACT_SWITCH &&
	      c.dev[1].fwd.action == ACT_SWITCH);
	CHECK_EQ_I(parse(b), 0);
	CHECK(c.dev[0].fwd.action == ACT_SWITCH);
	CHECK(c.dev[1].fwd.action == ACT_RESPOND);
}

static void test_links(void)
{
	const char *own[] = {"-s", "/a", "--tap", "tap0", "-s", "/b",
			     "--packet", "eth0", NULL};
	const char *before_one[] = {"--tap", "tap0", "-s", "/a", NULL};
	const char *before_two[] = {"--tap", "tap0", "-s", "/a", "-s", "/b",
				    NULL};
	const char *sw_port[] = {"--tap", "tap0", "--switch", "-s", "/a",
				 "-s", "/b", NULL};
	const char *twice[] = {"-s", "/a", "--tap", "t0", "--tap", "t1", NULL};

	CHECK_EQ_I(parse(own), 0);
	CHECK_EQ_U(c.nlinks, 2);
	CHECK(c.link_kind[0] == LINK_TAP && strcmp(c.link_name[0], "tap0") == 0);
	CHECK(c.link_kind[1] == LINK_PACKET);
	CHECK_EQ_I(c.link_dev[0], 0);
	CHECK_EQ_I(c.link_dev[1], 1);
	CHECK(c.dev[0].fwd.action == ACT_LINK && c.dev[0].fwd.link == 0);
	CHECK(c.dev[1].fwd.action == ACT_LINK && c.dev[1].fwd.link == 1);
	/* before the devices: the one back-end's */
	CHECK_EQ_I(parse(before_one), 0);
	CHECK_EQ_I(c.link_dev[0], 0);
	CHECK(c.dev[0].fwd.action == ACT_LINK);
	/* ... which is ambiguous with two */
	CHECK_EQ_I(parse(before_two), 2);
	CHECK_STR_HAS(fake_last_error(), "which device");
	/* with --switch it is a switch port */
	CHECK_EQ_I(parse(sw_port), 0);
	CHECK_EQ_I(c.link_dev[0], -1);
	CHECK(c.dev[0].fwd.action == ACT_SWITCH &&
	      c.dev[1].fwd.action == ACT_SWITCH);
	CHECK_EQ_I(parse(twice), 2);
	CHECK_STR_HAS(fake_last_error(), "one --tap/--packet per device");
}

static void test_respond_and_ping(void)
{
	const char *be[] = {"-s", "/a", "--respond", "192.0.2.1/24", NULL};
	const char *fe[] = {"-q", "/a", "--respond", "192.0.2.2", "--ping",
			    "192.0.2.1", "--mac", "02:00:00:00:00:07", NULL};
	const char *host[] = {"-q", "/a", "--respond", "192.0.2.3", "--serve",
			      "5", NULL};
	const char *noself[] = {"-q", "/a", "--ping", "192.0.2.1", NULL};

	CHECK_EQ_I(parse(be), 0);
	CHECK(c.dev[0].fwd.action == ACT_RESPOND && c.dev[0].respond);
	CHECK_EQ_U(c.dev[0].fwd.resp.prefix, 24);
	CHECK_EQ_U(c.dev[0].fwd.resp.ip4[3], 1);
	/* the MAC follows the address unless --mac says otherwise */
	CHECK_EQ_U(c.dev[0].fwd.resp.mac[0], 0x52);
	CHECK_EQ_U(c.dev[0].fwd.resp.mac[5], 1);
	CHECK_EQ_I(parse(fe), 0);
	CHECK(c.dev[0].fe.host && c.dev[0].fe.ping);
	CHECK_EQ_U(c.dev[0].fe.ping_ip[3], 1);
	CHECK_EQ_U(c.dev[0].fe.size, 56); /* ping's payload default */
	CHECK_EQ_U(c.dev[0].fwd.resp.mac[0], 0x02);
	CHECK_EQ_U(c.dev[0].fwd.resp.mac[5], 7);
	CHECK_EQ_I(parse(host), 0);
	CHECK(c.dev[0].fe.host && !c.dev[0].fe.ping);
	CHECK_EQ_U(c.dev[0].fe.frames, 0); /* it only answers */
	CHECK_EQ_U(c.dev[0].fe.serve_secs, 5);
	CHECK_EQ_I(parse(noself), 2);
	CHECK_STR_HAS(fake_last_error(), "--ping needs our own address");
}

static void test_process_wide(void)
{
	const char *a[] = {"-s", "/a", "--pcap", "/tmp/x.pcap", "--pcap-max",
			   "2", "--stats", "3", NULL};

	CHECK_EQ_I(parse(a), 0);
	CHECK(c.pcap != NULL && strcmp(c.pcap, "/tmp/x.pcap") == 0);
	CHECK_EQ_U(c.pcap_max, 2u << 20);
	CHECK_EQ_U(c.stats_secs, 3);
}

/* The logs' options: -v, -vv, -vvv (and --verbose, repeated) add up to
 * the level, --quiet is below them all; the priority prefixes and the
 * JSON counters are whole-process switches (--stats-json without --stats
 * means every second). */
static void test_logs(void)
{
	const char *none[] = {"-s", "/a", NULL};
	const char *v[] = {"-s", "/a", "-v", NULL};
	const char *vv[] = {"-vv", "-s", "/a", NULL};
	const char *vvv[] = {"-s", "/a", "-vvv", NULL};
	const char *sum[] = {"-v", "-s", "/a", "--verbose", NULL};
	const char *quiet[] = {"-s", "/a", "--quiet", NULL};
	const char *syslog[] = {"--log-prefix", "syslog", "-s", "/a", NULL};
	const char *plain[] = {"-s", "/a", "--log-prefix", "none", NULL};
	const char *json[] = {"-s", "/a", "--stats-json", NULL};
	const char *json3[] = {"-s", "/a", "--stats", "3", "--stats-json", NULL};

	CHECK_EQ_I(parse(none), 0);
	CHECK_EQ_I(c.verbosity, LOG_NORMAL);
	CHECK(!c.log_syslog && !c.stats_json);
	CHECK_EQ_U(c.stats_secs, 0);
	CHECK_EQ_I(parse(v), 0);
	CHECK_EQ_I(c.verbosity, LOG_MESSAGES);
	if (CFG_LOG_TRACE >= 2) {
		CHECK_EQ_I(parse(sum), 0);
		CHECK_EQ_I(c.verbosity, LOG_STATES);
		CHECK_EQ_I(parse(vv), 0);
		CHECK_EQ_I(c.verbosity, LOG_STATES);
	} else {
		/* a board that builds less refuses more */
		CHECK_EQ_I(parse(vv), 2);
		CHECK_STR_HAS(fake_last_error(), "traces up to -v");
	}
	if (CFG_LOG_TRACE >= 3) {
		CHECK_EQ_I(parse(vvv), 0);
		CHECK_EQ_I(c.verbosity, LOG_RINGS);
	} else {
		CHECK_EQ_I(parse(vvv), 2);
	}
	CHECK_EQ_I(parse(quiet), 0);
	CHECK_EQ_I(c.verbosity, LOG_QUIET);
	CHECK_EQ_I(parse(syslog), 0);
	CHECK(c.log_syslog);
	CHECK_EQ_I(parse(plain), 0);
	CHECK(!c.log_syslog);
	CHECK_EQ_I(parse(json), 0);
	CHECK(c.stats_json);
	CHECK_EQ_U(c.stats_secs, 1);
	CHECK_EQ_I(parse(json3), 0);
	CHECK(c.stats_json);
	CHECK_EQ_U(c.stats_secs, 3);
}

static void test_usage_errors(void)
{
	/* built: whether the option's part is in the build (else the line
	 * says it is not) */
	static const struct {
		const char *args[6];
		const char *says;
		bool built;
	} bad[] = {
		{{NULL}, "no device", true},
		{{"--bogus", NULL}, "unknown option", true},
		{{"-s", NULL}, "expected a socket path", true},
		{{"-q", "/a", "--frames", "ten", NULL}, "expected a number",
		 CFG_WITH_FRONTEND},
		{{"-q", "/a", "--frames", "99999999999", NULL},
		 "expected a number", CFG_WITH_FRONTEND},
		{{"-s", "/a", "--respond", "192.0.2.300", NULL}, "--respond",
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--mac", "01:00:00:00:00:01", NULL}, "unicast MAC",
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--mac", "52:54:00:00:00", NULL}, "unicast MAC",
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--stats", "0", NULL}, "positive number", true},
		{{"-s", "/a", "--generate", "--size", "20", NULL}, "--generate",
		 true},
		{{"-s", "/a", "--pcap", NULL}, "expected a file", CFG_WITH_PCAP},
		{{"-s", "/a", "--quiet", "-v", NULL}, "contradict", true},
		{{"-s", "/a", "--log-prefix", NULL}, "syslog or none", true},
		{{"-s", "/a", "--log-prefix", "journal", NULL}, "syslog or none",
		 true},
		{{"-s", "/a", "-vx", NULL}, "unknown option", true},
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_note(bad[i].says);
		CHECK_EQ_I(parse(bad[i].args), 2);
		CHECK_STR_HAS(fake_last_error(), bad[i].built
							 ? bad[i].says
							 : "not in this build");
	}
	check_note(NULL);
}

/* An option of a part the board leaves out is refused by name, before
 * its value is looked at; with the part built in, it parses. */
static void test_parts_left_out(void)
{
	static const struct {
		const char *args[5];
		bool built;
	} opt[] = {
		{{"-q", "/a", NULL}, CFG_WITH_FRONTEND},
		{{"--packed", "-q", "/a", NULL}, CFG_WITH_FRONTEND},
		{{"-s", "/a", "--respond", "192.0.2.1", NULL}, CFG_WITH_RESPOND},
		{{"-s", "/a", "--mac", "52:54:00:00:00:01", NULL},
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--tap", "t0", NULL}, CFG_WITH_LINKS},
		{{"-s", "/a", "--switch", NULL}, CFG_WITH_SWITCH},
		{{"-s", "/a", "--pcap", "/tmp/x.pcap", NULL}, CFG_WITH_PCAP},
		{{"-s", "/a", "--pid-file", "/tmp/x.pid", NULL},
		 CFG_WITH_SERVICE},
		{{"-s", "/a", "--socket-mode", "0660", NULL}, CFG_WITH_SERVICE},
	};

	for (unsigned i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		/* the option of the part: the first, or the one after -s */
		const char *name = opt[i].args[0][1] == 's' ? opt[i].args[2]
							    : opt[i].args[0];
		int rc = parse(opt[i].args);

		check_note(name);
		if (opt[i].built) {
			CHECK_EQ_I(rc, 0);
			continue;
		}
		CHECK_EQ_I(rc, 2);
		CHECK_STR_HAS(fake_last_error(), name);
		CHECK_STR_HAS(fake_last_error(), ": not in this build (board ");
	}
	check_note(NULL);
}

/* vhost-user.rst "Backend program conventions": --socket-path=PATH and
 * --fd=FDNUM make a back-end, as -s does. */
static void test_conventions(void)
{
	const char *path[] = {"--socket-path=/run/vm1.sock", NULL};
	const char *path2[] = {"--socket-path", "/run/vm1.sock", "--sink", NULL};
	const char *fd[] = {"--fd=3", NULL};
	const char *fd2[] = {"-v", "--fd", "17", "--dump", NULL};
	const char *badfd[][3] = {{"--fd=x3", NULL}, {"--fd=", NULL},
				  {"--fd", "4294967296", NULL},
				  {"--fd=2147483648", NULL}};

	CHECK_EQ_I(parse(path), 0);
	CHECK_EQ_U(c.ndev, 1);
	CHECK(c.dev[0].role == DEV_BACKEND && c.dev[0].conn.listen);
	CHECK(!c.dev[0].conn.inherited);
	CHECK_STR_EQ(c.dev[0].conn.path, "/run/vm1.sock");
	CHECK_EQ_I(parse(path2), 0);
	CHECK_STR_EQ(c.dev[0].conn.path, "/run/vm1.sock");
	CHECK(c.dev[0].fwd.action == ACT_SINK);
	CHECK_EQ_I(parse(fd), 0);
	CHECK(c.dev[0].role == DEV_BACKEND && c.dev[0].conn.inherited);
	CHECK_EQ_I(c.dev[0].conn.fd, 3);
	/* its name in messages */
	CHECK_STR_EQ(c.dev[0].conn.path, "fd 3");
	CHECK_EQ_I(parse(fd2), 0);
	CHECK_EQ_I(c.dev[0].conn.fd, 17);
	CHECK(c.verbosity == 1 && c.dev[0].fwd.action == ACT_DUMP);
	for (unsigned i = 0; i < sizeof(badfd) / sizeof(badfd[0]); i++) {
		check_note(badfd[i][0]);
		CHECK_EQ_I(parse(badfd[i]), 2);
		CHECK_STR_HAS(fake_last_error(), "file descriptor number");
	}
	check_note(NULL);
}

/* --print-capabilities: the JSON of vhost-user.json for type "net", and
 * every other option and argument ignored, even wrong ones. */
static void test_print_capabilities(void)
{
	const char *a[] = {"--print-capabilities", NULL};
	const char *b[] = {"--bogus", "-s", "--print-capabilities", NULL};

	CHECK_EQ_I(parse(a), -1);
	CHECK_STR_EQ(fake_last_info(), "{\n  \"type\": \"net\"\n}\n");
	CHECK_EQ_I(parse(b), -1);
	CHECK_STR_EQ(fake_last_info(), "{\n  \"type\": \"net\"\n}\n");
	CHECK_STR_EQ(fake_last_error(), "");
}

/* --version: the version, the board, its limits in numbers, and the
 * features offered by name. */
static void test_version(void)
{
	const char *a[] = {"--version", NULL};
	char want[64];

	CHECK_EQ_I(parse(a), -1);
	CHECK_STR_HAS(fake_last_info(), "vhost ");
	CHECK_STR_HAS(fake_last_info(), ", board ");
	snprintf(want, sizeof(want), "devices %u, queue pairs %u",
		 (unsigned)CFG_MAX_DEVICES, (unsigned)CFG_MAX_QUEUE_PAIRS);
	CHECK_STR_HAS(fake_last_info(), want);
	snprintf(want, sizeof(want), "ring size %u",
		 (unsigned)CFG_QUEUE_SIZE_MAX);
	CHECK_STR_HAS(fake_last_info(), want);
	CHECK_STR_HAS(fake_last_info(), " VERSION_1");
	CHECK_STR_HAS(fake_last_info(), " RING_PACKED");
	CHECK_STR_HAS(fake_last_info(), " REPLY_ACK");
	CHECK_STR_HAS(fake_last_info(), " INFLIGHT_SHMFD");
	CHECK(strstr(fake_last_info(), "CFG_") == NULL);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What two parses made of the first device and the whole process: the
 * same, pointers compared by what they point to. */
static bool same_cli(const struct cli *x, const struct cli *y)
{
	const struct cli_dev *a = &x->dev[0], *b = &y->dev[0];

	return x->ndev == y->ndev && a->role == b->role &&
	       same_str(a->conn.path, b->conn.path) &&
	       a->conn.listen == b->conn.listen &&
	       a->conn.inherited == b->conn.inherited &&
	       a->conn.fd == b->conn.fd &&
	       memcmp(&a->conn.perm, &b->conn.perm, sizeof(a->conn.perm)) == 0 &&
	       memcmp(&a->fe, &b->fe, sizeof(a->fe)) == 0 &&
	       memcmp(&a->fwd, &b->fwd, sizeof(a->fwd)) == 0 &&
	       a->respond == b->respond && a->size_set == b->size_set &&
	       x->nlinks == y->nlinks &&
	       (x->nlinks == 0 || same_str(x->link_name[0], y->link_name[0])) &&
	       x->switching == y->switching && same_str(x->pcap, y->pcap) &&
	       x->pcap_max == y->pcap_max && x->stats_secs == y->stats_secs &&
	       same_str(x->pid_file, y->pid_file);
}

/* Every long option that takes a value takes it as --opt=value too, with
 * the same result; one that takes none refuses a value. */
static void test_opt_equals(void)
{
	/* the option and its value at [k], [k + 1] */
	static const struct {
		const char *args[8];
		unsigned k;
		bool built;
	} opt[] = {
		{{"--server", "/a", NULL}, 0, true},
		{{"--client", "/a", NULL}, 0, true},
		{{"--socket-path", "/a", NULL}, 0, true},
		{{"--fd", "3", NULL}, 0, true},
		{{"--frontend", "/a", NULL}, 0, CFG_WITH_FRONTEND},
		{{"-q", "/a", "--frames", "7", NULL}, 2, CFG_WITH_FRONTEND},
		{{"-q", "/a", "--size", "100", NULL}, 2, CFG_WITH_FRONTEND},
		{{"-s", "/a", "--generate", "--size", "100", NULL}, 3, true},
		{{"-q", "/a", "--timeout", "30", NULL}, 2, CFG_WITH_FRONTEND},
		{{"-q", "/a", "--respond", "192.0.2.2", "--serve", "5", NULL},
		 4, CFG_WITH_FRONTEND},
		{{"-q", "/a", "--respond", "192.0.2.2", "--ping", "192.0.2.1",
		  NULL},
		 4, CFG_WITH_FRONTEND},
		{{"-s", "/a", "--respond", "192.0.2.1/24", NULL}, 2,
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--ip6", "2001:db8::1", NULL}, 2, CFG_WITH_RESPOND},
		{{"-s", "/a", "--mac", "02:00:00:00:00:01", NULL}, 2,
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--tap", "tap0", NULL}, 2, CFG_WITH_LINKS},
		{{"-s", "/a", "--packet", "eth0", NULL}, 2, CFG_WITH_LINKS},
		{{"-s", "/a", "--pcap", "/tmp/x.pcap", NULL}, 2, CFG_WITH_PCAP},
		{{"-s", "/a", "--pcap-max", "3", NULL}, 2, CFG_WITH_PCAP},
		{{"-s", "/a", "--stats", "2", NULL}, 2, true},
		{{"--pid-file", "/run/x.pid", "-s", "/a", NULL}, 0,
		 CFG_WITH_SERVICE},
		{{"--socket-mode", "0660", "-s", "/a", NULL}, 0,
		 CFG_WITH_SERVICE},
		{{"-s", "/a", "--socket-group", "fakegroup", NULL}, 2,
		 CFG_WITH_SERVICE},
	};
	static struct cli spaced;
	static char joined[64];
	const char *args[8];

	for (unsigned i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		unsigned k = opt[i].k, n = 0;

		if (!opt[i].built)
			continue;
		check_note(opt[i].args[k]);
		CHECK_EQ_I(parse(opt[i].args), 0);
		spaced = c;
		/* the same, with args[k]=args[k + 1] */
		snprintf(joined, sizeof(joined), "%s=%s", opt[i].args[k],
			 opt[i].args[k + 1]);
		for (unsigned j = 0; opt[i].args[j] != NULL; j++) {
			if (j == k + 1)
				continue;
			args[n++] = j == k ? joined : opt[i].args[j];
		}
		args[n] = NULL;
		CHECK_EQ_I(parse(args), 0);
		CHECK(same_cli(&spaced, &c));
	}
	check_note(NULL);
	/* an option that takes no value */
	{
		const char *a[] = {"-s", "/a", "--echo=1", NULL};
		const char *b[] = {"-v=1", "-s", "/a", NULL};
		CHECK_EQ_I(parse(a), 2);
		CHECK_STR_HAS(fake_last_error(), "--echo takes no value");
		/* short options have no = form */
		CHECK_EQ_I(parse(b), 2);
		CHECK_STR_HAS(fake_last_error(), "unknown option: -v=1");
	}
	/* the value may itself hold '=' and begin with -- */
	{
		const char *a[] = {"--socket-path=/tmp/a=b", NULL};
		const char *b[] = {"--socket-path=--odd", NULL};
		CHECK_EQ_I(parse(a), 0);
		CHECK_STR_EQ(c.dev[0].conn.path, "/tmp/a=b");
		CHECK_EQ_I(parse(b), 0);
		CHECK_STR_EQ(c.dev[0].conn.path, "--odd");
	}
}

/* One socket, one device: two that listen on one path, or are handed one
 * fd, are refused before either starts (a back-end and the front-end that
 * connects to it in one process are fine). */
static void test_same_path_twice(void)
{
	const char *ss[] = {"-s", "/a", "-s", "/b", "-s", "/a", NULL};
	const char *mix[] = {"--socket-path=/a", "--server", "/a", NULL};
	const char *client[] = {"-s", "/a", "-c", "/a", NULL};
	const char *fds[] = {"--fd", "3", "--fd=3", NULL};
	const char *fds2[] = {"--fd", "3", "--fd=4", "--socket-path=fd 3",
			      NULL};

	CHECK_EQ_I(parse(fds), 2);
	CHECK_STR_HAS(fake_last_error(), "fd 3: the same socket twice");
	CHECK_EQ_I(parse(fds2), 0);
	CHECK_EQ_I(parse(ss), 2);
	CHECK_STR_HAS(fake_last_error(), "/a: the same socket twice");
	CHECK_EQ_I(parse(mix), 2);
	CHECK_STR_HAS(fake_last_error(), "the same socket twice");
	CHECK_EQ_I(parse(client), 0);
	if (CFG_WITH_FRONTEND) {
		const char *self[] = {"-s", "/a", "-q", "/a", NULL};
		const char *lis[] = {"-s", "/a", "-q", "/a", "--listen", NULL};
		CHECK_EQ_I(parse(self), 0);
		CHECK_EQ_I(parse(lis), 2);
		CHECK_STR_HAS(fake_last_error(), "the same socket twice");
	}
}

/* A socket path longer than the kernel takes is found while parsing, and
 * the line says both lengths. */
static void test_path_too_long(void)
{
	static char path[PORT_SOCK_PATH_MAX + 2];
	const char *a[] = {"-c", path, NULL};
	char want[80];

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	CHECK_EQ_I(parse(a), 2);
	snprintf(want, sizeof(want), ": %u bytes, a unix socket path takes %u",
		 (unsigned)PORT_SOCK_PATH_MAX + 1, (unsigned)PORT_SOCK_PATH_MAX);
	CHECK_STR_HAS(fake_last_error(), want);
	path[PORT_SOCK_PATH_MAX] = '\0';
	CHECK_EQ_I(parse(a), 0);
}

/* --pid-file, --socket-mode, --socket-group (CFG_WITH_SERVICE). */
static void test_service(void)
{
	const char *a[] = {"--pid-file=/run/vhost.pid", "--socket-mode=0660",
			   "--socket-group=fakegroup", "-s", "/a", "-s", "/b",
			   "--socket-mode", "0600", "--socket-group", "99", NULL};
	static const struct {
		const char *args[6];
		const char *says;
	} bad[] = {
		{{"-s", "/a", "--socket-mode", "0888", NULL}, "octal mode"},
		{{"-s", "/a", "--socket-mode", "01777", NULL}, "octal mode"},
		{{"-s", "/a", "--socket-mode", "0", NULL}, "octal mode"},
		{{"-s", "/a", "--socket-group", "nosuchgroup", NULL},
		 "--socket-group nosuchgroup: no such group"},
		{{"-s", "/a", "--pid-file", NULL}, "expected a file after"},
		{{"-c", "/a", "--socket-mode", "0600", NULL},
		 "--socket-mode is for a socket file we make"},
		{{"--fd", "3", "--socket-group", "7", NULL},
		 "--socket-group is for a socket file we make"},
		{{"--socket-mode", "0600", "-c", "/a", NULL},
		 "not these devices"},
	};

	CHECK_EQ_I(parse(a), 0);
	CHECK_STR_EQ(c.pid_file, "/run/vhost.pid");
	CHECK_EQ_U(c.dev[0].conn.perm.mode, 0660);
	CHECK(c.dev[0].conn.perm.set_gid);
	CHECK_EQ_U(c.dev[0].conn.perm.gid, 4242);
	CHECK_EQ_U(c.dev[1].conn.perm.mode, 0600);
	CHECK_EQ_U(c.dev[1].conn.perm.gid, 99);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_note(bad[i].says);
		CHECK_EQ_I(parse(bad[i].args), 2);
		CHECK_STR_HAS(fake_last_error(), bad[i].says);
	}
	check_note(NULL);
	if (CFG_WITH_FRONTEND) {
		const char *fe[] = {"-q", "/a", "--socket-mode", "0600",
				    "--listen", NULL};
		CHECK_EQ_I(parse(fe), 0);
		CHECK_EQ_U(c.dev[0].conn.perm.mode, 0600);
	}
}

/* An option given to a device that does not take it is refused, naming
 * both; one given before the devices must suit one of them at least. */
static void test_role_refusals(void)
{
	static const struct {
		const char *args[7];
		const char *says;
		bool built;
	} bad[] = {
		{{"-s", "/a", "--size", "100", NULL},
		 "--size is for a front-end or --generate, not /a", true},
		{{"--size", "100", "-s", "/a", NULL},
		 "--size is for a front-end or --generate, not these devices",
		 true},
		{{"-s", "/a", "--frames", "10", NULL},
		 "--frames is for a front-end (-q), not /a", CFG_WITH_FRONTEND},
		{{"-c", "/a", "--listen", NULL}, "--listen is for a front-end",
		 CFG_WITH_FRONTEND},
		{{"--fd", "3", "--timeout", "5", NULL},
		 "--timeout is for a front-end (-q), not fd 3",
		 CFG_WITH_FRONTEND},
		{{"--packed", "-s", "/a", "-s", "/b", NULL},
		 "--packed is for a front-end (-q), not these devices",
		 CFG_WITH_FRONTEND},
		{{"-q", "/a", "--dump", NULL}, "--dump is for a back-end, not /a",
		 CFG_WITH_FRONTEND},
		{{"-q", "/a", "--tap", "t0", NULL}, "--tap is for a back-end",
		 CFG_WITH_FRONTEND && CFG_WITH_LINKS},
	};
	static const struct {
		const char *args[8];
		bool built;
	} good[] = {
		{{"-s", "/a", "--generate", "--size", "100", NULL}, true},
		{{"--size", "100", "-s", "/a", "--generate", "-s", "/b", NULL},
		 true},
		{{"--frames", "10", "-s", "/a", "-q", "/a", NULL},
		 CFG_WITH_FRONTEND},
		{{"--sink", "-s", "/a", "-q", "/a", "--expect-none", NULL},
		 CFG_WITH_FRONTEND},
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!bad[i].built)
			continue;
		check_note(bad[i].says);
		CHECK_EQ_I(parse(bad[i].args), 2);
		CHECK_STR_HAS(fake_last_error(), bad[i].says);
	}
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!good[i].built)
			continue;
		check_note(good[i].args[0]);
		CHECK_EQ_I(parse(good[i].args), 0);
	}
	check_note(NULL);
}

/* Two actions for one device (or two before the devices) are refused,
 * not settled by the last one; a device's own action still overrides
 * the one before the devices. */
static void test_conflicting_actions(void)
{
	static const struct {
		const char *args[8];
		const char *says;
		bool built;
	} bad[] = {
		{{"-s", "/a", "--dump", "--sink", "--echo", NULL},
		 "--dump and --sink: one action per device", true},
		{{"--sink", "--generate", "-s", "/a", NULL},
		 "--sink and --generate: one action per device", true},
		{{"-s", "/a", "--respond", "192.0.2.1", "--echo", NULL},
		 "--respond and --echo", CFG_WITH_RESPOND},
		{{"-s", "/a", "--sink", "--tap", "t0", NULL},
		 "--sink and --tap", CFG_WITH_LINKS},
		{{"--sink", "--tap", "t0", "-s", "/a", NULL},
		 "--sink and the interface t0", CFG_WITH_LINKS},
	};
	const char *own[] = {"--sink", "-s", "/a", "--dump", "-s", "/b", NULL};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!bad[i].built)
			continue;
		check_note(bad[i].says);
		CHECK_EQ_I(parse(bad[i].args), 2);
		CHECK_STR_HAS(fake_last_error(), bad[i].says);
	}
	check_note(NULL);
	CHECK_EQ_I(parse(own), 0);
	CHECK(c.dev[0].fwd.action == ACT_DUMP);
	CHECK(c.dev[1].fwd.action == ACT_SINK);
	if (CFG_WITH_LINKS && CFG_WITH_SWITCH) {
		/* a link before the devices with --switch is a switch port,
		 * not an action */
		const char *sw[] = {"--sink", "--tap", "t0", "--switch", "-s",
				    "/a", "-s", "/b", NULL};
		CHECK_EQ_I(parse(sw), 0);
	}
}

/* A front-end's --size and --timeout are checked against the board while
 * parsing: a usage error, status 2, as --help promises. */
static void test_frontend_limits(void)
{
	static const struct {
		const char *args[10];
		const char *says;
	} bad[] = {
		{{"-q", "/a", "--size", "20", NULL}, "--size 20: frames are 42 to"},
		{{"-q", "/a", "--size", "99999", NULL}, "--size 99999"},
		{{"-q", "/a", "--respond", "192.0.2.2", "--ping", "192.0.2.1",
		  "--size", "9200", NULL},
		 "the payload of --ping is at most"},
		{{"-q", "/a", "--timeout", "0", NULL}, "expected a positive"},
	};
	const char *t[] = {"-q", "/a", "--timeout=30", NULL};
	const char *d[] = {"-q", "/a", NULL};
	char want[48];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_note(bad[i].says);
		CHECK_EQ_I(parse(bad[i].args), 2);
		CHECK_STR_HAS(fake_last_error(), bad[i].says);
		CHECK(strstr(fake_last_error(), "CFG_") == NULL);
	}
	check_note(NULL);
	CHECK_EQ_I(parse(bad[0].args), 2);
	snprintf(want, sizeof(want), "42 to %u bytes", (unsigned)CFG_FRAME_MAX);
	CHECK_STR_HAS(fake_last_error(), want);
	CHECK_EQ_I(parse(t), 0);
	CHECK_EQ_U(c.dev[0].fe.timeout_secs, 30);
	CHECK_EQ_I(parse(d), 0);
	CHECK_EQ_U(c.dev[0].fe.timeout_secs, 10);
}

/* Limits are said in numbers, never by the names of the knobs. */
static void test_limits_in_numbers(void)
{
	const char *gen[] = {"-s", "/a", "--generate", "--size", "99999", NULL};
	char want[48];

	CHECK_EQ_I(parse(gen), 2);
	snprintf(want, sizeof(want), "--size from 42 to %u",
		 (unsigned)CFG_FRAME_MAX);
	CHECK_STR_HAS(fake_last_error(), want);
	CHECK(strstr(fake_last_error(), "CFG_") == NULL);
	/* (#if: a loop to CFG_MAX_LINKS 0 would not compile cleanly) */
#if CFG_WITH_LINKS && CFG_WITH_SWITCH && CFG_MAX_LINKS <= CFG_MAX_DEVICES
	{
		/* one link before the devices (a switch port), one per
		 * device: one too many */
		static const char *a[4 * CFG_MAX_LINKS + 8];
		unsigned n = 0;
		a[n++] = "--tap";
		a[n++] = "t";
		a[n++] = "--switch";
		for (unsigned i = 0; i < CFG_MAX_LINKS; i++) {
			a[n++] = "-s";
			a[n++] = i % 2 ? "/a" : "/b";
			a[n++] = "--tap";
			a[n++] = "t";
		}
		a[n] = NULL;
		CHECK_EQ_I(parse(a), 2);
		snprintf(want, sizeof(want), "takes %u",
			 (unsigned)CFG_MAX_LINKS);
		CHECK_STR_HAS(fake_last_error(), want);
		CHECK(strstr(fake_last_error(), "CFG_") == NULL);
	}
#endif
}

static void test_too_many_devices(void)
{
	static const char *a[2 * CFG_MAX_DEVICES + 3];
	unsigned n = 0;
	char want[32];

	for (unsigned i = 0; i <= CFG_MAX_DEVICES; i++) {
		a[n++] = "-s";
		a[n++] = "/a";
	}
	a[n] = NULL;
	CHECK_EQ_I(parse(a), 2);
	CHECK_STR_HAS(fake_last_error(), "too many devices");
	CHECK(strstr(fake_last_error(), "CFG_") == NULL);
	snprintf(want, sizeof(want), "takes %u", (unsigned)CFG_MAX_DEVICES);
	CHECK_STR_HAS(fake_last_error(), want);
}

int main(void)
{
	RUN(test_sample_app_flags);
	RUN(test_defaults_then_own);
	/* (the parts they need: config.h) */
	if (CFG_WITH_SWITCH && CFG_WITH_RESPOND)
		RUN(test_switch_anywhere);
	if (CFG_WITH_LINKS && CFG_WITH_SWITCH)
		RUN(test_links);
	if (CFG_WITH_FRONTEND)
		RUN(test_respond_and_ping);
	if (CFG_WITH_PCAP)
		RUN(test_process_wide);
	RUN(test_logs);
	RUN(test_usage_errors);
	RUN(test_parts_left_out);
	RUN(test_too_many_devices);
	RUN(test_conventions);
	RUN(test_print_capabilities);
	RUN(test_version);
	RUN(test_opt_equals);
	RUN(test_same_path_twice);
	RUN(test_path_too_long);
	if (CFG_WITH_SERVICE)
		RUN(test_service);
	RUN(test_role_refusals);
	RUN(test_conflicting_actions);
	if (CFG_WITH_FRONTEND)
		RUN(test_frontend_limits);
	RUN(test_limits_in_numbers);
	return check_summary("test_cli");
}
