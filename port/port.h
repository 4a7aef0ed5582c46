/*
 * port.h - the only door from core/ to the operating system.
 *
 * Every function returns >= 0 on success and a negative errno value on
 * failure; errno itself is read only inside the port.  File descriptors are
 * plain ints so that they can travel in SCM_RIGHTS and sit in the core's
 * fixed tables; -1 means "none".
 *
 * Two parts:
 *   MANDATORY  what every port provides, for every board: unix sockets
 *              with fds, eventfd, shared memory, poll, the monotonic
 *              and the wall clock, signals and log output.  The back-end
 *              needs all of it.
 *   FEATURES   what only an optional part of the core needs (config.h):
 *              tap and AF_PACKET interfaces (port_tap_*, port_packet_*,
 *              port_net_*) for links (CFG_MAX_LINKS > 0), files
 *              (port_file_*) for the capture (CFG_WITH_PCAP), and the pid
 *              file and group names (port_pid_file, port_group_id) for
 *              running as a service (CFG_WITH_SERVICE).  A port for boards
 *              that leave those parts out need not implement them: the
 *              core then has no call to them, and the build links none
 *              (the Makefile leaves out port/linux/net.c, file.c and
 *              svc.c).
 * A port must implement every function its boards need (no weak
 * symbols): a missing one fails the link, which is the point.
 */
#ifndef PORT_PORT_H
#define PORT_PORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Negative error codes the core inspects.  Linux values; a port for another
 * OS maps its own codes onto these. */
#define PORT_EAGAIN 11
#define PORT_EINTR 4
#define PORT_EINVAL 22
#define PORT_ENOENT 2
#define PORT_EPROTO 71
#define PORT_EMSGSIZE 90
#define PORT_ENOSPC 28
#define PORT_ECONNREFUSED 111
#define PORT_EBADF 9
#define PORT_ENOMEM 12
#define PORT_ERANGE 34
#define PORT_ENOTSUP 95
#define PORT_EPIPE 32
#define PORT_ENODEV 19
#define PORT_ENOTTY 25
#define PORT_EACCES 13
#define PORT_EEXIST 17
#define PORT_ENAMETOOLONG 36
#define PORT_ENOTSOCK 88
#define PORT_EADDRINUSE 98
#define PORT_ETIMEDOUT 110
#define PORT_ECONNRESET 104
/* Not an errno: a socket's directory does not exist (port_sock_connect and
 * port_sock_listen tell it from a socket that is not there yet). */
#define PORT_ENODIR 4096


/* ==== MANDATORY: every port, every board ================================ */

/* ---- unix stream sockets (vhost-user transport) ---------------------- */

/* Longest socket path, in bytes without the final NUL (Linux's sun_path
 * holds 108 with it). */
#define PORT_SOCK_PATH_MAX 107

/* A file we made (a socket, the pid file), as it was when we made it: at
 * the end it is removed only if it is still that file, never one that
 * someone put in its place since. */
struct port_file_id {
	uint64_t dev, ino;
};

/* Who may connect to a socket file: its mode bits and its group. */
struct port_sock_perm {
	uint32_t mode; /* 0: as the umask made it */
	bool set_gid;  /* else the group it was created with */
	uint32_t gid;
};

/* Create a listening unix stream socket at path, with the permissions of
 * perm (may be NULL), before it listens; *id says which file it is.
 * Non-blocking, close-on-exec.  A socket file already there is probed
 * first: if something accepts on it, it is live and not touched
 * (-PORT_EADDRINUSE); if nobody does, it is stale and replaced.  Anything
 * else at path is not ours to delete (-PORT_EEXIST).  -PORT_ENODIR if
 * the directory does not exist. */
int port_sock_listen(const char *path, const struct port_sock_perm *perm,
		     struct port_file_id *id);

/* A socket this process was handed (the back-end conventions' --fd): 1 if
 * it listens, 0 if it is already connected; made non-blocking and
 * close-on-exec.  -PORT_EBADF if fd is not open, -PORT_ENOTSOCK if it is
 * no socket, another negative value if it is no unix stream socket, or
 * neither listens nor is connected. */
int port_sock_adopt(int fd);

/* Accept one connection from a listening socket; non-blocking result.
 * -PORT_EAGAIN when none is pending. */
