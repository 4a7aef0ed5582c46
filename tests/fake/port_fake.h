/*
 * port_fake.h - a fake of every function in port/port.h, for unit tests
 * (STYLE.md "Tests without a framework", lwIP's fake sys_arch).
 *
 * Nothing here touches the OS:
 *   - fds are small ints from a table (FAKE_FD_BASE upwards), each with a
 *     kind and an open flag.  Slots are never reused until fake_reset(), so
 *     a second close of the same number is always seen (fake_double_close).
 *   - a connection socket is a script: the test queues inbound chunks
 *     (bytes, plus fds riding on them) and reads what the core sent back.
 *   - eventfds are counters; memfds are pieces of one static "guest RAM"
 *     array; mappings are recorded so leaks show (fake_maps_live()).
 *   - a tap or packet fd is a queue of inbound frames the test pushes and a
 *     log of the frames the core sent; a file is a capture buffer.
 *   - the clocks, signals and poll results are whatever the test sets.
 *   - port_log keeps the last error line and stays quiet unless the
 *     environment has FAKE_LOG_VERBOSE.
 *
 * Tests call fake_reset() before each case: it forgets every fd, chunk,
 * frame, file, mapping and counter (and zeroes the guest RAM and file
 * bytes handed out so far).
 */
#ifndef TESTS_FAKE_PORT_FAKE_H
#define TESTS_FAKE_PORT_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/proto/vu_proto.h"
#include "port/port.h"

#define FAKE_FD_BASE 100
#define FAKE_FD_SLOTS 64
/* One chunk may carry more fds than a message may (to test the limit). */
#define FAKE_CHUNK_FDS 16
/* The static array memfds are carved from, page by page. */
#define FAKE_RAM_SIZE (8u << 20)
#define FAKE_PAGE 4096u
/* Outbound messages remembered (older ones are dropped, and counted). */
#define FAKE_SENT_MAX 64

enum fake_kind {
	FAKE_FREE,
	FAKE_SOCK,   /* a connection */
	FAKE_LISTEN, /* a listening socket */
	FAKE_EVT,    /* an eventfd */
	FAKE_MEMFD,  /* shared memory */
	FAKE_NET,    /* a tap or AF_PACKET fd (port_tap_open, port_packet_open) */
	FAKE_FILE,   /* a file for writing (port_file_create) */
};

/* Forget everything (see above). */
void fake_reset(void);

/* ---- fd table --------------------------------------------------------- */

/* A new open fd of that kind; negative if the table is full (counted in
 * fake_misuse). */
int fake_fd_new(enum fake_kind kind);
bool fake_fd_is_open(int fd);
/* Open fds of every kind: the leak check. */
unsigned fake_fd_open_count(void);
enum fake_kind fake_fd_kind(int fd);

/* port_fd_close on an fd already closed. */
extern unsigned fake_double_close;
/* Any other wrong use of the port by the core: an fd that is not ours, an
 * fd of the wrong kind, an unmap of something never mapped, a full table. */
extern unsigned fake_misuse;

/* ---- scripted connection socket --------------------------------------- */

/* A new connection socket (what accept or connect would give). */
int fake_sock(void);

/* Queue one inbound chunk: len bytes (len > 0) with nfds fds attached to
 * its first byte.  The fds now belong to the "kernel": they reach the core
 * through port_sock_recv, or are closed with the socket.  0 or negative. */
int fake_sock_push(int fd, const void *bytes, size_t len, const int *fds,
		   unsigned nfds);

/* After the queued chunks, port_sock_recv returns 0 (peer closed). */
void fake_sock_eof(int fd);

/* Bytes queued on fd and not yet received. */
size_t fake_sock_pending(int fd);

/* port_sock_recv calls so far (all sockets). */
extern unsigned fake_recv_calls;

/* One message the core sent, split the vhost-user way when it is long
 * enough to have a header. */
struct fake_sent {
	int sock;
	size_t len; /* bytes sent, header included */
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vu_state state;
		uint8_t bytes[CFG_MSG_PAYLOAD_MAX];
	} p;
	int fds[FAKE_CHUNK_FDS];
	unsigned nfds;
};

