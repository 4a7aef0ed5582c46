/*
 * board/ampere-altra - Ampere Altra and Altra Max: 80 to 128 Neoverse-N1
 * cores, hundreds of GiB, several 25-100 Gb/s ports.  A large server SoC
 * that serves many guests, each with several queue pairs; only what
 * differs from core/config.h's defaults is set here.
 */
#ifndef BOARD_H
#define BOARD_H

/* Many guests on one server (one poll loop serves them all; run one
 * process per NUMA node or per group of guests to use more cores). */
#define CFG_MAX_DEVICES 16
/* Guests with multi-queue virtio-net (QEMU queues=8). */
#define CFG_MAX_QUEUE_PAIRS 8
/* Rings as large as virtio allows (DPDK's virtio-user can ask for them). */
#define CFG_QUEUE_SIZE_MAX 32768
/* The front-end's memory, as on the host board: room for large rings. */
#define CFG_FE_MEM_SIZE (8u << 20)
/* Several NIC ports and taps. */
#define CFG_MAX_LINKS 8
/* A data-centre segment. */
#define CFG_SWITCH_MACS 1024
/* Capture in writes of up to 512 KiB: fewer system calls at high frame
 * rates. */
#define CFG_PCAP_BUF (512u << 10)

#endif
