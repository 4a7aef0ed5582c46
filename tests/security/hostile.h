/*
 * hostile.h - a hostile vhost-user front-end for tests/security/.
 *
 * A test program (one per class of published vulnerability) plays a
 * front-end and a guest against a running `vhost -s SOCK` back-end: it
 * builds real shared memory (a memfd), real eventfds, split or packed
 * rings, and then writes whatever the attack needs -- bad messages, bad
 * fds, bad rings -- and watches what the back-end does about it:
 *   - a front-end's violation: the back-end drops the connection
 *     (hf_gone), and names the violation in its log (hf_expect: in the
 *     lines the scenario caused, $VHOST_LOG read from where it stood when
 *     the scenario began);
 *   - a guest's bad ring: that ring stops, its error fd is signalled and
 *     the connection stays (hf_ring_failed), the error named in the log;
 *   - a bad frame: dropped and counted, the connection kept (hf_alive);
 *   - the back-end's fds and mappings (/proc/PID, PID in $VHOST_PID) are
 *     where they were once a connection is gone.
 * The runner then checks that the back-end still serves a real front-end,
 * and that another device of the same process never noticed.
 *
 * Plain libc (a test tool, not the product).  Guest memory is one region
 * of HF_MEM bytes at guest-physical HF_GPA; rings of queue 0 (RX) and 1
 * (TX) at fixed places in it, buffers after them.
 */
#ifndef TESTS_SECURITY_HOSTILE_H
#define TESTS_SECURITY_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/virtq/layout.h"
#include "core/proto/vu_proto.h"

#define HF_MEM 0x200000ull
#define HF_GPA 0x100000ull
/* Offsets in guest memory: rings of queue q (num <= 256), buffers. */
#define HF_DESC(q) (0x8000ull * (q))
#define HF_DRIVER(q) (0x8000ull * (q) + 0x1000)
#define HF_DEVICE(q) (0x8000ull * (q) + 0x2000)
#define HF_RXBUF(i) (0x10000ull + 0x800ull * (i))
#define HF_TXBUF(i) (0x100000ull + 0x800ull * (i))
#define HF_TABLE(i) (0x1c0000ull + 0x100ull * (i))
#define HF_HDR 12u

struct hf {
	const char *path;
	int sock;
	int memfd;
	uint8_t *mem;
	uint32_t num;
	bool packed;
	uint64_t features; /* negotiated */
	uint64_t proto;
	int kick[2], call[2], err[2];
	uint16_t avail[2];   /* split: next avail index; packed: slot */
	bool avail_wrap[2];  /* packed */
	uint16_t used[2];    /* split: next used entry; packed: slot */
	bool used_wrap[2];   /* packed */
	uint16_t ndesc[2][256]; /* packed: slots of chain id */
};

/* ---- checks and expectations ----------------------------------------- */

/* Fail the test: a line on stderr, exit 1. */
__attribute__((noreturn, format(printf, 1, 2))) void hf_fail(const char *fmt,
							      ...);
