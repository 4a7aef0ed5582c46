/*
 * fe_ping.h - the front-end's --ping traffic: ARP for the peer, then echo
 * requests checked field by field, while answering ARP and ping for our
 * own address (--respond) like a small host would.
 */
#ifndef CORE_FE_PING_H
#define CORE_FE_PING_H

#include <stdint.h>

#include "core/dev/frontend.h"

/* Queue what should go out now (ARP, retries, pings within the window). */
void fe_ping_pump(struct fe_dev *d, uint64_t now);

/* One frame that came in on RX. */
void fe_ping_rx(struct fe_dev *d, const uint8_t *frame, uint32_t len);

/* 1 when every ping was answered (and --serve time is over), 0 not yet,
 * <0 failed. */
int fe_ping_over(struct fe_dev *d, uint64_t now);

/* Next time fe_ping_pump or fe_ping_over has something to do. */
uint64_t fe_ping_deadline(const struct fe_dev *d);

#endif /* CORE_FE_PING_H */
