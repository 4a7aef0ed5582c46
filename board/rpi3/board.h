/*
 * board/rpi3 - Raspberry Pi 3 and Zero 2 W: four Cortex-A53 (BCM2837,
 * RP3A0), 512 MiB to 1 GiB, one Ethernet or Wi-Fi link.  A small board
 * that serves a few guests (config.h's 4 devices, one queue pair each,
 * rings up to 1024); only what differs from core/config.h's defaults is
 * set here.
 */
#ifndef BOARD_H
#define BOARD_H

/* eth0 (or wlan0) and a tap to the board's own stack. */
#define CFG_MAX_LINKS 2
/* A home or lab network segment, not a data centre's. */
#define CFG_SWITCH_MACS 64
/* Half the default staging buffer: the SD card is the limit, not the
 * buffer, and 128 KiB still holds a whole 64 KiB record (pcap.h's
 * PCAP_SNAPLEN stays 65535). */
#define CFG_PCAP_BUF (128u << 10)

#endif