#define HF_CHECK(c, what)                                               \
	do {                                                            \
		if (!(c))                                               \
			hf_fail("%s:%d: %s (%s)", __FILE__, __LINE__, what, \
				#c);                                    \
	} while (0)

/* The back-end's log ($VHOST_LOG) names text in a line written since
 * the scenario began, within 5 s; else the test fails. */
void hf_expect(const char *text);

/* One scenario's name, for the output; its lines of the back-end's log
 * start here (after the last scenario's, which are waited for). */
void hf_scenario(const char *name);

/* The counters a SIGUSR1 makes the back-end print, within 5 s: a line of
 * device 0 (the one attacked) in this dump has text. */
bool hf_stats_have(const char *text);

/* fds and mapping lines of the back-end process ($VHOST_PID). */
unsigned hf_be_fds(void);
unsigned hf_be_maps(void);

/* ---- the connection ------------------------------------------------- */

/* Connect to path (after a pause that keeps the back-end's rate-limited
 * log readable: each scenario's lines are checked). */
void hf_open(struct hf *h, const char *path);
/* The same without the pause (floods). */
void hf_open_fast(struct hf *h, const char *path);
void hf_close(struct hf *h);

/* Send a message: header fields as given, payload, fds. */
int hf_send(struct hf *h, uint32_t req, uint32_t flags, const void *p,
	    uint32_t size, const int *fds, int nfds);
/* Send raw bytes with fds (framing attacks). */
int hf_send_raw(struct hf *h, const void *p, size_t len, const int *fds,
		int nfds);
/* Wait for a reply to req: its payload in p (up to size), its fds in
 * fds (up to 8); payload size, or -1 on time-out or a closed socket. */
int hf_reply(struct hf *h, uint32_t req, void *p, uint32_t size, int *fds,
	     int *nfds);
/* The back-end closed the connection within ms. */
bool hf_gone(struct hf *h, int ms);
/* The back-end answers GET_FEATURES: the connection is served. */
bool hf_alive(struct hf *h);
/* A guest's bad ring (vhost-user.rst SET_VRING_ERR): ring q's error fd
 * is signalled within ms, and the connection is still served. */
bool hf_ring_failed(struct hf *h, unsigned q, int ms);

/* ---- memory, handshake, rings ------------------------------------------- */

/* Shared memory (a memfd of HF_MEM bytes), mapped. */
void hf_memory(struct hf *h);
/* Our local address of guest offset off. */
uint8_t *hf_ptr(struct hf *h, uint64_t off);

/* SET_OWNER, features (VERSION_1 + PROTOCOL_FEATURES + extra), protocol
 * features, SET_MEM_TABLE of our one region.  Fails the test if the
 * back-end does not offer what is asked. */
void hf_handshake(struct hf *h, uint64_t extra, uint64_t proto);

/* Queue q: SET_VRING_NUM num, BASE, ADDR (our layout), CALL, ERR, KICK,
 * ENABLE. */
void hf_ring(struct hf *h, unsigned q, uint32_t num);

/* hf_open + hf_memory + hf_handshake + both rings of num entries. */
void hf_setup(struct hf *h, const char *path, uint64_t extra, uint64_t proto,
	      uint32_t num);

/* Kick queue q. */
void hf_kick(struct hf *h, unsigned q);

/* ---- the guest's side of the rings ------------------------------------------ */

/* One descriptor of a chain being offered. */
struct hf_seg {
	uint64_t off; /* guest offset (HF_GPA is added), or a raw gpa */
	uint32_t len;
	uint16_t flags; /* VRING_DESC_F_WRITE / INDIRECT */
	bool raw;       /* off is a guest-physical address as it stands */
};

/* Offer a chain of n segments on queue q with id/head `id` (split: the
 * descriptors go at id, id+1, ...; packed: at the next slots).  Does not
 * kick. */
void hf_offer(struct hf *h, unsigned q, uint16_t id, const struct hf_seg *s,
	      unsigned n);

/* Split only: raw access for attacks. */
struct vring_desc *hf_split_desc(struct hf *h, unsigned q);
struct vring_avail *hf_split_avail(struct hf *h, unsigned q);

/* Packed only: the descriptor in slot i of queue q. */
struct vring_packed_desc *hf_packed_desc(struct hf *h, unsigned q,
					 unsigned i);

/* Transmit frame[0..len) behind a zero header (or hdr if not NULL) from
 * TX buffer `slot` (id slot), and kick. */
void hf_tx(struct hf *h, uint16_t slot, const uint8_t *frame, uint32_t len,
	   const uint8_t *hdr);

/* Offer n RX buffers of size bytes (ids 0..n-1) and kick. */
void hf_rx_fill(struct hf *h, unsigned n, uint32_t size);

/* Wait up to ms for the next used element of queue q: 1 with id and len,
 * 0 on time-out. */
int hf_used(struct hf *h, unsigned q, uint32_t *id, uint32_t *len, int ms);

/* A recognisable test frame of len bytes (an Ethernet broadcast). */
void hf_frame(uint8_t *out, uint32_t len, uint8_t seed);

#endif /* TESTS_SECURITY_HOSTILE_H */
