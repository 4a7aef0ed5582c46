/*
 * config.h - every compile-time knob of the core, with its default.
 *
 * A board overrides any of these in board/<name>/board.h, included first
 * (the build puts board/<name>/ on the include path); nothing else sets
 * CFG_*.
 * Impossible combinations stop the build here with a fix-it message.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include "board.h"

/* Devices (vhost-user sockets) served or driven by one process. */
#ifndef CFG_MAX_DEVICES
#define CFG_MAX_DEVICES 4
#endif

/* Memory regions per device.  vhost-user.rst: 8 without
 * CONFIGURE_MEM_SLOTS; up to 509 with it. */
#ifndef CFG_MAX_REGIONS
#define CFG_MAX_REGIONS 8
#endif

/* Queue pairs per device (queue 2n is RX n, 2n+1 is TX n). */
#ifndef CFG_MAX_QUEUE_PAIRS
#define CFG_MAX_QUEUE_PAIRS 1
#endif

/* Largest ring size accepted from a front-end (virtio 1.2 2.7: a power of
 * two, at most 32768). */
#ifndef CFG_QUEUE_SIZE_MAX
#define CFG_QUEUE_SIZE_MAX 1024
#endif

/* Ring size the front-end role asks for. */
#ifndef CFG_FE_QUEUE_SIZE
#define CFG_FE_QUEUE_SIZE 256
#endif

/* Buffer for one vhost-user message payload. */
#ifndef CFG_MSG_PAYLOAD_MAX
#define CFG_MSG_PAYLOAD_MAX 512
#endif

/* Descriptor segments gathered for one chain (after splitting at region
 * boundaries).  A longer chain is dropped and counted. */
#ifndef CFG_CHAIN_SEGS
#define CFG_CHAIN_SEGS 64
#endif

/* Largest frame handled (without the virtio-net header). */
#ifndef CFG_FRAME_MAX
#define CFG_FRAME_MAX 9216
#endif

/* RX buffers one frame may take with MRG_RXBUF (virtio 1.2 5.1.6.4); a
 * frame that needs more (a guest with tiny buffers) is dropped as
 * oversize. */
#ifndef CFG_RX_BUFS
#define CFG_RX_BUFS 64
#endif

/* Chains handled per queue per wake-up before the loop looks at other fds. */
#ifndef CFG_BATCH
#define CFG_BATCH 64
#endif

/* Interval at which a ring without a kick fd (NOFD flag) is polled. */
#ifndef CFG_NOFD_POLL_US
#define CFG_NOFD_POLL_US 100
#endif

/* Interval between connect attempts of a client-mode socket. */
#ifndef CFG_RECONNECT_MS
#define CFG_RECONNECT_MS 200
#endif

/* Size of the shared memory a front-end builds (rings and buffers). */
#ifndef CFG_FE_MEM_SIZE
#define CFG_FE_MEM_SIZE (4u << 20)
#endif

/* Tap and AF_PACKET interfaces one process bridges to. */
#ifndef CFG_MAX_LINKS
#define CFG_MAX_LINKS 4
#endif

/* MAC addresses the learning switch remembers, and how long (ms) an
 * address stays learned without being seen. */
#ifndef CFG_SWITCH_MACS
#define CFG_SWITCH_MACS 256
#endif
#ifndef CFG_SWITCH_AGE_MS
#define CFG_SWITCH_AGE_MS 300000
#endif

/* Capture staging buffer: frames are copied here and written to the pcap
 * file in large writes, off the per-frame path. */
#ifndef CFG_PCAP_BUF
#define CFG_PCAP_BUF (256u << 10)
#endif

/* The lines a peer can cause (errors, warnings, connects and
 * disconnects): CFG_LOG_BURST at once, then CFG_LOG_RATE a second, per
 * device (log.h). */
#ifndef CFG_LOG_BURST
#define CFG_LOG_BURST 20
#endif
#ifndef CFG_LOG_RATE
#define CFG_LOG_RATE 10
#endif

/* The deepest trace built in (log.h): 1 the vhost-user messages (-v), 2
 * also the rings' changes of state (-vv), 3 also every kick, call, chain
 * and descriptor (-vvv).  A deeper -v is refused. */
#ifndef CFG_LOG_TRACE
#define CFG_LOG_TRACE 3
#endif

/* ---- optional parts ------------------------------------------------------
 * 1 builds a part in, 0 leaves it out.  A part left out is not in the
 * binary (its calls sit behind `if (CFG_WITH_...)` tests that the compiler
 * folds away, and the Makefile does not build its files), its options are
 * refused with "not in this build", and the port need not provide what
 * only it uses (port.h, FEATURES).  Links (--tap, --packet) go with
 * CFG_MAX_LINKS 0. */

/* The front-end role (-q and its options). */
#ifndef CFG_WITH_FRONTEND
#define CFG_WITH_FRONTEND 1
#endif

/* The bring-up responder (--respond, --ip6, --mac): ARP, ping and IPv6
 * neighbour discovery for an address of our own. */
#ifndef CFG_WITH_RESPOND
#define CFG_WITH_RESPOND 1
#endif

/* The learning switch between devices and links (--switch). */
#ifndef CFG_WITH_SWITCH
#define CFG_WITH_SWITCH 1
#endif

/* The pcap capture (--pcap, --pcap-max). */
#ifndef CFG_WITH_PCAP
#define CFG_WITH_PCAP 1
#endif

