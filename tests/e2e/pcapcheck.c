/*
 * pcapcheck.c - an independent reader of the pcap files `vhost --pcap`
 * writes, for the end-to-end tests.
 *
 *   pcapcheck FILE
 *
 * Checks the global header (magic in host order, version 2.4, snaplen,
 * LINKTYPE_ETHERNET) and every record (lengths, no record cut short), and
 * prints "frames N bytes B arp A icmp I", B the sum of the original
 * lengths.  Exit 0 only for a well-formed file.  A test tool: plain libc.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t rec[65536];

int main(int argc, char **argv)
{
	FILE *f;
	uint32_t g[6];
	uint64_t frames = 0, bytes = 0, arp = 0, icmp = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapcheck FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || fread(g, 4, 6, f) != 6) {
		fprintf(stderr, "pcapcheck: no global header\n");
		return 1;
	}
	if (g[0] != 0xa1b2c3d4u || (g[1] & 0xffff) != 2 || (g[1] >> 16) != 4 ||
	    g[4] != 65535 || g[5] != 1) {
		fprintf(stderr, "pcapcheck: bad global header\n");
		return 1;
	}
	for (;;) {
		uint32_t h[4];
		size_t n = fread(h, 4, 4, f);
		if (n == 0)
			break;
		if (n != 4 || h[2] > h[3] || h[2] > 65535 || h[1] >= 1000000 ||
		    fread(rec, 1, h[2], f) != h[2]) {
			fprintf(stderr, "pcapcheck: record %llu is cut short or "
				"malformed\n", (unsigned long long)frames);
			return 1;
		}
		frames++;
		bytes += h[3];
		if (h[2] >= 14 && rec[12] == 0x08 && rec[13] == 0x06)
			arp++;
		if (h[2] >= 34 && rec[12] == 0x08 && rec[13] == 0x00 &&
		    rec[23] == 1)
			icmp++;
	}
	printf("frames %llu bytes %llu arp %llu icmp %llu\n",
	       (unsigned long long)frames, (unsigned long long)bytes,
	       (unsigned long long)arp, (unsigned long long)icmp);
	return 0;
}
