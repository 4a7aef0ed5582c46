/*
 * cve_2020_10722.c - CVE-2020-10722: SET_LOG_BASE with a size and an
 * offset whose sum wraps.  DPDK's vhost mapped size + offset bytes (a
 * small mapping after the wrap) and then wrote the dirty log as if it had
 * `size` bytes: writes past the mapping.
 *
 * The log's size and offset are checked against each other and against
 * the file before it is mapped; a bad one is a violation.  A log that is
 * too small for guest memory is refused with a non-zero reply (the
 * connection stays, nothing is written to it), and a good log gets the
 * pages we write.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/security/hostile.h"

#define LOG_PROTO VU_BIT(VU_PROTO_F_LOG_SHMFD)
#define LOG_FEAT VU_BIT(VHOST_F_LOG_ALL)

static int log_file(uint64_t size)
{
	int fd = memfd_create("log", MFD_CLOEXEC);

	HF_CHECK(fd >= 0 && ftruncate(fd, (off_t)size) == 0, "log memfd");
	return fd;
}

static void bad_log(const char *path, uint64_t size, uint64_t off,
		    uint64_t file, const char *expect)
{
	struct hf h;
	struct vu_log lg = {size, off};
	int fd = log_file(file);

	hf_setup(&h, path, LOG_FEAT, LOG_PROTO, 64);
	hf_send(&h, VU_SET_LOG_BASE, 0, &lg, sizeof(lg), &fd, 1);
	close(fd);
	HF_CHECK(hf_gone(&h, 5000), expect);
	hf_expect(expect);
	hf_close(&h);
}

/* Echo n frames through the device and check each. */
static void echo(struct hf *h, unsigned n)
{
	uint8_t f[100];

	hf_rx_fill(h, n, 2048);
	for (unsigned i = 0; i < n; i++) {
		uint32_t id, len;

		hf_frame(f, sizeof(f), (uint8_t)i);
		hf_tx(h, (uint16_t)i, f, sizeof(f), NULL);
		HF_CHECK(hf_used(h, 0, &id, &len, 5000) == 1, "echoed");
		HF_CHECK(memcmp(hf_ptr(h, HF_RXBUF(id) + HF_HDR), f,
				sizeof(f)) == 0,
			 "echoed intact");
	}
}

static bool marked(const uint8_t *lg, uint64_t gpa)
{
	uint64_t page = gpa >> 12;
	return (lg[page / 8] >> (page % 8)) & 1;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";
	struct hf h;

	hf_scenario("size + offset wraps 2^64 (the CVE)");
	bad_log(path, 0x10000, 0xfffffffffffff000ull, 0x1000, "wraps");
	hf_scenario("size alone wraps with the offset");
	bad_log(path, 0xffffffffffffff00ull, 0x200, 0x1000, "wraps");
	hf_scenario("log past the end of its file");
	bad_log(path, 0x2000, 0x800, 0x2000,
		"log needs 0x2800 bytes of its fd, the file has 0x2000");
	hf_scenario("offset past the end of the file");
	bad_log(path, 0x10, 0x5000, 0x1000, "needs 0x5010 bytes of its fd");
	hf_scenario("a log of size 0");
	bad_log(path, 0, 0, 0x1000, "log of size 0");

	hf_scenario("a log too small for guest memory: refused, never written");
	{
		/* 16 bytes of log cover 512 KiB; guest memory is at 1 MiB */
		int fd = log_file(0x1000);
		struct vu_log lg = {16, 0x100};
		uint8_t *all = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, 0);
		uint8_t zero[0x1000] = {0};
		uint64_t status = 0;

		HF_CHECK(all != MAP_FAILED, "mmap");
		hf_setup(&h, path, LOG_FEAT, LOG_PROTO, 64);
		HF_CHECK(hf_send(&h, VU_SET_LOG_BASE, 0, &lg, sizeof(lg), &fd,
				 1) == 0,
			 "send");
		HF_CHECK(hf_reply(&h, VU_SET_LOG_BASE, &status, 8, NULL,
				  NULL) == 8 && status != 0,
			 "SET_LOG_BASE answered with a failure (LOG_SHMFD)");
		hf_expect("SET_LOG_BASE refused: a dirty log of 16 bytes does "
			  "not cover guest memory up to 0x2fffff (96 bytes "
			  "needed)");
		echo(&h, 8);
		HF_CHECK(hf_alive(&h), "still served");
		HF_CHECK(memcmp(all, zero, sizeof(zero)) == 0,
			 "nothing written to the refused log");
		munmap(all, 0x1000);
		close(fd);
		hf_close(&h);
	}

	hf_scenario("a log that covers memory: the pages written are marked");
	{
		uint64_t size = ((HF_GPA + HF_MEM) >> 12) / 8;
		int fd = log_file(size);
		struct vu_log lg = {size, 0};
		uint8_t *lb = mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);

		HF_CHECK(lb != MAP_FAILED, "mmap");
		hf_setup(&h, path, LOG_FEAT, LOG_PROTO, 64);
		hf_send(&h, VU_SET_LOG_BASE, 0, &lg, sizeof(lg), &fd, 1);
		HF_CHECK(hf_reply(&h, VU_SET_LOG_BASE, NULL, 0, NULL, NULL) >= 0,
			 "SET_LOG_BASE answered");
		{
			/* the used ring logged at its guest address */
			struct vu_addr a = {
				0, VU_VRING_F_LOG,
				(uint64_t)(uintptr_t)hf_ptr(&h, HF_DESC(0)),
				(uint64_t)(uintptr_t)hf_ptr(&h, HF_DEVICE(0)),
				(uint64_t)(uintptr_t)hf_ptr(&h, HF_DRIVER(0)),
				HF_GPA + HF_DEVICE(0)};
			hf_send(&h, VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL,
				0);
		}
		echo(&h, 3);
		HF_CHECK(marked(lb, HF_GPA + HF_RXBUF(0)), "RX buffer 0 marked");
		HF_CHECK(marked(lb, HF_GPA + HF_RXBUF(2)), "RX buffer 2 marked");
		HF_CHECK(marked(lb, HF_GPA + HF_DEVICE(0)), "used ring marked");
		HF_CHECK(!marked(lb, HF_GPA + HF_TXBUF(0)),
			 "TX buffers are read, not marked");
		munmap(lb, size);
		close(fd);
		hf_close(&h);
	}
	return 0;
}