/* Running as a system service on its own: --pid-file, and the mode and
 * group of the socket files it makes (--socket-mode, --socket-group), so
 * that a VMM running as another user can connect.  Under systemd socket
 * activation (--fd), the socket unit sets those and tracks the process:
 * a board may leave this out. */
#ifndef CFG_WITH_SERVICE
#define CFG_WITH_SERVICE 1
#endif

/* Errors in messages in the OS's words ("Permission denied"): 1, or as
 * their numbers ("error 13"), 0, which leaves libc's table of texts out
 * (2.3 KB on aarch64). */
#ifndef CFG_ERROR_TEXT
#define CFG_ERROR_TEXT 1
#endif

/* ---- derived and checked ---------------------------------------------- */

/* Tap and AF_PACKET interfaces are built in (port.h, FEATURES). */
#define CFG_WITH_LINKS (CFG_MAX_LINKS > 0)

#define CFG_MAX_QUEUES (2 * CFG_MAX_QUEUE_PAIRS)

/* One message carries at most this many fds (SET_MEM_TABLE: one per
 * region of the baseline table). */
#define CFG_MAX_MSG_FDS 8

#if CFG_MAX_DEVICES < 1
#error "CFG_MAX_DEVICES must be at least 1"
#endif
#if CFG_MAX_REGIONS < 1 || CFG_MAX_REGIONS > 509
#error "CFG_MAX_REGIONS must be 1..509 (vhost-user.rst, VHOST_USER_GET_MAX_MEM_SLOTS)"
#endif
#if CFG_MAX_QUEUE_PAIRS < 1 || CFG_MAX_QUEUE_PAIRS > 128
#error "CFG_MAX_QUEUE_PAIRS must be 1..128 (the kick/call payload holds an 8-bit index)"
#endif
#if CFG_QUEUE_SIZE_MAX < 2 || CFG_QUEUE_SIZE_MAX > 32768 || \
	(CFG_QUEUE_SIZE_MAX & (CFG_QUEUE_SIZE_MAX - 1))
#error "CFG_QUEUE_SIZE_MAX must be a power of two from 2 to 32768 (virtio 1.2 2.7)"
#endif
#if CFG_FE_QUEUE_SIZE < 2 || CFG_FE_QUEUE_SIZE > CFG_QUEUE_SIZE_MAX || \
	(CFG_FE_QUEUE_SIZE & (CFG_FE_QUEUE_SIZE - 1))
#error "CFG_FE_QUEUE_SIZE must be a power of two no larger than CFG_QUEUE_SIZE_MAX"
#endif
#if CFG_MSG_PAYLOAD_MAX < 8 + 32 * 8
#error "CFG_MSG_PAYLOAD_MAX must hold a SET_MEM_TABLE of 8 regions: at least 264"
#endif
#if CFG_CHAIN_SEGS < 2
#error "CFG_CHAIN_SEGS must be at least 2 (header and frame)"
#endif
#if CFG_FRAME_MAX < 64 || CFG_FRAME_MAX > 65535
#error "CFG_FRAME_MAX must be 64..65535"
#endif
#if CFG_MAX_LINKS < 0 || CFG_MAX_LINKS > 64
#error "CFG_MAX_LINKS must be 0..64"
#endif
#if CFG_SWITCH_MACS < 4 || (CFG_SWITCH_MACS & (CFG_SWITCH_MACS - 1))
#error "CFG_SWITCH_MACS must be a power of two, at least 4"
#endif
#if CFG_PCAP_BUF < 2 * (CFG_FRAME_MAX + 16)
#error "CFG_PCAP_BUF must hold at least two records of CFG_FRAME_MAX bytes"
#endif
#if CFG_RX_BUFS < 1 || CFG_RX_BUFS > 0xffff
#error "CFG_RX_BUFS must be 1..65535 (num_buffers is 16 bits)"
#endif
#if CFG_LOG_BURST < 1 || CFG_LOG_RATE < 1 || CFG_LOG_RATE > 1000000000
#error "CFG_LOG_BURST and CFG_LOG_RATE must be at least 1 (lines, lines a second)"
#endif
#if CFG_LOG_TRACE < 1 || CFG_LOG_TRACE > 3
#error "CFG_LOG_TRACE must be 1 (-v), 2 (-vv) or 3 (-vvv)"
#endif
#if CFG_BATCH < 1 || CFG_BATCH > CFG_QUEUE_SIZE_MAX
#error "CFG_BATCH must be 1..CFG_QUEUE_SIZE_MAX"
#endif
#if (CFG_WITH_FRONTEND != 0 && CFG_WITH_FRONTEND != 1) || \
	(CFG_WITH_RESPOND != 0 && CFG_WITH_RESPOND != 1) || \
	(CFG_WITH_SWITCH != 0 && CFG_WITH_SWITCH != 1) || \
	(CFG_WITH_PCAP != 0 && CFG_WITH_PCAP != 1)
#error "CFG_WITH_FRONTEND, CFG_WITH_RESPOND, CFG_WITH_SWITCH and CFG_WITH_PCAP are 0 (left out) or 1 (built in)"
#endif
#if CFG_WITH_FRONTEND && !CFG_WITH_RESPOND
#error "CFG_WITH_FRONTEND needs CFG_WITH_RESPOND (the front-end's --respond/--ping host answers through the responder): set CFG_WITH_RESPOND 1, or both 0"
#endif

#endif /* CORE_CONFIG_H */
