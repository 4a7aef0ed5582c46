/*
 * pcapcheck.c - an independent reader of the pcapng files `vhost --pcap`
 * writes, for the end-to-end tests.
 *
 *   pcapcheck FILE     (- for stdin)
 *
 * Checks the section header (byte-order magic in host order, version
 * 1.0), every interface (Ethernet, nanosecond time stamps) and every
 * enhanced packet block (lengths, an interface described before it, a
 * direction in its epb_flags, no block cut short), and prints
 *
 *   frames N bytes B arp A icmp I
 *   NAME in X out Y          (one line per interface)
 *
 * B the sum of the original lengths.  Exit 0 only for a well-formed file.
 * A test tool: plain libc.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_IF 64

static uint8_t blk[70000];
static char names[MAX_IF][64];
static unsigned long long in[MAX_IF], out[MAX_IF];

static int bad(const char *why, unsigned long long n)
{
	fprintf(stderr, "pcapcheck: block %llu: %s\n", n, why);
	return 1;
}

int main(int argc, char **argv)
{
	FILE *f;
	uint32_t h[2];
	uint64_t frames = 0, bytes = 0, arp = 0, icmp = 0, n = 0;
	unsigned nif = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapcheck FILE\n");
		return 2;
	}
	f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "rb");
	if (f == NULL)
		return bad("cannot open", 0);
	for (;; n++) {
		size_t got = fread(h, 4, 2, f);
		uint32_t len = h[1], body;
		const uint8_t *o, *end;
		uint32_t flags = 0;

		if (got == 0 && n > 0)
			break;
		if (got != 2 || len < 12 || len % 4 || len > sizeof(blk))
			return bad("cut short or of a bad length", n);
		body = len - 8;
		memcpy(blk, h, 8);
		if (fread(blk + 8, 1, body, f) != body ||
		    memcmp(blk + len - 4, &len, 4) != 0)
			return bad("cut short, or its two lengths differ", n);
		if (n == 0) {
			uint32_t bom;
			memcpy(&bom, blk + 8, 4);
			if (h[0] != 0x0a0d0d0au || bom != 0x1a2b3c4du ||
			    blk[12] != 1 || blk[13] != 0)
				return bad("not a pcapng section header", n);
			continue;
		}
		if (h[0] == 1) { /* an interface */
			if (nif == MAX_IF || blk[8] != 1 || blk[9] != 0)
				return bad("not an Ethernet interface", n);
			o = blk + 16;
			end = blk + len - 4;
			int ns = 0;
			while (o + 4 <= end) {
				uint16_t code, ol;
				memcpy(&code, o, 2);
				memcpy(&ol, o + 2, 2);
				if (code == 0)
					break;
				if (code == 2 && ol < 64)
					memcpy(names[nif], o + 4, ol);
				if (code == 9 && ol == 1 && o[4] == 9)
					ns = 1;
				o += 4 + ((ol + 3u) & ~3u);
			}
			if (!ns)
				return bad("time stamps not in nanoseconds", n);
			nif++;
			continue;
		}
		if (h[0] != 6)
			return bad("neither an interface nor a packet", n);
		uint32_t ifc, incl, orig;
		memcpy(&ifc, blk + 8, 4);
		memcpy(&incl, blk + 20, 4);
		memcpy(&orig, blk + 24, 4);
		if (ifc >= nif || incl > orig || incl > 65535 ||
		    28 + ((incl + 3u) & ~3u) + 4 > len)
			return bad("packet lengths or interface wrong", n);
		o = blk + 28 + ((incl + 3u) & ~3u);
		end = blk + len - 4;
		while (o + 4 <= end) {
			uint16_t code, ol;
			memcpy(&code, o, 2);
			memcpy(&ol, o + 2, 2);
			if (code == 0)
				break;
			if (code == 2 && ol == 4)
				memcpy(&flags, o + 4, 4);
			o += 4 + ((ol + 3u) & ~3u);
		}
		if ((flags & 3) == 1)
			in[ifc]++;
		else if ((flags & 3) == 2)
			out[ifc]++;
		else
			return bad("packet without a direction", n);
		const uint8_t *rec = blk + 28;
		frames++;
		bytes += orig;
		if (incl >= 14 && rec[12] == 0x08 && rec[13] == 0x06)
			arp++;
		if (incl >= 34 && rec[12] == 0x08 && rec[13] == 0x00 &&
		    rec[23] == 1)
			icmp++;
	}
	printf("frames %llu bytes %llu arp %llu icmp %llu\n",
	       (unsigned long long)frames, (unsigned long long)bytes,
	       (unsigned long long)arp, (unsigned long long)icmp);
	for (unsigned i = 0; i < nif; i++)
		printf("%s in %llu out %llu\n", names[i], in[i], out[i]);
	return 0;
}
