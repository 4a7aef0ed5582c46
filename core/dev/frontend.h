/*
 * frontend.h - the front-end role: a VMM and a guest driver in one, to
 * drive any vhost-user back-end with no VM at all.
 *
 * It builds its own shared memory (one memfd region), walks the back-end
 * through the handshake, then sends --frames test frames on TX and checks
 * each one that comes back on RX, byte for byte.
 */
#ifndef CORE_FRONTEND_H
#define CORE_FRONTEND_H

#include <stdint.h>

#include "core/dev/dev.h"

/* The front-end role, for dev_open. */
extern const struct dev_role fe_role;

/* Build the shared memory.  Negative if the options do not fit it. */
int fe_init(struct vu_dev *d);

/* Release the shared memory. */
void fe_release(struct vu_dev *d);

/* The connection is up: start the handshake. */
int fe_connected(struct vu_dev *d, uint64_t now);

/* A message from the back-end (a reply).  Negative ends the run. */
int fe_on_msg(struct vu_dev *d, struct vu_msg *m, uint64_t now);

/* A call eventfd fired. */
int fe_on_call(struct vu_dev *d, uint64_t now);

/* Time-outs and the quiet period of --expect-none. */
int fe_tick(struct vu_dev *d, uint64_t now);

/* When fe_tick next has something to do (ns), UINT64_MAX if never. */
uint64_t fe_deadline(const struct vu_dev *d);

/* The connection went away (or the run failed): finish with a result. */
void fe_disconnected(struct vu_dev *d);

/* For the traffic modes (fe_ping.c): queue one frame on TX (kicked at the
 * end of the round); -1 when no TX slot is free or it is too large. */
int fe_send(struct vu_dev *d, const uint8_t *frame, uint32_t len);

/* End the run as failed, with a reason. */
void fe_fail(struct vu_dev *d, const char *why);

/* The test frame number seq of `size` bytes (the sample app's ARP request,
 * padded with a sequence number and a pattern). */
void fe_make_frame(uint8_t *out, uint32_t size, uint32_t seq);

#endif /* CORE_FRONTEND_H */
