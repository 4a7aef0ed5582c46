/*
 * fuzz.h - what the fuzz targets in tests/fuzz/ share (STYLE.md: "A fuzz
 * entry point reads one input from stdin so both libFuzzer and AFL++ can
 * drive it, with a seed corpus in the tree").
 *
 * Each target is one LLVMFuzzerTestOneInput() over the real core objects
 * and the fake port (tests/fake/port_fake.h).  Linked with -fsanitize=fuzzer
 * it is a libFuzzer binary; linked with fuzz_main.c it is a plain program
 * that reads one input on stdin (AFL++, or replaying a crash by hand).
 *
 * What a target may not do (they would be harness bugs, not core bugs):
 *   - run out of the fake's fixed tables (64 fds, 8 MiB of guest RAM):
 *     fz_fd_room() and fz_memfd() keep a budget and say no instead;
 *   - break a contract the core states for its caller (only what came from
 *     the peer or from guest memory is hostile).
 * What a target checks, and abort()s on, so the fuzzer reports it:
 *   - the fake port's accounting after dev_close (no fd open, no mapping
 *     live, nothing closed twice, no misuse), fz_check_clean();
 *   - every guest-RAM byte the core touches lies inside a memfd: the fake's
 *     RAM is one static array, so ASan alone would not see a read past a
 *     region into the next one.  fz_begin() poisons the whole array and
 *     fz_memfd() unpoisons exactly the bytes of each memfd (no-ops in a
 *     build without ASan).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/fake/port_fake.h"

struct be_dev;
struct mem_table;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- reading the input ------------------------------------------------ */

/* A cursor over the input: reads past the end give zeros, never fail. */
struct fz_in {
	const uint8_t *p;
	size_t n;
	size_t off;
};

static inline void fz_in_init(struct fz_in *in, const uint8_t *p, size_t n)
{
	in->p = p;
	in->n = n;
	in->off = 0;
}

static inline size_t fz_left(const struct fz_in *in)
{
	return in->n - in->off;
}

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in); /* little-endian */
uint32_t fz_u32(struct fz_in *in); /* little-endian */
/* Copy up to len bytes into dst, zero-filling what the input lacks. */
void fz_bytes(struct fz_in *in, void *dst, size_t len);

/* ---- one run ------------------------------------------------------------ */

/* Start a run: unpoison guest RAM, fake_reset(), poison guest RAM again,
 * forget the budgets. */
void fz_begin(void);

/* Room for n more fds in the fake's table (counted by the fz_* makers and
 * fz_fd_count()). */
bool fz_fd_room(unsigned n);
/* Count an fd the target made some other way (be_open's listen socket,
 * fake_sock(), fake_listen_pending()). */
void fz_fd_count(unsigned n);

/* A memfd of size bytes over zeroed guest RAM, its bytes made addressable;
 * -1 (and nothing made) if the RAM or fd budget would be exceeded. */
int fz_memfd(uint64_t size);
/* Another fd over the memory of memfd fd; -1 if the fd budget is out. */
int fz_memfd_alias(int fd);
/* An eventfd; -1 if the fd budget is out. */
int fz_evt(void);

/* Mark [p, p + len) of a memfd as not to be touched by the core (bytes of
 * the file before a region's mmap_offset, say). */
void fz_poison(const void *p, size_t len);

/* FAKE_LOG_VERBOSE is set: the core's log goes to stderr, and the targets
 * print the device's counters at the end (to see what a seed reaches). */
bool fz_verbose(void);

/* ---- checks ------------------------------------------------------------ */

/* Report and abort(): the fuzzer keeps the input. */
__attribute__((noreturn)) void fz_fail(const char *file, int line,
				       const char *what);
#define FZ_CHECK(c)                                        \
	do {                                               \
		if (!(c))                                  \
			fz_fail(__FILE__, __LINE__, #c);   \
	} while (0)

/* [p, p + len) lies inside one region of t (its local bytes). */
bool fz_in_table(const struct mem_table *t, const void *p, uint64_t len);

/* Abort unless all of [p, p + len) is addressable (inside a memfd, not
 * poisoned); always true in a build without ASan. */
void fz_check_addressable(const void *p, size_t len);

/* After dev_close: no fd open, no mapping live, no double close, no
 * misuse (abort otherwise). */
void fz_check_clean(void);

/* At any time: nothing closed twice, no misuse, exactly the mappings of the
 * device's table, log and inflight region live, and every attached ring
 * inside that table. */
void fz_check_dev(const struct be_dev *d);

/* A back-end device as be_open() makes it for a listening socket, in echo
 * mode, with a fake connection in d->fd. */
void fz_dev_open(struct be_dev *d);

/* The connection went (violation or hang-up): a new peer connects, through
 * the listening socket as the loop would see it.  False if the fd budget
 * is out (the device stays disconnected). */
bool fz_dev_reconnect(struct be_dev *d);

#endif /* TESTS_FUZZ_FUZZ_H */