int port_sock_accept(int lfd);

/* Connect to the unix stream socket at path.  While nobody listens there
 * yet: -PORT_ENOENT (no file at path), -PORT_ECONNREFUSED (a socket file
 * nobody listens on), -PORT_EAGAIN (a listener that takes no more); these
 * may clear.  Any other error will not clear by itself: -PORT_ENODIR (the
 * directory is missing), -PORT_ENOTSOCK (a file that is no socket),
 * -PORT_EACCES, ... */
int port_sock_connect(const char *path);

/*
 * Receive at most len bytes (never more: the caller frames messages itself)
 * and the fds that came with them.  Up to max_fds fds are stored in fds[] and
 * their count in *nfds.  If the sender attached more fds than max_fds, every
 * fd received is closed and -PORT_EMSGSIZE is returned.
 * Returns bytes received, 0 at end of stream, -PORT_EAGAIN if nothing is
 * ready.
 */
long port_sock_recv(int fd, void *buf, size_t len, int *fds, unsigned *nfds,
                    unsigned max_fds);

/* Send len bytes with nfds fds attached to the first byte.  Blocks until all
 * bytes are written or an error occurs (messages are small). */
long port_sock_send(int fd, const void *buf, size_t len, const int *fds,
                    unsigned nfds);

/* Remove the file at path if it is still the one id names (a socket of
 * port_sock_listen, the pid file).  -PORT_EEXIST, and left alone, if
 * another file took its place; -PORT_ENOENT if none is there. */
int port_unlink_ours(const char *path, const struct port_file_id *id);

/* ---- file descriptors ------------------------------------------------- */

/* Close fd; a negative fd is ignored. */
void port_fd_close(int fd);

/* Size in bytes of the file behind fd (for checking mmap ranges before they
 * can SIGBUS). */
int port_fd_size(int fd, uint64_t *size);

/* ---- eventfd ---------------------------------------------------------- */

/* A non-blocking eventfd with counter 0. */
int port_evt_create(void);

/* An fd a peer gave us to signal or to wait on (kick, call, err, log):
 * it must be an eventfd (or a pipe or a socket, which platforms without
 * eventfds use), and it is made non-blocking, so that none in its place
 * can ever stall the loop.  Negative if it is none of those (a regular
 * file or a device would read as endless kicks). */
int port_evt_adopt(int fd);

/* Add 1 to the counter (a kick or a call). */
int port_evt_signal(int fd);

/* Read and reset the counter; 0 if it was already 0.  -PORT_EPROTO if
 * fd turned out to be no eventfd (a read of other than 8 bytes: a file, a
 * pipe whose writer is gone). */
int port_evt_drain(int fd, uint64_t *count);

/* ---- shared memory ---------------------------------------------------- */

/* An anonymous shareable file of size bytes (memfd), sealed against
 * shrinking. */
int port_mem_create(const char *name, uint64_t size);

/* Map [0, len) of fd shared, read-write. */
int port_mem_map(int fd, uint64_t len, void **addr);

/* Unmap a mapping made by port_mem_map. */
int port_mem_unmap(void *addr, uint64_t len);

/*
 * A peer may shrink the file behind a mapping after we checked its size:
 * touching the lost pages would kill us (SIGBUS).  Once port_sig_init has
 * run, such a touch instead finds zeroed memory, the mapping is marked,
 * and port_mem_faults counts it.  The core then asks port_mem_faulted,
 * mapping by mapping (by the address port_mem_map returned), which of its
 * peers' memory it was, and drops that peer.
 */
uint64_t port_mem_faults(void);
/* Did a touch fault in the mapping at addr since the last call? */
int port_mem_faulted(void *addr);

/* ---- readiness -------------------------------------------------------- */

#define PORT_POLLIN 0x1u
#define PORT_POLLOUT 0x4u
#define PORT_POLLERR 0x8u
#define PORT_POLLHUP 0x10u

struct port_pollfd {
	int fd;
	uint16_t events;
	uint16_t revents;
};

/*
 * Wait until one of fds[] is ready, a signal arrives, or timeout_ns passes
 * (-1: no timeout; 0: just look).  Signals handled by port_sig_* are only
 * delivered while this call waits, so a signal is never lost between a check
 * of port_sig_take() and the wait.  Returns the number of ready entries, 0
 * on timeout, -PORT_EINTR when a signal arrived.
 */
