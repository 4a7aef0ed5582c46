/*
 * board/qemu-virt - generic aarch64 (QEMU's "virt" machine, or any
 * Cortex-A board with Linux): the embedded default.  Sized for a small
 * SoC: a few devices, 1024-entry rings at most.
 */
#ifndef BOARD_H
#define BOARD_H

#define CFG_MAX_DEVICES 4
#define CFG_MAX_QUEUE_PAIRS 2
#define CFG_QUEUE_SIZE_MAX 1024
#define CFG_FE_QUEUE_SIZE 256
#define CFG_FE_MEM_SIZE (4u << 20)

#endif
