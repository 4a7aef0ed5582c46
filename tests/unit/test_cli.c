/*
 * test_cli.c - the command line (core/cli.c): options before the first
 * device are defaults, options after a device are its own, and the
 * process-wide ones (--switch, --pcap, --stats, -v) hold wherever they
 * stand.  Every mistake is a usage error (2) with a line naming it, and
 * so is an option of a part the board leaves out (config.h); the cases
 * of such parts run only where they are built.
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
	CHECK(c.dev[0].conn.verbose);
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
		{{"-s", "/a", "--packed", NULL}, CFG_WITH_FRONTEND},
		{{"-s", "/a", "--respond", "192.0.2.1", NULL}, CFG_WITH_RESPOND},
		{{"-s", "/a", "--mac", "52:54:00:00:00:01", NULL},
		 CFG_WITH_RESPOND},
		{{"-s", "/a", "--tap", "t0", NULL}, CFG_WITH_LINKS},
		{{"-s", "/a", "--switch", NULL}, CFG_WITH_SWITCH},
		{{"-s", "/a", "--pcap", "/tmp/x.pcap", NULL}, CFG_WITH_PCAP},
	};

	for (unsigned i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		const char *name =
			opt[i].args[0][1] == 'q' ? "-q" : opt[i].args[2];
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

static void test_too_many_devices(void)
{
	static const char *a[2 * CFG_MAX_DEVICES + 3];
	unsigned n = 0;

	for (unsigned i = 0; i <= CFG_MAX_DEVICES; i++) {
		a[n++] = "-s";
		a[n++] = "/a";
	}
	a[n] = NULL;
	CHECK_EQ_I(parse(a), 2);
	CHECK_STR_HAS(fake_last_error(), "too many devices");
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
	RUN(test_usage_errors);
	RUN(test_parts_left_out);
	RUN(test_too_many_devices);
	RUN(test_version);
	return check_summary("test_cli");
}