int port_poll(struct port_pollfd *fds, unsigned n, int64_t timeout_ns);

/* ---- time ------------------------------------------------------------- */

/* Monotonic clock in nanoseconds. */
uint64_t port_now_ns(void);

#define PORT_NS_PER_US 1000ull
#define PORT_NS_PER_MS 1000000ull
#define PORT_NS_PER_S 1000000000ull

/* Wall-clock time in nanoseconds since 1970 (settable: it may jump).  For
 * time stamps only (captures, --stats-json), never for deadlines. */
uint64_t port_wall_ns(void);

/* ---- signals ---------------------------------------------------------- */

#define PORT_SIG_STOP 0x1u  /* SIGINT, SIGTERM or SIGHUP */
#define PORT_SIG_STATS 0x2u /* SIGUSR1 */

/* Install handlers for the signals above (SIGPIPE is ignored; SIGBUS in
 * a mapping of port_mem_map is survived, see port_mem_faults). */
int port_sig_init(void);

/* Return the PORT_SIG_* bits raised since the last call, and clear them. */
unsigned port_sig_take(void);

/* ---- output ----------------------------------------------------------- */

enum port_log_level {
	PORT_LOG_ERR,   /* stderr, "vhost: error: " prefix */
	PORT_LOG_WARN,  /* stderr, "vhost: warning: " prefix */
	PORT_LOG_INFO,  /* stdout */
	PORT_LOG_DEBUG, /* stdout: the -v trace */
	PORT_LOG_DATA,  /* stdout: lines for programs (--stats-json) */
};

/* printf-style output of one or more lines; a missing final newline is
 * added. */
