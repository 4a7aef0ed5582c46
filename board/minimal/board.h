/*
 * board/minimal - the smallest useful back-end: aarch64 like qemu-virt,
 * serving guests that want their frames echoed (--echo), dropped
 * (--sink) or printed (--dump).  The front-end, the responder, the
 * switch, the capture, tap/packet links and the service options
 * (--pid-file, --socket-mode, --socket-group: run it under systemd with
 * --fd instead) are left out: their code is not in the binary, their
 * options are refused, and the port need not provide what only they use
 * (port.h, FEATURES).  Errors are given as numbers (CFG_ERROR_TEXT), and
 * its trace stops at the vhost-user messages (-v).
 */
#ifndef BOARD_H
#define BOARD_H

#define CFG_WITH_FRONTEND 0
#define CFG_WITH_RESPOND 0
#define CFG_WITH_SWITCH 0
#define CFG_WITH_PCAP 0
#define CFG_MAX_LINKS 0
/* the message trace (-v) only: no ring states (-vv) or descriptors (-vvv) */
#define CFG_LOG_TRACE 1
#define CFG_WITH_SERVICE 0
/* errors as numbers: libc's texts do not fit */
#define CFG_ERROR_TEXT 0

#endif