/* Messages sent since the last reset (or fake_sent_clear). */
unsigned fake_sent_count(void);
/* Message i (0 = oldest kept); an all-zero entry if there is none. */
const struct fake_sent *fake_sent(unsigned i);
/* The most recent message (all-zero if none). */
const struct fake_sent *fake_sent_last(void);
void fake_sent_clear(void);
/* If negative, port_sock_send fails with it (a peer that went away). */
extern long fake_send_error;

/* ---- listen / accept / connect ------------------------------------------ */

/* The next port_sock_accept(lfd) returns a new socket, returned here. */
int fake_listen_pending(int lfd);
/* If negative, port_sock_connect fails with it; else it makes a socket. */
extern int fake_connect_error;
/* If negative, port_sock_listen fails with it. */
extern int fake_listen_error;
/* port_unlink_ours calls, and what they return (0: removed). */
extern unsigned fake_unlinks;
extern int fake_unlink_result;
/* The permissions the last port_sock_listen was asked for. */
extern struct port_sock_perm fake_sock_perm;
/* port_group_id knows numbers and the group "fakegroup" (gid 4242). */

/* ---- eventfds ------------------------------------------------------------ */

int fake_evt(void);
/* The counter (signals since the last drain); kept after close. */
uint64_t fake_evt_count(int fd);

/* ---- shared memory ------------------------------------------------------- */

/* A memfd of size bytes over a fresh, zeroed, page-aligned piece of the
 * guest RAM array (with an unused page after it, so two memfds are never
 * adjacent in our memory).  Negative if the array is used up. */
int fake_memfd(uint64_t size);
/* If set, port_mem_create makes its memfds with it (the fuzzers, whose
 * budget and ASan poisoning must know of every memfd); <0: no memory. */
extern int (*fake_mem_create)(uint64_t size);
/* Another fd over the same memory (the same guest RAM sent again). */
int fake_memfd_alias(int fd);
/* Make port_mem_map of fd fail (-PORT_ENOMEM), or work again. */
void fake_memfd_set_mappable(int fd, bool ok);
/* Our address of byte 0 of the memfd (valid after the fd is closed). */
uint8_t *fake_memfd_base(int fd);
/* Mappings made and not unmapped. */
unsigned fake_maps_live(void);
/* port_mem_map calls that succeeded. */
extern unsigned fake_maps_made;
/* A touch at p, inside a live mapping, found its page gone (the file was
 * truncated): what the Linux port's SIGBUS handler reports. */
void fake_mem_fault(const void *p);
/* If set, port_mem_unmap calls it just before a live mapping at addr of
 * len bytes goes: the last moment the core could still write guest memory
 * through it (a real mapping would fault afterwards, the fake's array
 * does not).  fake_reset clears it. */
extern void (*fake_unmap_hook)(const void *addr, uint64_t len);

/* ---- network interfaces (tap, AF_PACKET) --------------------------------- */

/* Longest frame the fake queues or logs; pushing or sending a longer one
 * is a misuse (the core never builds frames above CFG_FRAME_MAX). */
#define FAKE_NET_FRAME_MAX (10u << 10)
/* Inbound frames queued and not yet received, all fds together. */
#define FAKE_NET_QUEUE 16
/* Frames sent that are kept for fake_net_sent, all fds together. */
#define FAKE_NET_SENT_MAX 32

/* If negative, port_tap_open and port_packet_open fail with it. */
extern int fake_net_open_error;
/* The interface name fd was opened with ("" if fd is not a FAKE_NET fd);
 * kept after close. */
const char *fake_net_name(int fd);
/* Opened by port_packet_open (true) or port_tap_open (false). */
bool fake_net_is_packet(int fd);
/* A tap queue opened with PORT_TAP_MULTI_QUEUE, with PORT_TAP_VNET_HDR;
 * detached by port_tap_queue; its offloads (port_tap_offload). */
bool fake_net_is_multi(int fd);
bool fake_net_is_vnet(int fd);
bool fake_net_is_detached(int fd);
unsigned fake_net_offloads(int fd);