void port_log(enum port_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* vsnprintf for the conversions port_log knows: at most cap - 1 bytes
 * and a NUL (cap > 0).  Returns the length the whole text needs. */
size_t port_vformat(char *buf, size_t cap, const char *fmt, va_list ap);

/* port_log with a va_list, and with "tag: " before every line of the
 * message that is not empty, if tag is not NULL (the device a message of
 * several lines is about). */
void port_vlog(enum port_log_level level, const char *tag, const char *fmt,
	       va_list ap);

/* The text of an error code (negative or positive), for messages: the
 * OS's words ("Permission denied"), never NULL. */
const char *port_strerror(int err);

/* Flush buffered standard output (before exit, or after a batch of trace
 * lines). */
void port_log_flush(void);

/* What stdout carries. */
enum port_log_stdout {
	PORT_STDOUT_TEXT, /* every line but errors and warnings (default) */
	PORT_STDOUT_DATA, /* PORT_LOG_DATA lines only; the rest to stderr */
	PORT_STDOUT_NONE, /* nothing: the program writes data there itself
			     (--pcap -); every line to stderr */
};

/* Set where lines go, and whether each line starts with its priority as
 * sd-daemon(3) defines it for the journal: "<3>" (error), "<4>"
 * (warning), "<6>" (info, data), "<7>" (trace).  Called before the first
 * line of the run (lines before it, such as --help, go to stdout,
 * unmarked). */
void port_log_setup(enum port_log_stdout out, bool syslog_prefix);

/* ==== FEATURES: only for the optional parts that use them =============== */

/* ---- network interfaces (tap, AF_PACKET: CFG_MAX_LINKS > 0) ------------ */

/* One piece of a frame to send. */
struct port_iov {
	const void *base;
	uint32_t len;
};

/*
 * Open (creating if needed) the tap interface `name` from /dev/net/tun,
 * IFF_TAP | IFF_NO_PI: each read or write is one whole Ethernet frame.
 * Non-blocking, close-on-exec.  Flags:
 *   PORT_TAP_MULTI_QUEUE  IFF_MULTI_QUEUE: each call opens one more queue
 *                         of the interface; -PORT_EINVAL if it exists
 *                         without multi-queue;
 *   PORT_TAP_VNET_HDR     IFF_VNET_HDR: each frame read or written starts
 *                         with a virtio-net header of PORT_TAP_VNET_HDR_LEN
 *                         bytes (TUNSETVNETHDRSZ), which carries its
 *                         offloads (port_tap_offload).
 */
#define PORT_TAP_MULTI_QUEUE 1u
#define PORT_TAP_VNET_HDR 2u
#define PORT_TAP_VNET_HDR_LEN 12u
int port_tap_open(const char *name, unsigned flags);

/* The offloads the kernel may hand us in the frames it writes to a tap
 * opened with PORT_TAP_VNET_HDR (TUNSETOFFLOAD): partial checksums, TCP
 * segments of up to 64 KiB over IPv4 or IPv6, with ECN.  0: whole,
 * checksummed frames only. */
#define PORT_TAP_OFF_CSUM 1u
#define PORT_TAP_OFF_TSO4 2u
#define PORT_TAP_OFF_TSO6 4u
#define PORT_TAP_OFF_ECN 8u
int port_tap_offload(int fd, unsigned offloads);

/* Attach or detach (TUNSETQUEUE) a queue of a multi-queue tap: the
 * kernel hands frames only to attached queues, and a detached one can
 * neither read nor write (nor be polled) until attached again. */
int port_tap_queue(int fd, bool attach);

/* An AF_PACKET socket bound to the existing interface `ifname`, taking
 * every protocol (ETH_P_ALL), and not seeing the frames it sends itself
 * (PACKET_IGNORE_OUTGOING, or filtered by packet type).  Non-blocking,
 * close-on-exec. */
int port_packet_open(const char *ifname);

/* Read one frame (tap or packet fd) into buf; a longer frame is cut to len
 * and its full length returned.  -PORT_EAGAIN when none is waiting. */
long port_net_recv(int fd, void *buf, uint32_t len);

/* Most pieces one frame may be sent in. */
#define PORT_NET_IOV_MAX 64

/* Write one frame made of n pieces (n <= PORT_NET_IOV_MAX).  -PORT_EAGAIN
 * when the interface cannot take it now (the caller drops and counts
 * it). */
long port_net_send(int fd, const struct port_iov *iov, unsigned n);

/* ---- files (capture output: CFG_WITH_PCAP) --------------------------- */

/* Create or truncate a regular file for writing. */
int port_file_create(const char *path);

/* Standard output, for a capture written there (--pcap -): made
 * non-blocking if it is a pipe or a socket, so that a slow reader costs
 * frames (counted), never a stalled loop.  -PORT_ENOTTY if it is a
 * terminal (binary data would be garbage there). */
int port_file_stdout(void);

/* Write up to len bytes; returns bytes written (maybe fewer). */
long port_file_write(int fd, const void *buf, uint32_t len);

/* ---- running as a service (CFG_WITH_SERVICE) ---------------------------- */

/* Write our process id, in decimal and a newline, to the file at path
 * (created or truncated; a symbolic link there is refused); *id says
 * which file it is (for port_unlink_ours at the end). */
int port_pid_file(const char *path, struct port_file_id *id);

/* The group id of a group name, or of a decimal number.  -PORT_ENOENT if
 * the OS knows no such group. */
int port_group_id(const char *name, uint32_t *gid);

/* ==== TEST BUILDS ONLY: make FAULTS=1 (-DVHOST_FAULTS) ================= */

#ifdef VHOST_FAULTS
/*
 * Points in the ring code where a test build can be made to die, to prove
 * that inflight recovery (vhost-user.rst "Inflight I/O tracking") finishes
 * every chain exactly once (tests/crash/).  core/virtq/fault.h names where
 * each one is.  No product build has them: the calls compile to nothing
 * and this function is not linked (tests/crash checks the binary).
 */
enum port_fault_point {
	PORT_FAULT_POPPED,    /* a chain taken, marked in flight */
	PORT_FAULT_USED,      /* its used element written, not handed over */
	PORT_FAULT_HANDED,    /* handed over, the inflight region not told */
	PORT_FAULT_PUBLISHED, /* handed over and the region told */
	PORT_FAULT_POINTS
};

/* The ring code reached `point`.  Returns, unless the environment
 * (VHOST_FAULT=NAME:N) says to die at the Nth time this point is reached:
 * then the process is killed there (SIGKILL: no handler, no flush, as a
 * crash or an OOM kill would end it), after one line on stderr. */
void port_fault(enum port_fault_point point);
#endif

#endif /* PORT_PORT_H */
