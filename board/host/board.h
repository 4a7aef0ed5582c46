/*
 * board/host - a native build on a Linux development machine: more of
 * everything, for development, tests and benchmarks.  Only what differs
 * from core/config.h's defaults is set here.
 */
#ifndef BOARD_H
#define BOARD_H

#define CFG_MAX_DEVICES 8
#define CFG_MAX_QUEUE_PAIRS 8
#define CFG_QUEUE_SIZE_MAX 32768
#define CFG_FE_MEM_SIZE (8u << 20)

#endif