/* Queue one inbound frame (0 < len <= FAKE_NET_FRAME_MAX) for fd: the
 * frames of an fd come out of port_net_recv one per call, in push order,
 * cut to the caller's buffer with the full length returned; -PORT_EAGAIN
 * when none is queued.  A full queue or a bad fd counts in fake_misuse.
 * Frames still queued when fd is closed are dropped. */
void fake_net_push(int fd, const void *frame, uint32_t len);
/* Frames queued on fd and not yet received. */
unsigned fake_net_pending(int fd);

/*
 * Frames port_net_send sent on fd since the last reset (blocked sends are
 * not counted).  The log is global: only the last FAKE_NET_SENT_MAX frames
 * of all fds together are kept, each with its fd and its index on that fd.
 */
unsigned fake_net_sent_count(int fd);
/* Frame i sent on fd (0 = its first since reset), its pieces joined, and
 * its length in *len (may be NULL); NULL and *len = 0 if fd sent no such
 * frame or it has dropped out of the log. */
const uint8_t *fake_net_sent(int fd, unsigned i, uint32_t *len);
/* While full, port_net_send on fd returns -PORT_EAGAIN (and logs nothing). */
void fake_net_block(int fd, bool full);

/* ---- files (capture output) -------------------------------------------------- */

/* Bytes all files together can hold. */
#define FAKE_FILE_BYTES (1u << 20)

/* If negative, port_file_create fails with it. */
extern int fake_file_create_error;
/* If negative, port_file_stdout fails with it; else it makes a file named
 * "<stdout>". */
extern int fake_stdout_error;
/* port_file_write calls so far (all files, failed ones included). */
extern unsigned fake_file_write_calls;
/* The fd of the file created last, -1 if none since reset. */
int fake_file_last(void);
/* The path fd was created with ("" if fd is not a FAKE_FILE fd). */
const char *fake_file_path(int fd);

/*
 * What was written to fd (kept after close): its bytes and their count in
 * *len (may be NULL); NULL and *len = 0 if fd is not a file.  Files take
 * consecutive pieces of one FAKE_FILE_BYTES buffer: only the file created
 * last can grow, so a write to an older one (or past the buffer's end) is
 * a full disk: short, then -PORT_ENOSPC.
 */
const uint8_t *fake_file_data(int fd, uint32_t *len);
/* From now on, each port_file_write on fd writes at most max_per_write
 * bytes (0 = no limit) or, if error != 0, fails with error (a negative
 * errno) and writes nothing. */
void fake_file_limit(int fd, uint32_t max_per_write, int error);

/* ---- time, signals, poll -------------------------------------------------- */

extern uint64_t fake_now;     /* port_now_ns() */
extern uint64_t fake_wall_ns; /* port_wall_ns() */
void fake_raise(unsigned bits); /* PORT_SIG_* for port_sig_take() */
extern int fake_poll_result;    /* what port_poll returns */
extern unsigned fake_poll_calls;

/* ---- log ------------------------------------------------------------------- */

/* The last PORT_LOG_ERR line ("" if none since fake_log_clear). */
const char *fake_last_error(void);
/* The last PORT_LOG_INFO line ("" if none since fake_log_clear). */
const char *fake_last_info(void);
/* The last PORT_LOG_WARN line ("" if none since fake_log_clear). */
const char *fake_last_warning(void);
/* The last PORT_LOG_DEBUG line and its tag ("" if none), the last
 * PORT_LOG_DATA line. */
const char *fake_last_debug(void);
const char *fake_last_tag(void);
const char *fake_last_data(void);
unsigned fake_error_count(void);
unsigned fake_warn_count(void);
unsigned fake_info_count(void);
unsigned fake_debug_count(void);
unsigned fake_data_count(void);
/* What port_log_setup was told last (0, false after fake_reset). */
extern int fake_log_stdout;
extern bool fake_log_syslog;
/* Forget the last error, warning and info lines (not the counts). */
void fake_log_clear(void);

#endif /* TESTS_FAKE_PORT_FAKE_H */
