/*
 * board/qemu-virt - generic aarch64 (QEMU's "virt" machine, or any
 * Cortex-A board with Linux): the embedded default.  core/config.h's
 * defaults are sized for it (a few devices, 1024-entry rings at most);
 * this file sets only what differs from them.
 */
#ifndef BOARD_H
#define BOARD_H

#define CFG_MAX_QUEUE_PAIRS 2

#endif
